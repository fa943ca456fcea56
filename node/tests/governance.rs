//! Validators joining and leaving by governance, with real processes: four
//! validators (the demo city and partners 1–3, one genesis from
//! `localnet-genesis`, a validator-set change applying sixty heights after the
//! block that decides it) and a fifth node, started from an empty home that
//! no genesis names.
//!
//! 1. The council admits partner collectivity 4, then adds the fifth node's
//!    key as its validator. The validators admit the fifth node as soon as
//!    the change is decided: it syncs the chain before the activation height
//!    and signs from it. With validator 1 killed, the chain goes on only if
//!    the new validator votes (four of five are needed).
//! 2. The council removes validator 3. At the removal height its peers
//!    disconnect it — all but validator 0, which lists it as an observer: it
//!    keeps following the chain through validator 0, serving it on its RPC,
//!    and signs no more.
//! 3. The demo activity (aid, energy, registry) on top; then `civitas audit
//!    verify` checks the whole chain over RPC and over a copy of validator
//!    3's store, with the same report; resumed from a snapshot saved where
//!    the removal is decided but not in force, it reaches the same root
//!    over RPC and over a copy of validator 3's whole data directory (not
//!    over its ledger alone, without the record of sets); a
//!    copy from which the votes removing validator 3 were deleted fails at
//!    their height.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::path::Path;
use std::time::Instant;

use civitas_civic::governance::GovernanceAction;
use civitas_civic::model::ValidatorEntry;
use civitas_demo::council::{Council, partner_collectivity};
use civitas_rpc_api::EventView;
use civitas_types::SignedTransaction;
use common::localnet::{
    Member, PROGRESS_TIMEOUT, chain, free_port, network, spawn, start_with_env,
};
use common::{Node, init, now_ms, read_key};

/// How long a motion stays open.
const MOTION_OPEN_MS: u64 = 60 * 60 * 1_000;

/// A home made by `init` that no genesis names, on a free port.
fn newcomer(home: &Path) -> Member {
    let output = init(home);
    assert!(output.status.success(), "init: {output:?}");
    let network_key = read_key(&home.join("network_key")).public_key();
    Member {
        home: home.to_path_buf(),
        peer_id: civitas_p2p::identity::peer_id_of(&network_key)
            .unwrap()
            .to_string(),
        port: free_port(),
    }
}

/// Submits `transactions` to `node` and waits for each; they must succeed.
/// Returns their receipts' events.
fn commit_all(node: &Node, transactions: &[SignedTransaction]) -> Vec<EventView> {
    let ids: Vec<String> = transactions
        .iter()
        .map(|t| node.rpc.submit(t).unwrap())
        .collect();
    let mut events = Vec::new();
    for id in ids {
        let view = node.wait_for_transaction(&id);
        assert!(view.receipt.success, "{id} failed: {:?}", view.receipt);
        events.extend(view.receipt.events);
    }
    events
}

/// A motion: `proposer` proposes `action` (proposal `id`), then `voters`
/// vote for it (the vote that passes it executes it). Returns the votes'
/// events.
fn motion(
    node: &Node,
    council: &mut Council,
    id: u64,
    action: GovernanceAction,
    voters: &[usize],
) -> Vec<EventView> {
    let expires = now_ms() + MOTION_OPEN_MS;
    let proposal = council
        .propose(0, action, &format!("motion {id}"), expires)
        .unwrap();
    commit_all(node, &[proposal]);
    let votes: Vec<SignedTransaction> = voters
        .iter()
        .map(|member| council.vote(*member, id).unwrap())
        .collect();
    commit_all(node, &votes)
}

/// The activation height a `ValidatorSetChanged` event in `events` names.
fn activation_height(events: &[EventView]) -> u64 {
    events
        .iter()
        .filter(|event| event.kind == "ValidatorSetChanged")
        .find_map(|event| event.fields.get("activationHeight")?.as_u64())
        .unwrap_or_else(|| panic!("no validator-set change in {events:?}"))
}

/// `civitas_peers` from `node`'s metrics.
fn peers(node: &Node) -> u64 {
    let (_, metrics) = common::http_get(node.metrics_address, "/metrics");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("civitas_peers ")?.parse().ok())
        .unwrap()
}

