//! A real node on the demo genesis, driven over JSON-RPC as a client would:
//! the demo activity and council and identity actions are committed with
//! successful receipts; junk and forged submissions get the documented error
//! codes and reasons and leave the node serving; blocks come with bytes that
//! hash to their advertised hash.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::Action;
use civitas_civic::action::{Delegate, Propose, Vote};
use civitas_civic::governance::GovernanceAction;
use civitas_civic::model::{NamespaceName, Role, Scope};
use civitas_rpc_api::{
    EventView, INVALID_TRANSACTION, TRANSACTION_REJECTED, rejection_data, to_hex,
};
use civitas_types::{AccountId, Hash, SignedTransaction, SigningKey, decode};
use std::time::Duration;

use common::{DemoHome, Node, Spawned, account, call_error, corrupt_signature, now_ms, sign};

const DAY_MS: u64 = 24 * 60 * 60 * 1_000;

/// Submits `transaction`, waits for it to be committed and checks that it
/// succeeded; returns its receipt's events.
/// (their kinds).
fn commit_successfully(node: &Node, what: &str, transaction: &SignedTransaction) -> Vec<String> {
    let id = node
        .rpc
        .submit(transaction)
        .unwrap_or_else(|e| panic!("{what}: submission refused: {e}"));
    assert_eq!(id, to_hex(transaction.id()), "{what}: the id returned");
    let view = node.wait_for_transaction(&id);
    assert!(
        view.receipt.success,
        "{what}: receipt {:?} (code {} {})",
        view.receipt.reason, view.receipt.code, view.receipt.code_name
    );
    assert_eq!(view.id, id);
    let decoded = view.decode_transaction().unwrap();
    assert_eq!(&decoded, transaction, "{what}: the committed bytes");
    kinds(&view.receipt.events)
}

/// The kinds of `events`, after checking each is its receipt's, typed.
fn kinds(events: &[EventView]) -> Vec<String> {
    events
        .iter()
        .map(|event| {
            assert!(event.transaction_id.is_some(), "{event:?}");
            assert!(event.detail.is_none(), "typed, no Debug text: {event:?}");
            event.kind.clone()
        })
        .collect()
}

#[test]
fn the_demo_activity_and_council_and_identity_actions_commit_with_successful_receipts() {
    let home = DemoHome::new();
    let node = home.start();
    let genesis = &home.genesis;
    let status = node.rpc.status().unwrap();
    assert_eq!(status.chain_id, genesis.chain_id.to_string());

    let steps = civitas_demo::activity_steps(genesis);
    assert_eq!(steps.len(), 3);
    let mut events = Vec::new();
    for (number, step) in steps.iter().enumerate() {
        let ids: Vec<String> = step
            .iter()
            .map(|transaction| node.rpc.submit(transaction).unwrap())
            .collect();
        for (id, transaction) in ids.iter().zip(step) {
            let view = node.wait_for_transaction(id);
            assert!(
                view.receipt.success,
                "step {number}, transaction {id}: {:?} ({})",
                view.receipt.reason, view.receipt.code_name
            );
            assert_eq!(view.decode_transaction().unwrap(), *transaction);
            events.extend(kinds(&view.receipt.events));
            typed_ids_are_readable(&view.receipt.events);
        }
    }
    // Each family left its mark: aid, energy, registry.
    for expected in [
        "ProgrammeCreated",
        "DisbursementExecuted",
        "AidSpent",
        "CommunityCreated",
        "MeterRegistered",
        "EnergyOrderPlaced",
        "RecordWritten",
    ] {
        assert!(
            events.iter().any(|event| event == expected),
            "no {expected} event among {events:#?}"
        );
    }

    // The council proposes a change of its own power, then votes for it: it
    // holds all the council's power, so the proposal passes and executes.
    let council = account("city council");
    let propose = Action::Propose(Propose {
        action: GovernanceAction::SetCouncilPower {
            siren: civitas_demo::CITY_SIREN,
            voting_power: 12,
        },
        deliberation_hash: Hash([7; 32]),
        expires_at_ms: now_ms() + DAY_MS,
    });
    let events = commit_successfully(
        &node,
        "council proposal",
        &sign(genesis, &council.key, 0, &propose),
    );
    assert!(
        events.iter().any(|e| e == "ProposalSubmitted"),
        "{events:?}"
    );
    let vote = Action::Vote(Vote {
        proposal_id: 0,
        in_favour: true,
    });
    let events = commit_successfully(
        &node,
        "council vote",
        &sign(genesis, &council.key, 1, &vote),
    );
    for expected in ["ProposalExecuted", "CouncilPowerChanged"] {
        assert!(
            events.iter().any(|e| e == expected),
            "{expected}: {events:?}"
        );
    }

    // The registrar lends its building-permits role to a deputy for a day.
    let registrar = account("registrar");
    let registrar_sequence = steps
        .iter()
        .flatten()
        .filter(|t| t.body.signer == registrar.address)
        .count() as u64;
    let deputy = AccountId::from_public_key(&SigningKey::from_seed(&[9; 32]).public_key());
    let delegate = Action::Delegate(Delegate {
        role: Role::Registrar,
        scope: Scope::Namespace(NamespaceName::from_text(civitas_demo::BUILDING_PERMITS).unwrap()),
        delegate: deputy,
        expires_at_ms: now_ms() + DAY_MS,
        act_hash: Hash([8; 32]),
    });
    let events = commit_successfully(
        &node,
        "delegation",
        &sign(genesis, &registrar.key, registrar_sequence, &delegate),
    );
    assert!(events.iter().any(|e| e == "RoleDelegated"), "{events:?}");
}

