//! Identity actions: each happy path and each rejection rule.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::*;
use civitas_civic::model::{Resident, Role, Scope};
use civitas_civic::{Action, Code, Event, keys};
use civitas_types::{BoundedVec, Hash, decode};
use common::*;

fn enrol(resident: u8) -> Action {
    Action::EnrolResident(EnrolResident {
        collectivity: SIREN,
        resident: account(resident),
        identity_commitment: Hash([resident; 32]),
    })
}

fn resident_entry(world: &World, resident: u8) -> Option<Resident> {
    world
        .state
        .entries
        .get(&keys::resident(&SIREN, &account(resident)))
        .map(|b| decode(b).unwrap())
}

#[test]
fn registrar_enrols_and_revokes_a_resident() {
    let mut world = World::new();
    let receipt = world.act(IDENTITY_REGISTRAR, enrol(7));
    assert!(receipt.is_success(), "{receipt:?}");
    assert_eq!(
        receipt.events,
        vec![Event::ResidentEnrolled {
            collectivity: SIREN,
            resident: account(7)
        }]
    );
    assert_eq!(
        resident_entry(&world, 7).unwrap().identity_commitment,
        Hash([7; 32])
    );
    let receipt = world.act(
        IDENTITY_REGISTRAR,
        Action::RevokeResident(RevokeResident {
            collectivity: SIREN,
            resident: account(7),
            reason_code: 3,
        }),
    );
    assert!(receipt.is_success());
    assert_eq!(resident_entry(&world, 7).unwrap().revoked, Some(3));
    // Enrolled again after revocation, with a new commitment.
    assert!(world.act(IDENTITY_REGISTRAR, enrol(7)).is_success());
    assert_eq!(resident_entry(&world, 7).unwrap().revoked, None);
}

#[test]
fn enrolment_rejections() {
    let mut world = World::new();
    assert_eq!(
        world.act(9, enrol(7)).code,
        Code::MissingRole.number(),
        "a citizen is no registrar"
    );
    let elsewhere = Action::EnrolResident(EnrolResident {
        collectivity: OTHER_SIREN,
        resident: account(7),
        identity_commitment: Hash([1; 32]),
    });
    assert_eq!(
        world.act(IDENTITY_REGISTRAR, elsewhere).code,
        Code::MissingRole.number(),
        "role is scoped to its collectivity"
    );
    let unknown = Action::EnrolResident(EnrolResident {
        collectivity: civitas_civic::model::Siren(123_456_782),
        resident: account(7),
        identity_commitment: Hash([1; 32]),
    });
    assert_eq!(
        world.act(IDENTITY_REGISTRAR, unknown).code,
        Code::UnknownCollectivity.number()
    );
    assert!(world.act(IDENTITY_REGISTRAR, enrol(7)).is_success());
    assert_eq!(
        world.act(IDENTITY_REGISTRAR, enrol(7)).code,
        Code::AlreadyEnrolled.number()
    );
    let revoke_stranger = Action::RevokeResident(RevokeResident {
        collectivity: SIREN,
        resident: account(8),
        reason_code: 1,
    });
    assert_eq!(
        world.act(IDENTITY_REGISTRAR, revoke_stranger).code,
        Code::NotEnrolled.number()
    );
    let revoke = Action::RevokeResident(RevokeResident {
        collectivity: SIREN,
        resident: account(7),
        reason_code: 1,
    });
    assert!(world.act(IDENTITY_REGISTRAR, revoke.clone()).is_success());
    assert_eq!(
        world.act(IDENTITY_REGISTRAR, revoke).code,
        Code::ResidentRevoked.number()
    );
}

#[test]
fn failed_action_leaves_no_trace_but_the_sequence() {
    let mut world = World::new();
    let before = world.state.clone();
    let tx = world.transaction(9, &enrol(7));
    let outcome = world.execute(&[tx]).unwrap();
    assert_eq!(outcome.receipts[0].code, Code::MissingRole.number());
    assert_eq!(
        outcome.writes.keys().collect::<Vec<_>>(),
        vec![&keys::account(&account(9))]
    );
    let mut expected = before;
    expected.entries.insert(
        keys::account(&account(9)),
        civitas_types::encode(&civitas_civic::model::AccountState {
            next_sequence: 1,
            multisig: false,
        }),
    );
    assert_eq!(world.state, expected);
}

fn delegation(expires_at_ms: u64) -> Action {
    Action::Delegate(Delegate {
        role: Role::IdentityRegistrar,
        scope: Scope::Collectivity(SIREN),
        delegate: account(8),
        expires_at_ms,
        act_hash: Hash([0xa7; 32]),
    })
}

