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
use civitas_civic::model::{Record, RecordId, RecordVersion};
use civitas_civic::{Action, Code, Event, keys};
use civitas_types::{BoundedBytes, Hash, decode};
use common::*;

fn id(text: &str) -> RecordId {
    BoundedBytes::try_from_vec(text.as_bytes().to_vec()).unwrap()
}

fn register(ns: &str, record: &str, owner: Option<u8>) -> Action {
    Action::RegisterRecord(RegisterRecord {
        namespace: namespace(ns),
        record_id: id(record),
        document_hash: Hash([1; 32]),
        metadata: BoundedBytes::try_from_vec(b"PC-2026".to_vec()).unwrap(),
        owner: owner.map(account),
    })
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
        metadata: BoundedBytes::try_from_vec(b"PC-2026-modif".to_vec()).unwrap(),
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
        metadata: BoundedBytes::try_from_vec(vec![]).unwrap(),
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
