//! Governance: proposals, weighted votes, execution and the quorum-safety refusals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::*;
use civitas_civic::governance::{GovernanceAction, Proposal, ProposalStatus};
use civitas_civic::metadata::{FieldKind, FieldValue};
use civitas_civic::model::{
    ChainParameters, Collectivity, Namespace, Role, Scope, Siren, ValidatorEntry, ValidatorRegistry,
};
use civitas_civic::{Action, Code, Event, Receipt, keys};
use civitas_types::{BoundedBytes, BoundedVec, Hash, decode};
use common::*;

fn propose(world: &mut World, action: GovernanceAction) -> u64 {
    let receipt = world.act(
        council_seed(0),
        Action::Propose(Propose {
            action,
            deliberation_hash: Hash([0xde; 32]),
            expires_at_ms: world.time_ms + 600_000,
        }),
    );
    assert!(receipt.is_success(), "{receipt:?}");
    match receipt.events[..] {
        [Event::ProposalSubmitted { proposal_id, .. }] => proposal_id,
        _ => panic!("{receipt:?}"),
    }
}

fn vote(world: &mut World, council: usize, proposal_id: u64, in_favour: bool) -> Receipt {
    world.act(
        council_seed(council),
        Action::Vote(Vote {
            proposal_id,
            in_favour,
        }),
    )
}

/// Votes of councils 0, 1 and 2 (10 + 10 + 5 = 25 of 30): passes on the third.
fn pass(world: &mut World, action: GovernanceAction) -> (u64, Receipt) {
    let id = propose(world, action);
    assert!(vote(world, 0, id, true).is_success());
    assert!(vote(world, 1, id, true).is_success());
    (id, vote(world, 2, id, true))
}

fn proposal(world: &World, id: u64) -> Proposal {
    decode(world.state.entries.get(&keys::proposal(id)).unwrap()).unwrap()
}

fn grant_registrar(account_seed: u8) -> GovernanceAction {
    GovernanceAction::GrantRole {
        account: account(account_seed),
        role: Role::IdentityRegistrar,
        scope: Scope::Collectivity(OTHER_SIREN),
        categories: BoundedVec::new(),
    }
}

#[test]
fn passes_only_above_two_thirds_then_executes() {
    let mut world = World::new();
    let id = propose(&mut world, grant_registrar(9));
    assert!(vote(&mut world, 0, id, true).is_success());
    let second = vote(&mut world, 1, id, true);
    assert!(
        !second
            .events
            .iter()
            .any(|e| matches!(e, Event::ProposalExecuted { .. })),
        "20 of 30 is not more than two thirds"
    );
    assert_eq!(proposal(&world, id).status, ProposalStatus::Open);
    let enrol = Action::EnrolResident(EnrolResident {
        collectivity: OTHER_SIREN,
        resident: account(50),
        identity_commitment: Hash([1; 32]),
    });
    assert_eq!(world.act(9, enrol.clone()).code, Code::MissingRole.number());
    let third = vote(&mut world, 2, id, true);
    assert!(
        third
            .events
            .contains(&Event::ProposalExecuted { proposal_id: id }),
        "{third:?}"
    );
    assert_eq!(proposal(&world, id).status, ProposalStatus::Executed);
    assert!(world.act(9, enrol).is_success(), "the granted role works");
    assert_eq!(
        vote(&mut world, 3, id, true).code,
        Code::ProposalClosed.number()
    );
}

#[test]
fn proposal_and_vote_rejections() {
    let mut world = World::new();
    let not_council = Action::Propose(Propose {
        action: grant_registrar(9),
        deliberation_hash: Hash([1; 32]),
        expires_at_ms: world.time_ms + 1_000,
    });
    assert_eq!(
        world.act(9, not_council).code,
        Code::NotCouncilMember.number()
    );
    let past = Action::Propose(Propose {
        action: grant_registrar(9),
        deliberation_hash: Hash([1; 32]),
        expires_at_ms: world.time_ms,
    });
    assert_eq!(
        world.act(council_seed(0), past).code,
        Code::ProposalExpired.number()
    );
    let id = propose(&mut world, grant_registrar(9));
    assert_eq!(
        world
            .act(
                9,
                Action::Vote(Vote {
                    proposal_id: id,
                    in_favour: true
                })
            )
            .code,
        Code::NotCouncilMember.number()
    );
    assert!(vote(&mut world, 0, id, false).is_success());
    assert_eq!(
        vote(&mut world, 0, id, true).code,
        Code::AlreadyVoted.number()
    );
    assert_eq!(
        vote(&mut world, 0, id + 7, true).code,
        Code::UnknownProposal.number()
    );
    world.time_ms += 600_000;
    assert_eq!(
        vote(&mut world, 1, id, true).code,
        Code::ProposalExpired.number()
    );
}

