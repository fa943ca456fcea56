//! A proof bundle on disk: JSON, gzip-compressed (RFC 1952) when the file's
//! name ends in `.gz`. Reading detects gzip by its magic bytes, whatever the
//! name, and bounds what it inflates, so a small file cannot expand into
//! gigabytes.

use std::io::{Read, Write};
use std::path::Path;

use civitas_audit::bundle::ProofBundle;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::exit::CliError;

/// The largest bundle read, compressed or inflated (a bundle with the most
/// set changes allowed is far smaller).
const BUNDLE_BYTES_MAX: u64 = 256 << 20;

/// The first two bytes of every gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Writes `bundle` to `path`: pretty JSON, compressed when `path` ends in `.gz`.
pub fn write(path: &Path, bundle: &ProofBundle) -> Result<(), CliError> {
    let cannot =
        |e: std::io::Error| CliError::failure(format!("cannot write {}: {e}", path.display()));
    let text = serde_json::to_string_pretty(bundle)? + "\n";
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(text.as_bytes()).map_err(cannot)?;
        encoder.finish().map_err(cannot)?
    } else {
        text.into_bytes()
    };
    std::fs::write(path, bytes).map_err(cannot)
}

/// Reads the bundle in `path`, plain or gzip-compressed; anything that is not
/// a whole bundle is a verification failure (exit 5).
pub fn read(path: &Path) -> Result<ProofBundle, CliError> {
    let size = std::fs::metadata(path)
        .map_err(|e| CliError::failure(format!("cannot read {}: {e}", path.display())))?
        .len();
    if size > BUNDLE_BYTES_MAX {
        return Err(CliError::verification(format!(
            "{} is {size} bytes, more than any proof bundle",
            path.display()
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::failure(format!("cannot read {}: {e}", path.display())))?;
    let text = json_of(&bytes, BUNDLE_BYTES_MAX).map_err(|problem| {
        CliError::verification(format!(
            "{} is not a proof bundle: {problem}",
            path.display()
        ))
    })?;
    serde_json::from_slice(&text).map_err(|e| {
        CliError::verification(format!(
            "{} is not a proof bundle (truncated or edited?): {e}",
            path.display()
        ))
    })
}

/// The JSON of a bundle file's `bytes`: inflated (at most `limit` bytes) if
/// they are gzip, as they are otherwise.
fn json_of(bytes: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(bytes.to_vec());
    }
    let mut inflated = Vec::new();
    GzDecoder::new(bytes)
        .take(limit.saturating_add(1))
        .read_to_end(&mut inflated)
        .map_err(|e| format!("its gzip compression is damaged (truncated?): {e}"))?;
    if inflated.len() as u64 > limit {
        return Err(format!("it inflates to more than {limit} bytes"));
    }
    Ok(inflated)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn plain_json_is_read_as_it_is_and_gzip_is_inflated() {
        assert_eq!(json_of(b"{}", 10).unwrap(), b"{}");
        assert_eq!(json_of(&gzip(b"{\"a\": 1}"), 10).unwrap(), b"{\"a\": 1}");
    }

    #[test]
    fn a_truncated_gzip_is_refused() {
        let whole = gzip(&[b'x'; 4096]);
        let truncated = &whole[..whole.len() / 2];
        let problem = json_of(truncated, 1 << 20).unwrap_err();
        assert!(problem.contains("damaged"), "{problem}");
    }

    #[test]
    fn a_gzip_that_inflates_beyond_the_limit_is_refused() {
        let bomb = gzip(&vec![0u8; 1 << 20]);
        assert!(bomb.len() < 4096, "a megabyte of zeros compresses well");
        let problem = json_of(&bomb, 1 << 19).unwrap_err();
        assert!(problem.contains("more than 524288 bytes"), "{problem}");
        assert_eq!(json_of(&bomb, 1 << 20).unwrap().len(), 1 << 20);
    }
}
