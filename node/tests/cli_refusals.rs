//! The `civitas` CLI's refusals, each one clear line on stderr and the
//! documented exit code: a malformed address, a well-formed one the chain
//! does not know as a beneficiary, a missing file, an
//! unreachable node, a transaction the node refuses (with the mempool's
//! reason), a transaction that fails its rules (with the civic code's name),
//! a tampered transaction file, a credential for a distant node over plain
//! HTTP, a forged proof caught by `--verify`, and
//! `--verify` of the chain's own answers (transactions, headers, blocks,
//! validator sets, accounts) and of state answers in every part shown:
//! honest ones verify, altered ones exit 5, and
//! the status, which carries no proof, refuses `--verify`; and a wait shows
//! a spinner on a terminal only, never with `--json` or in a pipe.
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
    // A well-formed address the chain does not know as a beneficiary: the
    // rules refuse the order, named by its civic code.
    let stranger = cli.json(&["keys", "new", "stranger"])["address"]
        .as_str()
        .unwrap()
        .to_owned();
    let run = cli.run(&[
        "tx",
        "aid",
        "order",
        "--key",
        "administrator",
        "--programme",
        "0",
        "--beneficiary",
        &stranger,
        "--amount",
        "5",
        "--wait",
    ]);
    one_line(&run, 3, "NotBeneficiary");
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
    assert!(
        run.stderr.contains("sequence 0 is already used"),
        "the mempool's reason: {run:?}"
    );
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
    one_line(
        &run,
        3,
        "InsufficientBalance (code 414)", // the civic code's name and number…
    );
    assert!(
        run.stderr
            .contains("the balance is too small for this amount"),
        "…and its meaning: {run:?}"
    );
    assert!(run.stdout.contains("failed: "), "{run:?}");

    // A credential is never sent in clear to another machine (192.0.2.1 is
    // a documentation address: nothing could answer there anyway).
    let distant = Cli::at("http://192.0.2.1:26657");
    let credential = distant.write("auditor.credential", common::TEST_CREDENTIAL);
    let run = distant.run(&["--credential-file", &credential, "query", "block", "1"]);
    one_line(&run, 2, "a credential is sent in clear over plain HTTP");
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