#[test]
fn junk_and_forged_submissions_get_their_error_codes_and_the_node_keeps_serving() {
    let home = DemoHome::new();
    let node = home.start();

    // Not hexadecimal.
    let error = call_error(node.rpc.submit_hex("zz").unwrap_err());
    assert_eq!(error.code(), INVALID_TRANSACTION, "{error:?}");
    assert_eq!(rejection_data(&error).unwrap().reason, "NotHex");

    // Hexadecimal, but not a transaction.
    for junk in ["00", "deadbeef", &"ff".repeat(300)] {
        let error = call_error(node.rpc.submit_hex(junk).unwrap_err());
        assert_eq!(error.code(), INVALID_TRANSACTION, "{junk}: {error:?}");
        assert_eq!(
            rejection_data(&error).unwrap().reason,
            "Malformed",
            "{junk}"
        );
    }

    // A council proposal whose signature was tampered with.
    let council = account("city council");
    let action = Action::Vote(Vote {
        proposal_id: 0,
        in_favour: true,
    });
    let transaction = sign(&home.genesis, &council.key, 0, &action);
    let forged = corrupt_signature(&transaction);
    let still_decodes: SignedTransaction = decode(&hex::decode(&forged).unwrap()).unwrap();
    assert_eq!(still_decodes.id(), transaction.id());
    let error = call_error(node.rpc.submit_hex(&forged).unwrap_err());
    assert_eq!(error.code(), TRANSACTION_REJECTED, "{error:?}");
    assert_eq!(rejection_data(&error).unwrap().reason, "BadSignature");

    // The node still serves, and still commits blocks.
    let height = node.rpc.status().unwrap().height;
    node.wait_for_height(height + 2, common::COMMIT_TIMEOUT);
    assert!(
        node.rpc
            .transaction(&to_hex(transaction.id()))
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_block_comes_with_bytes_that_hash_to_its_hash() {
    let home = DemoHome::new();
    let node = home.start();
    node.wait_for_height(2, common::COMMIT_TIMEOUT);
    let genesis_hash = node.rpc.status().unwrap().genesis_hash;
    for height in 1..=2 {
        let view = node.block(height);
        let block = view.decode_block().unwrap();
        assert_eq!(to_hex(block.hash()), view.hash, "height {height}");
        assert_eq!(block.header.height, height);
        assert_eq!(view.height, height);
        assert_eq!(to_hex(block.header.state_root), view.state_root);
        if height == 1 {
            assert_eq!(view.previous_block_hash, genesis_hash);
        }
    }
    assert_eq!(
        node.block(2).previous_block_hash,
        node.block(1).hash,
        "block 2 follows block 1"
    );
    // Far beyond the tip: nothing, not an error.
    assert!(node.rpc.block(1_000_000).unwrap().is_none());
}

#[test]
fn the_devnet_command_commits_the_demo_activity_and_continues_its_chain_when_run_again() {
    let directory = tempfile::tempdir().unwrap();
    let home = directory.path().join("devnet");
    let node = Spawned::devnet(&home).wait_ready();
    let welcome = format!("JSON-RPC  http://{}", node.rpc_address);
    node.poll("the welcome on stdout", common::START_TIMEOUT, || {
        node.stdout().contains(&welcome).then_some(())
    });
    let text = std::fs::read_to_string(home.join("genesis.json")).unwrap();
    let genesis = civitas_genesis::from_json(&text).unwrap();
    let steps = civitas_demo::activity_steps(&genesis);
    // The devnet submits the activity itself, step by step.
    for transaction in steps.iter().flatten() {
        let view = node.wait_for_transaction(&to_hex(transaction.id()));
        assert!(view.receipt.success, "{:?}", view.receipt);
    }
    let first_block = node.block(1).hash;
    let height = node.rpc.status().unwrap().height;
    assert!(node.terminate(Duration::from_secs(30)).success());

    // Run again: the same chain, carrying on; the activity is not resubmitted.
    let node = Spawned::devnet(&home).wait_ready();
    assert_eq!(node.block(1).hash, first_block);
    node.wait_for_height(height + 2, common::COMMIT_TIMEOUT);
    let log = node.log();
    assert!(
        !log.iter()
            .any(|line| line.contains("demo transaction refused")),
        "{log:#?}"
    );
    assert!(node.terminate(Duration::from_secs(30)).success());
}

/// The ids and amounts the chain assigned are typed fields of a receipt's
/// events, private ones included (the id holder reads the whole receipt).
fn typed_ids_are_readable(events: &[EventView]) {
    for event in events {
        let field = |name: &str| event.fields.get(name).cloned();
        match event.kind.as_str() {
            "DisbursementOrdered" => {
                assert!(field("orderId").unwrap().is_u64(), "{event:?}");
                assert!(field("amountCents").unwrap().is_string(), "{event:?}");
                assert!(
                    field("beneficiary")
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .starts_with("civ1"),
                    "{event:?}"
                );
            }
            "EnergyOrderPlaced" => {
                assert!(field("orderNumber").unwrap().is_u64(), "{event:?}");
                assert!(["buy", "sell"].contains(&field("side").unwrap().as_str().unwrap()));
                assert_eq!(event.community, Some(0), "{event:?}");
            }
            "MeterRegistered" => assert!(field("meterId").unwrap().is_u64(), "{event:?}"),
            _ => {}
        }
    }
}