fn add_validator(seed: u8, siren: Siren, power: u64) -> GovernanceAction {
    GovernanceAction::AddValidator(ValidatorEntry {
        public_key: key(seed).public_key(),
        network_key: key(seed.wrapping_add(128)).public_key(),
        power,
        siren,
    })
}

#[test]
fn validator_changes_that_let_one_collectivity_halt_the_network_are_refused() {
    let mut world = World::new();
    // SIREN has one validator of power 10 among four (40 in all).
    for power in [10, 5] {
        let (id, receipt) = pass(&mut world, add_validator(120, SIREN, power));
        assert!(
            receipt.events.contains(&Event::ProposalRefused {
                proposal_id: id,
                code: Code::CollectivityCouldHalt.number()
            }),
            "power {power}: {receipt:?}"
        );
        assert_eq!(proposal(&world, id).status, ProposalStatus::Refused);
    }
    let height = world.height;
    let tx_height = height + 3; // the proposal and two votes come before the passing vote
    let (_, receipt) = pass(&mut world, add_validator(120, SIREN, 4));
    assert!(
        receipt.events.contains(&Event::ValidatorSetChanged {
            activation_height: tx_height + 2
        }),
        "{receipt:?}"
    );
}

#[test]
fn validator_set_change_is_returned_to_consensus_with_its_activation_height() {
    let mut world = World::new();
    let id = propose(
        &mut world,
        GovernanceAction::SetValidatorPower {
            public_key: validator_key(3),
            power: 12,
        },
    );
    vote(&mut world, 0, id, true);
    vote(&mut world, 1, id, true);
    let tx = world.transaction(
        council_seed(2),
        &Action::Vote(Vote {
            proposal_id: id,
            in_favour: true,
        }),
    );
    let height = world.height;
    let outcome = world.execute(&[tx]).unwrap();
    let (activation, set) = outcome.validator_set_change.expect("a change");
    assert_eq!(activation, height + 2);
    assert_eq!(set.len(), 4);
    assert_eq!(set.total_voting_power(), 42);
    // Blocks without changes announce none.
    let outcome = world.execute(&[]).unwrap();
    assert!(outcome.validator_set_change.is_none());
}

#[test]
fn the_set_never_drops_below_the_minimum_and_keys_rotate() {
    let mut world = World::new();
    let (_, receipt) = pass(
        &mut world,
        GovernanceAction::SetParameters(ChainParameters {
            validators_min: 4,
            validator_change_delay: 2,
        }),
    );
    assert!(
        receipt.events.contains(&Event::ParametersChanged),
        "{receipt:?}"
    );
    let (id, receipt) = pass(
        &mut world,
        GovernanceAction::RemoveValidator(validator_key(0)),
    );
    assert!(receipt.events.contains(&Event::ProposalRefused {
        proposal_id: id,
        code: Code::ValidatorSetTooSmall.number()
    }));
    let (id, receipt) = pass(
        &mut world,
        GovernanceAction::RemoveValidator(key(250).public_key()),
    );
    assert!(receipt.events.contains(&Event::ProposalRefused {
        proposal_id: id,
        code: Code::UnknownValidator.number()
    }));
    let (_, receipt) = pass(
        &mut world,
        GovernanceAction::RotateValidatorKey {
            old: validator_key(0),
            new: key(121).public_key(),
        },
    );
    assert!(
        receipt
            .events
            .iter()
            .any(|e| matches!(e, Event::ValidatorSetChanged { .. })),
        "{receipt:?}"
    );
    let (id, receipt) = pass(
        &mut world,
        GovernanceAction::SetParameters(ChainParameters {
            validators_min: 5,
            validator_change_delay: 2,
        }),
    );
    assert!(
        receipt.events.contains(&Event::ProposalRefused {
            proposal_id: id,
            code: Code::ValidatorSetTooSmall.number()
        }),
        "a minimum above the current set is refused"
    );
}

