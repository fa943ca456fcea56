//! Hexadecimal parameters: parsing with errors that say what was expected, the
//! same on the node and in clients.

use civitas_types::limits::TRANSACTION_BYTES_MAX;
use civitas_types::{Hash, PublicKey, SignedTransaction, decode};
use jsonrpsee::types::ErrorObjectOwned;

use crate::errors::{Fault, RejectionData, invalid_params, invalid_transaction};

/// Lower-case hexadecimal of `bytes`, the form of every hash, key and encoding in the API.
pub fn to_hex(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(bytes)
}

/// Parses a hash or transaction id: 64 hexadecimal characters, no `0x`.
/// The error ([`crate::INVALID_PARAMS`]) names parameter `name`.
pub fn parse_hash(name: &str, text: &str) -> Result<Hash, ErrorObjectOwned> {
    parse_32_bytes(name, text, "a hash").map(Hash)
}

/// Parses an ed25519 public key: 64 hexadecimal characters, no `0x`.
/// The error ([`crate::INVALID_PARAMS`]) names parameter `name`.
pub fn parse_public_key(name: &str, text: &str) -> Result<PublicKey, ErrorObjectOwned> {
    parse_32_bytes(name, text, "a public key").map(PublicKey)
}

fn parse_32_bytes(name: &str, text: &str, what: &str) -> Result<[u8; 32], ErrorObjectOwned> {
    let expected = |problem: String| {
        invalid_params(
            name,
            &format!("{what} is 64 hexadecimal characters without 0x; {problem}"),
        )
    };
    if text.starts_with("0x") || text.starts_with("0X") {
        return Err(expected("remove the 0x prefix".to_owned()));
    }
    if text.len() != 64 {
        return Err(expected(format!("got {} characters", text.len())));
    }
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text, &mut bytes).map_err(|error| expected(error.to_string()))?;
    Ok(bytes)
}

/// Parses an account address (`civ1…`, bech32m). The error
/// ([`crate::INVALID_PARAMS`]) names parameter `name` and says what is wrong.
pub fn parse_account(name: &str, text: &str) -> Result<civitas_types::AccountId, ErrorObjectOwned> {
    text.parse()
        .map_err(|error: civitas_types::ParseAccountError| {
            invalid_params(
                name,
                &format!("an account is a civ1… bech32m address; {error}"),
            )
        })
}

/// Parses a submitted transaction's hex into its bytes, refusing (with
/// [`crate::INVALID_TRANSACTION`]) text that is not hexadecimal or that encodes more
/// than the transaction size limit, before decoding a byte of it. The bytes are
/// not decoded: the mempool decodes them strictly.
pub fn parse_transaction_hex(text: &str) -> Result<Vec<u8>, ErrorObjectOwned> {
    let refuse = |reason: &str, detail: String| {
        invalid_transaction(RejectionData {
            reason: reason.to_owned(),
            detail,
            fault: Fault::Sender,
        })
    };
    let hex_max = TRANSACTION_BYTES_MAX.saturating_mul(2);
    if text.len() > hex_max {
        return Err(refuse(
            "TooLarge",
            format!(
                "the transaction's hex is {} characters; the limit is {hex_max} ({TRANSACTION_BYTES_MAX} bytes)",
                text.len()
            ),
        ));
    }
    if text.starts_with("0x") || text.starts_with("0X") {
        return Err(refuse("NotHex", "remove the 0x prefix".to_owned()));
    }
    hex::decode(text).map_err(|error| refuse("NotHex", format!("the hex is invalid: {error}")))
}

/// Parses and decodes a submitted transaction (see [`parse_transaction_hex`]);
/// bytes that are not a canonical encoding are refused with reason `Malformed`.
pub fn decode_transaction_hex(text: &str) -> Result<SignedTransaction, ErrorObjectOwned> {
    let bytes = parse_transaction_hex(text)?;
    decode(&bytes).map_err(|error| {
        invalid_transaction(RejectionData {
            reason: "Malformed".to_owned(),
            detail: format!("the transaction does not decode: {error}"),
            fault: Fault::Sender,
        })
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::errors::{INVALID_PARAMS, INVALID_TRANSACTION, rejection_data};

    #[test]
    fn hashes_parse_in_either_case_and_never_with_0x() {
        let text = "ab".repeat(32);
        assert_eq!(parse_hash("id", &text).unwrap(), Hash([0xab; 32]));
        assert_eq!(
            parse_hash("id", &text.to_uppercase()).unwrap(),
            Hash([0xab; 32])
        );
        for bad in [
            format!("0x{}", &text[2..]),
            "ab".repeat(31),
            "zz".repeat(32),
        ] {
            let error = parse_hash("id", &bad).unwrap_err();
            assert_eq!(error.code(), INVALID_PARAMS);
            assert!(error.message().contains("`id`"), "{}", error.message());
        }
        assert!(
            parse_hash("id", &format!("0x{}", &text[2..]))
                .unwrap_err()
                .message()
                .contains("remove the 0x prefix")
        );
    }

    #[test]
    fn public_keys_parse_like_hashes() {
        let key = PublicKey([7; 32]);
        assert_eq!(parse_public_key("proposer", &key.to_hex()).unwrap(), key);
        assert!(parse_public_key("proposer", "07").is_err());
    }

    #[test]
    fn transactions_that_are_not_hex_or_too_large_are_refused_before_decoding() {
        let not_hex = parse_transaction_hex("xyz").unwrap_err();
        assert_eq!(not_hex.code(), INVALID_TRANSACTION);
        assert_eq!(rejection_data(&not_hex).unwrap().reason, "NotHex");

        let too_large = parse_transaction_hex(&"00".repeat(TRANSACTION_BYTES_MAX + 1)).unwrap_err();
        assert_eq!(rejection_data(&too_large).unwrap().reason, "TooLarge");

        assert_eq!(
            parse_transaction_hex(&"00".repeat(TRANSACTION_BYTES_MAX))
                .unwrap()
                .len(),
            TRANSACTION_BYTES_MAX
        );
        let malformed = decode_transaction_hex("00").unwrap_err();
        assert_eq!(malformed.code(), INVALID_TRANSACTION);
        assert_eq!(rejection_data(&malformed).unwrap().reason, "Malformed");
    }
}
