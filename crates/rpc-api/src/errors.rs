//! Error codes and the one place where failures become JSON-RPC error objects.
//!
//! The node maps every failure through these helpers, so a code means the same
//! thing in every method, and clients match on the constants. Codes are part of
//! the API: never renumbered, never reused. -32602 and -32603 are JSON-RPC's own
//! ("invalid params", "internal error"); Civitas's own codes sit in the range
//! JSON-RPC leaves to implementations (-32000 to -32099).
//!
//! The server (jsonrpsee) answers some requests before any method sees them,
//! with its own codes: -32700 (not JSON), -32600 (not a JSON-RPC request),
//! -32601 (no such method), -32007 (request larger than
//! `rpc.request_bytes_max`, HTTP 413), -32008 (answer larger than
//! `rpc.response_bytes_max`), -32006 (too many subscriptions on the
//! connection), and -32010 with id `null` and the message "The batch request
//! was too large" for a batch longer than `rpc.batch_requests_max`. That last
//! number is also [`INVALID_TRANSACTION`]'s; a submission's answer always
//! carries its request's id and a [`RejectionData`], the batch refusal
//! neither. jsonrpsee checks a batch's length before it decodes its
//! requests, which keeps a long batch cheap to refuse.

use civitas_civic::EnvelopeError;
use civitas_mempool::Rejection;
use jsonrpsee::types::ErrorObjectOwned;
use serde::{Deserialize, Serialize};

/// A parameter is not of the documented form (JSON-RPC's "invalid params").
pub const INVALID_PARAMS: i32 = -32602;
/// The node failed (its state or store is unreadable): not the caller's fault;
/// try again later or tell the node's operator (JSON-RPC's "internal error").
pub const INTERNAL_ERROR: i32 = -32603;
/// The submitted bytes are not a transaction: not hexadecimal, larger than the
/// transaction size limit, or not a canonical `SignedTransaction` encoding.
/// `data` is a [`RejectionData`].
pub const INVALID_TRANSACTION: i32 = -32010;
/// The mempool refused a well-formed transaction (signature, chain, expiry,
/// sequence, duplicate, full pool…). `data` is a [`RejectionData`].
pub const TRANSACTION_REJECTED: i32 = -32011;
/// The client's address made more requests than the node's per-address rate
/// allows (`rpc.requests_per_second_per_ip`, with a burst of
/// `rpc.request_burst_per_ip`): slow down and retry after `data.retryAfterMs`.
/// Each request of a batch counts. `data` is a [`RateLimitedData`].
pub const RATE_LIMITED: i32 = -32020;
/// The node already serves as many connections as it allows
/// (`rpc.max_connections`), or as it allows one address
/// (`rpc.max_connections_per_ip`): retry later, or reuse one connection.
/// Sent as an HTTP 503 answer before the connection is closed.
pub const TOO_MANY_CONNECTIONS: i32 = -32021;
/// The answers to a batch together exceed the response size limit
/// (`rpc.response_bytes_max`): ask for fewer in each batch.
pub const BATCH_RESPONSE_TOO_LARGE: i32 = -32022;

/// A method for credentialed callers (validators, accredited auditors),
/// called without a credential.
pub const CREDENTIAL_REQUIRED: i32 = -32030;

/// A credential the node does not accept: unknown or revoked, or sent over a
/// connection that is neither loopback nor TLS.
pub const CREDENTIAL_REFUSED: i32 = -32031;

/// The `data` of a [`RATE_LIMITED`] error: how long to wait.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimitedData {
    /// Milliseconds until the address may make one more request.
    pub retry_after_ms: u64,
}

/// A [`RATE_LIMITED`] error: the address may make `per_second` requests per
/// second on average, `burst` at once; one more is allowed after
/// `retry_after_ms`.
pub fn rate_limited(per_second: u32, burst: u32, retry_after_ms: u64) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        RATE_LIMITED,
        format!(
            "too many requests from your address: slow down to at most {per_second} per second \
             (bursts of {burst}); retry in {retry_after_ms} ms"
        ),
        Some(RateLimitedData { retry_after_ms }),
    )
}

/// A [`TOO_MANY_CONNECTIONS`] error: the node serves `max` connections already.
pub fn too_many_connections(max: u32) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        TOO_MANY_CONNECTIONS,
        format!(
            "the node already serves its {max} connections at most; close idle ones or retry later"
        ),
        None::<()>,
    )
}

/// A [`CREDENTIAL_REQUIRED`] error for `method`.
pub fn credential_required(method: &str) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        CREDENTIAL_REQUIRED,
        format!(
            "{method} is for credentialed callers (validators, accredited auditors): send `Authorization: Bearer <token>` over loopback or TLS; ask the node's operator for a token"
        ),
        None::<()>,
    )
}