#[test]
fn a_validator_added_by_governance_syncs_first_and_a_removed_one_is_disconnected() {
    let started = Instant::now();
    let directory = tempfile::tempdir().unwrap();
    let (members, genesis_path, genesis) = network(directory.path(), 4);
    let joiner_member = newcomer(&directory.path().join("joiner"));
    let leaving_network_key = read_key(&members[3].home.join("network_key")).public_key();

    // Validator 0 will keep validator 3 as an observer once it leaves.
    let nodes: Vec<Node> = (0..4)
        .map(|n| {
            let observers = if n == 0 {
                vec![(
                    "CIVITAS_P2P_OBSERVERS".to_string(),
                    leaving_network_key.to_string(),
                )]
            } else {
                Vec::new()
            };
            start_with_env(&members, n, &genesis_path, &observers)
        })
        .collect();
    // The joiner dials the validators from the start; nobody admits it yet.
    let all: Vec<&Member> = members.iter().collect();
    let joiner = spawn(&joiner_member, &all, &genesis_path, &[], &[]).wait_ready();
    nodes[0].wait_for_height(3, PROGRESS_TIMEOUT);
    assert_eq!(peers(&joiner), 0, "a stranger was admitted");
    assert_eq!(joiner.rpc.status().unwrap().height, 0);

    // 1. Admit partner collectivity 4 (3 of 4 council votes), then add the
    //    joiner as its validator (4 of 5).
    let mut council = Council::new(&genesis);
    let partner = partner_collectivity(4).unwrap();
    motion(
        &nodes[0],
        &mut council,
        0,
        GovernanceAction::AdmitCollectivity(partner.clone()),
        &[1, 2, 3],
    );
    let joiner_key = read_key(&joiner_member.home.join("consensus_key")).public_key();
    let entry = ValidatorEntry {
        public_key: joiner_key,
        network_key: read_key(&joiner_member.home.join("network_key")).public_key(),
        power: civitas_demo::VALIDATOR_POWER,
        siren: partner.siren,
    };
    let events = motion(
        &nodes[0],
        &mut council,
        1,
        GovernanceAction::AddValidator(entry),
        &[1, 2, 3, 4],
    );
    let joins_at = activation_height(&events);
    let decided_at = joins_at - civitas_demo::LOCALNET_VALIDATOR_CHANGE_DELAY;
    eprintln!(
        "the joiner's addition decided at {decided_at}, active from {joins_at}, after {:?}",
        started.elapsed()
    );
    // Admitted from the deciding block on, it syncs before its activation.
    joiner.wait_for_height(decided_at, PROGRESS_TIMEOUT);
    let network_height = nodes[0].rpc.status().unwrap().height;
    assert!(
        network_height < joins_at,
        "the joiner synced to {decided_at} only when the network was at {network_height}, past {joins_at}"
    );
    eprintln!(
        "the joiner synced to {decided_at} while the network was at {network_height}, after {:?}",
        started.elapsed()
    );
    joiner.wait_for_height(joins_at, PROGRESS_TIMEOUT);
    let status = joiner.rpc.status().unwrap();
    assert_eq!(
        status.validator_address,
        Some(civitas_rpc_api::to_hex(joiner_key))
    );

    // Four of five are needed: with validator 1 gone, blocks need the joiner.
    let mut nodes: Vec<Option<Node>> = nodes.into_iter().map(Some).collect();
    nodes[1].take().unwrap().kill();
    let from = nodes[0]
        .as_ref()
        .unwrap()
        .rpc
        .status()
        .unwrap()
        .height
        .max(joins_at);
    let alive: Vec<&Node> = nodes.iter().flatten().chain([&joiner]).collect();
    for node in &alive {
        node.wait_for_height(from + 3, PROGRESS_TIMEOUT);
    }
    eprintln!(
        "validators 0, 2, 3 and the joiner went from {from} to {} after {:?}",
        from + 3,
        started.elapsed()
    );

    // 2. Remove validator 3; validator 0 keeps it as an observer.
    let leaving_key = read_key(&members[3].home.join("consensus_key")).public_key();
    let first = nodes[0].as_ref().unwrap();
    let events = motion(
        first,
        &mut council,
        2,
        GovernanceAction::RemoveValidator(leaving_key),
        &[1, 2, 3, 4],
    );
    let leaves_at = activation_height(&events);
    let leaving = nodes[3].as_ref().unwrap();
    assert!(
        leaving.rpc.status().unwrap().validator_address.is_some(),
        "validator 3 stopped signing before its removal height"
    );
    for node in [first, nodes[2].as_ref().unwrap(), &joiner] {
        node.wait_for_height(leaves_at + 3, PROGRESS_TIMEOUT);
    }
    // Disconnected by validator 2 and the joiner; followed through validator 0.
    leaving.poll("validator 3 left with one peer", PROGRESS_TIMEOUT, || {
        (peers(leaving) == 1).then_some(())
    });
    let height = first.rpc.status().unwrap().height;
    leaving.wait_for_height(height, PROGRESS_TIMEOUT);
    assert_eq!(leaving.rpc.status().unwrap().validator_address, None);
    assert_eq!(chain(leaving, 1..=height), chain(first, 1..=height));
    let log = leaving.log().join("\n");
    assert!(
        log.contains("left the validator set"),
        "no leaving line in validator 3's log"
    );
    eprintln!(
        "validator 3 removed at {leaves_at}, follows as an observer at {height}, after {:?}",
        started.elapsed()
    );

    // 3. The citizens' activity on top, then the auditor.
    for step in civitas_demo::activity_steps(&genesis) {
        commit_all(first, &step);
    }
    let (head, tail) = nodes.split_at_mut(3);
    let removal_decided_at = leaves_at - civitas_demo::LOCALNET_VALIDATOR_CHANGE_DELAY;
    audit_the_chain(
        head[0].as_ref().unwrap(),
        tail[0].take().unwrap(),
        &members[3].home,
        &genesis_path,
        removal_decided_at,
    );
    eprintln!("the chain audited, after {:?}", started.elapsed());
}

