//! Credentialed methods with a real node: whole blocks are refused without
//! a credential (HTTP and WebSocket), served with one made by
//! `civitas-node rpc-credential add`, refused with an unknown token, and
//! refused again right after `rpc-credential revoke` — without a restart —
//! and the event stream opened with it closed, while public methods (and
//! public streams) answer everyone. (A token sent from a non-loopback
//! address is refused unread: `node/src/rpc/credentials.rs` tests it; every
//! address of this machine's tests is loopback.) A beneficiary's standing
//! (own data) answers a query signed with its key at a recent height, or a
//! credential, and nothing else.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::time::Duration;

use civitas_rpc_api::errors::{CREDENTIAL_REFUSED, CREDENTIAL_REQUIRED};
use civitas_rpc_api::{
    CivitasApiClient, CivitasSubscriptionsClient, OWN_DATA_REFUSED, QUERY_HEIGHT_WINDOW,
    beneficiary_params, http_client_with_credential, sign_query, ws_client_with_credential,
};
use common::{DemoHome, call_error, command, run_to_exit};

/// Runs `civitas-node rpc-credential ACTION --home HOME [--name NAME]`.
fn credential(home: &std::path::Path, action: &str, name: Option<&str>) -> String {
    let mut run = command();
    run.arg("rpc-credential")
        .arg(action)
        .arg("--home")
        .arg(home);
    if let Some(name) = name {
        run.arg("--name").arg(name);
    }
    let output = run_to_exit(run, Duration::from_secs(30));
    assert!(
        output.status.success(),
        "rpc-credential {action}: {output:?}"
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[test]
fn whole_blocks_need_a_credential_that_revocation_withdraws_at_once() {
    let home = DemoHome::new();
    let node = home.start();
    node.wait_for_height(2, Duration::from_secs(60));
    let token = credential(&home.home, "add", Some("audit-chamber"));
    assert_eq!(token.len(), 64, "a 32-byte token in hex: {token:?}");
    assert!(credential(&home.home, "list", None).contains("audit-chamber"));
    let text = std::fs::read_to_string(home.home.join("rpc_credentials")).unwrap();
    assert!(!text.contains(&token), "the token is stored only hashed");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = format!("http://{}", node.rpc_address);
    let ws_url = format!("ws://{}", node.rpc_address);
    runtime.block_on(async {
        // Anonymous: public methods yes, whole blocks no.
        let anonymous = http_client_with_credential(&url, None).unwrap();
        assert!(anonymous.get_header(1).await.unwrap().is_some());
        let refused = call_error(anonymous.get_block(1).await.unwrap_err());
        assert_eq!(refused.code(), CREDENTIAL_REQUIRED);
        assert!(
            refused.message().contains("Authorization: Bearer"),
            "{}",
            refused.message()
        );
        let ws = ws_client_with_credential(&ws_url, None).await.unwrap();
        let refused = call_error(ws.get_blocks(1, None).await.unwrap_err());
        assert_eq!(refused.code(), CREDENTIAL_REQUIRED);

        // With the auditor's token, over HTTP and WebSocket.
        let auditor = http_client_with_credential(&url, Some(&token)).unwrap();
        let block = auditor.get_block(1).await.unwrap().unwrap();
        assert_eq!(
            block.hash,
            anonymous.get_header(1).await.unwrap().unwrap().hash
        );
        let auditor_ws = ws_client_with_credential(&ws_url, Some(&token))
            .await
            .unwrap();
        assert!(
            !auditor_ws
                .get_blocks(1, Some(2))
                .await
                .unwrap()
                .blocks
                .is_empty()
        );
        let key = "15".to_owned();
        assert!(auditor.get_state_proof(key).await.is_ok());

        // An unknown token.
        let stranger = http_client_with_credential(&url, Some(&"00".repeat(32))).unwrap();
        let refused = call_error(stranger.get_block(1).await.unwrap_err());
        assert_eq!(refused.code(), CREDENTIAL_REFUSED);
    });

    // An event stream opened with the token, and one without.
    let (auditor_ws, anonymous_ws, mut stream, mut public) = runtime.block_on(async {
        let auditor_ws = ws_client_with_credential(&ws_url, Some(&token))
            .await
            .unwrap();
        let anonymous_ws = ws_client_with_credential(&ws_url, None).await.unwrap();
        let stream = auditor_ws.subscribe_events(None).await.unwrap();
        let public = anonymous_ws.subscribe_events(None).await.unwrap();
        (auditor_ws, anonymous_ws, stream, public)
    });

    // Revoked while the node runs: refused from the next request on.
    credential(&home.home, "revoke", Some("audit-chamber"));
    assert!(!credential(&home.home, "list", None).contains("audit-chamber"));
    runtime.block_on(async {
        let auditor = http_client_with_credential(&url, Some(&token)).unwrap();
        let refused = call_error(auditor.get_block(1).await.unwrap_err());
        assert_eq!(refused.code(), CREDENTIAL_REFUSED);
        assert!(
            refused.message().contains("revoked"),
            "{}",
            refused.message()
        );
    });
    // The other credentials still work.
    assert!(node.rpc.block(1).unwrap().is_some());

    // The stream opened with the revoked token ends within a block or two;
    // the public one stays open.
    runtime.block_on(async {
        let ended = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(Ok(_event)) = stream.next().await {}
        })
        .await;
        assert!(
            ended.is_ok(),
            "the revoked credential's stream is still open"
        );
        let still = tokio::time::timeout(Duration::from_secs(3), public.next()).await;
        assert!(
            matches!(still, Err(_) | Ok(Some(Ok(_)))),
            "the public stream ended: {still:?}"
        );
        drop((auditor_ws, anonymous_ws));
    });
    node.poll("the closing is logged", Duration::from_secs(10), || {
        node.log()
            .iter()
            .any(|line| line.contains("its credential was revoked"))
            .then_some(())
    });
}

