//! Every example in the `civitas` help texts runs, as printed, against a
//! devnet chain with the demo activity: the commands are discovered from
//! the help itself (`Commands:` sections, recursively), so a new command
//! without an example, or whose example no longer runs, fails here.
//!
//! The examples of `keys` and `genesis` need no node: cli/tests/keys.rs and
//! cli/tests/genesis.rs run them; here they only must exist. A group's
//! examples (`civitas tx aid --help`) repeat its commands' examples. The
//! actions under `tx build` are the same commands as under `tx`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::cli::Cli;
use common::{DemoHome, TEST_CREDENTIAL};

/// The commands whose examples change or read the chain, in the order they
/// run: each example builds on the state the earlier ones left (proposal 0
/// grants the registrar the identity-registrar role, the multisig account
/// owns the record the offline transfer moves, orders 1 and 2 are the
/// `order` example's two lines, community 1 and its meter are the energy
/// examples' own).
const RUN_ORDER: &[&str] = &[
    "query status",
    "query validators",
    "query block",
    "query collectivity",
    "query programme",
    "query community",
    "query merchant",
    "query account",
    "query transaction",
    "tx identity register-multisig",
    "tx governance propose",
    "tx governance vote",
    "query proposal",
    "tx governance propose admit-collectivity",
    "tx governance propose remove-collectivity",
    "tx governance propose set-council-power",
    "tx governance propose add-validator",
    "tx governance propose remove-validator",
    "tx governance propose rotate-validator-key",
    "tx governance propose set-validator-power",
    "tx governance propose rotate-network-key",
    "tx governance propose grant-role",
    "tx governance propose revoke-role",
    "tx governance propose create-namespace",
    "tx governance propose set-parameters",
    "tx governance propose freeze-programme",
    "tx governance propose unfreeze-programme",
    "tx governance propose schedule-upgrade",
    "tx governance propose cancel-upgrade",
    "tx identity enrol-resident",
    "tx identity revoke-resident",
    "tx identity delegate",
    "tx identity revoke-delegation",
    "tx aid create-programme",
    "tx aid enrol",
    "tx aid revoke-beneficiary",
    "tx aid order",
    "tx aid execute",
    "tx aid reject",
    "tx aid spend",
    "tx aid redeem",
    "tx aid schedule",
    "tx aid suspend",
    "tx aid close",
    "query balance",
    "query merchant-balance",
    "tx energy create-community",
    "tx energy register-meter",
    "tx energy order",
    "query meter",
    "query slot",
    "tx energy cancel",
    "tx energy attest",
    "tx energy settle",
    "tx registry register",
    "tx registry amend",
    "tx build",
    "tx sign",
    "tx submit",
    "tx registry transfer",
    "tx registry approve",
    "tx registry revoke",
    "query record",
    "audit verify",
    "audit export",
    "audit check-export",
    "audit prove",
    "audit check-proof",
];

/// Groups whose examples are their own, not their commands': `propose`
/// (a role grant) and `build` (an offline transfer).
const GROUPS_WITH_OWN_EXAMPLES: &[&str] = &["tx governance propose", "tx build"];

/// Examples the chain refuses here, with the civic code it names: settling
/// needs a slot that had orders, was cleared at its gate and has ended — a
/// chain started seconds ago has none (cli_energy.rs settles one it waited
/// for). The CLI must still build, sign and submit it, and say why.
const REFUSED_BY_THE_CHAIN: &[(&str, &str)] = &[("tx energy settle", "SlotNotCleared")];

/// Command groups whose examples other tests run (they need no node).
const RUN_ELSEWHERE: &[&str] = &["keys", "genesis"];

/// The example lines of a help text: those under `Example:`/`Examples:`.
fn examples(help: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if line.starts_with("Example") {
            inside = true;
        } else if line.trim().is_empty() {
            inside = false;
        } else if inside {
            lines.push(line.trim().to_owned());
        }
    }
    lines
}

