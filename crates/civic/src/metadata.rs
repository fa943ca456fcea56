//! Record metadata: the fields a namespace declares and the values a record gives.
//!
//! Metadata is structured so that no free text about people can reach the chain:
//! a namespace declares at creation up to [`RECORD_FIELDS_MAX`] typed fields, and
//! every version of a record gives exactly one value per field, in declaration
//! order, of the declared kind. The only text a value can carry is a
//! [`FieldValue::Reference`] to a thing (a cadastral parcel, an earlier act),
//! restricted to the characters of identifiers; names, addresses and remarks
//! have no field to go in.

use std::collections::BTreeSet;

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{BoundedBytes, BoundedVec, Hash};

/// Most fields a namespace declares, and so most values a record version carries.
pub const RECORD_FIELDS_MAX: usize = 16;
/// Longest field name, in bytes.
pub const FIELD_NAME_BYTES_MAX: usize = 32;
/// Longest reference (and record id), in bytes.
pub const REFERENCE_BYTES_MAX: usize = 64;

/// A field's name, e.g. `floor_area_m2`: 1 to 32 bytes of `a-z 0-9 _`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct FieldName(pub BoundedBytes<FIELD_NAME_BYTES_MAX>);

impl FieldName {
    /// Whether the name uses only the allowed characters and is not empty.
    pub fn is_valid(&self) -> bool {
        !self.0.is_empty()
            && self
                .0
                .iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
    }

    /// The name from text (unchecked; see [`FieldName::is_valid`]).
    pub fn from_text(text: &str) -> Option<FieldName> {
        BoundedBytes::try_from_vec(text.as_bytes().to_vec())
            .ok()
            .map(FieldName)
    }
}

/// What a field holds. The tags are part of the protocol (append-only).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize,
)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum FieldKind {
    /// A u32 from a code list the namespace publishes off-chain.
    Code = 0,
    /// A u32 count of days since 1970-01-01.
    Date = 1,
    /// A u64 quantity whose unit the field name says (square metres, cents).
    Amount = 2,
    /// A reference to a thing, never a person: see [`is_reference`].
    Reference = 3,
    /// A 32-byte hash, e.g. of a related document.
    Hash = 4,
    /// A yes/no answer.
    Flag = 5,
}

/// One field a namespace declares.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct FieldSpec {
    /// Unique within the namespace; see [`FieldName::is_valid`].
    pub name: FieldName,
    /// The kind every value of this field must have.
    pub kind: FieldKind,
}

/// A reference value: 1 to [`REFERENCE_BYTES_MAX`] bytes, checked by [`is_reference`].
pub type Reference = BoundedBytes<REFERENCE_BYTES_MAX>;

/// One value of a record's metadata; same tags as [`FieldKind`].
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum FieldValue {
    /// A code from the namespace's published list.
    Code(u32) = 0,
    /// Days since 1970-01-01.
    Date(u32) = 1,
    /// A quantity in the field's unit.
    Amount(u64) = 2,
    /// A reference to a thing; valid only if [`is_reference`] holds.
    Reference(Reference) = 3,
    /// A hash, e.g. of a related document.
    Hash(Hash) = 4,
    /// A yes/no answer.
    Flag(bool) = 5,
}

impl FieldValue {
    /// The kind of this value.
    pub fn kind(&self) -> FieldKind {
        match self {
            FieldValue::Code(_) => FieldKind::Code,
            FieldValue::Date(_) => FieldKind::Date,
            FieldValue::Amount(_) => FieldKind::Amount,
            FieldValue::Reference(_) => FieldKind::Reference,
            FieldValue::Hash(_) => FieldKind::Hash,
            FieldValue::Flag(_) => FieldKind::Flag,
        }
    }

    /// Whether the value is well formed (only references have rules beyond their type).
    pub fn is_valid(&self) -> bool {
        match self {
            FieldValue::Reference(reference) => is_reference(reference),
            _ => true,
        }
    }
}