#[test]
fn a_beneficiarys_standing_answers_its_own_signed_query_or_a_credential_only() {
    let home = DemoHome::new();
    let node = home.start_with_activity();
    let resident = common::account("resident 1, aid pseudonym");
    let other = common::account("resident 2, aid pseudonym");
    let address = resident.address.to_string();
    let chain = home.genesis.chain_id.to_string();
    let params = beneficiary_params(0, &resident.address);
    let method = "civitas_getBeneficiary";
    let tip = node.rpc.status().unwrap().height;
    let url = format!("http://{}", node.rpc_address);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let anonymous = http_client_with_credential(&url, None).unwrap();
        // Signed by the beneficiary's key at a recent height: answered, proven.
        let query = sign_query(&resident.key, &chain, method, &params, tip);
        let answer = anonymous
            .get_beneficiary(0, address.clone(), Some(query.clone()))
            .await
            .unwrap();
        let expected = civitas_demo::activity::ORDER_CENTS - civitas_demo::activity::SPEND_CENTS;
        assert_eq!(answer.balance_cents, Some(expected.to_string()));
        assert_eq!(answer.revoked, Some(false));
        answer
            .entry
            .verify(&answer.certified.state_root().unwrap())
            .unwrap();
        // No query; another account's signature; another programme's
        // question; an old height: refused.
        let refusals = [
            anonymous.get_beneficiary(0, address.clone(), None).await,
            anonymous
                .get_beneficiary(
                    0,
                    address.clone(),
                    Some(sign_query(&other.key, &chain, method, &params, tip)),
                )
                .await,
            anonymous
                .get_beneficiary(1, address.clone(), Some(query.clone()))
                .await,
        ];
        for refusal in refusals {
            assert_eq!(call_error(refusal.unwrap_err()).code(), OWN_DATA_REFUSED);
        }
        // A credentialed caller reads it without a signed query.
        let credentialed =
            http_client_with_credential(&url, Some(common::TEST_CREDENTIAL)).unwrap();
        let answer = credentialed
            .get_beneficiary(0, address.clone(), None)
            .await
            .unwrap();
        assert_eq!(answer.balance_cents, Some(expected.to_string()));
    });
    // Once the query's height is more than 100 blocks old, it is refused.
    node.wait_for_height(tip + QUERY_HEIGHT_WINDOW + 1, Duration::from_secs(120));
    runtime.block_on(async {
        let anonymous = http_client_with_credential(&url, None).unwrap();
        let stale = sign_query(&resident.key, &chain, method, &params, tip);
        let refusal = anonymous.get_beneficiary(0, address, Some(stale)).await;
        let error = call_error(refusal.unwrap_err());
        assert_eq!(error.code(), OWN_DATA_REFUSED);
        assert!(
            error.message().contains("recent height"),
            "{}",
            error.message()
        );
    });
}

