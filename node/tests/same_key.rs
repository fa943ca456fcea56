//! Same key twice, with real processes: four validators run.
//!
//! - A fifth process starts from a copy of validator 0's home keys (what
//!   restoring a whole-home backup on a second machine gives: the same
//!   consensus key and the same network identity) on an empty ledger. It
//!   catches up, finds validator 0's key in certificates of heights it never
//!   signed, and stops without signing on, naming the heights.
//! - Another machine of the collectivity — an observer the validators admit
//!   by its own network key — is given validator 0's consensus key by
//!   mistake and started with `--allow-duplicate-signing`. It catches up,
//!   then signs next to the original at the live height: the two sign
//!   different messages for one round (each builds its own proposal when the
//!   key's turn comes, and each votes for what it saw first), and the
//!   validators record the double signature as evidence in a block, and
//!   `civitas_getEvidence` shows the offence recorded in state (the
//!   council's view) on the validators.
//!
//! (A whole-home copy shares the original's peer id: peers then gossip to
//! one of the two connections of that id only, so such a twin catches up by
//! block sync but rarely hears a live round; a twin with its own network
//! identity is the one that reliably double-signs.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::time::{Duration, Instant};

use civitas_rpc_api::{EvidenceView, OffenceKind, VoteStep, to_hex};
use civitas_types::{Evidence, PublicKey, VoteType};
use common::localnet::{Member, PROGRESS_TIMEOUT, all_reach, free_port, network, spawn};
use common::{Node, read_key};

/// How long the two signers of one key may take to sign conflicting votes
/// that a validator sees and a block records (the key proposes one height
/// in four; a twin that lags its original needs a few tries).
const EVIDENCE_TIMEOUT: Duration = Duration::from_secs(150);

/// Heights named by the refusal message, from `at height(s) 3-5, 9 that`.
fn named_heights(log: &str) -> String {
    let (_, rest) = log
        .split_once("at height(s) ")
        .unwrap_or_else(|| panic!("no heights named in:\n{log}"));
    rest.split(" that ").next().unwrap().to_string()
}

/// Whether the committed block at `height` records a duplicate vote by
/// `offender`; `None` if `node` has not committed it.
fn records_against(node: &Node, offender: PublicKey, height: u64) -> Option<bool> {
    let view = node.rpc.block(height).ok().flatten()?;
    if view.evidence == 0 {
        return Some(false);
    }
    let block = view.decode_block().unwrap();
    Some(block.evidence.iter().any(|evidence| match evidence {
        Evidence::DuplicateVote(duplicate) => {
            duplicate.first().vote.validator == offender
                && duplicate.second().vote.validator == offender
        }
    }))
}

/// Checks that `node`'s `civitas_getEvidence` lists, for `offender`, each
/// offence of the block at `recorded` (its evidence against `offender`),
/// recorded there; returns the views.
fn state_records(node: &Node, offender: PublicKey, recorded: u64) -> Vec<EvidenceView> {
    let block = node.block(recorded).decode_block().unwrap();
    let list = node.rpc.evidence(Some(offender)).unwrap();
    assert!(list.height >= recorded, "state read at {}", list.height);
    assert_eq!(list.next, None);
    let mut found = Vec::new();
    for evidence in block.evidence.iter() {
        let Evidence::DuplicateVote(duplicate) = evidence;
        let vote = &duplicate.first().vote;
        if vote.validator != offender {
            continue;
        }
        let step = match vote.vote_type {
            VoteType::Prevote => VoteStep::Prevote,
            VoteType::Precommit => VoteStep::Precommit,
        };
        let view = list
            .offences
            .iter()
            .find(|view| (view.height, view.round, view.vote_type) == (vote.height, vote.round, step))
            .unwrap_or_else(|| {
                panic!(
                    "getEvidence does not list the offence at height {} round {} ({step:?}): {list:?}",
                    vote.height, vote.round
                )
            });
        assert_eq!(view.offender, to_hex(offender));
        assert_eq!(view.kind, OffenceKind::DuplicateVote);
        assert_eq!(view.included_at_height, recorded);
        assert_eq!(view.evidence_hash, to_hex(evidence.hash()));
        found.push(view.clone());
    }
    assert!(
        !found.is_empty(),
        "block {recorded} holds no evidence against the offender"
    );
    found
}

