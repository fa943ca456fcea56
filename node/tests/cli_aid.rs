//! End to end: a whole aid cycle with the `civitas` CLI against a running
//! node — a programme created, a citizen's programme key (derived from one
//! secret) enrolled, an order made by the ordonnateur and executed by the
//! comptable, spent at a merchant, redeemed, the programme closed — and the
//! figures read back with their proofs verified. On the way, the merchant's
//! balance to redeem, its own data: read by the merchant (a signed query),
//! refused to another account's signature and to an unsigned query, read by
//! a credentialed caller.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use common::cli::Cli;
use common::{DemoHome, now_ms};

const CITY: &str = "219900016";

#[test]
fn an_aid_cycle_runs_from_the_command_line_with_a_derived_programme_key() {
    let home = DemoHome::new();
    let node = home.start();
    let cli = Cli::new(&node);
    cli.import_demo("administrator", "aid administrator (ordonnateur)");
    cli.import_demo("accountant", "aid accountant (comptable)");
    let grocer = cli.import_demo("grocer", "grocer");
    cli.ok(&["keys", "new", "alice", "--citizen"]);
    let derive = |programme: &str| {
        cli.json(&[
            "keys",
            "derive",
            "alice",
            "--programme",
            programme,
            "--chain-id",
            "civitas-devnet",
        ])["address"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let alice = derive("0");
    assert_ne!(alice, derive("1"), "one key per programme");
    assert_eq!(alice, derive("0"), "derivation is stable");

    let starts = (now_ms() - 60_000).to_string();
    let ends = (now_ms() + 365 * 86_400_000).to_string();
    let created = cli.json(&[
        "tx",
        "aid",
        "create-programme",
        "--key",
        "administrator",
        "--collectivity",
        CITY,
        "--budget",
        "1000",
        "--cap-per-period",
        "300",
        "--period",
        "30d",
        "--starts",
        &starts,
        "--ends",
        &ends,
        "--category",
        "5411",
        "--wait",
    ]);
    assert_eq!(created["status"], "committed", "{created}");
    assert_eq!(created["receipt"]["success"], true, "{created}");
    // The receipt's events are typed: a script reads the id the chain gave.
    let event = &created["receipt"]["events"][0];
    assert_eq!(event["kind"], "ProgrammeCreated", "{created}");
    assert_eq!(event["fields"]["programmeId"], 0, "{created}");
    assert_eq!(event["programme"], 0, "{created}");
    let commitment = "ab".repeat(32);
    for step in [
        vec![
            "aid",
            "enrol",
            "--key",
            "administrator",
            "--programme",
            "0",
            "--beneficiary",
            &alice,
            "--commitment",
            &commitment,
        ],
        vec![
            "aid",
            "order",
            "--key",
            "administrator",
            "--programme",
            "0",
            "--beneficiary",
            &alice,
            "--amount",
            "120",
        ],
        vec![
            "aid",
            "execute",
            "--key",
            "accountant",
            "--programme",
            "0",
            "--order",
            "0",
        ],
        vec![
            "aid",
            "spend",
            "--key",
            "alice",
            "--programme",
            "0",
            "--merchant",
            &grocer,
            "--amount",
            "42.50",
        ],
        vec![
            "aid",
            "redeem",
            "--key",
            "grocer",
            "--programme",
            "0",
            "--amount",
            "42.50",
        ],
    ] {
        let mut args = vec!["tx"];
        args.extend(step);
        args.push("--wait");
        let receipt = cli.json(&args);
        assert_eq!(receipt["receipt"]["success"], true, "{args:?}: {receipt}");
        if args[2] == "order" {
            let event = &receipt["receipt"]["events"][0];
            assert_eq!(event["kind"], "DisbursementOrdered", "{receipt}");
            assert_eq!(event["fields"]["orderId"], 0, "{receipt}");
            assert_eq!(event["fields"]["beneficiary"], alice.as_str(), "{receipt}");
        }
        if args[2] == "spend" {
            merchant_balance_is_the_merchants_own_data(&node, &cli, &grocer, "4250");
        }
    }
    merchant_balance_is_the_merchants_own_data(&node, &cli, &grocer, "0");

    // The citizen's own balance: a query signed with the programme key.
    let balance = cli.json(&[
        "query",
        "balance",
        "--key",
        "alice",
        "--programme",
        "0",
        "--verify",
    ]);
    assert_eq!(balance["answer"]["balanceCents"], "7750", "{balance}");
    assert_eq!(balance["answer"]["beneficiary"], alice.as_str());
    assert!(balance["verified"]["signedPower"].as_u64().unwrap() > 0);

    // The programme's public figures, proven against the genesis validators.
    let genesis = home.genesis_path.to_str().unwrap();
    let programme = cli.json(&["query", "programme", "0", "--verify", "--genesis", genesis]);
    assert_eq!(
        programme["answer"]["programme"]["redeemedCents"], "4250",
        "{programme}"
    );
    assert_eq!(programme["verified"]["genesisValidatorSet"], true);
    let text = cli.ok(&["query", "programme", "0", "--verify"]);
    assert!(
        text.contains("redeemed") && text.contains("42.50"),
        "{text}"
    );
    assert!(text.contains("verified: "), "{text}");

    let closed = cli.json(&[
        "tx",
        "aid",
        "close",
        "--key",
        "administrator",
        "--programme",
        "0",
        "--wait",
    ]);
    assert_eq!(closed["receipt"]["success"], true, "{closed}");
    let programme = cli.json(&["query", "programme", "0"]);
    assert_ne!(
        programme["answer"]["programme"]["status"], "open",
        "{programme}"
    );
}

fn merchant_balance_is_the_merchants_own_data(
    node: &common::Node,
    cli: &Cli,
    grocer: &str,
    cents: &str,
) {
    let read = cli.json(&[
        "query",
        "merchant-balance",
        "--key",
        "grocer",
        "--programme",
        "0",
        "--verify",
    ]);
    assert_eq!(read["answer"]["balanceCents"], cents, "{read}");
    assert_eq!(read["answer"]["merchant"], grocer, "{read}");
    assert_eq!(read["verified"]["entries"], 1, "{read}");
    let url = format!("http://{}", node.rpc_address);
    let status = node.rpc.status().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use civitas_rpc_api::{
            CivitasApiClient, OWN_DATA_REFUSED, http_client_with_credential,
            merchant_balance_params, sign_query,
        };
        let merchant = civitas_rpc_api::parse_account("merchant", grocer).unwrap();
        let params = merchant_balance_params(0, &merchant);
        let method = "civitas_getMerchantBalance";
        let stranger = common::account("resident 1, aid pseudonym");
        let forged = sign_query(
            &stranger.key,
            &status.chain_id,
            method,
            &params,
            status.height,
        );
        let anonymous = http_client_with_credential(&url, None).unwrap();
        for query in [None, Some(forged)] {
            let refused = anonymous
                .get_merchant_balance(0, grocer.to_owned(), query)
                .await;
            assert_eq!(
                common::call_error(refused.unwrap_err()).code(),
                OWN_DATA_REFUSED
            );
        }
        let credentialed =
            http_client_with_credential(&url, Some(common::TEST_CREDENTIAL)).unwrap();
        let answer = credentialed
            .get_merchant_balance(0, grocer.to_owned(), None)
            .await
            .unwrap();
        assert_eq!(answer.balance_cents, cents);
    });
}