#[test]
fn delegate_acts_until_expiry_or_revocation() {
    let mut world = World::new();
    let expires = world.time_ms + 12_000;
    let receipt = world.act(IDENTITY_REGISTRAR, delegation(expires));
    assert!(receipt.is_success(), "{receipt:?}");
    // Blocks advance 5 s each: the delegate acts before expiry...
    assert!(world.act(8, enrol(20)).is_success());
    // ...and not after it.
    world.time_ms = expires;
    assert_eq!(
        world.act(8, enrol(21)).code,
        Code::DelegationExpired.number()
    );
    // A fresh delegation, then revoked by its delegator: the delegate loses the role.
    assert!(
        world
            .act(IDENTITY_REGISTRAR, delegation(world.time_ms + 60_000))
            .is_success()
    );
    assert!(world.act(8, enrol(22)).is_success());
    let revoke = Action::RevokeDelegation(RevokeDelegation {
        role: Role::IdentityRegistrar,
        scope: Scope::Collectivity(SIREN),
        delegate: account(8),
    });
    assert_eq!(
        world.act(9, revoke.clone()).code,
        Code::MissingRole.number(),
        "only the delegator may revoke"
    );
    assert!(world.act(IDENTITY_REGISTRAR, revoke.clone()).is_success());
    assert_eq!(world.act(8, enrol(23)).code, Code::MissingRole.number());
    assert_eq!(
        world.act(IDENTITY_REGISTRAR, revoke).code,
        Code::UnknownDelegation.number()
    );
}

#[test]
fn delegation_rejections() {
    let mut world = World::new();
    assert_eq!(
        world.act(9, delegation(world.time_ms + 1_000)).code,
        Code::MissingRole.number(),
        "cannot lend a role one lacks"
    );
    assert_eq!(
        world
            .act(IDENTITY_REGISTRAR, delegation(world.time_ms))
            .code,
        Code::InvalidDelegation.number(),
        "expiry must be in the future"
    );
    let to_self = Action::Delegate(Delegate {
        role: Role::IdentityRegistrar,
        scope: Scope::Collectivity(SIREN),
        delegate: account(IDENTITY_REGISTRAR),
        expires_at_ms: world.time_ms + 1_000,
        act_hash: Hash([1; 32]),
    });
    assert_eq!(
        world.act(IDENTITY_REGISTRAR, to_self).code,
        Code::InvalidDelegation.number()
    );
    // No delegation of a delegation.
    assert!(
        world
            .act(IDENTITY_REGISTRAR, delegation(world.time_ms + 60_000))
            .is_success()
    );
    let onward = Action::Delegate(Delegate {
        role: Role::IdentityRegistrar,
        scope: Scope::Collectivity(SIREN),
        delegate: account(30),
        expires_at_ms: world.time_ms + 30_000,
        act_hash: Hash([2; 32]),
    });
    assert_eq!(world.act(8, onward).code, Code::MissingRole.number());
}

#[test]
fn multisig_policy_rules() {
    let mut world = World::new();
    let mut members: Vec<_> = [10u8, 11, 12]
        .iter()
        .map(|s| key(*s).public_key())
        .collect();
    members.sort();
    let policy = |threshold: u8, members: Vec<civitas_types::PublicKey>| {
        Action::RegisterMultisig(RegisterMultisig {
            threshold,
            members: BoundedVec::try_from_vec(members).unwrap(),
        })
    };
    assert_eq!(
        world.act(5, policy(0, members.clone())).code,
        Code::InvalidMultisigPolicy.number()
    );
    assert_eq!(
        world.act(5, policy(4, members.clone())).code,
        Code::InvalidMultisigPolicy.number()
    );
    let mut unsorted = members.clone();
    unsorted.reverse();
    assert_eq!(
        world.act(5, policy(2, unsorted)).code,
        Code::InvalidMultisigPolicy.number()
    );
    assert!(world.act(5, policy(2, members.clone())).is_success());
    assert_eq!(
        world.act(6, policy(2, members)).code,
        Code::MultisigExists.number()
    );
}

#[test]
fn expired_delegations_are_announced_once_by_the_chain() {
    let mut world = World::new();
    let expires = world.time_ms + 7_000;
    assert!(
        world
            .act(IDENTITY_REGISTRAR, delegation(expires))
            .is_success()
    );
    // Blocks advance 5 s: the next block is before expiry, the one after is not.
    assert!(world.execute(&[]).unwrap().block_events.is_empty());
    let outcome = world.execute(&[]).unwrap();
    assert_eq!(
        outcome.block_events,
        vec![Event::DelegationExpired {
            delegate: account(8),
            role: Role::IdentityRegistrar,
            scope: Scope::Collectivity(SIREN)
        }]
    );
    assert!(world.execute(&[]).unwrap().block_events.is_empty());
    assert_eq!(
        world.act(8, enrol(20)).code,
        Code::DelegationExpired.number()
    );
}