/// The whole chain, with its validator-set changes, verifies over `node`'s
/// RPC and over a copy of `follower`'s store (killed first) with the same
/// report; the copy without the block `decided_at`'s transactions (the
/// votes that removed a validator, and whatever rode with them) fails there.
fn audit_the_chain(node: &Node, follower: Node, home: &Path, genesis_path: &Path, decided_at: u64) {
    use civitas_ledger::{Ledger, tamper};
    use common::cli::{Cli, audit_verify, copy_directory, verified};

    let to = node.rpc.status().unwrap().height;
    follower.wait_for_height(to, PROGRESS_TIMEOUT);
    follower.kill();
    let cli = Cli::new(node);
    let credential = cli.write("auditor.credential", common::TEST_CREDENTIAL);
    let genesis = genesis_path.to_str().unwrap();
    let over_rpc = verified(
        &cli,
        &["--genesis", genesis, "--credential-file", &credential],
        to,
    );
    assert_eq!(over_rpc["summary"]["validatorSetChanges"], 2, "{over_rpc}");
    let copy = home.with_file_name("audited-copy");
    copy_directory(&home.join("data").join("ledger"), &copy);
    let copied = verified(
        &cli,
        &["--genesis", genesis, "--data-dir", copy.to_str().unwrap()],
        to,
    );
    assert_eq!(copied["summary"], over_rpc["summary"]);
    // Saved where a validator's removal is decided but not yet in force,
    // then resumed from there over RPC: the pending set is followed, and
    // the chain reaches the same state root.
    let snapshot = home.with_file_name("decided.snapshot");
    let snapshot = snapshot.to_str().unwrap();
    verified(
        &cli,
        &[
            "--genesis",
            genesis,
            "--data-dir",
            copy.to_str().unwrap(),
            "--save-snapshot",
            snapshot,
        ],
        decided_at,
    );
    let resumed = verified(
        &cli,
        &[
            "--genesis",
            genesis,
            "--credential-file",
            &credential,
            "--from-snapshot",
            snapshot,
        ],
        to,
    );
    assert_eq!(resumed["summary"]["fromSnapshot"], decided_at);
    // Decided at the snapshot's height: none is decided after it, yet the
    // blocks from its activation on are checked against the new set.
    assert_eq!(resumed["summary"]["validatorSetChanges"], 0, "{resumed}");
    assert_eq!(resumed["summary"]["height"], to);
    assert_eq!(
        resumed["summary"]["stateRoot"],
        over_rpc["summary"]["stateRoot"]
    );
    // The same from a copy of the follower's whole data directory: the
    // validator-set history comes from its record of sets, checked against
    // its headers; the ledger alone is not enough.
    let data = home.with_file_name("audited-data");
    copy_directory(&home.join("data"), &data);
    let from_snapshot_in = |dir| from_snapshot_args(genesis, dir, snapshot);
    let from_data = verified(&cli, &from_snapshot_in(data.to_str().unwrap()), to);
    assert_eq!(from_data["summary"], resumed["summary"]);
    let run = audit_verify(&cli, &from_snapshot_in(copy.to_str().unwrap()), Some(to));
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("validator_sets"), "{run:?}");
    // A record of sets that lies (the last change names the genesis set
    // again) is refused: the header before it names another set.
    let record = data.join("validator_sets");
    let mut sets: std::collections::BTreeMap<u64, civitas_types::ValidatorSet> =
        civitas_types::decode(&std::fs::read(&record).unwrap()).unwrap();
    let first = sets.values().next().unwrap().clone();
    *sets.values_mut().last().unwrap() = first;
    std::fs::write(&record, civitas_types::encode(&sets)).unwrap();
    let run = audit_verify(&cli, &from_snapshot_in(data.to_str().unwrap()), Some(to));
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("does not verify"), "{run:?}");

    let mut block = Ledger::open_read_only(&copy, None)
        .unwrap()
        .block(decided_at)
        .unwrap()
        .unwrap();
    block.transactions = civitas_types::BoundedVec::try_from_vec(Vec::new()).unwrap();
    block.header.transactions_root = civitas_types::Block::transactions_root(&[]);
    prove_across_the_changes(&cli, node, genesis);
    tamper::replace_block(&copy, decided_at, &block);
    let run = audit_verify(
        &cli,
        &["--genesis", genesis, "--data-dir", copy.to_str().unwrap()],
        Some(to),
    );
    assert_eq!(run.code, 5, "{run:?}");
    let report = run.json();
    assert_eq!(report["height"], decided_at, "{report}");
    assert!(
        report["reason"]
            .as_str()
            .unwrap()
            .contains("does not match the block's execution"),
        "{report}"
    );
}

