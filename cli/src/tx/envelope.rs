//! The envelope of a transaction: chain id, signer, sequence and expiry,
//! from the options or, for what they leave out, from the node.

use civitas_civic::Action;
use civitas_rpc_api::{CivitasApiClient, HttpClient, Status};
use civitas_types::{AccountId, BoundedBytes, ChainId, TransactionBody, encode};

use super::TxOptions;
use crate::context::Context;
use crate::exit::CliError;
use crate::node;

/// How many heights a transaction stays valid by default: long enough for
/// any wait, short enough that a forgotten transaction does not linger.
pub const DEFAULT_EXPIRY_HEIGHTS: u64 = 1_000;

/// The node, asked only for what the options leave out (so offline use
/// never touches the network).
pub struct NodeFacts<'a> {
    context: &'a Context,
    client: Option<HttpClient>,
    status: Option<Status>,
}

impl<'a> NodeFacts<'a> {
    /// Nothing asked yet.
    pub fn new(context: &'a Context) -> NodeFacts<'a> {
        NodeFacts {
            context,
            client: None,
            status: None,
        }
    }

    /// The client, made on first use.
    pub fn client(&mut self) -> Result<&HttpClient, CliError> {
        if self.client.is_none() {
            self.client = Some(node::client(self.context)?);
        }
        self.client
            .as_ref()
            .ok_or_else(|| CliError::failure("no client"))
    }

    /// The node's status, asked once.
    pub async fn status(&mut self) -> Result<&Status, CliError> {
        if self.status.is_none() {
            let context = self.context;
            let client = self.client()?;
            let status = node::call(context, "civitas_status", client.status()).await?;
            self.status = Some(status);
        }
        self.status
            .as_ref()
            .ok_or_else(|| CliError::failure("no status"))
    }
}

/// The chain id: `--chain-id`, or the node's.
pub async fn chain_id(options: &TxOptions, node: &mut NodeFacts<'_>) -> Result<ChainId, CliError> {
    match &options.chain_id {
        Some(text) => ChainId::new(text)
            .map_err(|e| CliError::usage(format!("{text:?} is not a chain id: {e}"))),
        None => {
            let text = &node.status().await?.chain_id;
            ChainId::new(text).map_err(|e| {
                CliError::failure(format!(
                    "the node's chain id {text:?} is not a chain id: {e}"
                ))
            })
        }
    }
}

/// The body of `action` signed by `signer`: `--sequence` or the account's
/// next; `--expiry-height` or the node's height plus [`DEFAULT_EXPIRY_HEIGHTS`].
pub async fn body(
    options: &TxOptions,
    node: &mut NodeFacts<'_>,
    chain_id: ChainId,
    signer: AccountId,
    action: &Action,
) -> Result<TransactionBody, CliError> {
    let sequence = match options.sequence {
        Some(sequence) => sequence,
        None => {
            let context = node.context;
            let client = node.client()?;
            let account = node::call(
                context,
                "civitas_getAccount",
                client.get_account(signer.to_string()),
            )
            .await?;
            account.next_sequence
        }
    };
    let expiry_height = match options.expiry_height {
        Some(height) => height,
        None => node
            .status()
            .await?
            .height
            .saturating_add(DEFAULT_EXPIRY_HEIGHTS),
    };
    let payload = BoundedBytes::try_from_vec(encode(action)).map_err(|bytes| {
        CliError::usage(format!(
            "the action takes {} bytes, more than a transaction carries",
            bytes.len()
        ))
    })?;
    Ok(TransactionBody {
        chain_id,
        signer,
        sequence,
        expiry_height,
        payload,
    })
}
