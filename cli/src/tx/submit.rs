//! Signing with a keystore key, submitting, and reporting the outcome: the
//! id, and with `--wait` the receipt (each event's kind and fields, e.g.
//! `DisbursementOrdered  amountCents=2000  beneficiary=civ1…  orderId=3
//! programmeId=0`; with `--json` the typed objects; a failure's code, name
//! and meaning, exit 3).

use civitas_rpc_api::{CivitasApiClient, EventView, ReceiptView, TransactionStatus};
use civitas_types::{AccountId, SignedTransaction, encode};
use serde_json::json;

use super::TxOptions;
use super::actions::Built;
use super::envelope::{self, NodeFacts};
use super::{parse, wait};
use crate::context::Context;
use crate::exit::{CliError, Exit};
use crate::{keystore, node, output};

/// Builds `built` into a transaction, signs it with `--key`, submits it.
pub async fn sign_and_submit(
    context: &Context,
    options: &TxOptions,
    built: &Built,
) -> Result<(), CliError> {
    let name = key_name(options)?;
    wait_timeout(context, options)?;
    let mut node = NodeFacts::new(context);
    let chain_id = envelope::chain_id(options, &mut node).await?;
    let signer = options.signer.as_deref().map(parse::account).transpose()?;
    let (key, signer) =
        keystore::signing_key_for(context, name, built.derivation, &chain_id, signer)?;
    let body = envelope::body(options, &mut node, chain_id, signer, &built.action).await?;
    let transaction = SignedTransaction::sign(body, &[&key])
        .map_err(|e| CliError::failure(format!("cannot sign: {e}")))?;
    submit(
        context,
        options,
        &mut node,
        &transaction,
        built.account.as_ref(),
    )
    .await
}

/// The `--key` option, required to sign.
pub fn key_name(options: &TxOptions) -> Result<&str, CliError> {
    options.key.as_deref().ok_or_else(|| {
        CliError::usage("which key signs? give --key NAME (`civitas keys list` shows them)")
    })
}

/// How long `--wait` waits (`None` without `--wait`): read before anything
/// is signed or sent, so that a mistyped `--timeout` submits nothing.
fn wait_timeout(
    context: &Context,
    options: &TxOptions,
) -> Result<Option<std::time::Duration>, CliError> {
    if !options.wait {
        return Ok(None);
    }
    // The stream's address too: a wait that cannot start must fail first.
    wait::websocket_url(&context.node)?;
    parse::duration_ms(&options.timeout)
        .map(std::time::Duration::from_millis)
        .map(Some)
}

/// Submits `transaction` and reports it (and, with `--wait`, its receipt).
pub async fn submit(
    context: &Context,
    options: &TxOptions,
    node: &mut NodeFacts<'_>,
    transaction: &SignedTransaction,
    created: Option<&AccountId>,
) -> Result<(), CliError> {
    if let Some(account) = created {
        // The new account's address, before anything can fail: its owners
        // need it whatever happens next.
        eprintln!("the transaction creates account {account}");
    }
    let timeout = wait_timeout(context, options)?;
    let hex = hex::encode(encode(transaction));
    let client = node.client()?;
    let id = node::call(
        context,
        "civitas_submitTransaction",
        client.submit_transaction(hex),
    )
    .await
    .map_err(|e| match e.exit {
        // No answer: the node may hold it all the same.
        Exit::Unreachable => {
            let id = transaction.id();
            e.context(format!(
                "transaction {id} may have reached the node (`civitas query transaction {id}` says)"
            ))
        }
        _ => e,
    })?;
    let Some(timeout) = timeout else {
        return output::emit(
            context,
            &json!({"id": id, "status": "submitted", "signer": transaction.body.signer.to_string(), "sequence": transaction.body.sequence, "createsAccount": created.map(ToString::to_string)}),
            || {
                format!(
                    "submitted {id} (signer {}, sequence {})",
                    transaction.body.signer, transaction.body.sequence
                )
            },
        );
    };
    // Once the node has it, every failure names the transaction: retrying
    // blindly could pay twice.
    let status = wait::follow(context, &id, timeout).await.map_err(|e| {
        e.context(format!(
            "transaction {id} was submitted (`civitas query transaction {id}` shows what became of it)"
        ))
    })?;
    report(context, &status, created)
}

/// Prints a final status; a failed or dropped transaction is an error
/// (exit 3) after its JSON is printed.
fn report(
    context: &Context,
    status: &TransactionStatus,
    created: Option<&AccountId>,
) -> Result<(), CliError> {
    let mut value = serde_json::to_value(status)
        .map_err(|e| CliError::failure(format!("cannot print the status: {e}")))?;
    if let (Some(account), Some(object)) = (created, value.as_object_mut()) {
        object.insert("createsAccount".to_owned(), json!(account.to_string()));
    }
    output::emit(context, &value, || match status {
        TransactionStatus::Committed {
            id,
            height,
            receipt,
            ..
        } => format!(
            "{id}\ncommitted at height {height}\n{}",
            receipt_text(receipt)
        ),
        TransactionStatus::Dropped { id, detail, .. } => format!("{id}\ndropped: {detail}"),
        TransactionStatus::Pending { id, .. } => format!("{id}\npending"),
    })?;
    match status {
        TransactionStatus::Committed { receipt, .. } if !receipt.success => {
            Err(CliError::rejected(format!(
                "the transaction failed: {} (code {}): {}",
                receipt.code_name,
                receipt.code,
                receipt.reason.as_deref().unwrap_or("no reason given")
            )))
        }
        TransactionStatus::Dropped { reason, detail, .. } => Err(CliError::rejected(format!(
            "the transaction was dropped ({reason:?}): {detail}"
        ))),
        _ => Ok(()),
    }
}

/// A receipt for people: the outcome, then one event per line.
pub fn receipt_text(receipt: &ReceiptView) -> String {
    let mut text = if receipt.success {
        "result  ok\n".to_owned()
    } else {
        format!(
            "result  failed: {} (code {}): {}\n",
            receipt.code_name,
            receipt.code,
            receipt.reason.as_deref().unwrap_or("")
        )
    };
    for event in &receipt.events {
        text.push_str(&format!("event   {}\n", event_text(event)));
    }
    text
}

/// One event for people: its kind, then its fields ([`kind_and_fields`]).
fn event_text(event: &EventView) -> String {
    kind_and_fields(&event.kind, &event.fields)
}

/// An event or action on one line for people: its kind, then `name=value`
/// per field (strings without quotes, nested values as compact JSON).
pub fn kind_and_fields(
    kind: &str,
    fields: &std::collections::BTreeMap<String, serde_json::Value>,
) -> String {
    let mut line = kind.to_owned();
    for (name, value) in fields {
        let value = match value {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        line.push_str(&format!("  {name}={value}"));
    }
    line
}
