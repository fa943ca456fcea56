//! The subscriptions (WebSocket only): a second trait beside the methods
//! (src/api.rs), in the same `civitas` namespace, from which jsonrpsee's macro
//! derives `CivitasSubscriptionsServer` (the node implements it and merges
//! its module with the methods') and `CivitasSubscriptionsClient`; and the
//! objects they notify.
//!
//! A subscriber that does not read its notifications fast enough is not
//! buffered without bound: the node ends its subscription with an error
//! notification ([`SLOW_SUBSCRIBER`] in its text) and the client subscribes
//! again, reading what it missed with `civitas_getHeader` or
//! `civitas_getBlocks`.

use jsonrpsee::core::SubscriptionResult;
use jsonrpsee::proc_macros::rpc;
use serde::{Deserialize, Serialize};

use crate::chain::HeaderView;
use crate::events::EventView;
use crate::views::ReceiptView;

/// Words every slow-subscriber close carries in its error notification.
pub const SLOW_SUBSCRIBER: &str = "subscriber too slow";

/// The Civitas subscriptions, namespace `civitas`: `civitas_subscribeNewHeads`
/// (notifications `civitas_newHeads`), `civitas_subscribeTransaction`
/// (`civitas_transactionStatus`) and `civitas_subscribeEvents`
/// (`civitas_events`), each ended by its `civitas_unsubscribe…` method.
#[cfg_attr(
    all(feature = "server", feature = "client"),
    rpc(server, client, namespace = "civitas")
)]
#[cfg_attr(
    all(feature = "server", not(feature = "client")),
    rpc(server, namespace = "civitas")
)]
#[cfg_attr(
    all(feature = "client", not(feature = "server")),
    rpc(client, namespace = "civitas")
)]
pub trait CivitasSubscriptions {
    /// The header of every block the node commits from now on, in height
    /// order, one notification per height.
    #[subscription(
        name = "subscribeNewHeads" => "newHeads",
        unsubscribe = "unsubscribeNewHeads",
        item = HeaderView
    )]
    async fn subscribe_new_heads(&self) -> SubscriptionResult;

    /// The status of transaction `id` (hex): first where it stands now
    /// (pending in the mempool, committed, or dropped if the node knows it
    /// nowhere), then each change until it is final — committed, with its
    /// receipt — or dropped; the subscription ends after a final status.
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for an id that is not a hash.
    #[subscription(
        name = "subscribeTransaction" => "transactionStatus",
        unsubscribe = "unsubscribeTransaction",
        item = TransactionStatus
    )]
    async fn subscribe_transaction(&self, id: String) -> SubscriptionResult;

    /// The events of the blocks committed from now on that match `filter`
    /// (all of them without one), in block and receipt order. Anonymous
    /// callers get only public events and their public fields
    /// (docs/privacy.md, "Field by field"); credentialed ones (validators,
    /// accredited auditors: a credential sent with the WebSocket upgrade,
    /// judged when they subscribe) get every event, with all its fields in
    /// [`EventView::detail`].
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for an unknown event kind (or, to an
    /// anonymous caller, one that is not public) or a malformed filter.
    #[subscription(
        name = "subscribeEvents" => "events",
        unsubscribe = "unsubscribeEvents",
        item = EventView,
        with_extensions
    )]
    async fn subscribe_events(&self, filter: Option<EventFilter>) -> SubscriptionResult;
}

/// A `civitas_transactionStatus` notification: where one transaction stands.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum TransactionStatus {
    /// In the node's mempool, waiting for a block.
    Pending {
        /// The transaction id (hex).
        id: String,
        /// The last height whose block may include it.
        expiry_height: u64,
    },
    /// In a committed block: final.
    Committed {
        /// The transaction id (hex).
        id: String,
        /// Height of the block that holds it.
        height: u64,
        /// Its position in that block, from 0.
        position: u32,
        /// What executing it did.
        receipt: ReceiptView,
    },
    /// Out of the mempool without being committed: final for this node
    /// (submit it again, with a later expiry if it expired).
    Dropped {
        /// The transaction id (hex).
        id: String,
        /// Why.
        reason: DropReason,
        /// The reason in words.
        detail: String,
    },
}

