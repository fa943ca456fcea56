//! Checking an export read back from a directory against the one recomputed
//! from the chain: every file compared line by line, the first differing
//! line of each reported with what was expected and what was found, and
//! missing or extra files named. The manifest's lines name their field, so
//! a relabelled export reads "manifest.json line 6 (stateRoot): …".

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use super::Export;
use super::render::MANIFEST_FILE;

/// How one file of a directory differs from the recomputed export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileDifference {
    /// A file of the export is not in the directory.
    Missing {
        /// The file's name.
        file: String,
    },
    /// The directory holds a file that is not part of the export.
    Extra {
        /// The file's name.
        file: String,
    },
    /// The first line that differs (1-based).
    Line {
        /// The file's name.
        file: String,
        /// The line number, from 1.
        line: usize,
        /// For the manifest, the field on that line (e.g. `stateRoot`).
        field: Option<String>,
        /// The line the chain gives (without its line end); `None` past
        /// the end of the expected file.
        expected: Option<String>,
        /// The line found (without its line end); `None` past the end of
        /// the file found.
        found: Option<String>,
        /// Whether the two lines differ only by the line end `\n`.
        line_end_only: bool,
    },
}

impl FileDifference {
    /// The file the difference is in.
    pub fn file(&self) -> &str {
        match self {
            FileDifference::Missing { file }
            | FileDifference::Extra { file }
            | FileDifference::Line { file, .. } => file,
        }
    }
}

impl fmt::Display for FileDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileDifference::Missing { file } => write!(f, "{file}: missing"),
            FileDifference::Extra { file } => {
                write!(f, "{file}: not a file of the export (extra)")
            }
            FileDifference::Line {
                file,
                line,
                field,
                expected,
                found,
                line_end_only,
            } => {
                write!(f, "{file} line {line}")?;
                if let Some(field) = field {
                    write!(f, " ({field})")?;
                }
                match (expected, found) {
                    (Some(expected), Some(_)) if *line_end_only => {
                        write!(f, ": `{expected}` has no line end")
                    }
                    (Some(expected), Some(found)) => {
                        write!(f, ": expected `{expected}`, found `{found}`")
                    }
                    (Some(expected), None) => {
                        write!(f, ": expected `{expected}`, found the end of the file")
                    }
                    (None, Some(found)) => {
                        write!(f, ": expected the end of the file, found `{found}`")
                    }
                    (None, None) => write!(f, ": differs"),
                }
            }
        }
    }
}

/// The verdict on a directory: empty `differences` means every file is
/// the chain's, byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckReport {
    /// The height the export was recomputed at.
    pub height: u64,
    /// The state root at that height (hex).
    pub state_root: String,
    /// How many files the export has (the manifest included).
    pub files: usize,
    /// The first difference of each differing file, by file name.
    pub differences: Vec<FileDifference>,
}

impl CheckReport {
    /// Whether the directory holds exactly the export.
    pub fn matches(&self) -> bool {
        self.differences.is_empty()
    }
}

/// Compares `found` (file name → bytes, as read from a directory) with
/// the recomputed `expected` export.
pub fn check_export(expected: &Export, found: &BTreeMap<String, Vec<u8>>) -> CheckReport {
    let mut differences = Vec::new();
    for (name, bytes) in &expected.files {
        match found.get(name) {
            None => differences.push(FileDifference::Missing { file: name.clone() }),
            Some(found_bytes) => differences.extend(first_difference(name, bytes, found_bytes)),
        }
    }
    differences.extend(
        found
            .keys()
            .filter(|name| !expected.files.contains_key(*name))
            .map(|name| FileDifference::Extra { file: name.clone() }),
    );
    differences.sort_by(|a, b| a.file().cmp(b.file()));
    CheckReport {
        height: expected.header.height,
        state_root: expected.header.state_root.clone(),
        files: expected.files.len(),
        differences,
    }
}

/// The first line where `found` differs from `expected`, if any.
fn first_difference(name: &str, expected: &[u8], found: &[u8]) -> Option<FileDifference> {
    if expected == found {
        return None;
    }
    let mut expected_lines = expected.split_inclusive(|&b| b == b'\n');
    let mut found_lines = found.split_inclusive(|&b| b == b'\n');
    let mut number = 0usize;
    loop {
        number = number.saturating_add(1);
        let (wanted, got) = (expected_lines.next(), found_lines.next());
        if wanted == got {
            // Both files ended together (unreachable: they differ).
            wanted?;
            continue;
        }
        let line_end_only = match (wanted, got) {
            (Some(a), Some(b)) => without_line_end(a) == without_line_end(b),
            _ => false,
        };
        let field = (name == MANIFEST_FILE)
            .then(|| wanted.or(got).and_then(manifest_field))
            .flatten();
        return Some(FileDifference::Line {
            file: name.to_owned(),
            line: number,
            field,
            expected: wanted.map(line_text),
            found: got.map(line_text),
            line_end_only,
        });
    }
}

fn without_line_end(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\n").unwrap_or(line)
}

/// A line's text without its line end (invalid UTF-8 shown as U+FFFD).
fn line_text(line: &[u8]) -> String {
    String::from_utf8_lossy(without_line_end(line)).into_owned()
}

/// The field a manifest line holds: its first quoted word when followed by
/// `:` (`"stateRoot": …`), or the file named on a file line.
fn manifest_field(line: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(line);
    let trimmed = text.trim_start();
    if let Some(rest) = trimmed.strip_prefix("{\"name\":\"") {
        return rest
            .split('"')
            .next()
            .map(|file| format!("sha256 of {file}"));
    }
    let rest = trimmed.strip_prefix('"')?;
    let (key, after) = rest.split_once('"')?;
    after.starts_with(':').then(|| key.to_owned())
}

/// What the manifest of a directory says it is: the chain and the height
/// to recompute it at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestHead {
    /// The chain's id.
    pub chain_id: String,
    /// The genesis hash (hex).
    pub genesis_hash: String,
    /// The height the export says it was computed at.
    pub height: u64,
    /// The state root it says (hex).
    pub state_root: String,
}

/// Why a manifest could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Not the manifest's JSON form.
    #[error("manifest.json is not an export manifest: {0}")]
    NotAManifest(serde_json::Error),
    /// The height is not a decimal u64.
    #[error("manifest.json: the height {0:?} is not a decimal number")]
    Height(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestFields {
    chain_id: String,
    genesis_hash: String,
    height: String,
    state_root: String,
}

impl ManifestHead {
    /// Reads the head of `manifest.json`'s bytes.
    pub fn parse(bytes: &[u8]) -> Result<ManifestHead, ManifestError> {
        let fields: ManifestFields =
            serde_json::from_slice(bytes).map_err(ManifestError::NotAManifest)?;
        let height = parse_decimal(&fields.height).ok_or(ManifestError::Height(fields.height))?;
        Ok(ManifestHead {
            chain_id: fields.chain_id,
            genesis_hash: fields.genesis_hash,
            height,
            state_root: fields.state_root,
        })
    }
}

/// A decimal u64 written as the export writes it (digits only).
fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}
