//! End to end with the `civitas` CLI: a registry cycle (register from a
//! file, amend, transfer with the registrar's approval, revoke; found again
//! by its file, proven present or absent), and a 2-of-3 multisig record
//! owner whose transfer is built, signed by two members and submitted
//! offline-style, from files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use common::DemoHome;
use common::cli::Cli;

const PERMITS: &str = "permits/building";

fn register_args<'a>(id: &'a str, file: &'a str, owner: &'a str) -> Vec<&'a str> {
    vec![
        "tx",
        "registry",
        "register",
        "--key",
        "registrar",
        "--namespace",
        PERMITS,
        "--id",
        id,
        "--file",
        file,
        "--field",
        "code:1",
        "--field",
        "ref:PARCEL-AB-12",
        "--field",
        "amount:120",
        "--field",
        "date:20270131",
        "--owner",
        owner,
        "--wait",
    ]
}

#[test]
fn a_record_is_registered_from_a_file_amended_transferred_and_revoked() {
    let home = DemoHome::new();
    let node = home.start();
    let cli = Cli::new(&node);
    cli.import_demo("registrar", "registrar");
    let owner = cli.json(&["keys", "new", "owner"])["address"]
        .as_str()
        .unwrap()
        .to_owned();
    let buyer = cli.json(&["keys", "new", "buyer"])["address"]
        .as_str()
        .unwrap()
        .to_owned();
    let permit = cli.write("permit.pdf", "%PDF permit PC-2027-0042, version 1");
    let permit_v2 = cli.write("permit-v2.pdf", "%PDF permit PC-2027-0042, version 2");
    let other = cli.write("other.pdf", "%PDF never registered");

    let registered = cli.json(&register_args("PC-2027-0042", &permit, &owner));
    assert_eq!(registered["receipt"]["success"], true, "{registered}");
    let found = cli.json(&["query", "record", PERMITS, "--file", &permit, "--verify"]);
    assert_eq!(found["answer"]["registered"], true, "{found}");
    assert_eq!(found["answer"]["record"]["id"], "PC-2027-0042");
    // What was registered is the file's SHA-256, computed here apart.
    let digest = {
        use sha2::Digest;
        sha2::Sha256::digest(std::fs::read(&permit).unwrap())
    };
    assert_eq!(
        found["answer"]["documentHash"],
        format!("0x{}", hex::encode(digest)),
        "{found}"
    );
    assert_eq!(
        found["answer"]["record"]["versions"][0]["documentHash"], found["answer"]["documentHash"],
        "{found}"
    );
    let absent = cli.json(&["query", "record", PERMITS, "--file", &other, "--verify"]);
    assert_eq!(absent["answer"]["registered"], false, "{absent}");
    assert!(
        absent["verified"]["entries"].as_u64().unwrap() == 1,
        "{absent}"
    );

    for step in [
        vec![
            "registry",
            "amend",
            "--key",
            "registrar",
            "--namespace",
            PERMITS,
            "--id",
            "PC-2027-0042",
            "--file",
            &permit_v2,
            "--field",
            "code:2",
            "--field",
            "ref:PARCEL-AB-12",
            "--field",
            "amount:135",
            "--field",
            "date:20270131",
        ],
        vec![
            "registry",
            "transfer",
            "--key",
            "owner",
            "--namespace",
            PERMITS,
            "--id",
            "PC-2027-0042",
            "--to",
            &buyer,
        ],
        vec![
            "registry",
            "approve",
            "--key",
            "registrar",
            "--namespace",
            PERMITS,
            "--id",
            "PC-2027-0042",
        ],
    ] {
        let mut args = vec!["tx"];
        args.extend(step);
        args.push("--wait");
        assert_eq!(cli.json(&args)["receipt"]["success"], true, "{args:?}");
    }
    let record = cli.json(&["query", "record", PERMITS, "PC-2027-0042", "--verify"]);
    assert_eq!(record["answer"]["record"]["version"], 2, "{record}");
    assert_eq!(
        record["answer"]["record"]["owner"],
        buyer.as_str(),
        "{record}"
    );
    assert_eq!(record["answer"]["versions"].as_array().unwrap().len(), 2);

    let revoked = cli.json(&[
        "tx",
        "registry",
        "revoke",
        "--key",
        "registrar",
        "--namespace",
        PERMITS,
        "--id",
        "PC-2027-0042",
        "--reason",
        "3",
        "--wait",
    ]);
    assert_eq!(revoked["receipt"]["success"], true, "{revoked}");
    let text = cli.ok(&["query", "record", PERMITS, "PC-2027-0042", "--verify"]);
    assert!(text.contains("revoked (reason 3)"), "{text}");
    assert!(text.contains("verified: "), "{text}");
}