/// A [`CREDENTIAL_REFUSED`] error saying `why`.
pub fn credential_refused(why: &str) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        CREDENTIAL_REFUSED,
        format!("the credential is refused: {why}"),
        None::<()>,
    )
}

/// A [`TOO_MANY_CONNECTIONS`] error for one address: it has `max` open.
pub fn too_many_connections_from_address(max: u32) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        TOO_MANY_CONNECTIONS,
        format!(
            "your address already has the {max} connections open that the node allows one address; \
             reuse one (keep-alive) or close idle ones"
        ),
        None::<()>,
    )
}

/// A [`BATCH_RESPONSE_TOO_LARGE`] error: the answers exceed `max_bytes`.
pub fn batch_response_too_large(max_bytes: u32) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        BATCH_RESPONSE_TOO_LARGE,
        format!(
            "the answers to this batch exceed the {max_bytes} bytes a response may have; \
             ask for fewer in each batch"
        ),
        None::<()>,
    )
}

/// Whose fault a refused submission is: what the submitter should do next.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum Fault {
    /// The transaction is invalid whenever it is judged: fix it (or sign it again).
    Sender,
    /// Possibly valid but not admitted now (pool full, duplicate, stale or early
    /// sequence, expired): try again later, or with the account's next sequence.
    Nobody,
    /// The node failed: try again later or tell its operator.
    Local,
}

impl From<civitas_mempool::Fault> for Fault {
    fn from(fault: civitas_mempool::Fault) -> Fault {
        match fault {
            civitas_mempool::Fault::Sender => Fault::Sender,
            civitas_mempool::Fault::Nobody => Fault::Nobody,
            civitas_mempool::Fault::Local => Fault::Local,
        }
    }
}

/// The `data` of a submission error: why the transaction was not admitted.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RejectionData {
    /// A stable name for the refusal, for programs: the mempool's `Rejection`
    /// variant (`BadSignature`, `StaleSequence`, …), `Envelope.<check>` for a failed
    /// envelope check (`Envelope.Expired`, …), or `NotHex` for a parameter that is
    /// not hexadecimal. See [`rejection_reason`].
    pub reason: String,
    /// The refusal in words, for people.
    pub detail: String,
    /// Whose fault it is.
    pub fault: Fault,
}

/// The stable reason name of a mempool rejection (see [`RejectionData::reason`]).
pub fn rejection_reason(rejection: &Rejection) -> &'static str {
    match rejection {
        Rejection::TooLarge { .. } => "TooLarge",
        Rejection::Malformed(_) => "Malformed",
        Rejection::Envelope(error) => envelope_reason(error),
        Rejection::StaleSequence { .. } => "StaleSequence",
        Rejection::TooFarAhead { .. } => "TooFarAhead",
        Rejection::Duplicate => "Duplicate",
        Rejection::BadSignature => "BadSignature",
        Rejection::AccountFull(_) => "AccountFull",
        Rejection::PoolFull => "PoolFull",
        Rejection::UnknownSignersFull(_) => "UnknownSignersFull",
        Rejection::StateUnavailable(_) => "StateUnavailable",
    }
}

fn envelope_reason(error: &EnvelopeError) -> &'static str {
    match error {
        EnvelopeError::TooLarge { .. } => "Envelope.TooLarge",
        EnvelopeError::WrongChain { .. } => "Envelope.WrongChain",
        EnvelopeError::Expired { .. } => "Envelope.Expired",
        EnvelopeError::WrongSequence { .. } => "Envelope.WrongSequence",
        EnvelopeError::NotSignedByAccountKey => "Envelope.NotSignedByAccountKey",
        EnvelopeError::MultisigNotSatisfied { .. } => "Envelope.MultisigNotSatisfied",
        EnvelopeError::Corrupt(_) => "Envelope.Corrupt",
    }
}

/// The error object for a mempool rejection: [`INVALID_TRANSACTION`] if the
/// bytes are not a transaction (too large, malformed), [`INTERNAL_ERROR`] if the
/// node failed, else [`TRANSACTION_REJECTED`]; `data` is always a [`RejectionData`].
pub fn rejection_error(rejection: &Rejection) -> ErrorObjectOwned {
    let data = RejectionData {
        reason: rejection_reason(rejection).to_owned(),
        detail: rejection.to_string(),
        fault: rejection.fault().into(),
    };
    match rejection {
        Rejection::TooLarge { .. }
        | Rejection::Malformed(_)
        | Rejection::Envelope(EnvelopeError::TooLarge { .. }) => invalid_transaction(data),
        _ if data.fault == Fault::Local => ErrorObjectOwned::owned(
            INTERNAL_ERROR,
            format!(
                "the node could not judge the transaction: {}; try again later or tell the node's operator",
                data.detail
            ),
            Some(data),
        ),
        _ => ErrorObjectOwned::owned(
            TRANSACTION_REJECTED,
            format!("transaction refused: {}", data.detail),
            Some(data),
        ),
    }
}

