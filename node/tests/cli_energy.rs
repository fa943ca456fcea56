//! End to end with the `civitas` CLI: an energy cycle — a community with
//! five-second slots, two citizens' meters registered under their
//! community keys (derived from their secrets), a sell and a buy order for a
//! slot, cleared at its gate, both meters attested once it ended, the slot
//! settled, and its totals read back with their proof verified. Then a
//! meter's own data: its owner reads it (signed with the community key),
//! another account's signature and an unsigned query are refused, a
//! credentialed caller reads it.
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

const SLOT_MS: u64 = 5_000;

#[test]
fn an_energy_cycle_runs_from_the_command_line() {
    let home = DemoHome::new();
    let node = home.start();
    let cli = Cli::new(&node);
    cli.import_demo("operator", "energy operator");
    let mut owners = Vec::new();
    for name in ["alice", "bob"] {
        cli.ok(&["keys", "new", name, "--citizen"]);
        let derived = cli.json(&[
            "keys",
            "derive",
            name,
            "--community",
            "0",
            "--chain-id",
            "civitas-devnet",
        ]);
        owners.push(derived["address"].as_str().unwrap().to_owned());
    }
    let first_slot = now_ms() / SLOT_MS * SLOT_MS;
    let created = cli.json(&[
        "tx",
        "energy",
        "create-community",
        "--key",
        "operator",
        "--collectivity",
        "219900016",
        "--slot-length",
        "5s",
        "--first-slot",
        &first_slot.to_string(),
        "--grid-price",
        "25",
        "--feed-in-price",
        "6",
        "--wait",
    ]);
    assert_eq!(created["receipt"]["success"], true, "{created}");
    for (owner, commitment) in owners.iter().zip(["01", "02"]) {
        let registered = cli.json(&[
            "tx",
            "energy",
            "register-meter",
            "--key",
            "operator",
            "--community",
            "0",
            "--commitment",
            &commitment.repeat(32),
            "--owner",
            owner,
            "--wait",
        ]);
        assert_eq!(registered["receipt"]["success"], true, "{registered}");
    }
    // A slot far enough ahead for both orders to arrive before its gate.
    let slot = (now_ms() - first_slot) / SLOT_MS + 3;
    let slot_text = slot.to_string();
    for (name, meter, side, energy, limit) in [
        ("alice", "0", "--sell", "1500", "8"),
        ("bob", "1", "--buy", "1000", "20"),
    ] {
        let order = cli.json(&[
            "tx",
            "energy",
            "order",
            "--key",
            name,
            "--community",
            "0",
            "--slot",
            &slot_text,
            "--meter",
            meter,
            side,
            "--energy",
            energy,
            "--limit-price",
            limit,
            "--wait",
        ]);
        assert_eq!(order["receipt"]["success"], true, "{name}: {order}");
    }
    // Past the slot's end (block time follows the clock): cleared, attestable.
    let slot_end = first_slot + (slot + 1) * SLOT_MS;
    while now_ms() < slot_end + 1_500 {
        std::thread::sleep(Duration::from_millis(200));
    }
    for (meter, produced, consumed) in [("0", "1500", "0"), ("1", "0", "1000")] {
        let attested = cli.json(&[
            "tx",
            "energy",
            "attest",
            "--key",
            "operator",
            "--community",
            "0",
            "--slot",
            &slot_text,
            "--meter",
            meter,
            "--produced",
            produced,
            "--consumed",
            consumed,
            "--wait",
        ]);
        assert_eq!(attested["receipt"]["success"], true, "{attested}");
    }
    let settled = cli.json(&[
        "tx",
        "energy",
        "settle",
        "--key",
        "operator",
        "--community",
        "0",
        "--slot",
        &slot_text,
        "--wait",
    ]);
    assert_eq!(settled["receipt"]["success"], true, "{settled}");
    let figures = cli.json(&["query", "slot", "--community", "0", &slot_text, "--verify"]);
    assert_eq!(figures["answer"]["figures"]["settled"], true, "{figures}");
    assert_eq!(
        figures["answer"]["figures"]["volumeWh"], "1000",
        "{figures}"
    );
    assert!(figures["verified"]["entries"].as_u64().unwrap() >= 1);
    meter_is_its_owners_own_data(&node, &cli, &owners[0], &slot_text);
}

fn meter_is_its_owners_own_data(node: &common::Node, cli: &Cli, alice: &str, slot: &str) {
    let read = |key: &str| {
        let args = [
            "query",
            "meter",
            "--key",
            key,
            "--community",
            "0",
            "--meter",
            "0",
            "--from-slot",
            slot,
            "--slots",
            "2",
            "--verify",
        ];
        cli.run(&[&["--json"], &args[..]].concat())
    };
    let mine = read("alice").json();
    let answer = &mine["answer"];
    assert_eq!(answer["registration"]["owner"], alice, "{mine}");
    assert_ne!(answer["registration"]["credit"], "0", "{mine}");
    let lines = answer["slots"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "only the slot she traded in: {mine}");
    assert_eq!(lines[0]["orders"][0]["side"], "sell", "{mine}");
    assert_eq!(lines[0]["orders"][0]["filledWh"], 1000, "{mine}");
    assert_eq!(lines[0]["reading"]["producedWh"], 1500, "{mine}");
    assert_eq!(lines[0]["settled"], true, "{mine}");
    assert_eq!(mine["verified"]["entries"], 2, "{mine}");
    // Bob's key signs for Alice's meter: refused.
    let refused = read("bob");
    assert_ne!(refused.code, 0, "{refused:?}");
    assert!(refused.stderr.contains("-32032"), "{refused:?}");
    assert!(
        refused.stderr.contains("not signed by its key"),
        "{refused:?}"
    );
    // Unsigned: refused; with a credential: answered.
    let url = format!("http://{}", node.rpc_address);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use civitas_rpc_api::CivitasApiClient;
        let slot: u64 = slot.parse().unwrap();
        let anonymous = civitas_rpc_api::http_client_with_credential(&url, None).unwrap();
        let unsigned = anonymous.get_meter(0, 0, slot, Some(2), None).await;
        assert_eq!(
            common::call_error(unsigned.unwrap_err()).code(),
            civitas_rpc_api::OWN_DATA_REFUSED
        );
        let credentialed =
            civitas_rpc_api::http_client_with_credential(&url, Some(common::TEST_CREDENTIAL))
                .unwrap();
        let answer = credentialed
            .get_meter(0, 0, slot, Some(2), None)
            .await
            .unwrap();
        assert_eq!(answer.slots.len(), 1);
        assert_eq!(answer.registration.unwrap().owner, alice);
    });
}
