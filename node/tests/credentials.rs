//! Credentialed methods with a real node: whole blocks are refused without
//! a credential (HTTP and WebSocket), served with one made by
//! `civitas-node rpc-credential add`, refused with an unknown token, and
//! refused again right after `rpc-credential revoke` — without a restart —
//! while public methods answer everyone. (A token sent from a non-loopback
//! address is refused unread: `node/src/rpc/credentials.rs` tests it; every
//! address of this machine's tests is loopback.)
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
use civitas_rpc_api::{CivitasApiClient, http_client_with_credential, ws_client_with_credential};
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
}
