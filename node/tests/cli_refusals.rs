//! The `civitas` CLI's refusals, each one clear line on stderr and the
//! documented exit code: an unknown (malformed) address, a missing file, an
//! unreachable node, a transaction the node refuses (with the mempool's
//! reason), a transaction that fails its rules (with the civic code's name),
//! a tampered transaction file, and a forged proof caught by `--verify`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use common::DemoHome;
use common::cli::{Cli, Run, lying_proxy};

fn one_line(run: &Run, code: i32, needle: &str) {
    assert_eq!(run.code, code, "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert!(run.stderr.starts_with("error: "), "{run:?}");
    assert!(run.stderr.contains(needle), "{needle:?} not in {run:?}");
}

#[test]
fn bad_input_and_refusals_are_one_clear_line_and_a_distinct_exit_code() {
    let home = DemoHome::new();
    let node = home.start_with_activity();
    let cli = Cli::new(&node);
    cli.import_demo("administrator", "aid administrator (ordonnateur)");
    cli.import_demo("resident", "resident 1, aid pseudonym");
    let grocer = common::account("grocer").address.to_string();

    // A malformed address: a usage error, before anything is signed.
    let run = cli.run(&[
        "tx",
        "aid",
        "order",
        "--key",
        "administrator",
        "--programme",
        "0",
        "--beneficiary",
        "civ1notanaddress",
        "--amount",
        "5",
    ]);
    one_line(&run, 2, "is not a Civitas address");
    // A document that is not there.
    let run = cli.run(&[
        "query",
        "record",
        "permits/building",
        "--file",
        "no-such-permit.pdf",
    ]);
    one_line(&run, 1, "cannot read the document");
    // A key that is not in the keystore.
    let run = cli.run(&["tx", "aid", "close", "--key", "nobody", "--programme", "0"]);
    one_line(&run, 1, "civitas keys list");
    // No node there.
    let nowhere = Cli::at("http://127.0.0.1:9");
    let run = nowhere.run(&["query", "status"]);
    one_line(&run, 4, "cannot reach the node");
    // The mempool's refusal: a sequence already used.
    let run = cli.run(&[
        "tx",
        "aid",
        "spend",
        "--key",
        "resident",
        "--programme",
        "0",
        "--merchant",
        &grocer,
        "--amount",
        "1",
        "--sequence",
        "0",
    ]);
    one_line(&run, 3, "the node refused the transaction");
    // The rules' refusal: more than the balance, named by its civic code.
    let run = cli.run(&[
        "tx",
        "aid",
        "spend",
        "--key",
        "resident",
        "--programme",
        "0",
        "--merchant",
        &grocer,
        "--amount",
        "5000",
        "--wait",
    ]);
    one_line(&run, 3, "(code ");
    assert!(run.stdout.contains("failed: "), "{run:?}");
}

#[test]
fn a_tampered_transaction_file_is_refused_before_it_is_sent() {
    let home = DemoHome::new();
    let node = home.start();
    let cli = Cli::new(&node);
    cli.import_demo("administrator", "aid administrator (ordonnateur)");
    let file = cli.path("close.tx.json");
    let file = file.to_str().unwrap();
    cli.ok(&[
        "tx",
        "build",
        "--out",
        file,
        "--key",
        "administrator",
        "aid",
        "close",
        "--programme",
        "7",
    ]);
    // The action reads as JSON, kind and typed fields.
    let built: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(
        built["action"],
        serde_json::json!({"kind": "CloseProgramme", "fields": {"programmeId": 7}})
    );
    // Only the readable action edited: the body still closes programme 7.
    let mut misleading = built.clone();
    misleading["action"]["fields"]["programmeId"] = serde_json::json!(8);
    let shown = cli.path("misleading.tx.json");
    let shown = shown.to_str().unwrap();
    std::fs::write(shown, misleading.to_string()).unwrap();
    let run = cli.run(&["tx", "sign", shown, "--key", "administrator"]);
    one_line(&run, 5, "action is not what its body says");
    cli.ok(&["tx", "sign", file, "--key", "administrator"]);
    // Another programme in the body: its id no longer matches.
    let text = std::fs::read_to_string(file).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let body = json["body"].as_str().unwrap().to_owned();
    let tampered = format!(
        "{}{:02x}",
        &body[..body.len() - 2],
        u8::from_str_radix(&body[body.len() - 2..], 16).unwrap() ^ 1
    );
    json["body"] = serde_json::Value::String(tampered);
    std::fs::write(file, json.to_string()).unwrap();
    let run = cli.run(&["tx", "submit", file]);
    one_line(&run, 5, "edited");

    // Body and id changed together, the readable action left as it was:
    // a member would read one action and sign another.
    let other = cli.path("close-8.tx.json");
    let other = other.to_str().unwrap();
    cli.ok(&[
        "tx",
        "build",
        "--out",
        other,
        "--key",
        "administrator",
        "aid",
        "close",
        "--programme",
        "8",
    ]);
    let forged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(other).unwrap()).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["body"] = forged["body"].clone();
    json["id"] = forged["id"].clone();
    json["expiryHeight"] = forged["expiryHeight"].clone();
    json["signatures"] = serde_json::json!([]);
    std::fs::write(file, json.to_string()).unwrap();
    let run = cli.run(&["tx", "sign", file, "--key", "administrator"]);
    one_line(&run, 5, "action is not what its body says");
}

#[test]
fn a_node_that_alters_a_proven_answer_fails_verification() {
    let home = DemoHome::new();
    let node = home.start();
    let honest = Cli::new(&node);
    let text = honest.ok(&["query", "collectivity", "219900016", "--verify"]);
    assert!(
        text.contains("Démoville") && text.contains("verified: "),
        "{text}"
    );
    let proxy = lying_proxy(node.rpc_address, |answer| {
        answer.replace("Démoville", "Fauxville")
    });
    let fooled = Cli::at(&format!("http://{proxy}"));
    // Unverified, the lie is shown as the node said.
    assert!(
        fooled
            .ok(&["query", "collectivity", "219900016"])
            .contains("Fauxville")
    );
    let run = fooled.run(&["query", "collectivity", "219900016", "--verify"]);
    one_line(&run, 5, "is not the proven one");
}