/// The height of the first block from `from` on that `node` committed with
/// evidence of a duplicate vote by `offender`.
fn evidence_against(node: &Node, offender: PublicKey, from: u64) -> u64 {
    let mut next = from;
    node.poll(
        "a block with evidence against validator 0",
        EVIDENCE_TIMEOUT,
        || {
            loop {
                let recorded = records_against(node, offender, next)?;
                next += 1;
                if recorded {
                    return Some(next - 1);
                }
            }
        },
    )
}

#[test]
fn a_second_process_with_one_key_refuses_to_sign_unless_overridden_and_then_is_recorded() {
    let started = Instant::now();
    let directory = tempfile::tempdir().unwrap();
    let (members, genesis_path, _) = network(directory.path(), 4);
    // The observer that will be given validator 0's consensus key.
    let twin = Member {
        home: directory.path().join("twin"),
        peer_id: String::new(),
        port: free_port(),
    };
    assert!(common::init(&twin.home).status.success());
    let twin = Member {
        peer_id: civitas_p2p::identity::peer_id_of(
            &read_key(&twin.home.join("network_key")).public_key(),
        )
        .unwrap()
        .to_string(),
        ..twin
    };
    std::fs::copy(
        members[0].home.join("consensus_key"),
        twin.home.join("consensus_key"),
    )
    .unwrap();
    let observers = [("CIVITAS_P2P_OBSERVERS".to_string(), twin.peer_id.clone())];
    let nodes: Vec<Node> = (0..4)
        .map(|n| {
            let others: Vec<&Member> = members
                .iter()
                .filter(|m| m.port != members[n].port)
                .collect();
            spawn(&members[n], &others, &genesis_path, &[], &observers).wait_ready()
        })
        .collect();
    all_reach(&nodes.iter().collect::<Vec<_>>(), 5);

    // A second machine with validator 0's keys and an empty ledger.
    let copy = Member {
        home: directory.path().join("copy"),
        peer_id: members[0].peer_id.clone(),
        port: free_port(),
    };
    std::fs::create_dir_all(&copy.home).unwrap();
    for file in ["consensus_key", "network_key", "config.toml"] {
        std::fs::copy(members[0].home.join(file), copy.home.join(file)).unwrap();
    }
    let others: Vec<&Member> = members[1..].iter().collect();
    let refused = spawn(&copy, &others, &genesis_path, &[], &[]).wait_serving();
    let (status, log) = refused.wait_exit_with_log(PROGRESS_TIMEOUT);
    let log = log.join("\n");
    assert!(!status.success(), "the copy did not stop; log:\n{log}");
    assert!(
        log.contains("has no record of signing")
            && log.contains("Stop the other machine")
            && log.contains("--allow-duplicate-signing"),
        "the copy does not say why it stopped:\n{log}"
    );
    let heights = named_heights(&log);
    eprintln!(
        "the copy refused to sign (heights {heights}) after {:?}",
        started.elapsed()
    );
    // The network kept going without it, and nothing it did was a double
    // signature.
    let height = nodes[1].rpc.status().unwrap().height;
    for named in heights.split([',', '-']) {
        let named: u64 = named.trim().parse().unwrap();
        assert!((1..=height).contains(&named), "height {named} named");
    }
    all_reach(&nodes.iter().collect::<Vec<_>>(), height + 2);
    let offender = read_key(&members[0].home.join("consensus_key")).public_key();
    for past in 1..=height + 2 {
        assert_eq!(
            records_against(&nodes[1], offender, past),
            Some(false),
            "evidence against validator 0 at height {past} before the override"
        );
    }
    let empty = nodes[1].rpc.evidence(None).unwrap();
    assert!(
        empty.offences.is_empty(),
        "offences in state before the override: {empty:?}"
    );

    // With the override, both sign, and the double signature is recorded.
    let twin = spawn(
        &twin,
        &others,
        &genesis_path,
        &["--allow-duplicate-signing"],
        &[],
    )
    .wait_serving();
    let recorded = evidence_against(&nodes[1], offender, height);
    let twin_log = twin.log().join("\n");
    assert!(
        twin_log.contains("the same-key-twice guard is OFF"),
        "no warning in the log of the overridden copy:\n{twin_log}"
    );
    eprintln!(
        "evidence of validator 0's double signature committed at height {recorded} after {:?}",
        started.elapsed()
    );

    // The council's view in state, on the validator that saw the block and
    // on another once it has committed it too.
    let offences = state_records(&nodes[1], offender, recorded);
    nodes[2].wait_for_height(recorded, PROGRESS_TIMEOUT);
    assert_eq!(state_records(&nodes[2], offender, recorded), offences);
    eprintln!("getEvidence lists {offences:?}");
}
