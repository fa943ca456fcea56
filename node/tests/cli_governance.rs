//! End to end with the `civitas` CLI: governance (a council proposes to
//! accredit a merchant, votes, the grant is executed and visible on the
//! merchant's account; then revokes it, creates a namespace — a registrar
//! granted it registers a record there — and freezes a programme, each seen
//! to take effect), and a delegation of the ordonnateur's role that lets a
//! deputy act until it expires, and then no more (exit 3, the civic code
//! named).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::time::Duration;

use common::cli::Cli;
use common::{DemoHome, now_ms};

const CITY: &str = "219900016";

/// `civitas --json tx aid create-programme` by `key` for the city, open
/// from a minute ago for a day, waited for.
fn create_programme(cli: &Cli, key: &str) -> common::cli::Run {
    let starts = (now_ms() - 60_000).to_string();
    let ends = (now_ms() + 86_400_000).to_string();
    cli.run(&[
        "--json",
        "tx",
        "aid",
        "create-programme",
        "--key",
        key,
        "--collectivity",
        CITY,
        "--budget",
        "100",
        "--cap-per-period",
        "10",
        "--period",
        "30d",
        "--starts",
        &starts,
        "--ends",
        &ends,
        "--wait",
    ])
}

#[test]
fn proposals_are_voted_and_executed_from_the_command_line() {
    let home = DemoHome::new();
    let node = home.start();
    let cli = Cli::new(&node);
    cli.import_demo("council", "city council");
    let baker = cli.json(&["keys", "new", "baker"])["address"]
        .as_str()
        .unwrap()
        .to_owned();
    let deliberation = cli.write(
        "deliberation.pdf",
        "%PDF deliberation 2027-014: the baker is accredited",
    );
    let expires = (now_ms() + 86_400_000).to_string();
    let proposed = cli.json(&[
        "tx",
        "governance",
        "propose",
        "--key",
        "council",
        "--deliberation-file",
        &deliberation,
        "--expires",
        &expires,
        "grant-role",
        "--account",
        &baker,
        "--role",
        "merchant",
        "--scope",
        &format!("collectivity:{CITY}"),
        "--category",
        "5411",
        "--wait",
    ]);
    assert_eq!(proposed["receipt"]["success"], true, "{proposed}");
    // The proposal's id, as a script reads it: from the receipt's typed event.
    let submitted = proposed["receipt"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["kind"] == "ProposalSubmitted")
        .unwrap_or_else(|| panic!("no ProposalSubmitted in {proposed}"));
    let id = submitted["fields"]["proposalId"]
        .as_u64()
        .unwrap()
        .to_string();
    assert_eq!(id, "0");
    // For people: the outcome, then each event with its fields.
    let voted = cli.ok(&[
        "tx",
        "governance",
        "vote",
        "--key",
        "council",
        "--proposal",
        &id,
        "--yes",
        "--wait",
    ]);
    assert!(voted.contains("result  ok"), "{voted}");
    assert!(
        voted.contains("event   ProposalVoted") && voted.contains("proposalId=0"),
        "{voted}"
    );
    assert!(voted.contains("event   ProposalExecuted"), "{voted}");
    let proposal = cli.json(&["query", "proposal", "0", "--verify"]);
    assert_eq!(
        proposal["answer"]["proposal"]["status"], "executed",
        "{proposal}"
    );
    let account = cli.json(&["query", "account", &baker]);
    assert_eq!(account["roles"][0]["role"], "merchant", "{account}");

    // The other kinds of proposal, each voted and then seen to take effect.
    let pass = |id: &str, change: &[&str], event: &str| {
        let mut args = vec![
            "tx",
            "governance",
            "propose",
            "--key",
            "council",
            "--deliberation-file",
            &deliberation,
            "--expires",
            &expires,
        ];
        args.extend_from_slice(change);
        args.push("--wait");
        let proposed = cli.ok(&args);
        assert!(proposed.contains(&format!("proposalId={id}")), "{proposed}");
        let voted = cli.ok(&[
            "tx",
            "governance",
            "vote",
            "--key",
            "council",
            "--proposal",
            id,
            "--yes",
            "--wait",
        ]);
        assert!(voted.contains(&format!("event   {event}")), "{voted}");
    };
    pass(
        "1",
        &[
            "revoke-role",
            "--account",
            &baker,
            "--role",
            "merchant",
            "--scope",
            &format!("collectivity:{CITY}"),
        ],
        "RoleRevoked",
    );
    let account = cli.json(&["query", "account", &baker]);
    assert_eq!(account["roles"], serde_json::json!([]), "{account}");
    pass(
        "2",
        &[
            "create-namespace",
            "--name",
            "permits/demolition",
            "--collectivity",
            CITY,
            "--transferable",
            "--field",
            "nature:code",
        ],
        "NamespaceCreated",
    );
    // The namespace exists: a registrar can be granted it and register in it.
    let registrar = cli.import_demo("registrar", "registrar");
    pass(
        "3",
        &[
            "grant-role",
            "--account",
            &registrar,
            "--role",
            "registrar",
            "--scope",
            "namespace:permits/demolition",
        ],
        "RoleGranted",
    );
    let order = cli.write("demolition.pdf", "%PDF demolition order D-2027-1");
    let registered = cli.json(&[
        "tx",
        "registry",
        "register",
        "--key",
        "registrar",
        "--namespace",
        "permits/demolition",
        "--id",
        "D-2027-1",
        "--file",
        &order,
        "--field",
        "code:3",
        "--wait",
    ]);
    assert_eq!(registered["receipt"]["success"], true, "{registered}");
    let record = cli.json(&[
        "query",
        "record",
        "permits/demolition",
        "D-2027-1",
        "--verify",
    ]);
    assert_eq!(record["answer"]["record"]["version"], 1, "{record}");
    cli.import_demo("administrator", "aid administrator (ordonnateur)");
    let created = create_programme(&cli, "administrator");
    assert_eq!(created.json()["receipt"]["success"], true, "{created:?}");
    pass(
        "4",
        &["freeze-programme", "--programme", "0"],
        "ProgrammeFrozen",
    );
    let programme = cli.json(&["query", "programme", "0", "--verify"]);
    assert_eq!(
        programme["answer"]["programme"]["frozen"], true,
        "{programme}"
    );
    let refused = cli.run(&[
        "tx",
        "aid",
        "order",
        "--key",
        "administrator",
        "--programme",
        "0",
        "--beneficiary",
        &baker,
        "--amount",
        "5",
        "--wait",
    ]);
    assert_eq!(refused.code, 3, "{refused:?}");
    assert!(refused.stderr.contains("ProgrammeFrozen"), "{refused:?}");
}