/// Why a transaction left the mempool without a block.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum DropReason {
    /// Its expiry height passed.
    Expired,
    /// The mempool removed it before its expiry: evicted to make room, or no
    /// longer admissible (another transaction used its sequence, or its keys
    /// no longer authorise its signer).
    Removed,
    /// Neither pending nor committed when the subscription started: never
    /// received, or already dropped (the node keeps no record of dropped
    /// transactions; subscribe right after submitting).
    Unknown,
}

/// Which events `civitas_subscribeEvents` notifies: each given condition
/// must hold (an event without a programme never matches `programme`).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventFilter {
    /// Event kinds (names as in [`EventView::kind`], e.g. `RecordWritten`):
    /// any of them; all public kinds if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<String>>,
    /// Only the events of this aid programme (its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programme: Option<u64>,
    /// Only the events of this energy community (its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community: Option<u64>,
    /// Only the events of this registry namespace (e.g. `permits/building`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Most kinds one filter may name.
pub const FILTER_KINDS_MAX: usize = 64;

impl EventFilter {
    /// Checks the filter for an anonymous caller: public kinds, at most
    /// [`FILTER_KINDS_MAX`].
    pub fn check(&self) -> Result<(), jsonrpsee::types::ErrorObjectOwned> {
        self.check_kinds(crate::events::PUBLIC_EVENT_KINDS, "a public event kind")
    }

    /// Checks the filter for a credentialed caller: any event kind, at most
    /// [`FILTER_KINDS_MAX`].
    pub fn check_credentialed(&self) -> Result<(), jsonrpsee::types::ErrorObjectOwned> {
        self.check_kinds(crate::events::EVENT_KINDS, "an event kind")
    }

    fn check_kinds(
        &self,
        allowed: &[&str],
        what: &str,
    ) -> Result<(), jsonrpsee::types::ErrorObjectOwned> {
        let Some(kinds) = &self.kinds else {
            return Ok(());
        };
        if kinds.len() > FILTER_KINDS_MAX {
            return Err(crate::invalid_params(
                "filter",
                &format!("at most {FILTER_KINDS_MAX} kinds"),
            ));
        }
        for kind in kinds {
            if !allowed.contains(&kind.as_str()) {
                return Err(crate::invalid_params(
                    "filter",
                    &format!(
                        "{kind:?} is not {what} (kinds are named as in docs/privacy.md, e.g. RecordWritten)"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Whether `event` passes the filter.
    pub fn matches(&self, event: &EventView) -> bool {
        self.kinds
            .as_ref()
            .is_none_or(|kinds| kinds.contains(&event.kind))
            && self
                .programme
                .is_none_or(|programme| event.programme == Some(programme))
            && self
                .community
                .is_none_or(|community| event.community == Some(community))
            && self
                .namespace
                .as_ref()
                .is_none_or(|namespace| event.namespace.as_ref() == Some(namespace))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_status_is_tagged_and_refuses_unknown_fields() {
        let status = TransactionStatus::Pending {
            id: "ab".repeat(32),
            expiry_height: 9,
        };
        let json = serde_json::to_value(&status).unwrap();
        assert_eq!(json["status"], "pending");
        assert_eq!(json["expiryHeight"], 9);
        let mut extra = json.clone();
        extra["more"] = serde_json::json!(1);
        assert!(serde_json::from_value::<TransactionStatus>(extra).is_err());
        assert_eq!(
            serde_json::from_value::<TransactionStatus>(json).unwrap(),
            status
        );
    }

    #[test]
    fn a_filter_names_public_kinds_only() {
        let filter = |kinds: &[&str]| EventFilter {
            kinds: Some(kinds.iter().map(|kind| (*kind).to_owned()).collect()),
            ..EventFilter::default()
        };
        assert!(
            filter(&["RecordWritten", "ProgrammeCreated"])
                .check()
                .is_ok()
        );
        assert!(filter(&["OrderLapsed"]).check().is_err());
        assert!(filter(&["OrderLapsed"]).check_credentialed().is_ok());
        assert!(
            filter(&["MeterReadingStolen"])
                .check_credentialed()
                .is_err()
        );
        assert!(filter(&["recordWritten"]).check().is_err());
        assert!(EventFilter::default().check().is_ok());
    }
}
