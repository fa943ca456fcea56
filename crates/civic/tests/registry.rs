//! Registry actions: each happy path and each rejection rule.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::*;
use civitas_civic::governance::GovernanceAction;
use civitas_civic::metadata::{FieldKind, FieldSpec, FieldValue, RecordMetadata};
use civitas_civic::model::{Namespace, Record, RecordId, RecordVersion};
use civitas_civic::{Action, Code, Event, GenesisError, Receipt, keys};
use civitas_types::{BoundedBytes, BoundedVec, Hash, decode, encode};
use common::*;

fn id(text: &str) -> RecordId {
    BoundedBytes::try_from_vec(text.as_bytes().to_vec()).unwrap()
}

fn register(ns: &str, record: &str, owner: Option<u8>) -> Action {
    Action::RegisterRecord(RegisterRecord {
        namespace: namespace(ns),
        record_id: id(record),
        document_hash: Hash([1; 32]),
        metadata: metadata_for(ns, 1),
        owner: owner.map(account),
    })
}

/// A building permit registration with the given metadata.
fn register_permit(record: &str, values: Vec<FieldValue>) -> Action {
    Action::RegisterRecord(RegisterRecord {
        namespace: namespace("permits/building"),
        record_id: id(record),
        document_hash: Hash([1; 32]),
        metadata: metadata(values),
        owner: None,
    })
}

fn amend_permit(record: &str, document: u8, metadata: RecordMetadata) -> Action {
    Action::AmendRecord(AmendRecord {
        namespace: namespace("permits/building"),
        record_id: id(record),
        document_hash: Hash([document; 32]),
        metadata,
    })
}

/// Valid building-permit values: nature, parcel, floor area, decision date.
fn permit_values(parcel: FieldValue) -> Vec<FieldValue> {
    vec![
        FieldValue::Code(2),
        parcel,
        FieldValue::Amount(140),
        FieldValue::Date(20_500),
    ]
}

/// Executes `payload` by `seed`, checks that it wrote nothing but the signer's
/// sequence number, and returns its receipt code.
fn refused_without_trace(world: &mut World, seed: u8, payload: Vec<u8>) -> u16 {
    let sequence = keys::account(&account(seed));
    let mut before = world.state.entries.clone();
    let receipt = world.act_raw(seed, payload);
    let mut after = world.state.entries.clone();
    before.remove(&sequence);
    after.remove(&sequence);
    assert!(after == before, "a refused action leaves no state");
    receipt.code
}

fn refused(world: &mut World, seed: u8, action: Action) -> u16 {
    refused_without_trace(world, seed, encode(&action))
}

fn record(world: &World, ns: &str, record: &str) -> Record {
    decode(
        world
            .state
            .entries
            .get(&keys::record(&namespace(ns), &id(record)))
            .unwrap(),
    )
    .unwrap()
}

fn version(world: &World, ns: &str, record: &str, v: u32) -> Option<RecordVersion> {
    world
        .state
        .entries
        .get(&keys::record_version(&namespace(ns), &id(record), v))
        .map(|b| decode(b).unwrap())
}

#[test]
fn register_and_amend_keep_the_history() {
    let mut world = World::new();
    let receipt = world.act(REGISTRAR, register("permits/building", "PC-1", Some(7)));
    assert!(receipt.is_success(), "{receipt:?}");
    let amend = Action::AmendRecord(AmendRecord {
        namespace: namespace("permits/building"),
        record_id: id("PC-1"),
        document_hash: Hash([2; 32]),
        metadata: metadata_for("permits/building", 2),
    });
    let receipt = world.act(REGISTRAR, amend);
    assert_eq!(
        receipt.events,
        vec![Event::RecordWritten {
            namespace: namespace("permits/building"),
            record_id: id("PC-1"),
            version: 2,
            document_hash: Hash([2; 32])
        }]
    );
    assert_eq!(record(&world, "permits/building", "PC-1").version, 2);
    assert_eq!(
        version(&world, "permits/building", "PC-1", 1)
            .unwrap()
            .document_hash,
        Hash([1; 32])
    );
    assert_eq!(
        version(&world, "permits/building", "PC-1", 2)
            .unwrap()
            .document_hash,
        Hash([2; 32])
    );
    assert_eq!(
        version(&world, "permits/building", "PC-1", 2)
            .unwrap()
            .registrar,
        account(REGISTRAR)
    );
}