#[test]
fn a_two_of_three_multisig_transaction_is_built_and_signed_offline() {
    let home = DemoHome::new();
    let node = home.start();
    let cli = Cli::new(&node);
    cli.import_demo("registrar", "registrar");
    let members: Vec<String> = ["m1", "m2", "m3"]
        .iter()
        .map(|name| {
            cli.json(&["keys", "new", name])["address"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let buyer = cli.json(&["keys", "new", "buyer"])["address"]
        .as_str()
        .unwrap()
        .to_owned();
    let run = cli.run(&[
        "--json",
        "tx",
        "identity",
        "register-multisig",
        "--key",
        "m1",
        "--threshold",
        "2",
        "--member",
        &members[0],
        "--member",
        &members[1],
        "--member",
        &members[2],
        "--wait",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let multisig = run
        .stderr
        .split_whitespace()
        .find(|word| word.starts_with("civ1"))
        .unwrap()
        .to_owned();
    let permit = cli.write("permit.pdf", "%PDF a permit held by a multisig account");
    assert_eq!(
        cli.json(&register_args("PC-MULTI-1", &permit, &multisig))["receipt"]["success"],
        true
    );

    // Offline: the envelope is given in full, so building needs no node.
    let offline = Cli::at("http://127.0.0.1:9");
    let status = cli.json(&["query", "status"]);
    let expiry = (status["height"].as_u64().unwrap() + 500).to_string();
    let file = cli.path("transfer.tx.json");
    let file = file.to_str().unwrap();
    let built = offline.run(&[
        "tx",
        "build",
        "--out",
        file,
        "--signer",
        &multisig,
        "--sequence",
        "0",
        "--expiry-height",
        &expiry,
        "--chain-id",
        "civitas-devnet",
        "registry",
        "transfer",
        "--namespace",
        PERMITS,
        "--id",
        "PC-MULTI-1",
        "--to",
        &buyer,
    ]);
    assert_eq!(built.code, 0, "{built:?}");
    // Members sign with the node unreachable. One signature is not
    // enough: the node refuses it before it is final.
    let signed = cli.run_offline(&["tx", "sign", file, "--key", "m1"]);
    assert_eq!(signed.code, 0, "{signed:?}");
    let one = cli.run(&["tx", "submit", file, "--wait"]);
    assert_eq!(one.code, 3, "{one:?}");
    let signed = cli.run_offline(&["tx", "sign", file, "--key", "m3"]);
    assert_eq!(signed.code, 0, "{signed:?}");
    // Submitting is the one step that needs the node.
    let unsent = cli.run_offline(&["tx", "submit", file]);
    assert_eq!(unsent.code, 4, "{unsent:?}");
    let done = cli.json(&["tx", "submit", file, "--wait"]);
    assert_eq!(done["receipt"]["success"], true, "{done}");
    let record = cli.json(&["query", "record", PERMITS, "PC-MULTI-1"]);
    // A transfer in this namespace waits for the registrar's approval.
    assert_eq!(
        record["answer"]["record"]["pendingTransfer"],
        buyer.as_str(),
        "{record}"
    );
}