/// `audit verify`'s arguments to resume from `snapshot` over the data
/// directory `dir`.
fn from_snapshot_args<'a>(genesis: &'a str, dir: &'a str, snapshot: &'a str) -> [&'a str; 6] {
    [
        "--genesis",
        genesis,
        "--data-dir",
        dir,
        "--from-snapshot",
        snapshot,
    ]
}

/// A bundle of the chain's last transaction carries both validator-set
/// changes and checks offline; without either change it proves nothing.
fn prove_across_the_changes(cli: &common::cli::Cli, node: &Node, genesis: &str) {
    let tip = node.rpc.status().unwrap().height;
    let id = (1..=tip)
        .rev()
        .find_map(|h| node.block(h).transactions.last().cloned())
        .unwrap();
    let bundle = cli.path("last.proof.json");
    let bundle = bundle.to_str().unwrap();
    let proved = cli.json(&[
        "audit",
        "prove",
        "--tx",
        &id,
        "--genesis",
        genesis,
        "--out",
        bundle,
    ]);
    assert_eq!(proved["validatorSetChanges"], 2, "{proved}");
    let checked = cli.json(&["audit", "check-proof", bundle, "--genesis", genesis]);
    assert_eq!(checked["validatorSetChanges"], 2, "{checked}");
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bundle).unwrap()).unwrap();
    for dropped in 0..2 {
        let mut forged = original.clone();
        forged["setChanges"].as_array_mut().unwrap().remove(dropped);
        let path = cli.write("without-a-change.proof.json", &forged.to_string());
        let run = cli.run(&["audit", "check-proof", &path, "--genesis", genesis]);
        assert_eq!(run.code, 5, "without change {dropped}: {run:?}");
        assert!(
            run.stderr
                .contains("another validator set than the one in force"),
            "without change {dropped}: {run:?}"
        );
    }
}
