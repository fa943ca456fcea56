//! Reading what people type: addresses, hashes, sirens, roles, scopes,
//! amounts in euros, times, record fields. Each refusal says what was
//! expected (exit 2, a usage error).

use civitas_civic::metadata::{FieldValue, Reference};
use civitas_civic::model::{NamespaceName, RecordId, Role, Scope, Siren};
use civitas_types::{AccountId, BoundedBytes, Hash, PublicKey};

use crate::exit::CliError;

/// A `civ1…` address.
pub fn account(text: &str) -> Result<AccountId, CliError> {
    text.trim().parse().map_err(|e| {
        CliError::usage(format!(
            "{text:?} is not a Civitas address (civ1…): {e}; `civitas keys list` shows yours"
        ))
    })
}

/// 32 bytes in hex (64 digits, `0x` allowed).
pub fn bytes32(what: &str, text: &str) -> Result<[u8; 32], CliError> {
    let digits = text.trim().trim_start_matches("0x");
    let bytes = hex::decode(digits)
        .map_err(|e| CliError::usage(format!("{what} {text:?} is not hex: {e}")))?;
    bytes.try_into().map_err(|bytes: Vec<u8>| {
        CliError::usage(format!(
            "{what} {text:?} has {} bytes; 32 (64 hex digits) expected",
            bytes.len()
        ))
    })
}

/// A hash in hex.
pub fn hash(what: &str, text: &str) -> Result<Hash, CliError> {
    bytes32(what, text).map(Hash)
}

/// An ed25519 public key in hex.
pub fn public_key(what: &str, text: &str) -> Result<PublicKey, CliError> {
    bytes32(what, text).map(PublicKey)
}

/// A key account's public key: its `civ1…` address (a key account's id is
/// its public key) or the key in hex.
pub fn key_of_account(text: &str) -> Result<PublicKey, CliError> {
    if text.trim().starts_with("civ1") {
        Ok(account(text)?.as_public_key())
    } else {
        public_key("the key", text)
    }
}

/// A SIREN (9 digits with a valid Luhn check digit).
pub fn siren(number: u32) -> Result<Siren, CliError> {
    let siren = Siren(number);
    if siren.is_valid() {
        Ok(siren)
    } else {
        Err(CliError::usage(format!(
            "{number} is not a SIREN: 9 digits whose Luhn check digit is right are expected"
        )))
    }
}

/// An amount in euros (`12`, `12.5`, `12.50`) as cents.
pub fn cents(text: &str) -> Result<u64, CliError> {
    let refuse = || {
        CliError::usage(format!(
            "{text:?} is not an amount in euros: write e.g. 12 or 12.50 (at most 2 decimals)"
        ))
    };
    let (whole, fraction) = match text.trim().split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (text.trim(), ""),
    };
    if whole.is_empty() || fraction.len() > 2 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return Err(refuse());
    }
    let euros: u64 = whole.parse().map_err(|_| refuse())?;
    let mut cents: u64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| refuse())?
    };
    if fraction.len() == 1 {
        cents = cents.checked_mul(10).ok_or_else(refuse)?;
    }
    euros
        .checked_mul(100)
        .and_then(|c| c.checked_add(cents))
        .ok_or_else(refuse)
}