#[test]
fn collectivities_join_and_leave_and_namespaces_are_created() {
    let mut world = World::new();
    let newcomer = Siren(213_500_010);
    let admit = GovernanceAction::AdmitCollectivity(Collectivity {
        siren: newcomer,
        name: BoundedBytes::try_from_vec(b"Syndicat intercommunal".to_vec()).unwrap(),
        voting_power: 30,
        council_account: account(210),
    });
    let (_, receipt) = pass(&mut world, admit);
    assert!(
        receipt.events.contains(&Event::CollectivityAdmitted {
            collectivity: newcomer
        }),
        "{receipt:?}"
    );
    // Total is now 60: the same three councils (25) no longer pass anything.
    let id = propose(&mut world, grant_registrar(9));
    for council in 0..3 {
        vote(&mut world, council, id, true);
    }
    assert_eq!(proposal(&world, id).status, ProposalStatus::Open);
    let last = world.act(
        210,
        Action::Vote(Vote {
            proposal_id: id,
            in_favour: true,
        }),
    );
    assert!(
        last.events
            .contains(&Event::ProposalExecuted { proposal_id: id }),
        "{last:?}"
    );
    // A collectivity running a validator cannot leave.
    let id = propose(
        &mut world,
        GovernanceAction::RemoveCollectivity(FOURTH_SIREN),
    );
    for council in 0..3 {
        vote(&mut world, council, id, true);
    }
    let receipt = world.act(
        210,
        Action::Vote(Vote {
            proposal_id: id,
            in_favour: true,
        }),
    );
    assert!(receipt.events.contains(&Event::ProposalRefused {
        proposal_id: id,
        code: Code::CollectivityRunsValidators.number()
    }));
    // A namespace created by governance accepts records from its registrars.
    let name = namespace("actes/deliberations");
    let id = propose(
        &mut world,
        GovernanceAction::CreateNamespace {
            name: name.clone(),
            namespace: Namespace {
                collectivity: SIREN,
                transferable: false,
                transfer_needs_approval: false,
                fields: BoundedVec::try_from_vec(vec![field("adopted_on", FieldKind::Date)])
                    .unwrap(),
            },
        },
    );
    for council in 0..3 {
        vote(&mut world, council, id, true);
    }
    let receipt = world.act(
        210,
        Action::Vote(Vote {
            proposal_id: id,
            in_favour: true,
        }),
    );
    assert!(
        receipt.events.contains(&Event::NamespaceCreated {
            namespace: name.clone()
        }),
        "{receipt:?}"
    );
    let record = Action::RegisterRecord(RegisterRecord {
        namespace: name,
        record_id: BoundedBytes::try_from_vec(b"DEL-2026-001".to_vec()).unwrap(),
        document_hash: Hash([4; 32]),
        metadata: metadata(vec![FieldValue::Date(20_500)]),
        owner: None,
    });
    assert!(world.act(CITY_REGISTRAR, record).is_success());
}

#[test]
fn expired_proposals_are_closed_by_the_chain_with_an_event() {
    let mut world = World::new();
    let id = propose(&mut world, grant_registrar(9));
    assert!(vote(&mut world, 0, id, true).is_success());
    world.time_ms += 600_000;
    let outcome = world.execute(&[]).unwrap();
    assert_eq!(
        outcome.block_events,
        vec![Event::ProposalExpired { proposal_id: id }]
    );
    assert_eq!(proposal(&world, id).status, ProposalStatus::Expired);
    assert!(
        world.execute(&[]).unwrap().block_events.is_empty(),
        "announced once"
    );
    assert_eq!(
        vote(&mut world, 1, id, true).code,
        Code::ProposalExpired.number()
    );
}

fn refusal(receipt: &Receipt) -> Option<u16> {
    receipt.events.iter().find_map(|e| match e {
        Event::ProposalRefused { code, .. } => Some(*code),
        _ => None,
    })
}

fn delay(validator_change_delay: u64) -> GovernanceAction {
    GovernanceAction::SetParameters(ChainParameters {
        validators_min: 1,
        validator_change_delay,
    })
}

#[test]
fn a_shorter_delay_cannot_let_a_later_change_activate_before_a_scheduled_one() {
    let mut world = World::new();
    assert_eq!(refusal(&pass(&mut world, delay(20)).1), None);
    let (_, added) = pass(&mut world, add_validator(120, OTHER_SIREN, 1));
    let scheduled = added
        .events
        .iter()
        .find_map(|e| match e {
            Event::ValidatorSetChanged { activation_height } => Some(*activation_height),
            _ => None,
        })
        .unwrap();
    // The vote that would pass a delay of 2 comes 3 blocks later: it would
    // schedule changes long before `scheduled`.
    assert_eq!(
        refusal(&pass(&mut world, delay(2)).1),
        Some(Code::ActivationOutOfOrder.number())
    );
    // Once the change is near enough (or past), the delay may shrink.
    world.height = scheduled;
    assert_eq!(refusal(&pass(&mut world, delay(2)).1), None);
}

