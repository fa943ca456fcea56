//! The subscriptions' entries (src/subscriptions.rs) in the OpenRPC
//! document, kept apart from [`super::METHODS`]: each subscribe method (its
//! result is the subscription id), its unsubscribe method, and in
//! [`NOTIFICATIONS`] the notifications a subscription sends, shown on the
//! subscribe method as `x-notification` (OpenRPC 1.2 has no notion of them).

use schemars::{JsonSchema, Schema, SchemaGenerator};

use super::table::{INTERNAL_ERROR_ERROR, INVALID_PARAMS_ERROR, RATE_LIMITED_ERROR};
use super::{Access, MethodEntry, SchemaFn, ValueEntry};
use crate::chain::HeaderView;
use crate::events::EventView;
use crate::subscriptions::{EventFilter, TransactionStatus};

/// The schema of `T`, as a [`SchemaFn`].
fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// What a subscribe method answers.
const SUBSCRIPTION_ID: ValueEntry = ValueEntry {
    name: "subscription",
    description: "The subscription's id: notifications carry it in params.subscription; pass it to the unsubscribe method to end the subscription.",
    required: true,
    schema: schema_of::<u64>,
};

/// An unsubscribe method's parameter.
const SUBSCRIPTION_PARAM: ValueEntry = ValueEntry {
    name: "subscription",
    description: "The id the subscribe method answered.",
    required: true,
    schema: schema_of::<u64>,
};

/// What an unsubscribe method answers.
const UNSUBSCRIBED: ValueEntry = ValueEntry {
    name: "unsubscribed",
    description: "Whether a subscription of that id was open on this connection and is now ended.",
    required: true,
    schema: schema_of::<bool>,
};

/// How a slow subscriber is told; shared by every subscribe method's description.
macro_rules! slow_subscriber {
    () => {
        " WebSocket only. A subscriber that does not read fast enough (more notifications waiting \
         for its connection than rpc.subscription_backlog_max, or more commits missed than the \
         node keeps) gets an error notification whose text says 'subscriber too slow', and the \
         subscription ends: subscribe again and read what was missed with civitas_getHeader or \
         civitas_getBlocks. Each connection may hold rpc.subscriptions_per_connection_max \
         subscriptions (16 by default; code -32006 beyond)."
    };
}

/// The subscribe and unsubscribe methods, in the trait's order.
pub const SUBSCRIPTIONS: &[MethodEntry] = &[
    MethodEntry {
        name: "civitas_subscribeNewHeads",
        summary: "Notifies the header of every block committed from now on.",
        description: concat!(
            "Notifications civitas_newHeads, one per height in order, each a HeaderView.",
            slow_subscriber!()
        ),
        params: &[],
        result: SUBSCRIPTION_ID,
        errors: &[INTERNAL_ERROR_ERROR, RATE_LIMITED_ERROR],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_unsubscribeNewHeads",
        summary: "Ends a civitas_subscribeNewHeads subscription.",
        description: "Answers whether the subscription was open.",
        params: &[SUBSCRIPTION_PARAM],
        result: UNSUBSCRIBED,
        errors: &[RATE_LIMITED_ERROR],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_subscribeTransaction",
        summary: "Notifies the status of one transaction until it is final.",
        description: concat!(
            "Notifications civitas_transactionStatus, each a TransactionStatus: first where the \
             transaction stands now (pending in the mempool, committed, or dropped with reason \
             unknown if the node has it nowhere), then each change, until it is committed (with \
             its receipt) or dropped (expired, or removed from the mempool); the subscription \
             ends after a final status.",
            slow_subscriber!()
        ),
        params: &[ValueEntry {
            name: "id",
            description: "The transaction id (64 hexadecimal characters), as civitas_submitTransaction answered it.",
            required: true,
            schema: schema_of::<String>,
        }],
        result: SUBSCRIPTION_ID,
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_unsubscribeTransaction",
        summary: "Ends a civitas_subscribeTransaction subscription.",
        description: "Answers whether the subscription was open.",
        params: &[SUBSCRIPTION_PARAM],
        result: UNSUBSCRIBED,
        errors: &[RATE_LIMITED_ERROR],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_subscribeEvents",
        summary: "Notifies the events of the blocks committed from now on (public ones without a credential).",
        description: concat!(
            "Notifications civitas_events, one EventView per event matching the filter, in block \
             and receipt order. Anonymous callers get only public events and their public fields \
             (docs/privacy.md, \"Field by field\"); credentialed callers (a credential sent with \
             the WebSocket upgrade, judged when they subscribe) get every event, with all its \
             fields in detail, and may filter on any kind.",
            slow_subscriber!()
        ),
        params: &[ValueEntry {
            name: "filter",
            description: "Which events: kinds (any of them), programme, community, namespace; every given condition must hold. All public events if absent.",
            required: false,
            schema: schema_of::<Option<EventFilter>>,
        }],
        result: SUBSCRIPTION_ID,
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_unsubscribeEvents",
        summary: "Ends a civitas_subscribeEvents subscription.",
        description: "Answers whether the subscription was open.",
        params: &[SUBSCRIPTION_PARAM],
        result: UNSUBSCRIBED,
        errors: &[RATE_LIMITED_ERROR],
        access: Access::Public,
    },
];

/// (subscribe method, notification method, the schema of a notification's
/// `params.result`).
pub const NOTIFICATIONS: &[(&str, &str, SchemaFn)] = &[
    (
        "civitas_subscribeNewHeads",
        "civitas_newHeads",
        schema_of::<HeaderView>,
    ),
    (
        "civitas_subscribeTransaction",
        "civitas_transactionStatus",
        schema_of::<TransactionStatus>,
    ),
    (
        "civitas_subscribeEvents",
        "civitas_events",
        schema_of::<EventView>,
    ),
];

#[cfg(test)]
mod tests {
    use super::super::{ERRORS, METHODS};
    use super::*;

    #[test]
    fn subscriptions_are_namespaced_documented_and_apart_from_the_methods() {
        for entry in SUBSCRIPTIONS {
            assert!(entry.name.starts_with("civitas_"), "{}", entry.name);
            assert!(METHODS.iter().all(|method| method.name != entry.name));
            assert!(entry.errors.contains(&RATE_LIMITED_ERROR), "{}", entry.name);
            for error in entry.errors {
                assert!(ERRORS.contains(error), "{}", entry.name);
            }
        }
        for (subscribe, notification, _) in NOTIFICATIONS {
            assert!(SUBSCRIPTIONS.iter().any(|entry| entry.name == *subscribe));
            assert!(notification.starts_with("civitas_"));
        }
    }
}
