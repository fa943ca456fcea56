//! End to end: `civitas audit prove` writes a bundle of a transaction, a
//! record and a document's absence from a devnet; `civitas audit
//! check-proof` checks each offline — the node killed — and says what it
//! proves; a bundle written compressed (`.gz`) proves the same; a forged,
//! truncated or other-chain bundle proves nothing (exit 5).

use super::common::cli::Cli;
use super::common::{DemoHome, TEST_CREDENTIAL};

fn prove(cli: &Cli, genesis: &str, item: &[&str], out: &str) -> serde_json::Value {
    let mut args = vec![
        "--json",
        "audit",
        "prove",
        "--genesis",
        genesis,
        "--out",
        out,
    ];
    args.extend_from_slice(item);
    let run = cli.run(&args);
    assert_eq!(run.code, 0, "{args:?}: {run:?}");
    run.json()
}

fn check(cli: &Cli, bundle: &str, genesis: &str) -> super::common::cli::Run {
    cli.run(&[
        "--json",
        "audit",
        "check-proof",
        bundle,
        "--genesis",
        genesis,
    ])
}

fn facts(report: &serde_json::Value) -> String {
    report["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|fact| fact.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn bundles_check_offline_and_forged_ones_prove_nothing() {
    let home = DemoHome::new();
    let node = home.start_with_activity();
    let cli = Cli::new(&node);
    let genesis = home.genesis_path.to_str().unwrap();
    let tip = node.rpc.status().unwrap().height;
    let (height, id) = (1..=tip)
        .find_map(|h| {
            let block = node.rpc.block(h).unwrap().unwrap();
            block.transactions.first().map(|t| (h, t.clone()))
        })
        .unwrap();
    let transaction = cli.path("transaction.proof.json");
    let transaction = transaction.to_str().unwrap();
    let proved = prove(&cli, genesis, &["--tx", &id], transaction);
    assert_eq!(proved["height"], height, "{proved}");
    let record = cli.path("record.proof.json");
    let record = record.to_str().unwrap();
    let permit = format!(
        "{}/{}",
        civitas_demo::BUILDING_PERMITS,
        civitas_demo::activity::PERMIT_ID
    );
    prove(&cli, genesis, &["--record", &permit], record);
    let compressed = cli.path("record.proof.json.gz");
    let compressed = compressed.to_str().unwrap();
    prove(&cli, genesis, &["--record", &permit], compressed);
    let document = cli.write("unregistered.pdf", "%PDF-1.7 never registered");
    let absence = cli.path("absence.proof.json");
    let absence = absence.to_str().unwrap();
    prove(
        &cli,
        genesis,
        &[
            "--file",
            &document,
            "--namespace",
            civitas_demo::BUILDING_PERMITS,
        ],
        absence,
    );
    let credential = cli.write("auditor.credential", TEST_CREDENTIAL);
    let raw = cli.path("key.proof.json");
    let raw = raw.to_str().unwrap();
    prove(
        &cli,
        genesis,
        &["--key", "ff00", "--credential-file", &credential],
        raw,
    );
    node.kill();

    // Offline: the node is gone.
    let run = check(&cli, transaction, genesis);
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    let said = facts(&report);
    // The API writes ids with 0x; the plain words give the digits.
    assert!(said.contains(id.trim_start_matches("0x")), "{said}");
    assert!(said.contains(&format!("is in block {height}")), "{said}");
    assert!(said.contains("succeeded"), "{said}");
    let said = facts(&check(&cli, record, genesis).json());
    assert!(
        said.contains(&format!("record {permit} is at version 2, not revoked")),
        "{said}"
    );
    assert!(said.contains("registered by civ1"), "{said}");
    let said = facts(&check(&cli, absence, genesis).json());
    assert!(
        said.contains("is not registered in permits/building"),
        "{said}"
    );
    assert!(said.contains("proof of absence"), "{said}");
    let said = facts(&check(&cli, raw, genesis).json());
    assert!(said.contains("state key ff00 is absent"), "{said}");
    let text = cli.ok(&["audit", "check-proof", record, "--genesis", genesis]);
    assert!(text.contains("certified by"), "{text}");

    // A name ending in .gz: gzip, smaller, and it proves the same.
    let gzipped = std::fs::read(compressed).unwrap();
    assert_eq!(gzipped[..2], [0x1f, 0x8b], "gzip's magic bytes");
    let plain_size = std::fs::metadata(record).unwrap().len();
    assert!(
        (gzipped.len() as u64) < plain_size / 2,
        "{} bytes",
        gzipped.len()
    );
    assert_eq!(
        facts(&check(&cli, compressed, genesis).json()),
        facts(&check(&cli, record, genesis).json())
    );
    let truncated = cli.path("truncated.proof.json.gz");
    std::fs::write(&truncated, &gzipped[..gzipped.len() / 2]).unwrap();
    let run = check(&cli, truncated.to_str().unwrap(), genesis);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("damaged"), "{run:?}");

    // Forged, truncated, of another chain: exit 5, one line, never a fact.
    let original = std::fs::read_to_string(record).unwrap();
    let mut bundle: serde_json::Value = serde_json::from_str(&original).unwrap();
    let mut forgeries: Vec<(&str, String)> = Vec::new();
    let value = bundle["claim"]["entries"][0]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut edited = bundle.clone();
    edited["claim"]["entries"][0]["value"] = flip_last_hex_digit(&value).into();
    forgeries.push(("an edited record value", edited.to_string()));
    let certificate = bundle["certificate"].as_str().unwrap().to_owned();
    let mut edited = bundle.clone();
    edited["certificate"] = flip_last_hex_digit(&certificate).into();
    forgeries.push(("a forged certificate signature", edited.to_string()));
    let header = bundle["header"].as_str().unwrap().to_owned();
    let mut edited = bundle.clone();
    edited["header"] = flip_last_hex_digit(&header).into();
    forgeries.push(("an edited header", edited.to_string()));
    forgeries.push((
        "a truncated file",
        original[..original.len() / 2].to_owned(),
    ));
    bundle["format"] = "civitas-proof-bundle/0".into();
    forgeries.push(("another format", bundle.to_string()));
    for (what, text) in forgeries {
        let path = cli.write("forged.proof.json", &text);
        let run = check(&cli, &path, genesis);
        assert_eq!(run.code, 5, "{what}: {run:?}");
        assert!(run.stdout.is_empty(), "{what}: {run:?}");
        assert_eq!(run.stderr.lines().count(), 1, "{what}: {run:?}");
    }
    let other = DemoHome::new();
    let run = check(&cli, record, other.genesis_path.to_str().unwrap());
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("of chain"), "{run:?}");
}

/// `text` (hex) with its last digit changed.
fn flip_last_hex_digit(text: &str) -> String {
    let (head, last) = text.split_at(text.len() - 1);
    format!("{head}{}", if last == "0" { "1" } else { "0" })
}