/// An [`INVALID_TRANSACTION`] error: the submitted parameter is not a transaction.
pub fn invalid_transaction(data: RejectionData) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        INVALID_TRANSACTION,
        format!(
            "not a transaction: {}; send the lower-case hex of the signed transaction's canonical (borsh) encoding",
            data.detail
        ),
        Some(data),
    )
}

/// An [`INVALID_PARAMS`] error: parameter `name` is not of the documented form;
/// `expected` says what it should be.
pub fn invalid_params(name: &str, expected: &str) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        INVALID_PARAMS,
        format!("invalid parameter `{name}`: {expected}"),
        None::<()>,
    )
}

/// An [`INTERNAL_ERROR`] error: the node failed while answering; `what` says
/// what failed (never secrets or client data: it reaches the client).
pub fn internal_error(what: &str) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        INTERNAL_ERROR,
        format!("the node failed: {what}; try again later or tell the node's operator"),
        None::<()>,
    )
}

/// The [`RejectionData`] of an error object, if it carries one (client side:
/// a submission error's details).
pub fn rejection_data(error: &ErrorObjectOwned) -> Option<RejectionData> {
    serde_json::from_str(error.data()?.get()).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use civitas_civic::StateFault;
    use civitas_types::{ChainId, DecodeError};

    #[test]
    fn each_kind_of_rejection_gets_its_code_reason_and_fault() {
        let cases = [
            (
                Rejection::Malformed(DecodeError::Truncated),
                INVALID_TRANSACTION,
                "Malformed",
                Fault::Sender,
            ),
            (
                Rejection::TooLarge {
                    size: 20_000,
                    limit: 16_384,
                },
                INVALID_TRANSACTION,
                "TooLarge",
                Fault::Sender,
            ),
            (
                Rejection::StateUnavailable(StateFault::Inconsistent {
                    key: "00".to_owned(),
                    reason: "test",
                }),
                INTERNAL_ERROR,
                "StateUnavailable",
                Fault::Local,
            ),
            (
                Rejection::BadSignature,
                TRANSACTION_REJECTED,
                "BadSignature",
                Fault::Sender,
            ),
            (
                Rejection::PoolFull,
                TRANSACTION_REJECTED,
                "PoolFull",
                Fault::Nobody,
            ),
            (
                Rejection::Envelope(EnvelopeError::WrongChain {
                    expected: ChainId::new("civitas-a").unwrap(),
                    found: ChainId::new("civitas-b").unwrap(),
                }),
                TRANSACTION_REJECTED,
                "Envelope.WrongChain",
                Fault::Sender,
            ),
        ];
        for (rejection, code, reason, fault) in cases {
            let error = rejection_error(&rejection);
            assert_eq!(error.code(), code, "{rejection:?}");
            let data = rejection_data(&error).expect("data");
            assert_eq!(data.reason, reason);
            assert_eq!(data.fault, fault);
            assert_eq!(data.detail, rejection.to_string());
            assert!(
                error.message().contains(&data.detail),
                "{}",
                error.message()
            );
        }
    }

    #[test]
    fn rejection_data_has_its_documented_shape() {
        let error = rejection_error(&Rejection::AccountFull(16));
        let json: serde_json::Value = serde_json::from_str(error.data().unwrap().get()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "reason": "AccountFull",
                "detail": "the account already has 16 pending transactions; wait for some to be included",
                "fault": "nobody",
            })
        );
    }

    #[test]
    fn limit_errors_have_distinct_codes_and_say_what_to_do() {
        let error = rate_limited(100, 200, 10);
        assert_eq!(error.code(), RATE_LIMITED);
        assert!(error.message().contains("slow down"), "{}", error.message());
        let data: RateLimitedData = serde_json::from_str(error.data().unwrap().get()).unwrap();
        assert_eq!(data.retry_after_ms, 10);
        let codes = [
            INVALID_PARAMS,
            INTERNAL_ERROR,
            INVALID_TRANSACTION,
            TRANSACTION_REJECTED,
            RATE_LIMITED,
            TOO_MANY_CONNECTIONS,
            BATCH_RESPONSE_TOO_LARGE,
        ];
        let distinct: std::collections::BTreeSet<i32> = codes.iter().copied().collect();
        assert_eq!(distinct.len(), codes.len());
    }

    #[test]
    fn errors_without_data_have_no_rejection_data() {
        assert_eq!(rejection_data(&invalid_params("id", "a hash")), None);
        assert_eq!(internal_error("the block store").code(), INTERNAL_ERROR);
    }
}
