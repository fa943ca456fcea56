//! The OpenRPC document against a real node: `rpc.discover` answers the
//! committed `docs/openrpc.json`, and a TypeScript client generated from that
//! file by an existing generator (`@open-rpc/generator`, tests/openrpc-client,
//! run with Node.js) calls `civitas_status` and `civitas_getTransaction` and
//! reads what the typed Rust client reads; the node serves every method the
//! document lists.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use civitas_rpc_api::{Status, TransactionView};
use jsonrpsee::core::client::{ClientT, Error as ClientError};
use jsonrpsee::core::params::ArrayParams;
use serde_json::Value;

use common::{DemoHome, run_to_exit};

/// JSON-RPC's "method not found".
const METHOD_NOT_FOUND: i32 = -32601;

/// npm's install, the generation and the TypeScript build take seconds; the
/// first install on a machine may take a minute.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(300);

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `rpc.discover`, through a plain jsonrpsee client.
fn discover(address: SocketAddr) -> Value {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = civitas_rpc_api::http_client(&format!("http://{address}")).unwrap();
        client
            .request("rpc.discover", ArrayParams::new())
            .await
            .unwrap()
    })
}

/// Calls every method of `document` on the node over WebSocket (which
/// serves subscriptions too), without parameters: the node knows each one
/// (any answer but -32601, "method not found").
fn every_documented_method_is_served(address: SocketAddr, document: &Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = civitas_rpc_api::ws_client(&format!("ws://{address}"))
            .await
            .unwrap();
        for method in document["methods"].as_array().unwrap() {
            let name = method["name"].as_str().unwrap();
            let answer: Result<Value, ClientError> = client.request(name, ArrayParams::new()).await;
            match answer {
                Ok(_) => {}
                Err(ClientError::Call(error)) => assert_ne!(
                    error.code(),
                    METHOD_NOT_FOUND,
                    "{name} is in docs/openrpc.json but the node does not serve it"
                ),
                Err(other) => panic!("{name}: {other}"),
            }
        }
    });
}

#[test]
fn a_client_generated_from_the_openrpc_document_calls_the_node() {
    let home = DemoHome::new();
    let node = home.start();
    let transaction = civitas_demo::activity_steps(&home.genesis)[0][0].clone();
    let id = node.rpc.submit(&transaction).unwrap();
    let view = node.wait_for_transaction(&id);

    let committed = std::fs::read_to_string(repository().join("docs/openrpc.json")).unwrap();
    let committed: Value = serde_json::from_str(&committed).unwrap();
    assert!(
        discover(node.rpc_address) == committed,
        "rpc.discover does not answer docs/openrpc.json: regenerate it (crates/rpc-api/tests/openrpc.rs)"
    );
    every_documented_method_is_served(node.rpc_address, &committed);

    let mut command = Command::new("bash");
    command
        .arg(repository().join("tests/openrpc-client/run.sh"))
        .arg(format!("http://{}", node.rpc_address))
        .arg(&id);
    let output = run_to_exit(command, CLIENT_TIMEOUT);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "tests/openrpc-client/run.sh failed (it needs Node.js 20 and npm):\n{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|error| panic!("not the client's JSON line ({error}): {stdout}"));
    // The views refuse unknown fields: what the generated client read has
    // exactly their shape.
    let status: Status = serde_json::from_value(answer["status"].clone()).unwrap();
    assert_eq!(status.chain_id, home.genesis.chain_id.to_string());
    assert!(status.height >= view.height);
    let read: TransactionView = serde_json::from_value(answer["transaction"].clone()).unwrap();
    assert_eq!(read, view);
}