/// The subcommand names a help text lists (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// One command found in the help: its examples and whether it has
/// subcommands.
struct Found {
    examples: Vec<String>,
    group: bool,
}

/// Every command under `path`, by its path (`tx aid order`).
fn discover(cli: &Cli, path: &[String], found: &mut BTreeMap<String, Found>) {
    let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
    args.push("--help");
    let help = cli.ok(&args);
    let children = subcommands(&help);
    found.insert(
        path.join(" "),
        Found {
            examples: examples(&help),
            group: !children.is_empty(),
        },
    );
    if path == ["tx", "build"] {
        return;
    }
    for child in children {
        let mut next = path.to_vec();
        next.push(child);
        discover(cli, &next, found);
    }
}

/// The files the examples name, as their reader would have them.
fn write_example_files(cli: &Cli, home: &DemoHome) {
    cli.write("permit.pdf", "%PDF-1.7 building permit PC-2027-0042");
    cli.write("permit-v2.pdf", "%PDF-1.7 building permit PC-2027-0042, v2");
    cli.write("deliberation.pdf", "%PDF-1.7 council deliberation 2027-014");
    cli.write("arrete.pdf", "%PDF-1.7 arrêté de délégation de signature");
    cli.write("auditor.credential", TEST_CREDENTIAL);
    std::fs::create_dir_all(cli.path("devnet")).unwrap();
    std::fs::copy(&home.genesis_path, cli.path("devnet/genesis.json")).unwrap();
    // The node's data directory where a devnet keeps it (`devnet/data`).
    std::os::unix::fs::symlink(home.home.join("data"), cli.path("devnet/data")).unwrap();
}

#[test]
fn every_help_example_runs_against_a_devnet() {
    let home = DemoHome::new();
    let node = home.start_with_activity();
    let cli = Cli::new(&node);
    for account in civitas_demo::accounts() {
        cli.import_demo(&account.handle, account.name);
    }
    write_example_files(&cli, &home);

    let mut found = BTreeMap::new();
    discover(&cli, &[], &mut found);
    for (path, command) in &found {
        assert!(
            !command.examples.is_empty(),
            "`civitas {path} --help` has no example"
        );
    }
    let elsewhere =
        |path: &str| RUN_ELSEWHERE.contains(&path.split(' ').next().unwrap_or_default());
    let own: BTreeSet<&str> = found
        .iter()
        .filter(|(path, command)| {
            !elsewhere(path)
                && (!command.group || GROUPS_WITH_OWN_EXAMPLES.contains(&path.as_str()))
        })
        .map(|(path, _)| path.as_str())
        .collect();
    let ordered: BTreeSet<&str> = RUN_ORDER.iter().copied().collect();
    assert_eq!(own, ordered, "RUN_ORDER must list every command once");
    let leaf_lines: BTreeSet<&String> = found
        .iter()
        .filter(|(path, command)| !command.group || own.contains(path.as_str()))
        .flat_map(|(_, command)| &command.examples)
        .collect();
    for (path, command) in found
        .iter()
        .filter(|(path, c)| c.group && !own.contains(path.as_str()))
    {
        for line in &command.examples {
            assert!(
                leaf_lines.contains(line),
                "`civitas {path} --help` shows `{line}`, which is no command's example (the root is the empty path)"
            );
        }
    }

    let mut ran = 0;
    for path in RUN_ORDER {
        for line in &found[*path].examples {
            let run = cli.shell(line);
            if let Some((_, code)) = REFUSED_BY_THE_CHAIN.iter().find(|(p, _)| p == path) {
                assert_eq!(run.code, 3, "`{line}`: {run:?}");
                assert!(run.stdout.contains(code), "`{line}`: {run:?}");
                ran += 1;
                continue;
            }
            assert_eq!(
                run.code, 0,
                "`{line}` (the example of `civitas {path}`) failed:\nstdout: {}\nstderr: {}",
                run.stdout, run.stderr
            );
            ran += 1;
        }
    }
    assert!(ran >= RUN_ORDER.len());
}
