//! Queries of the chain itself: the node's status, accounts, transactions,
//! blocks, validators. Accounts, transactions, blocks and validator sets can
//! be verified ([`proven_chain`](super::proven_chain)); the status carries
//! no proof, so `--verify` is refused for it rather than ignored.

use civitas_rpc_api::CivitasApiClient;

use super::proven_chain;
use super::state::Query;
use super::verify::Verified;
use crate::exit::CliError;
use crate::node;
use crate::output::{self, Table, fields};
use crate::tx::parse;

/// `query status`.
pub async fn status(query: &Query<'_>) -> Result<(), CliError> {
    if query.options.verify {
        return Err(CliError::usage(
            "--verify: the status is the node's own report and carries no proof; verify a block instead (civitas query block HEIGHT --verify)",
        ));
    }
    let status = node::call(query.context, "civitas_status", query.client.status()).await?;
    output::emit(query.context, &status, || {
        fields(&[
            ("chain", status.chain_id.clone()),
            ("height", status.height.to_string()),
            (
                "last block",
                status
                    .last_block_hash
                    .clone()
                    .unwrap_or_else(|| "none".to_owned()),
            ),
            ("catching up", status.catching_up.to_string()),
            ("node version", status.node_version.clone()),
            ("genesis", status.genesis_hash.clone()),
        ])
    })
}

/// `query account`.
pub async fn account(query: &Query<'_>, address: &str) -> Result<(), CliError> {
    let account_id = parse::account(address)?;
    let account = node::call(
        query.context,
        "civitas_getAccount",
        query.client.get_account(address.to_owned()),
    )
    .await?;
    let verified = match query.verifier()? {
        Some(verifier) => Some(proven_chain::account(&verifier, &account_id, &account).await?),
        None => None,
    };
    emit(query, &account, verified, || {
        let mut text = fields(&[
            ("address", account.address.clone()),
            ("next sequence", account.next_sequence.to_string()),
            (
                "multisig",
                account.multisig.as_ref().map_or("no".to_owned(), |m| {
                    format!("{} of {}", m.threshold, m.members.len())
                }),
            ),
            ("height", account.height.to_string()),
        ]);
        let mut roles = Table::new(&["role", "scope"]);
        for role in &account.roles {
            roles.row(vec![
                role.role.clone(),
                serde_json::to_string(&role.scope).unwrap_or_default(),
            ]);
        }
        for delegation in &account.delegations {
            roles.row(vec![
                format!("{} (delegated)", delegation.role),
                serde_json::to_string(&delegation.scope).unwrap_or_default(),
            ]);
        }
        text.push_str(&roles.render());
        text
    })
}

/// `query transaction`.
pub async fn transaction(query: &Query<'_>, id: &str) -> Result<(), CliError> {
    let hash = parse::hash("the transaction id", id)?;
    let answer = node::call(
        query.context,
        "civitas_getTransaction",
        query.client.get_transaction(hash.to_string()),
    )
    .await?;
    let Some(view) = answer else {
        return Err(CliError::failure(format!(
            "no committed transaction {hash} on this node (still pending, expired, or never submitted)"
        )));
    };
    let verified = match query.verifier()? {
        Some(verifier) => Some(proven_chain::transaction(&verifier, &view).await?),
        None => None,
    };
    emit(query, &view, verified, || {
        let mut text = fields(&[
            ("transaction", view.id.clone()),
            ("height", view.height.to_string()),
            ("position", view.position.to_string()),
            ("signer", view.signer.clone()),
            ("sequence", view.sequence.to_string()),
        ]);
        text.push_str(&crate::tx::receipt_text(&view.receipt));
        text
    })
}

/// `query block`.
pub async fn block(query: &Query<'_>, height: u64, full: bool) -> Result<(), CliError> {
    if full {
        let block = node::call(
            query.context,
            "civitas_getBlock",
            query.client.get_block(height),
        )
        .await?
        .ok_or_else(|| CliError::failure(format!("no block at height {height}")))?;
        let verified = match query.verifier()? {
            Some(verifier) => Some(
                proven_chain::block(&verifier, query.context, query.client, &block, height).await?,
            ),
            None => None,
        };
        return emit(query, &block, verified, || {
            serde_json::to_string_pretty(&block).unwrap_or_default()
        });
    }
    let header = node::call(
        query.context,
        "civitas_getHeader",
        query.client.get_header(height),
    )
    .await?
    .ok_or_else(|| CliError::failure(format!("no block at height {height}")))?;
    let verified = match query.verifier()? {
        Some(verifier) => Some(
            proven_chain::header(&verifier, query.context, query.client, &header, height).await?,
        ),
        None => None,
    };
    emit(query, &header, verified, || {
        serde_json::to_string_pretty(&header).unwrap_or_default()
    })
}

/// `query validators`.
pub async fn validators(query: &Query<'_>, height: Option<u64>) -> Result<(), CliError> {
    let view = node::call(
        query.context,
        "civitas_getValidators",
        query.client.get_validators(height),
    )
    .await?;
    let verified = match query.verifier()? {
        Some(verifier) => Some(
            proven_chain::validators(&verifier, query.context, query.client, &view, height).await?,
        ),
        None => None,
    };
    emit(query, &view, verified, || {
        let mut table = Table::new(&["public key", "power", "collectivity"]);
        for validator in &view.validators {
            table.row(vec![
                validator.public_key.clone(),
                validator.power.clone(),
                validator
                    .collectivity
                    .map_or("-".to_owned(), |c| c.to_string()),
            ]);
        }
        format!(
            "validators at height {} (total power {})\n{}",
            view.height,
            view.total_power,
            table.render()
        )
    })
}

/// Prints `answer` as the node gave it; with `--verify`, as state answers
/// are printed: `{"answer", "verified"}`, or the text and the verified line.
fn emit<T: serde::Serialize>(
    query: &Query<'_>,
    answer: &T,
    verified: Option<Verified>,
    human: impl FnOnce() -> String,
) -> Result<(), CliError> {
    match verified {
        None => output::emit(query.context, answer, human),
        Some(verified) => query.print(answer, Some(&verified), human()),
    }
}