#[test]
fn registration_rejections() {
    let mut world = World::new();
    assert_eq!(
        world
            .act(9, register("permits/building", "PC-1", None))
            .code,
        Code::MissingRole.number()
    );
    assert_eq!(
        world
            .act(REGISTRAR, register("permits/other", "PC-1", None))
            .code,
        Code::UnknownNamespace.number()
    );
    assert_eq!(
        world
            .act(REGISTRAR, register("certificates/residence", "C-1", None))
            .code,
        Code::MissingRole.number(),
        "a namespace registrar is not registrar of the collectivity's other namespaces"
    );
    assert_eq!(
        world
            .act(REGISTRAR, register("permits/building", "", None))
            .code,
        Code::InvalidRecord.number()
    );
    assert_eq!(
        world
            .act(REGISTRAR, register("permits/building", "PC 1", None))
            .code,
        Code::InvalidRecord.number()
    );
    assert!(
        world
            .act(REGISTRAR, register("permits/building", "PC-1", None))
            .is_success()
    );
    assert_eq!(
        world
            .act(REGISTRAR, register("permits/building", "PC-1", None))
            .code,
        Code::DuplicateRecord.number()
    );
    let amend_missing = Action::AmendRecord(AmendRecord {
        namespace: namespace("permits/building"),
        record_id: id("PC-404"),
        document_hash: Hash([2; 32]),
        metadata: metadata_for("permits/building", 1),
    });
    assert_eq!(
        world.act(REGISTRAR, amend_missing).code,
        Code::UnknownRecord.number()
    );
}

fn transfer(ns: &str, record: &str, to: u8) -> Action {
    Action::RequestTransfer(RequestTransfer {
        namespace: namespace(ns),
        record_id: id(record),
        new_owner: account(to),
    })
}

#[test]
fn transfer_with_approval() {
    let mut world = World::new();
    assert!(
        world
            .act(REGISTRAR, register("permits/building", "PC-1", Some(7)))
            .is_success()
    );
    assert_eq!(
        world.act(8, transfer("permits/building", "PC-1", 8)).code,
        Code::NotOwner.number()
    );
    let receipt = world.act(7, transfer("permits/building", "PC-1", 8));
    assert!(matches!(
        receipt.events[..],
        [Event::TransferRequested { .. }]
    ));
    assert_eq!(
        record(&world, "permits/building", "PC-1").owner,
        Some(account(7)),
        "not before approval"
    );
    let approve = Action::ApproveTransfer(ApproveTransfer {
        namespace: namespace("permits/building"),
        record_id: id("PC-1"),
    });
    assert_eq!(
        world.act(7, approve.clone()).code,
        Code::MissingRole.number(),
        "the owner cannot approve"
    );
    assert!(world.act(REGISTRAR, approve.clone()).is_success());
    assert_eq!(
        record(&world, "permits/building", "PC-1").owner,
        Some(account(8))
    );
    assert_eq!(
        world.act(REGISTRAR, approve).code,
        Code::NoPendingTransfer.number()
    );
}

#[test]
fn transfer_without_approval_and_non_transferable_namespaces() {
    let mut world = World::new();
    // A collectivity-wide registrar covers every namespace of the collectivity.
    assert!(
        world
            .act(CITY_REGISTRAR, register("parking/permits", "P-1", Some(7)))
            .is_success()
    );
    let receipt = world.act(7, transfer("parking/permits", "P-1", 8));
    assert!(
        matches!(receipt.events[..], [Event::RecordTransferred { .. }]),
        "{receipt:?}"
    );
    assert_eq!(
        record(&world, "parking/permits", "P-1").owner,
        Some(account(8))
    );
    assert!(
        world
            .act(
                CITY_REGISTRAR,
                register("certificates/residence", "C-1", Some(7))
            )
            .is_success()
    );
    assert_eq!(
        world
            .act(7, transfer("certificates/residence", "C-1", 8))
            .code,
        Code::NotTransferable.number()
    );
}

#[test]
fn revoked_records_no_longer_change() {
    let mut world = World::new();
    assert!(
        world
            .act(REGISTRAR, register("permits/building", "PC-1", Some(7)))
            .is_success()
    );
    let revoke = Action::RevokeRecord(RevokeRecord {
        namespace: namespace("permits/building"),
        record_id: id("PC-1"),
        reason_code: 12,
    });
    assert_eq!(
        world.act(9, revoke.clone()).code,
        Code::MissingRole.number()
    );
    assert!(world.act(REGISTRAR, revoke.clone()).is_success());
    assert_eq!(record(&world, "permits/building", "PC-1").revoked, Some(12));
    assert_eq!(
        world.act(REGISTRAR, revoke).code,
        Code::RecordRevoked.number()
    );
    assert_eq!(
        world.act(7, transfer("permits/building", "PC-1", 8)).code,
        Code::RecordRevoked.number()
    );
    // History stays readable after revocation.
    assert!(version(&world, "permits/building", "PC-1", 1).is_some());
}

