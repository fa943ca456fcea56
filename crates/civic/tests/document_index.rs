//! The document index (table 0x63): "document H is registered in namespace N"
//! is provable by inclusion, "is not" by absence; a hash belongs to one record
//! of a namespace for good (609 otherwise), through amendments and revocation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::*;
use civitas_civic::model::{DocumentEntry, RecordId};
use civitas_civic::{Action, Code, keys};
use civitas_types::state_proof::{StateProofError, verify_state};
use civitas_types::{BoundedBytes, Hash, decode, encode};
use common::state_tree::{prove, root};
use common::*;

const PERMITS: &str = "permits/building";

fn id(text: &str) -> RecordId {
    BoundedBytes::try_from_vec(text.as_bytes().to_vec()).unwrap()
}

fn register(ns: &str, record: &str, document: u8) -> Action {
    Action::RegisterRecord(RegisterRecord {
        namespace: namespace(ns),
        record_id: id(record),
        document_hash: Hash([document; 32]),
        metadata: metadata_for(ns, 1),
        owner: None,
    })
}

fn amend(record: &str, document: u8) -> Action {
    Action::AmendRecord(AmendRecord {
        namespace: namespace(PERMITS),
        record_id: id(record),
        document_hash: Hash([document; 32]),
        metadata: metadata_for(PERMITS, 2),
    })
}

fn entry(world: &World, ns: &str, document: u8) -> Option<DocumentEntry> {
    world
        .state
        .entries
        .get(&keys::document(&namespace(ns), &Hash([document; 32])))
        .map(|bytes| decode(bytes).unwrap())
}

fn indexed(record: &str, version: u32) -> Option<DocumentEntry> {
    Some(DocumentEntry {
        record_id: id(record),
        version,
    })
}

#[test]
fn a_registered_document_is_provable_by_inclusion_and_another_by_absence() {
    let mut world = World::new();
    assert!(
        world
            .act(REGISTRAR, register(PERMITS, "PC-1", 0xd1))
            .is_success()
    );
    let state_root = root(&world.state);

    let key = keys::document(&namespace(PERMITS), &Hash([0xd1; 32]));
    let value = encode(&DocumentEntry {
        record_id: id("PC-1"),
        version: 1,
    });
    let proof = prove(&world.state, &key);
    assert_eq!(
        verify_state(&state_root, &key, Some(&value), &proof),
        Ok(())
    );
    assert_eq!(
        verify_state(&state_root, &key, None, &proof),
        Err(StateProofError::KeyPresent)
    );

    let unknown = keys::document(&namespace(PERMITS), &Hash([0xd2; 32]));
    let absence = prove(&world.state, &unknown);
    assert_eq!(verify_state(&state_root, &unknown, None, &absence), Ok(()));
    assert_eq!(
        verify_state(&state_root, &unknown, Some(&value), &absence),
        Err(StateProofError::KeyAbsent)
    );
}

#[test]
fn a_document_registered_again_in_the_namespace_is_refused_with_609() {
    let mut world = World::new();
    assert!(
        world
            .act(REGISTRAR, register(PERMITS, "PC-1", 0xd1))
            .is_success()
    );
    let again = world.act(REGISTRAR, register(PERMITS, "PC-2", 0xd1));
    assert_eq!(again.code, Code::DuplicateDocument.number());
    assert_eq!(again.code, 609);
    assert!(
        !world
            .state
            .entries
            .contains_key(&keys::record(&namespace(PERMITS), &id("PC-2"))),
        "the refused record is not written"
    );
    assert_eq!(entry(&world, PERMITS, 0xd1), indexed("PC-1", 1));
}

#[test]
fn the_same_document_in_another_namespace_is_indexed_there_apart() {
    let mut world = World::new();
    assert!(
        world
            .act(REGISTRAR, register(PERMITS, "PC-1", 0xd1))
            .is_success()
    );
    let other = "parking/permits";
    let receipt = world.act(CITY_REGISTRAR, register(other, "PK-1", 0xd1));
    assert!(receipt.is_success(), "{receipt:?}");
    assert_eq!(entry(&world, PERMITS, 0xd1), indexed("PC-1", 1));
    assert_eq!(entry(&world, other, 0xd1), indexed("PK-1", 1));
}

#[test]
fn amending_indexes_the_new_document_and_keeps_the_old_one() {
    let mut world = World::new();
    assert!(
        world
            .act(REGISTRAR, register(PERMITS, "PC-1", 0xd1))
            .is_success()
    );
    assert!(world.act(REGISTRAR, amend("PC-1", 0xd2)).is_success());
    assert_eq!(entry(&world, PERMITS, 0xd1), indexed("PC-1", 1));
    assert_eq!(entry(&world, PERMITS, 0xd2), indexed("PC-1", 2));
    // Amending back to its own earlier document (a metadata-only change, say)
    // moves that document's entry to the new version.
    assert!(world.act(REGISTRAR, amend("PC-1", 0xd1)).is_success());
    assert_eq!(entry(&world, PERMITS, 0xd1), indexed("PC-1", 3));
    assert_eq!(entry(&world, PERMITS, 0xd2), indexed("PC-1", 2));
}

#[test]
fn amending_to_another_records_document_is_refused_with_609() {
    let mut world = World::new();
    assert!(
        world
            .act(REGISTRAR, register(PERMITS, "PC-1", 0xd1))
            .is_success()
    );
    assert!(
        world
            .act(REGISTRAR, register(PERMITS, "PC-2", 0xd2))
            .is_success()
    );
    assert_eq!(
        world.act(REGISTRAR, amend("PC-2", 0xd1)).code,
        Code::DuplicateDocument.number()
    );
    assert_eq!(entry(&world, PERMITS, 0xd1), indexed("PC-1", 1));
}

#[test]
fn a_revoked_records_documents_stay_indexed_and_cannot_be_registered_again() {
    let mut world = World::new();
    assert!(
        world
            .act(REGISTRAR, register(PERMITS, "PC-1", 0xd1))
            .is_success()
    );
    let revoke = Action::RevokeRecord(RevokeRecord {
        namespace: namespace(PERMITS),
        record_id: id("PC-1"),
        reason_code: 3,
    });
    assert!(world.act(REGISTRAR, revoke).is_success());
    assert_eq!(entry(&world, PERMITS, 0xd1), indexed("PC-1", 1));
    assert_eq!(
        world.act(REGISTRAR, register(PERMITS, "PC-2", 0xd1)).code,
        Code::DuplicateDocument.number()
    );
}