#[test]
fn a_delegated_role_acts_until_the_delegation_expires() {
    let home = DemoHome::new();
    let node = home.start();
    let cli = Cli::new(&node);
    let administrator = cli.import_demo("administrator", "aid administrator (ordonnateur)");
    let deputy = cli.json(&["keys", "new", "deputy"])["address"]
        .as_str()
        .unwrap()
        .to_owned();
    let act = cli.write(
        "arrete.pdf",
        "%PDF arrêté 2027-101: délégation de signature",
    );
    let until = now_ms() + 8_000;
    let delegated = cli.json(&[
        "tx",
        "identity",
        "delegate",
        "--key",
        "administrator",
        "--role",
        "aid-administrator",
        "--scope",
        &format!("collectivity:{CITY}"),
        "--to",
        &deputy,
        "--until",
        &until.to_string(),
        "--act-file",
        &act,
        "--wait",
    ]);
    assert_eq!(delegated["receipt"]["success"], true, "{delegated}");
    let account = cli.json(&["query", "account", &deputy]);
    assert_eq!(
        account["delegations"][0]["delegator"],
        administrator.as_str(),
        "{account}"
    );

    let acted = create_programme(&cli, "deputy");
    assert_eq!(acted.code, 0, "{acted:?}");
    while now_ms() < until + 1_000 {
        std::thread::sleep(Duration::from_millis(200));
    }
    let refused = create_programme(&cli, "deputy");
    assert_eq!(refused.code, 3, "{refused:?}");
    assert_eq!(refused.stderr.lines().count(), 1, "{refused:?}");
    assert!(refused.stderr.contains("DelegationExpired"), "{refused:?}");
    assert_eq!(refused.json()["receipt"]["codeName"], "DelegationExpired");
}