#[test]
fn valid_structured_metadata_is_kept_by_every_version() {
    let mut world = World::new();
    let parcel = |text: &str| permit_values(reference(text));
    assert!(
        world
            .act(
                REGISTRAR,
                register_permit("PC-1", parcel("75056-000-AB-0123"))
            )
            .is_success()
    );
    let amended = metadata(parcel("75056-000-AB-0124"));
    assert!(
        world
            .act(REGISTRAR, amend_permit("PC-1", 2, amended.clone()))
            .is_success()
    );
    let first = version(&world, "permits/building", "PC-1", 1).unwrap();
    assert_eq!(first.metadata, metadata(parcel("75056-000-AB-0123")));
    let second = version(&world, "permits/building", "PC-1", 2).unwrap();
    assert_eq!(second.metadata, amended);
}

#[test]
fn metadata_of_the_wrong_kind_is_refused() {
    let mut world = World::new();
    let mut values = permit_values(reference("AB-12"));
    values[0] = FieldValue::Amount(2); // `nature` is a code
    assert_eq!(
        refused(&mut world, REGISTRAR, register_permit("PC-1", values)),
        Code::InvalidMetadata.number()
    );
    assert!(
        world
            .act(
                REGISTRAR,
                register_permit("PC-1", permit_values(reference("AB-12")))
            )
            .is_success()
    );
    let mut values = permit_values(reference("AB-12"));
    values[3] = FieldValue::Flag(true); // `decided_on` is a date
    assert_eq!(
        refused(
            &mut world,
            REGISTRAR,
            amend_permit("PC-1", 2, metadata(values))
        ),
        Code::InvalidMetadata.number()
    );
    assert_eq!(record(&world, "permits/building", "PC-1").version, 1);
}

#[test]
fn metadata_out_of_declaration_order_is_refused() {
    let mut world = World::new();
    let mut values = permit_values(reference("AB-12"));
    values.swap(2, 3); // a date where the floor area goes, and the reverse
    assert_eq!(
        refused(&mut world, REGISTRAR, register_permit("PC-1", values)),
        Code::InvalidMetadata.number()
    );
}

#[test]
fn metadata_missing_a_value_is_refused() {
    let mut world = World::new();
    let mut values = permit_values(reference("AB-12"));
    values.pop();
    assert_eq!(
        refused(&mut world, REGISTRAR, register_permit("PC-1", values)),
        Code::InvalidMetadata.number()
    );
    assert_eq!(
        refused(&mut world, REGISTRAR, register_permit("PC-1", vec![])),
        Code::InvalidMetadata.number()
    );
}

#[test]
fn metadata_with_an_extra_value_is_refused() {
    let mut world = World::new();
    let mut values = permit_values(reference("AB-12"));
    values.push(FieldValue::Flag(false));
    assert_eq!(
        refused(&mut world, REGISTRAR, register_permit("PC-1", values)),
        Code::InvalidMetadata.number()
    );
}

#[test]
fn a_reference_with_a_space_or_outside_its_characters_is_refused() {
    let mut world = World::new();
    for text in ["75056 000 AB 0123", "Jean Dupont", "AB-12,13", "lot-é", ""] {
        assert_eq!(
            refused(
                &mut world,
                REGISTRAR,
                register_permit("PC-1", permit_values(reference(text)))
            ),
            Code::InvalidMetadata.number(),
            "{text:?}"
        );
    }
    assert!(
        world
            .act(
                REGISTRAR,
                register_permit("PC-1", permit_values(reference("Az09-_/.")))
            )
            .is_success()
    );
}

#[test]
fn a_reference_over_64_bytes_does_not_decode() {
    let mut world = World::new();
    let longest = "A".repeat(64);
    assert!(
        world
            .act(
                REGISTRAR,
                register_permit("PC-1", permit_values(reference(&longest)))
            )
            .is_success(),
        "64 bytes is the edge, allowed"
    );
    // The reference type holds at most 64 bytes, so a longer one can only be
    // written by hand: lengthen the encoded reference by one byte.
    let bytes = encode(&register_permit("PC-2", permit_values(reference(&longest))));
    let mut field = vec![64, 0, 0, 0];
    field.extend_from_slice(longest.as_bytes());
    let at = bytes.windows(field.len()).position(|w| w == field).unwrap();
    let mut longer = bytes[..at].to_vec();
    longer.extend_from_slice(&[65, 0, 0, 0]);
    longer.extend_from_slice("A".repeat(65).as_bytes());
    longer.extend_from_slice(&bytes[at + field.len()..]);
    assert_eq!(
        refused_without_trace(&mut world, REGISTRAR, longer),
        Code::MalformedPayload.number()
    );
}

