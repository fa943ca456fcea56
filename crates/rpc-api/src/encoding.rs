//! Hexadecimal parameters: parsing with errors that say what was expected, the
//! same on the node and in clients.

use civitas_types::limits::TRANSACTION_BYTES_MAX;
use civitas_types::{Hash, PublicKey, SignedTransaction, decode};
use jsonrpsee::types::ErrorObjectOwned;

use crate::errors::{Fault, RejectionData, invalid_params, invalid_transaction};

/// `0x` and the lower-case hexadecimal of `bytes`: the form of every hash,
/// key and encoding the API answers.
pub fn to_hex(bytes: impl AsRef<[u8]>) -> String {
    let bytes = bytes.as_ref();
    let mut text = String::with_capacity(bytes.len().saturating_mul(2).saturating_add(2));
    text.push_str("0x");
    text.push_str(&hex::encode(bytes));
    text
}

/// The digits of hexadecimal `text`: without its `0x` (or `0X`) prefix. The
/// API answers with the prefix and accepts parameters with or without it.
pub fn hex_digits(text: &str) -> &str {
    text.strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text)
}

/// Decodes hexadecimal `text`, with or without its `0x` prefix (the inverse
/// of [`to_hex`]).
pub fn from_hex(text: &str) -> Result<Vec<u8>, hex::FromHexError> {
    hex::decode(hex_digits(text))
}

/// Parses a hash or transaction id: `0x` and 64 hexadecimal digits (the
/// prefix may be left out). The error ([`crate::INVALID_PARAMS`]) names
/// parameter `name`.
pub fn parse_hash(name: &str, text: &str) -> Result<Hash, ErrorObjectOwned> {
    parse_32_bytes(name, text, "a hash").map(Hash)
}

/// Parses an ed25519 public key: `0x` and 64 hexadecimal digits (the prefix
/// may be left out). The error ([`crate::INVALID_PARAMS`]) names parameter
/// `name`.
pub fn parse_public_key(name: &str, text: &str) -> Result<PublicKey, ErrorObjectOwned> {
    parse_32_bytes(name, text, "a public key").map(PublicKey)
}

fn parse_32_bytes(name: &str, text: &str, what: &str) -> Result<[u8; 32], ErrorObjectOwned> {
    let expected = |problem: String| {
        invalid_params(
            name,
            &format!("{what} is 0x and 64 hexadecimal digits; {problem}"),
        )
    };
    let digits = hex_digits(text);
    if digits.len() != 64 {
        return Err(expected(format!("got {} digits", digits.len())));
    }
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(digits, &mut bytes).map_err(|error| expected(error.to_string()))?;
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
    let text = hex_digits(text);
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
    fn hex_is_answered_with_0x_and_reads_back_with_or_without_it() {
        assert_eq!(to_hex([0xab, 0x01]), "0xab01");
        assert_eq!(to_hex(Hash([0; 32])).len(), 66);
        assert_eq!(from_hex("0xab01").unwrap(), vec![0xab, 0x01]);
        assert_eq!(from_hex("0XAB01").unwrap(), vec![0xab, 0x01]);
        assert_eq!(from_hex("ab01").unwrap(), vec![0xab, 0x01]);
        assert!(from_hex("0x0x").is_err());
    }

    #[test]
    fn hashes_parse_with_or_without_0x_in_either_case() {
        let digits = "ab".repeat(32);
        for text in [
            digits.clone(),
            digits.to_uppercase(),
            format!("0x{digits}"),
            format!("0X{digits}"),
        ] {
            assert_eq!(parse_hash("id", &text).unwrap(), Hash([0xab; 32]), "{text}");
        }
        for bad in [
            format!("0x{}", &digits[2..]),
            "ab".repeat(31),
            "zz".repeat(32),
            format!("0x0x{}", &digits[4..]),
        ] {
            let error = parse_hash("id", &bad).unwrap_err();
            assert_eq!(error.code(), INVALID_PARAMS);
            assert!(error.message().contains("`id`"), "{}", error.message());
            assert!(error.message().contains("0x and 64"), "{}", error.message());
        }
    }

    #[test]
    fn public_keys_parse_like_hashes() {
        let key = PublicKey([7; 32]);
        assert_eq!(parse_public_key("proposer", &to_hex(key)).unwrap(), key);
        assert_eq!(parse_public_key("proposer", &key.to_hex()).unwrap(), key);
        assert!(parse_public_key("proposer", "07").is_err());
    }

    #[test]
    fn transactions_that_are_not_hex_or_too_large_are_refused_before_decoding() {
        let not_hex = parse_transaction_hex("xyz").unwrap_err();
        assert_eq!(parse_transaction_hex("0x00ff").unwrap(), vec![0, 0xff]);
        assert_eq!(not_hex.code(), INVALID_TRANSACTION);
        assert_eq!(rejection_data(&not_hex).unwrap().reason, "NotHex");

        let too_large = parse_transaction_hex(&"00".repeat(TRANSACTION_BYTES_MAX + 1)).unwrap_err();
        assert_eq!(rejection_data(&too_large).unwrap().reason, "TooLarge");

        let largest = format!("0x{}", "00".repeat(TRANSACTION_BYTES_MAX));
        assert_eq!(
            parse_transaction_hex(&largest).unwrap().len(),
            TRANSACTION_BYTES_MAX
        );
        let malformed = decode_transaction_hex("00").unwrap_err();
        assert_eq!(malformed.code(), INVALID_TRANSACTION);
        assert_eq!(rejection_data(&malformed).unwrap().reason, "Malformed");
    }
}
