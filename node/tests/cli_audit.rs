//! End to end: `civitas audit verify` replays a devnet's whole chain from its
//! genesis over JSON-RPC and agrees with it; a node that alters a block — a
//! transaction signature, a state root, a receipts root — or a certificate
//! signature is caught at that height, with the reason, exit 5.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_rpc_api::{from_hex, to_hex};
#[path = "cli_audit/export.rs"]
mod export;
#[path = "cli_audit/prove.rs"]
mod prove;

use civitas_types::{Block, CommitSignature, Hash, QuorumCertificate, decode, encode};
use common::cli::{Cli, audit_verify, copy_directory, lying_proxy, verified};
use common::{DemoHome, TEST_CREDENTIAL};

/// A block altered at a height, the height the audit must fail at, and a
/// word of its reason.
type Alteration = (u64, fn(&mut Block), u64, &'static str);

/// Rewrites the block of `height` in every `getBlocks` answer with `alter`.
fn altering(height: u64, alter: fn(&mut Block)) -> impl Fn(&str) -> String + Send + Sync {
    move |answer: &str| {
        let mut json: serde_json::Value = match serde_json::from_str(answer) {
            Ok(json) => json,
            Err(_) => return answer.to_owned(),
        };
        let Some(blocks) = json["result"]["blocks"].as_array_mut() else {
            return answer.to_owned();
        };
        for view in blocks.iter_mut().filter(|b| b["height"] == height) {
            let mut block: Block =
                decode(&from_hex(view["block"].as_str().unwrap()).unwrap()).unwrap();
            alter(&mut block);
            view["block"] = to_hex(encode(&block)).into();
        }
        json.to_string()
    }
}

fn flip_transaction_signature(block: &mut Block) {
    let mut transactions = std::mem::take(&mut block.transactions).into_vec();
    let mut signatures = std::mem::take(&mut transactions[0].signatures).into_vec();
    signatures[0].signature.0[0] ^= 1;
    transactions[0].signatures = civitas_types::BoundedVec::try_from_vec(signatures).unwrap();
    // A forger who also fixes the header's transactions root.
    block.header.transactions_root = Block::transactions_root(&transactions);
    block.transactions = civitas_types::BoundedVec::try_from_vec(transactions).unwrap();
}

fn alter_state_root(block: &mut Block) {
    block.header.state_root = Hash([7; 32]);
}

fn alter_receipts_root(block: &mut Block) {
    block.header.receipts_root = Hash([7; 32]);
}

fn flip_parent_certificate_signature(block: &mut Block) {
    let certificate = block.last_commit.take().unwrap();
    let mut signatures: Vec<CommitSignature> = certificate.signatures().to_vec();
    signatures[0].signature.0[0] ^= 1;
    block.last_commit = Some(
        QuorumCertificate::new(
            certificate.height,
            certificate.round,
            certificate.block_hash,
            signatures,
        )
        .unwrap(),
    );
}

#[test]
fn the_whole_chain_verifies_and_each_alteration_is_caught_at_its_height() {
    let home = DemoHome::new();
    let node = home.start_with_activity();
    let cli = Cli::new(&node);
    let credential = cli.write("auditor.credential", TEST_CREDENTIAL);
    let genesis = home.genesis_path.to_str().unwrap();
    let audit = |cli: &Cli| {
        cli.run(&[
            "--json",
            "audit",
            "verify",
            "--genesis",
            genesis,
            "--credential-file",
            &credential,
        ])
    };

    let honest = audit(&cli);
    assert_eq!(honest.code, 0, "{honest:?}");
    let report = honest.json();
    assert_eq!(report["valid"], true);
    let summary = &report["summary"];
    let activity = civitas_demo::activity(&home.genesis).len() as u64;
    assert_eq!(
        summary["transactions"].as_u64().unwrap(),
        activity,
        "{report}"
    );
    assert_eq!(summary["failedTransactions"], 0);
    assert_eq!(summary["programmesReconciled"], 1);
    let tip = summary["height"].as_u64().unwrap();
    let header = node.rpc.block(tip).unwrap().unwrap();
    // The report gives the digits; the API writes them after 0x.
    assert_eq!(
        format!("0x{}", summary["stateRoot"].as_str().unwrap()),
        header.state_root
    );
    let text = cli.ok(&[
        "audit",
        "verify",
        "--genesis",
        genesis,
        "--credential-file",
        &credential,
    ]);
    assert!(text.contains("verifies from its genesis"), "{text}");

    // The first block holding transactions, and the one after it.
    let with_transactions = (1..=tip)
        .find(|h| !node.rpc.block(*h).unwrap().unwrap().transactions.is_empty())
        .unwrap();
    let cases: [Alteration; 4] = [
        (
            with_transactions,
            flip_transaction_signature,
            with_transactions,
            "signature",
        ),
        (
            with_transactions,
            alter_state_root,
            with_transactions,
            "state_root",
        ),
        (
            with_transactions,
            alter_receipts_root,
            with_transactions,
            "receipts_root",
        ),
        (
            with_transactions + 1,
            flip_parent_certificate_signature,
            with_transactions,
            "invalid certificate",
        ),
    ];
    for (altered, alter, failing, reason) in cases {
        let proxy = lying_proxy(node.rpc_address, altering(altered, alter));
        let fooled = Cli::at(&format!("http://{proxy}"));
        let run = audit(&fooled);
        assert_eq!(run.code, 5, "{reason}: {run:?}");
        let report = run.json();
        assert_eq!(report["valid"], false, "{reason}: {report}");
        assert_eq!(report["height"], failing, "{reason}: {report}");
        assert!(
            report["reason"].as_str().unwrap().contains(reason),
            "{reason}: {report}"
        );
        assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    }
}

#[test]
fn a_data_directory_verifies_as_the_node_does_and_a_damaged_one_is_storage_corruption() {
    let home = DemoHome::new();
    let node = home.start_with_activity();
    let cli = Cli::new(&node);
    let credential = cli.write("auditor.credential", TEST_CREDENTIAL);
    let genesis = home.genesis_path.to_str().unwrap();
    let tip = node.rpc.status().unwrap().height;
    let summary_of = |report: &serde_json::Value| report["summary"].clone();

    let saved = home.path("verified.snapshot");
    // `--rpc` names the node as `--node` does (the spelling).
    let url = format!("http://{}", node.rpc_address);
    let over_rpc = verified(
        &cli,
        &[
            "--rpc",
            &url,
            "--genesis",
            genesis,
            "--credential-file",
            &credential,
            "--save-snapshot",
            saved.to_str().unwrap(),
        ],
        tip,
    );
    // The verified state, saved: a snapshot the ledger accepts as its own,
    // vouched for by the genesis validators' signatures.
    let identity = civitas_ledger::ChainIdentity {
        chain_id: home.genesis.chain_id.clone(),
        genesis_hash: home.genesis.hash(),
    };
    let trust = civitas_ledger::SnapshotTrust::Validators(home.genesis.check().unwrap().validators);
    let (snapshot, _entries) = civitas_ledger::read_snapshot(&saved, &identity, &trust).unwrap();
    assert_eq!(snapshot.height, tip);
    assert_eq!(
        snapshot.state_root.to_string(),
        over_rpc["summary"]["stateRoot"].as_str().unwrap()
    );
    // Resumed from a snapshot saved halfway: only the blocks after it are
    // replayed, to the same state root.
    let half = tip / 2;
    let halfway = home.path("halfway.snapshot");
    let halfway = halfway.to_str().unwrap();
    let saved_half = verified(
        &cli,
        &[
            "--genesis",
            genesis,
            "--credential-file",
            &credential,
            "--save-snapshot",
            halfway,
        ],
        half,
    );
    assert_eq!(saved_half["summary"]["height"], half);
    let resumed = verified(
        &cli,
        &[
            "--genesis",
            genesis,
            "--credential-file",
            &credential,
            "--from-snapshot",
            halfway,
        ],
        tip,
    );
    assert_eq!(resumed["summary"]["fromSnapshot"], half, "{resumed}");
    assert_eq!(resumed["summary"]["blocks"], tip - half, "{resumed}");
    assert_eq!(
        resumed["summary"]["stateRoot"],
        over_rpc["summary"]["stateRoot"]
    );
    // A damaged snapshot, or another chain's, starts nothing.
    let mut bytes = std::fs::read(halfway).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    let damaged = home.path("damaged.snapshot");
    std::fs::write(&damaged, bytes).unwrap();
    let other = DemoHome::new();
    let other_genesis = other.genesis_path.to_str().unwrap();
    for (snapshot, genesis) in [
        (damaged.to_str().unwrap(), genesis),
        (halfway, other_genesis),
    ] {
        let run = cli.run(&[
            "audit",
            "verify",
            "--genesis",
            genesis,
            "--credential-file",
            &credential,
            "--from-snapshot",
            snapshot,
        ]);
        assert_ne!(run.code, 0, "{run:?}");
        assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    }

    // The running node's own directory, read-only: no lock, nothing written.
    let home_dir = home.home.to_str().unwrap();
    let live = verified(&cli, &["--genesis", genesis, "--data-dir", home_dir], tip);
    assert_eq!(summary_of(&live), summary_of(&over_rpc));
    assert!(
        live["source"].as_str().unwrap().contains("data/ledger"),
        "{live}"
    );
    node.kill();

    // A copy of the killed node's store, given as the ledger directory itself.
    let copy = home.path("ledger-copy");
    copy_directory(&home.home.join("data").join("ledger"), &copy);
    let copied = verified(
        &cli,
        &["--genesis", genesis, "--data-dir", copy.to_str().unwrap()],
        tip,
    );
    assert_eq!(summary_of(&copied), summary_of(&over_rpc));
    assert_eq!(
        copied["summary"]["transactions"],
        over_rpc["summary"]["transactions"]
    );

    // The same store, flushed to table files, then one byte of the largest flipped.
    let ledger =
        civitas_ledger::Ledger::open(civitas_ledger::LedgerConfig::new(&copy), Some(&identity))
            .unwrap();
    ledger.flush().unwrap();
    drop(ledger);
    let largest = std::fs::read_dir(&copy)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|file| file.extension().is_some_and(|e| e == "sst"))
        .max_by_key(|file| std::fs::metadata(file).unwrap().len())
        .unwrap();
    let mut bytes = std::fs::read(&largest).unwrap();
    let middle = bytes.len() / 3;
    bytes[middle] ^= 0x01;
    std::fs::write(&largest, bytes).unwrap();
    let damaged = audit_verify(
        &cli,
        &["--genesis", genesis, "--data-dir", copy.to_str().unwrap()],
        Some(tip),
    );
    assert_eq!(damaged.code, 5, "{damaged:?}");
    assert!(damaged.stderr.contains("storage corruption"), "{damaged:?}");
    assert!(!damaged.stdout.contains("\"valid\": true"), "{damaged:?}");
    assert_eq!(damaged.stderr.lines().count(), 1, "{damaged:?}");

    // A directory that holds no ledger says what to give.
    let empty = home.path("no-ledger");
    std::fs::create_dir_all(&empty).unwrap();
    let missing = cli.run(&[
        "audit",
        "verify",
        "--genesis",
        genesis,
        "--data-dir",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(missing.code, 1, "{missing:?}");
    assert!(missing.stderr.contains("data/ledger"), "{missing:?}");
}

/// How a forger rewrites a copied store (through its own write path, so its
/// checksums pass), the height the audit must fail at, and a word of its reason.
type Forgery = (
    &'static str,
    Box<dyn Fn(&std::path::Path)>,
    u64,
    &'static str,
);

#[test]
fn a_copy_forged_through_the_store_fails_at_the_forged_height_with_its_reason() {
    use civitas_ledger::{Ledger, tamper};

    let home = DemoHome::new();
    let node = home.start_with_activity();
    let cli = Cli::new(&node);
    node.kill();
    let original = home.home.join("data").join("ledger");
    // The store's own last height (the node may have committed after any
    // status asked before the kill).
    let (tip, h, block, receipts, certificate, tip_certificate, programme_key, tip_block) = {
        let ledger = Ledger::open_read_only(&original, None).unwrap();
        let tip = ledger.height();
        let h = (1..tip)
            .find(|h| !ledger.block(*h).unwrap().unwrap().transactions.is_empty())
            .unwrap();
        let (key, _) = ledger.scan_prefix(&[0x31], None, 1).unwrap().remove(0);
        (
            tip,
            h,
            ledger.block(h).unwrap().unwrap(),
            ledger.receipts(h).unwrap().unwrap(),
            ledger.certificate(h).unwrap().unwrap(),
            ledger.certificate(tip).unwrap().unwrap(),
            key,
            ledger.block(tip).unwrap().unwrap(),
        )
    };
    assert!(h < tip);
    let flipped_certificate = |certificate: &QuorumCertificate| {
        let mut signatures: Vec<CommitSignature> = certificate.signatures().to_vec();
        signatures[0].signature.0[0] ^= 1;
        QuorumCertificate::new(
            certificate.height,
            certificate.round,
            certificate.block_hash,
            signatures,
        )
        .unwrap()
    };
    let forged_block = {
        let mut block = block.clone();
        flip_transaction_signature(&mut block);
        block
    };
    let forged_receipts = {
        let mut receipts = receipts.clone();
        let last = receipts.last_mut().unwrap();
        *last.last_mut().unwrap() ^= 1;
        receipts
    };
    let forged_certificate = flipped_certificate(&certificate);
    let forged_tip_certificate = flipped_certificate(&tip_certificate);
    let forged_tip_block = {
        let mut block = tip_block;
        alter_state_root(&mut block);
        block
    };
    let cases: Vec<Forgery> = vec![
        (
            "a transaction signature",
            Box::new(move |p| tamper::replace_block(p, h, &forged_block)),
            h,
            "signature",
        ),
        (
            "a recorded state root",
            Box::new(move |p| tamper::replace_state_root(p, h, &Hash([7; 32]))),
            h,
            "records state root",
        ),
        (
            "a receipt",
            Box::new(move |p| tamper::replace_receipts(p, h, &forged_receipts)),
            h,
            "stored receipts hash",
        ),
        (
            "a stored certificate's signature",
            Box::new(move |p| tamper::replace_certificate(p, h, &forged_certificate)),
            h,
            "stored certificate is invalid",
        ),
        (
            "the last certificate's signature",
            Box::new(move |p| tamper::replace_certificate(p, tip, &forged_tip_certificate)),
            tip,
            "invalid certificate",
        ),
        (
            // Its recorded root no longer matches either, but the block
            // itself is judged first, as one block at a time.
            "the last block's state root",
            Box::new(move |p| tamper::replace_block(p, tip, &forged_tip_block)),
            tip,
            "state_root does not match",
        ),
        (
            "a state value (its root recorded to match)",
            Box::new(move |p| tamper::replace_state_value(p, &programme_key, b"forged")),
            tip,
            "records state root",
        ),
    ];
    let genesis = home.genesis_path.to_str().unwrap();
    for (index, (what, forge, height, reason)) in cases.iter().enumerate() {
        let copy = home.path(&format!("forged-{index}"));
        copy_directory(&original, &copy);
        forge(&copy);
        let run = audit_verify(
            &cli,
            &["--genesis", genesis, "--data-dir", copy.to_str().unwrap()],
            None,
        );
        assert_eq!(run.code, 5, "{what}: {run:?}");
        let report = run.json();
        assert_eq!(report["valid"], false, "{what}: {report}");
        assert_eq!(report["height"], *height, "{what}: {report}");
        assert!(
            report["reason"].as_str().unwrap().contains(reason),
            "{what}: {report}"
        );
    }
}