#[test]
fn a_zero_delay_or_minimum_is_refused() {
    let mut world = World::new();
    assert_eq!(
        refusal(&pass(&mut world, delay(0)).1),
        Some(Code::InvalidParameters.number())
    );
    let no_minimum = GovernanceAction::SetParameters(ChainParameters {
        validators_min: 0,
        validator_change_delay: 2,
    });
    assert_eq!(
        refusal(&pass(&mut world, no_minimum).1),
        Some(Code::InvalidParameters.number())
    );
}

#[test]
fn a_delay_above_the_maximum_is_refused() {
    let mut world = World::new();
    let too_long = civitas_civic::model::VALIDATOR_CHANGE_DELAY_MAX + 1;
    assert_eq!(
        refusal(&pass(&mut world, delay(too_long)).1),
        Some(Code::InvalidParameters.number())
    );
}

#[test]
fn a_refused_action_leaves_nothing_it_wrote_before_the_refusal() {
    let mut world = World::new();
    // Admission writes the collectivity and its council account, then the
    // council's total power overflows.
    let newcomer = Collectivity {
        siren: Siren(214_400_004),
        name: BoundedBytes::try_from_vec(b"Commune nouvelle".to_vec()).unwrap(),
        voting_power: u64::MAX,
        council_account: account(230),
    };
    assert!(newcomer.siren.is_valid());
    let (_, receipt) = pass(
        &mut world,
        GovernanceAction::AdmitCollectivity(newcomer.clone()),
    );
    assert_eq!(refusal(&receipt), Some(Code::Overflow.number()));
    assert!(
        !world
            .state
            .entries
            .contains_key(&keys::collectivity(&newcomer.siren))
    );
    assert!(
        !world
            .state
            .entries
            .contains_key(&keys::council_account(&newcomer.council_account))
    );
}

fn refused_with(receipt: &Receipt, id: u64, code: Code) -> bool {
    receipt.events.contains(&Event::ProposalRefused {
        proposal_id: id,
        code: code.number(),
    })
}

fn registry_network_key(
    world: &World,
    validator: &civitas_types::PublicKey,
) -> civitas_types::PublicKey {
    let registry: ValidatorRegistry =
        decode(world.state.entries.get(&keys::validators()).unwrap()).unwrap();
    registry
        .iter()
        .find(|v| v.public_key == *validator)
        .unwrap()
        .network_key
}

#[test]
fn a_network_key_rotates_at_once_without_changing_the_consensus_set() {
    let mut world = World::new();
    let fresh = key(222).public_key();
    let (_, receipt) = pass(
        &mut world,
        GovernanceAction::RotateNetworkKey {
            validator: validator_key(1),
            network_key: fresh,
        },
    );
    assert!(
        receipt.events.contains(&Event::NetworkKeyRotated {
            validator: validator_key(1),
            network_key: fresh
        }),
        "{receipt:?}"
    );
    assert!(
        !receipt
            .events
            .iter()
            .any(|e| matches!(e, Event::ValidatorSetChanged { .. })),
        "the consensus set did not change: {receipt:?}"
    );
    assert_eq!(registry_network_key(&world, &validator_key(1)), fresh);
}

#[test]
fn a_network_key_is_never_shared_nor_a_consensus_key() {
    let mut world = World::new();
    let refusals = [
        // Another validator's network key.
        GovernanceAction::RotateNetworkKey {
            validator: validator_key(1),
            network_key: network_key(2),
        },
        // A consensus key, its own or another's.
        GovernanceAction::RotateNetworkKey {
            validator: validator_key(1),
            network_key: validator_key(1),
        },
        GovernanceAction::RotateNetworkKey {
            validator: validator_key(1),
            network_key: validator_key(3),
        },
        // A new validator whose network key is already in use.
        GovernanceAction::AddValidator(ValidatorEntry {
            public_key: key(120).public_key(),
            network_key: network_key(0),
            power: 1,
            siren: SIREN,
        }),
        // A consensus key rotated onto a network key.
        GovernanceAction::RotateValidatorKey {
            old: validator_key(0),
            new: network_key(3),
        },
    ];
    for action in refusals {
        let (id, receipt) = pass(&mut world, action.clone());
        assert!(
            refused_with(&receipt, id, Code::InvalidNetworkKey),
            "{action:?}: {receipt:?}"
        );
    }
    assert_eq!(
        registry_network_key(&world, &validator_key(1)),
        network_key(1)
    );
    let (id, receipt) = pass(
        &mut world,
        GovernanceAction::RotateNetworkKey {
            validator: key(250).public_key(),
            network_key: key(222).public_key(),
        },
    );
    assert!(refused_with(&receipt, id, Code::UnknownValidator));
}
