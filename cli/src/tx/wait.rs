//! Following a submitted transaction until it is final: the node's
//! `civitas_subscribeTransaction` stream over WebSocket, with a spinner on a
//! terminal and nothing extra otherwise.

use std::time::Duration;

use civitas_rpc_api::{CivitasSubscriptionsClient, TransactionStatus, ws_client_trusting};
use indicatif::ProgressBar;

use crate::context::Context;
use crate::exit::CliError;
use crate::node;
use crate::output;

/// The WebSocket address of the node's HTTP address (same port).
pub fn websocket_url(http: &str) -> Result<String, CliError> {
    let (scheme, rest) = http.split_once("://").unwrap_or(("", http));
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => Ok(format!("ws://{rest}")),
        "https" | "wss" => Ok(format!("wss://{rest}")),
        _ => Err(CliError::usage(format!(
            "the node address {http:?} is not http://HOST:PORT or https://HOST:PORT"
        ))),
    }
}

/// Waits until transaction `id` is committed or dropped, at most `timeout`.
pub async fn follow(
    context: &Context,
    id: &str,
    timeout: Duration,
) -> Result<TransactionStatus, CliError> {
    let spinner = spinner(context, id);
    let result = tokio::time::timeout(timeout, final_status(context, id))
        .await
        .unwrap_or_else(|_| {
            Err(CliError::unreachable(format!(
                "it was not final after {}s and may still be included",
                timeout.as_secs()
            )))
        });
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    result
}

async fn final_status(context: &Context, id: &str) -> Result<TransactionStatus, CliError> {
    let url = websocket_url(&context.node)?;
    let credential = context.credential()?;
    let roots = context.trusted_roots()?;
    let client = ws_client_trusting(&url, credential.as_deref(), roots.as_ref())
        .await
        .map_err(|e| node::call_error(&context.node, "a WebSocket connection", e))?;
    let mut subscription = client
        .subscribe_transaction(id.to_owned())
        .await
        .map_err(|e| node::call_error(&context.node, "civitas_subscribeTransaction", e))?;
    loop {
        match subscription.next().await {
            Some(Ok(TransactionStatus::Pending { .. })) => continue,
            Some(Ok(status)) => return Ok(status),
            Some(Err(e)) => {
                return Err(CliError::failure(format!(
                    "the node sent a status this civitas cannot read: {e}"
                )));
            }
            None => {
                return Err(CliError::unreachable(format!(
                    "the node at {} closed the transaction's stream before it was final",
                    context.node
                )));
            }
        }
    }
}

fn spinner(context: &Context, id: &str) -> Option<ProgressBar> {
    let short = id.get(..12).unwrap_or(id);
    output::spinner(context, format!("waiting for {short}… to be final"))
}