/// Cents as euros, e.g. `1250` → `12.50`.
pub fn euros(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A time: milliseconds since 1970 (UTC), or RFC 3339 in UTC
/// (`2027-01-31T12:00:00Z`, or a date `2027-01-31` for its midnight).
pub fn time_ms(text: &str) -> Result<u64, CliError> {
    let text = text.trim();
    // The genesis's calendar: one parser for every time the CLI reads.
    crate::genesis::time::parse(text).ok_or_else(|| {
        CliError::usage(format!(
            "{text:?} is not a time: write 2027-01-31, 2027-01-31T12:00:00Z or milliseconds since 1970"
        ))
    })
}

/// A duration: `30d`, `12h`, `15m`, `90s`, or milliseconds.
pub fn duration_ms(text: &str) -> Result<u64, CliError> {
    let text = text.trim();
    let refuse = || {
        CliError::usage(format!(
            "{text:?} is not a duration: write e.g. 30d, 12h, 15m, 90s or milliseconds"
        ))
    };
    let unit_ms: u64 = match text.chars().last() {
        Some('d') => 86_400_000,
        Some('h') => 3_600_000,
        Some('m') => 60_000,
        Some('s') => 1_000,
        _ => return text.parse().map_err(|_| refuse()),
    };
    let number: u64 = text
        .get(..text.len().saturating_sub(1))
        .and_then(|n| n.parse().ok())
        .ok_or_else(refuse)?;
    number.checked_mul(unit_ms).ok_or_else(refuse)
}

/// A role, e.g. `aid-administrator` (or `aidAdministrator`, `aid_administrator`).
pub fn role(text: &str) -> Result<Role, CliError> {
    let key: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Ok(match key.as_str() {
        "identityregistrar" => Role::IdentityRegistrar,
        "aidadministrator" => Role::AidAdministrator,
        "aidaccountant" => Role::AidAccountant,
        "merchant" => Role::Merchant,
        "energyoperator" => Role::EnergyOperator,
        "registrar" => Role::Registrar,
        _ => {
            return Err(CliError::usage(format!(
                "{text:?} is not a role: identity-registrar, aid-administrator, aid-accountant, merchant, energy-operator or registrar"
            )));
        }
    })
}

/// A scope: `collectivity:SIREN`, `programme:SIREN:ID`, `community:SIREN:ID`
/// or `namespace:NAME`.
pub fn scope(text: &str) -> Result<Scope, CliError> {
    let refuse = || {
        CliError::usage(format!(
            "{text:?} is not a scope: collectivity:SIREN, programme:SIREN:ID, community:SIREN:ID or namespace:NAME"
        ))
    };
    let mut parts = text.trim().splitn(3, ':');
    let kind = parts.next().ok_or_else(refuse)?;
    let first = parts.next().ok_or_else(refuse)?;
    let second = parts.next();
    let number = |text: &str| text.parse::<u64>().map_err(|_| refuse());
    let siren_of = |text: &str| -> Result<Siren, CliError> {
        siren(text.parse::<u32>().map_err(|_| refuse())?)
    };
    match (kind, second) {
        ("collectivity", None) => Ok(Scope::Collectivity(siren_of(first)?)),
        ("programme", Some(id)) => Ok(Scope::Programme(siren_of(first)?, number(id)?)),
        ("community", Some(id)) => Ok(Scope::Community(siren_of(first)?, number(id)?)),
        ("namespace", None) => Ok(Scope::Namespace(namespace(first)?)),
        _ => Err(refuse()),
    }
}

/// A namespace name, e.g. `permits/building`.
pub fn namespace(text: &str) -> Result<NamespaceName, CliError> {
    NamespaceName::from_text(text)
        .filter(NamespaceName::is_valid)
        .ok_or_else(|| {
            CliError::usage(format!(
                "{text:?} is not a namespace name: a-z, 0-9, '-', '_' and '/', at most {} bytes",
                civitas_civic::model::NAMESPACE_BYTES_MAX
            ))
        })
}

/// A record id (an identifier of a thing, never of a person).
pub fn record_id(text: &str) -> Result<RecordId, CliError> {
    BoundedBytes::try_from_vec(text.as_bytes().to_vec())
        .ok()
        .filter(|_| civitas_civic::metadata::is_reference(text.as_bytes()))
        .ok_or_else(|| {
            CliError::usage(format!(
                "{text:?} is not a record id: letters, digits and - _ / . only, at most {} bytes",
                civitas_civic::model::RECORD_ID_BYTES_MAX
            ))
        })
}

/// A record field value `KIND:VALUE`: `code:12`, `date:20270131`,
/// `amount:1500`, `ref:parcel-AB-12`, `hash:HEX`, `flag:true`.
pub fn field(text: &str) -> Result<FieldValue, CliError> {
    let refuse = |why: &str| {
        CliError::usage(format!(
            "{text:?} is not a field value ({why}): write code:N, date:YYYYMMDD, amount:N, ref:TEXT, hash:HEX or flag:true|false, in the namespace's field order"
        ))
    };
    let (kind, value) = text.split_once(':').ok_or_else(|| refuse("no kind"))?;
    Ok(match kind {
        "code" => FieldValue::Code(value.parse().map_err(|_| refuse("not a number"))?),
        "date" => FieldValue::Date(value.parse().map_err(|_| refuse("not YYYYMMDD"))?),
        "amount" => FieldValue::Amount(value.parse().map_err(|_| refuse("not a number"))?),
        "ref" | "reference" => {
            let reference: Reference = BoundedBytes::try_from_vec(value.as_bytes().to_vec())
                .map_err(|_| refuse("too long"))?;
            let field = FieldValue::Reference(reference);
            if !field.is_valid() {
                return Err(refuse("a reference is an identifier, not free text"));
            }
            field
        }
        "hash" => FieldValue::Hash(hash("the field", value)?),
        "flag" => FieldValue::Flag(value.parse().map_err(|_| refuse("not true or false"))?),
        _ => return Err(refuse("unknown kind")),
    })
}

/// The SHA-256 of a file's bytes: its document hash (docs/privacy.md,
/// "Document hashes"). The file is read here and goes nowhere else.
pub fn file_hash(path: &std::path::Path) -> Result<Hash, CliError> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).map_err(|e| {
        CliError::failure(format!("cannot read the document {}: {e}", path.display()))
    })?;
    Ok(Hash(Sha256::digest(&bytes).into()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn euros_become_cents() {
        assert_eq!(cents("12").unwrap(), 1200);
        assert_eq!(cents("12.5").unwrap(), 1250);
        assert_eq!(cents("0.07").unwrap(), 7);
        assert!(cents("12.345").is_err());
        assert!(cents("-1").is_err());
        assert!(cents("1e3").is_err());
        assert!(cents("184467440737095516.16").is_err());
        assert_eq!(euros(1250), "12.50");
    }

    #[test]
    fn rfc3339_times_are_utc_milliseconds() {
        assert_eq!(time_ms("1970-01-01").unwrap(), 0);
        assert_eq!(time_ms("2027-01-01T00:00:00Z").unwrap(), 1_798_761_600_000);
        assert_eq!(time_ms("2000-03-01T12:30:15Z").unwrap(), 951_913_815_000);
        assert_eq!(time_ms("42").unwrap(), 42);
        assert!(time_ms("2027-13-01").is_err());
        assert!(time_ms("2027-02-29").is_err(), "not a leap year");
        assert!(time_ms("2027-04-31").is_err());
        assert_eq!(time_ms("2028-02-29").unwrap(), 1_835_395_200_000);
        assert!(time_ms("2027-01-01T00:00:00+02:00").is_err());
    }

    #[test]
    fn durations_have_units() {
        assert_eq!(duration_ms("30d").unwrap(), 2_592_000_000);
        assert_eq!(duration_ms("90s").unwrap(), 90_000);
        assert_eq!(duration_ms("250").unwrap(), 250);
        assert!(duration_ms("3w").is_err());
    }

    #[test]
    fn roles_and_scopes_read_as_typed() {
        assert_eq!(role("aid-administrator").unwrap(), Role::AidAdministrator);
        assert_eq!(role("aidAccountant").unwrap(), Role::AidAccountant);
        assert!(role("mayor").is_err());
        assert_eq!(
            scope("programme:217500016:3").unwrap(),
            Scope::Programme(Siren(217_500_016), 3)
        );
        assert!(scope("programme:217500016").is_err());
        assert!(scope("collectivity:123456789").is_err());
    }

    #[test]
    fn fields_refuse_free_text_references() {
        assert_eq!(field("code:12").unwrap(), FieldValue::Code(12));
        assert_eq!(field("flag:true").unwrap(), FieldValue::Flag(true));
        assert!(field("ref:Jean Dupont").is_err());
        assert!(field("colour:blue").is_err());
    }
}