#[test]
fn a_record_id_with_a_space_or_outside_its_characters_is_refused() {
    let mut world = World::new();
    for text in ["PC 1", "PC#1", "PC,1", "PC:1", "n°1", ""] {
        assert_eq!(
            refused(
                &mut world,
                REGISTRAR,
                register("permits/building", text, None)
            ),
            Code::InvalidRecord.number(),
            "{text:?}"
        );
    }
    assert!(
        world
            .act(
                REGISTRAR,
                register("permits/building", "PC-2026/0042.a_B", None)
            )
            .is_success()
    );
}

/// Proposes `action` and has councils 0, 1 and 2 (25 of 30) vote for it; returns
/// the receipt of the deciding vote.
fn pass(world: &mut World, action: GovernanceAction) -> Receipt {
    let receipt = world.act(
        council_seed(0),
        Action::Propose(Propose {
            action,
            deliberation_hash: Hash([0xde; 32]),
            expires_at_ms: world.time_ms + 600_000,
        }),
    );
    let proposal_id = match receipt.events[..] {
        [Event::ProposalSubmitted { proposal_id, .. }] => proposal_id,
        _ => panic!("{receipt:?}"),
    };
    let vote = |world: &mut World, council: usize| {
        world.act(
            council_seed(council),
            Action::Vote(Vote {
                proposal_id,
                in_favour: true,
            }),
        )
    };
    vote(world, 0);
    vote(world, 1);
    vote(world, 2)
}

fn acts_namespace(fields: Vec<FieldSpec>) -> Namespace {
    Namespace {
        collectivity: SIREN,
        transferable: false,
        transfer_needs_approval: false,
        fields: BoundedVec::try_from_vec(fields).unwrap(),
    }
}

/// Passes the creation of `actes/deliberations` with `fields`; returns the code
/// the proposal was refused with (0 if it executed).
fn create_through_governance(world: &mut World, fields: Vec<FieldSpec>) -> u16 {
    let receipt = pass(
        world,
        GovernanceAction::CreateNamespace {
            name: namespace("actes/deliberations"),
            namespace: acts_namespace(fields),
        },
    );
    assert!(receipt.is_success(), "{receipt:?}");
    receipt
        .events
        .iter()
        .find_map(|event| match event {
            Event::ProposalRefused { code, .. } => Some(*code),
            _ => None,
        })
        .unwrap_or(0)
}

fn namespace_exists(world: &World, name: &str) -> bool {
    world
        .state
        .entries
        .contains_key(&keys::namespace(&namespace(name)))
}

#[test]
fn a_namespace_with_a_duplicate_field_name_is_refused_by_governance() {
    let mut world = World::new();
    let fields = vec![
        field("adopted_on", FieldKind::Date),
        field("adopted_on", FieldKind::Code),
    ];
    assert_eq!(
        create_through_governance(&mut world, fields),
        Code::InvalidNamespace.number()
    );
    assert!(!namespace_exists(&world, "actes/deliberations"));
}

#[test]
fn a_namespace_with_an_invalid_field_name_is_refused_by_governance() {
    let mut world = World::new();
    for name in ["Adopted", "adopted-on", "adopted on", ""] {
        assert_eq!(
            create_through_governance(&mut world, vec![field(name, FieldKind::Date)]),
            Code::InvalidNamespace.number(),
            "{name:?}"
        );
        assert!(!namespace_exists(&world, "actes/deliberations"));
    }
    let valid = vec![field("adopted_on", FieldKind::Date)];
    assert_eq!(create_through_governance(&mut world, valid), 0);
    assert!(namespace_exists(&world, "actes/deliberations"));
}

fn genesis_with_acts(fields: Vec<FieldSpec>) -> Result<(), GenesisError> {
    let mut genesis = genesis();
    genesis
        .namespaces
        .push((namespace("actes/deliberations"), acts_namespace(fields)));
    genesis.build().map(|_| ())
}

#[test]
fn a_namespace_with_a_duplicate_field_name_is_refused_at_genesis() {
    let error = genesis_with_acts(vec![
        field("adopted_on", FieldKind::Date),
        field("number", FieldKind::Reference),
        field("adopted_on", FieldKind::Date),
    ])
    .unwrap_err();
    assert_eq!(
        error,
        GenesisError::InvalidNamespaceField {
            namespace: "actes/deliberations".into(),
            field: "adopted_on".into(),
        }
    );
    let message = error.to_string();
    assert!(message.contains("actes/deliberations") && message.contains("adopted_on"));
}

#[test]
fn a_namespace_with_an_invalid_field_name_is_refused_at_genesis() {
    let error = genesis_with_acts(vec![field("Adopted On", FieldKind::Date)]).unwrap_err();
    assert_eq!(
        error,
        GenesisError::InvalidNamespaceField {
            namespace: "actes/deliberations".into(),
            field: "Adopted On".into(),
        }
    );
    assert!(genesis_with_acts(vec![field("adopted_on", FieldKind::Date)]).is_ok());
}