/// The metadata of one record version: one value per field of its namespace.
pub type RecordMetadata = BoundedVec<FieldValue, RECORD_FIELDS_MAX>;

/// Whether `bytes` form a reference to a thing: 1 to [`REFERENCE_BYTES_MAX`]
/// bytes of `A-Z a-z 0-9 - _ / .`. Spaces are excluded so that a reference
/// cannot hold a sentence; it could still spell a name (`Dupont-Jean`), so
/// registrars must put only references to things there (docs/privacy.md).
/// Record ids follow the same rule.
pub fn is_reference(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes.len() <= REFERENCE_BYTES_MAX
        && bytes
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'/' | b'.'))
}

/// The first field whose name is invalid or repeats an earlier one, if any.
pub fn first_bad_field(fields: &[FieldSpec]) -> Option<&FieldName> {
    let mut seen = BTreeSet::new();
    fields
        .iter()
        .map(|field| &field.name)
        .find(|name| !name.is_valid() || !seen.insert(*name))
}

/// Whether `values` give exactly one valid value per field, in order, of its kind.
pub fn metadata_matches(fields: &[FieldSpec], values: &[FieldValue]) -> bool {
    fields.len() == values.len()
        && fields
            .iter()
            .zip(values)
            .all(|(field, value)| value.kind() == field.kind && value.is_valid())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, kind: FieldKind) -> FieldSpec {
        FieldSpec {
            name: FieldName::from_text(name).unwrap_or_else(|| FieldName(BoundedBytes::default())),
            kind,
        }
    }

    #[test]
    fn field_names() {
        assert!(FieldName::from_text("floor_area_m2").is_some_and(|n| n.is_valid()));
        assert!(!FieldName::from_text("Floor").is_some_and(|n| n.is_valid()));
        assert!(!FieldName::from_text("floor-area").is_some_and(|n| n.is_valid()));
        assert!(!FieldName::from_text("").is_some_and(|n| n.is_valid()));
        assert!(FieldName::from_text(&"a".repeat(32)).is_some());
        assert!(FieldName::from_text(&"a".repeat(33)).is_none());
    }

    #[test]
    fn references() {
        assert!(is_reference(b"75056-000-AB-0123"));
        assert!(is_reference(b"deliberation/2026.04_12"));
        assert!(!is_reference(b""));
        assert!(!is_reference(b"Jean Dupont"));
        assert!(!is_reference("Zoé".as_bytes()));
        assert!(!is_reference(&[b'a'; 65]));
    }

    #[test]
    fn bad_fields() {
        let good = [
            field("parcel", FieldKind::Reference),
            field("area", FieldKind::Amount),
        ];
        assert_eq!(first_bad_field(&good), None);
        let repeated = [
            field("parcel", FieldKind::Reference),
            field("parcel", FieldKind::Code),
        ];
        assert_eq!(
            first_bad_field(&repeated),
            FieldName::from_text("parcel").as_ref()
        );
        let invalid = [field("Parcel", FieldKind::Reference)];
        assert_eq!(
            first_bad_field(&invalid),
            FieldName::from_text("Parcel").as_ref()
        );
    }

    #[test]
    fn matching() {
        let fields = [
            field("parcel", FieldKind::Reference),
            field("area", FieldKind::Amount),
        ];
        let parcel = |text: &[u8]| {
            FieldValue::Reference(Reference::try_from_vec(text.to_vec()).unwrap_or_default())
        };
        assert!(metadata_matches(
            &fields,
            &[parcel(b"AB-12"), FieldValue::Amount(120)]
        ));
        assert!(!metadata_matches(&fields, &[parcel(b"AB-12")]));
        assert!(!metadata_matches(
            &fields,
            &[FieldValue::Amount(120), parcel(b"AB-12")]
        ));
        assert!(!metadata_matches(
            &fields,
            &[parcel(b"AB 12"), FieldValue::Amount(120)]
        ));
        assert!(metadata_matches(&[], &[]));
    }
}