/// The test TLS files (for tests only, valid a century): `ca.pem`, a test
/// authority; `certificate.pem`, the node's certificate it signed for
/// `localhost` and 127.0.0.1; `key.pem`, that certificate's key.
fn tls_fixture(name: &str) -> String {
    format!("{}/tests/fixtures/tls/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// POSTs `body` over TLS to `address`, trusting only the test authority,
/// with the test credential; the HTTP response, whole.
fn post_over_tls(address: std::net::SocketAddr, body: &str) -> String {
    use rustls::pki_types::pem::PemObject;
    use std::io::{Read, Write};

    let mut roots = rustls::RootCertStore::empty();
    for certificate in
        rustls::pki_types::CertificateDer::pem_file_iter(tls_fixture("ca.pem")).unwrap()
    {
        roots.add(certificate.unwrap()).unwrap();
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut connection = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    let mut socket = std::net::TcpStream::connect(address).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut stream = rustls::Stream::new(&mut connection, &mut socket);
    let request = format!(
        "POST / HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\nauthorization: Bearer {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        common::TEST_CREDENTIAL,
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    // The server closes after answering (connection: close); a TLS close
    // without close_notify is the end too.
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response).into_owned()
}

/// A node of `home` serving its RPC over TLS with the fixtures' certificate.
fn node_serving_tls(home: &DemoHome) -> common::Node {
    let environment = [
        (
            "CIVITAS_RPC_TLS_CERTIFICATE".to_owned(),
            tls_fixture("certificate.pem"),
        ),
        ("CIVITAS_RPC_TLS_KEY".to_owned(), tls_fixture("key.pem")),
    ];
    common::Spawned::with_env(&home.home, &home.genesis_path, &environment).wait_serving()
}

#[test]
fn the_node_serves_tls_itself_and_plain_http_gets_nothing_there() {
    let home = DemoHome::new();
    let node = node_serving_tls(&home);
    let status = r#"{"jsonrpc":"2.0","id":1,"method":"civitas_status","params":[]}"#;
    node.poll("a block over TLS", Duration::from_secs(60), || {
        let answer = post_over_tls(node.rpc_address, status);
        (answer.starts_with("HTTP/1.1 200") && !answer.contains("\"height\":0")).then_some(())
    });
    // A credentialed method, over TLS.
    let block = post_over_tls(
        node.rpc_address,
        r#"{"jsonrpc":"2.0","id":2,"method":"civitas_getBlock","params":[1]}"#,
    );
    assert!(block.contains("\"result\":{"), "{block}");
    // Plain HTTP on the TLS port: no answer a client could take for one.
    assert!(node.rpc.status().is_err());

    // Half a TLS configuration is refused at start, saying what to give.
    let half = [(
        "CIVITAS_RPC_TLS_CERTIFICATE".to_owned(),
        tls_fixture("certificate.pem"),
    )];
    let other = DemoHome::new();
    let mut start = command();
    start
        .arg("start")
        .arg("--home")
        .arg(&other.home)
        .arg("--genesis")
        .arg(&other.genesis_path)
        .envs(half.iter().cloned());
    let output = run_to_exit(start, Duration::from_secs(30));
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("go together"),
        "{output:?}"
    );
}

/// The `civitas` CLI over the node's own TLS: trusting the network's
/// authority (`--ca-file`), it reads, sends its credential (to a TLS
/// address it may, whatever the host) and follows a transaction over
/// `wss://`; without that authority, the system's do not know the node's
/// certificate and nothing is sent (exit 4).
#[test]
fn the_cli_speaks_tls_trusting_the_networks_authority() {
    let home = DemoHome::new();
    let node = node_serving_tls(&home);
    let cli = common::cli::Cli::at(&format!("https://localhost:{}", node.rpc_address.port()));
    let ca = tls_fixture("ca.pem");
    node.poll("a block over TLS", Duration::from_secs(60), || {
        let run = cli.run(&["--ca-file", &ca, "query", "status", "--json"]);
        (run.code == 0 && !run.stdout.contains("\"height\": 0")).then_some(())
    });
    let credential = cli.write("auditor.credential", common::TEST_CREDENTIAL);
    let text = cli.ok(&[
        "--ca-file",
        &ca,
        "--credential-file",
        &credential,
        "query",
        "block",
        "1",
        "--full",
        "--verify",
    ]);
    assert!(text.contains("verified: "), "{text}");
    cli.import_demo("administrator", "aid administrator (ordonnateur)");
    let run = cli.run(&[
        "--ca-file",
        &ca,
        "tx",
        "aid",
        "close",
        "--key",
        "administrator",
        "--programme",
        "7",
        "--wait",
    ]);
    // Followed to its receipt over wss:// (closing no programme fails).
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stdout.contains("committed at height"), "{run:?}");

    let run = cli.run(&["query", "status"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("cannot reach the node"), "{run:?}");
}
