//! Talking to a node: the typed JSON-RPC client of `civitas-rpc-api`, and
//! its failures turned into the CLI's exit codes.

use civitas_rpc_api::{HttpClient, http_client_trusting};
use civitas_rpc_api::{INVALID_TRANSACTION, TRANSACTION_REJECTED};
use jsonrpsee::core::client::Error as RpcError;

use crate::context::Context;
use crate::exit::CliError;

/// A client for the node of `context` (with its credential, if any).
pub fn client(context: &Context) -> Result<HttpClient, CliError> {
    let credential = context.credential()?;
    let roots = context.trusted_roots()?;
    http_client_trusting(&context.node, credential.as_deref(), roots.as_ref()).map_err(|e| {
        CliError::usage(format!(
            "cannot use the node address {:?}: {e} (expected http://HOST:PORT or https://HOST:PORT)",
            context.node
        ))
    })
}

/// The CLI error of a failed call of `method` to the node at `node`: the
/// node's refusal of a transaction is `Rejected`, any other answered error
/// (or an answer this CLI cannot read) a general failure with the node's
/// message, and no answer `Unreachable`.
pub fn call_error(node: &str, method: &str, error: RpcError) -> CliError {
    match error {
        RpcError::Call(answer) => {
            let message = match answer.data() {
                Some(data) => format!("{} ({})", answer.message(), data.get()),
                None => answer.message().to_owned(),
            };
            match answer.code() {
                INVALID_TRANSACTION | TRANSACTION_REJECTED => {
                    CliError::rejected(format!("the node refused the transaction: {message}"))
                }
                code => CliError::failure(format!("{method} failed (code {code}): {message}")),
            }
        }
        RpcError::ParseError(_)
        | RpcError::InvalidRequestId(_)
        | RpcError::InvalidSubscriptionId
        | RpcError::Custom(_) => CliError::failure(format!(
            "the node at {node} answered {method} with something this civitas cannot read: {error} (is it a Civitas node of this version?)"
        )),
        RpcError::RequestTimeout => CliError::unreachable(format!(
            "the node at {node} did not answer {method} in time"
        )),
        other => CliError::unreachable(format!(
            "cannot reach the node at {node}: {other} (is it running? set --node or CIVITAS_NODE)"
        )),
    }
}

/// Runs `call` (a call of `method` on `client`) and maps its failure.
pub async fn call<T>(
    context: &Context,
    method: &str,
    call: impl Future<Output = Result<T, RpcError>>,
) -> Result<T, CliError> {
    call.await
        .map_err(|error| call_error(&context.node, method, error))
}