/// A citizen's programme key signs only its own account's transactions:
/// neither a spending built for another signer, nor (in a file) with the
/// identity key in its place — either would link the citizen's accounts.
#[test]
fn a_citizens_derived_key_signs_only_as_itself() {
    let home = DemoHome::new();
    let node = home.start();
    let cli = Cli::new(&node);
    let status = cli.json(&["query", "status"]);
    let chain = status["chainId"].as_str().unwrap();
    cli.ok(&["keys", "new", "camille", "--citizen", "--chain-id", chain]);
    let pseudonym = cli.json(&[
        "keys",
        "derive",
        "camille",
        "--programme",
        "0",
        "--chain-id",
        chain,
    ]);
    let pseudonym = pseudonym["address"].as_str().unwrap().to_owned();
    let other = common::account("grocer").address.to_string();
    let spend = |signer: &str| {
        vec![
            "tx".to_owned(),
            "build".to_owned(),
            "--out".to_owned(),
            cli.path("spend.tx.json").to_str().unwrap().to_owned(),
            "--key".to_owned(),
            "camille".to_owned(),
            "--signer".to_owned(),
            signer.to_owned(),
            "aid".to_owned(),
            "spend".to_owned(),
            "--programme".to_owned(),
            "0".to_owned(),
            "--merchant".to_owned(),
            other.clone(),
            "--amount".to_owned(),
            "1".to_owned(),
        ]
    };
    let args = spend(&pseudonym);
    cli.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    // Online, as another signer.
    let run = cli.run(&[
        "tx",
        "aid",
        "spend",
        "--key",
        "camille",
        "--signer",
        &other,
        "--programme",
        "0",
        "--merchant",
        &other,
        "--amount",
        "1",
    ]);
    one_line(&run, 1, "signs only its own account's transactions");
    // A file whose derivation was edited to the identity key.
    let file = cli.path("spend.tx.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(json["derivation"], "programme:0");
    json["derivation"] = serde_json::json!("identity");
    std::fs::write(&file, json.to_string()).unwrap();
    let run = cli.run(&["tx", "sign", file.to_str().unwrap(), "--key", "camille"]);
    one_line(&run, 5, "derivation is not what its body says");
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

/// A user of a dishonest node: its answers are `node`'s with `change`
/// applied to each result.
fn fooled_by(
    node: &common::Node,
    change: impl Fn(&mut serde_json::Value) + Send + Sync + 'static,
) -> Cli {
    let proxy = lying_proxy(node.rpc_address, move |body| altered(body, &change));
    Cli::at(&format!("http://{proxy}"))
}

/// `body` (a JSON-RPC answer) with `change` applied to its result, if any.
fn altered(body: &str, change: impl Fn(&mut serde_json::Value)) -> String {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(body) else {
        return body.to_owned();
    };
    if let Some(result) = value.get_mut("result") {
        change(result);
    }
    value.to_string()
}

#[test]
fn chain_answers_are_verified_and_a_node_that_alters_one_fails() {
    let home = DemoHome::new();
    let node = home.start_with_activity();
    let honest = Cli::new(&node);
    honest.write("auditor.credential", common::TEST_CREDENTIAL);
    let (id, height) = (1..)
        .find_map(|height| {
            let block = node.block(height);
            block.transactions.first().map(|id| (id.clone(), height))
        })
        .unwrap();
    let height = height.to_string();

    let text = honest.ok(&["query", "transaction", &id, "--verify"]);
    assert!(
        text.contains(&format!(
            "verified: transaction {id} and its receipt are in block {height}"
        )),
        "{text}"
    );
    let text = honest.ok(&["query", "block", &height, "--verify"]);
    assert!(
        text.contains(&format!(
            "}}\nverified: the header of block {height} is final"
        )),
        "{text}"
    );
    let json = honest.json(&[
        "--credential-file",
        "auditor.credential",
        "query",
        "block",
        &height,
        "--full",
        "--verify",
    ]);
    assert_eq!(json["answer"]["transactions"][0], id.as_str(), "{json}");
    assert!(
        json["verified"]["signedPower"].as_u64().unwrap() > 0,
        "{json}"
    );
    let text = honest.ok(&["query", "validators", "--verify"]);
    assert!(text.contains("verified: this is the set block "), "{text}");
    let text = honest.ok(&["query", "validators", "--height", "1", "--verify"]);
    assert!(
        text.contains("verified: this is the set block 1 names for height 1"),
        "{text}"
    );
    // Answers with no proofs: --verify is refused, not ignored.
    one_line(
        &honest.run(&["query", "status", "--verify"]),
        2,
        "carries no proof",
    );
    let grocer = common::account("grocer").address.to_string();
    let text = honest.ok(&["query", "account", &grocer, "--verify"]);
    assert!(
        text.contains("verified: the account's sequence and policy, its 1 role(s) and 0 delegation(s) shown are proven"),
        "{text}"
    );

    // A node that reports a failed transaction as a success, or the reverse.
    let fooled = fooled_by(&node, |result| {
        if let Some(success) = result.pointer_mut("/receipt/success") {
            *success = serde_json::Value::Bool(!success.as_bool().unwrap_or(false));
        }
    });
    fooled.ok(&["query", "transaction", &id]);
    let run = fooled.run(&["query", "transaction", &id, "--verify"]);
    one_line(&run, 5, "the receipt shown is not the proven one");
    // A node that shifts a block's time.
    let fooled = fooled_by(&node, |result| {
        if let Some(time) = result.get_mut("timeMs") {
            *time = serde_json::json!(time.as_u64().unwrap_or(0) + 1);
        }
    });
    let run = fooled.run(&["query", "block", &height, "--verify"]);
    one_line(
        &run,
        5,
        "the header's fields shown are not what its bytes encode",
    );
    // A node that answers with another height's (genuine, certified) header.
    let first = node
        .rpc
        .call(async |client| civitas_rpc_api::CivitasApiClient::get_header(client, 1).await)
        .unwrap();
    let first = serde_json::to_value(first).unwrap();
    let fooled = fooled_by(&node, move |result| {
        if result.get("previousBlockHash").is_some() {
            *result = first.clone();
        }
    });
    let run = fooled.run(&["query", "block", "2", "--verify"]);
    one_line(&run, 5, "the header of height 1 for height 2");
    // A node that answers with another height's validator set.
    let fooled = fooled_by(&node, |result| {
        if result.get("validators").is_some() {
            result["height"] = serde_json::json!(result["height"].as_u64().unwrap() + 5);
        }
    });
    let run = fooled.run(&["query", "validators", "--height", "1", "--verify"]);
    one_line(&run, 5, "the set of height 6 for the one asked");
    // A node that hides an account's role but still proves it.
    let fooled = fooled_by(&node, |result| {
        if let Some(roles) = result.get_mut("roles") {
            *roles = serde_json::json!([]);
        }
    });
    let run = fooled.run(&["query", "account", &grocer, "--verify"]);
    one_line(&run, 5, "the account shown is not the proven one");
    // A node that shows a validator with more power than it has.
    let fooled = fooled_by(&node, |result| {
        if let Some(power) = result.pointer_mut("/validators/0/power") {
            *power = serde_json::json!("1000000");
        }
    });
    let run = fooled.run(&["query", "validators", "--verify"]);
    one_line(&run, 5, "not its validators'");
}

/// `--verify` of state answers checks every part shown, not only the first
/// entry: a merchant's standing, a programme's periods (none left out), a
/// proposal's votes (none twice) and council power, a record's versions
/// (none hidden), the collectivity and document asked about, the height,
/// and an entry left out (a node cannot deny a programme by sending no
/// proof).
#[test]
fn state_answers_are_verified_whole_and_a_node_that_alters_any_part_fails() {
    let home = DemoHome::new();
    let node = home.start_with_activity();
    let honest = Cli::new(&node);
    council_votes_a_proposal(&home, &node);
    let grocer = common::account("grocer").address.to_string();
    let merchant = [
        "query",
        "merchant",
        "--programme",
        "0",
        grocer.as_str(),
        "--verify",
    ];
    let programme = ["query", "programme", "0", "--verify"];
    let proposal = ["query", "proposal", "0", "--verify"];
    let permit = civitas_demo::activity::PERMIT_ID;
    let record = ["query", "record", "permits/building", permit, "--verify"];
    let text = honest.ok(&merchant);
    assert!(
        text.contains("accredited  true") && text.contains("verified: 4 proven entries"),
        "{text}"
    );
    honest.ok(&programme);
    let text = honest.ok(&proposal);
    assert!(
        text.contains("the 1 vote(s) shown are proven") && text.contains("is the node's word"),
        "{text}"
    );
    let text = honest.ok(&record);
    assert!(text.contains("verified: 3 proven entries"), "{text}");

    let flip = |value: &mut serde_json::Value| {
        *value = serde_json::json!(!value.as_bool().unwrap());
    };
    let fooled = fooled_by(&node, move |result| {
        if let Some(accredited) = result.get_mut("accredited") {
            flip(accredited);
        }
    });
    fooled.ok(&merchant[..5]);
    let run = fooled.run(&merchant);
    one_line(
        &run,
        5,
        "the merchant's standing shown is not the proven one",
    );

    // A programme denied: no programme, and no proof at all.
    let fooled = fooled_by(&node, |result| {
        if result.get("periods").is_some() {
            result["programme"] = serde_json::Value::Null;
            result["periods"] = serde_json::json!([]);
            result["entries"] = serde_json::json!([]);
        }
    });
    one_line(
        &fooled.run(&programme),
        5,
        "0 proven entries, 1 asked about",
    );
    let fooled = fooled_by(&node, |result| {
        if let Some(budget) = result.pointer_mut("/periods/0/budgetCents") {
            *budget = serde_json::json!("1");
        }
    });
    one_line(
        &fooled.run(&programme),
        5,
        "period 1 shown is not the proven one",
    );
    let fooled = fooled_by(&node, |result| {
        if result.get("periods").is_some() {
            result["height"] = serde_json::json!(result["height"].as_u64().unwrap() + 1);
        }
    });
    one_line(&fooled.run(&programme), 5, "its proofs are of height");

    let fooled = fooled_by(&node, move |result| {
        if let Some(in_favour) = result.pointer_mut("/votes/0/inFavour") {
            flip(in_favour);
        }
    });
    one_line(
        &fooled.run(&proposal),
        5,
        "vote 1 shown is not the proven one",
    );
    let fooled = fooled_by(&node, |result| {
        if let Some(power) = result.get_mut("councilPower") {
            *power = serde_json::json!("1");
        }
    });
    one_line(&fooled.run(&proposal), 5, "the council power shown");

    let fooled = fooled_by(&node, |result| {
        if let Some(hash) = result.pointer_mut("/versions/0/documentHash") {
            *hash = serde_json::json!(format!("0x{}", "00".repeat(32)));
        }
    });
    one_line(
        &fooled.run(&record),
        5,
        "version 1 shown is not the proven one",
    );
    // Hiding the first version as "omitted".
    let fooled = fooled_by(&node, |result| {
        if let Some(versions) = result.get_mut("versions").and_then(|v| v.as_array_mut()) {
            versions.remove(0);
            result["versionsOmitted"] = serde_json::json!(1);
            result["entries"].as_array_mut().unwrap().remove(1);
        }
    });
    one_line(&fooled.run(&record), 5, "not the record's latest");

    // Periods left out of a programme that exists.
    let fooled = fooled_by(&node, |result| {
        if let Some(periods) = result.get_mut("periods") {
            *periods = serde_json::json!([]);
            result["entries"].as_array_mut().unwrap().truncate(1);
        }
    });
    one_line(&fooled.run(&programme), 5, "not the ones asked for");
    // A vote listed twice, each time with its (genuine) proof.
    let fooled = fooled_by(&node, |result| {
        if let Some(votes) = result.get_mut("votes").and_then(|v| v.as_array_mut()) {
            votes.push(votes[0].clone());
            let entries = result["entries"].as_array_mut().unwrap();
            entries.push(entries[2].clone());
        }
    });
    one_line(&fooled.run(&proposal), 5, "vote 2 shown is listed twice");
    // Another collectivity's officials shown as the one asked about's.
    let fooled = fooled_by(&node, |result| {
        if result.get("officials").is_some() {
            result["siren"] = serde_json::json!(552_100_554);
        }
    });
    let run = fooled.run(&["query", "collectivity", "219900016", "--verify"]);
    one_line(&run, 5, "another collectivity");
    // Another document named beside the proof about this one.
    let letter = honest.write("letter.txt", "registered nowhere");
    let document = [
        "query",
        "record",
        "permits/building",
        "--file",
        letter.as_str(),
        "--verify",
    ];
    assert!(honest.ok(&document).contains("is not registered"));
    let fooled = fooled_by(&node, |result| {
        if let Some(hash) = result.get_mut("documentHash") {
            *hash = serde_json::json!(format!("0x{}", "11".repeat(32)));
        }
    });
    one_line(&fooled.run(&document), 5, "another document");
}

/// The council proposes a merchant's accreditation (proposal 0) and votes
/// it through: one vote recorded.
fn council_votes_a_proposal(home: &DemoHome, node: &common::Node) {
    use civitas_civic::governance::GovernanceAction;
    use civitas_civic::model::{Role, Scope};
    let mut council = civitas_demo::council::Council::new(&home.genesis);
    let merchant = civitas_types::SigningKey::from_seed(&[51; 32]).public_key();
    let grant = GovernanceAction::GrantRole {
        account: civitas_types::AccountId::from_public_key(&merchant),
        role: Role::Merchant,
        scope: Scope::Programme(civitas_demo::CITY_SIREN, 0),
        categories: civitas_types::BoundedVec::try_from_vec(vec![civitas_demo::PHARMACY]).unwrap(),
    };
    let expires = common::now_ms() + 24 * 3_600_000;
    for transaction in [
        council.propose(0, grant, "grant", expires).unwrap(),
        council.vote(0, 0).unwrap(),
    ] {
        let id = node.rpc.submit(&transaction).unwrap();
        assert!(node.wait_for_transaction(&id).receipt.success);
    }
}

#[test]
fn a_wait_shows_a_spinner_on_a_terminal_and_nothing_extra_with_json() {
    let home = DemoHome::new();
    let node = home.start();
    let cli = Cli::new(&node);
    cli.import_demo("administrator", "aid administrator (ordonnateur)");
    // A sequence ahead of the account's next: the node keeps it pending, so
    // the wait lasts until its timeout. The CLI runs on a pseudo-terminal
    // (cli/tests/support/answer_prompts.py, with nothing to answer) with a
    // TERM, as a terminal has: spinners are hidden on dumb ones.
    let wait = "tx aid close --key administrator --programme 0 --sequence 10 --wait --timeout 2s";
    let on_a_pty = format!(
        "TERM=xterm python3 {}/../cli/tests/support/answer_prompts.py -- civitas",
        env!("CARGO_MANIFEST_DIR")
    );
    let on_terminal = cli.shell(&format!("{on_a_pty} {wait}"));
    assert!(
        on_terminal.stdout.contains("to be final"),
        "no spinner on a terminal: {on_terminal:?}"
    );
    assert!(
        on_terminal.stdout.contains("was not final after 2s"),
        "{on_terminal:?}"
    );
    let json = cli.shell(&format!(
        "{on_a_pty} --json {}",
        wait.replace("--sequence 10", "--sequence 11")
    ));
    assert!(!json.stdout.contains("to be final"), "{json:?}");
    assert!(json.stdout.contains("was not final after 2s"), "{json:?}");
    // Without a terminal (pipes, as in a script), no spinner either.
    let piped = cli.shell(&format!(
        "TERM=xterm civitas {}",
        wait.replace("--sequence 10", "--sequence 12")
    ));
    assert!(!piped.stderr.contains("to be final"), "{piped:?}");
    assert!(piped.stderr.contains("was not final after 2s"), "{piped:?}");
}
