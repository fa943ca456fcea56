//! The Civitas JSON-RPC API: its methods, defined once, and their JSON types.
//!
//! One trait definition, `CivitasApi` (src/api.rs), declares every method;
//! jsonrpsee's `#[rpc]` macro turns it into the `CivitasApiServer` trait the node
//! implements (feature `server`; `into_rpc()` gives the module to serve) and the
//! `CivitasApiClient` trait that every jsonrpsee client implements (feature
//! `client`, which also brings `http_client` and `ws_client`, sized for Civitas
//! answers). The
//! server itself (HTTP and WebSocket on one port) lives in the node; this crate
//! links no server and no TLS (docs/decisions/0017-json-rpc.md).
//!
//! # Methods
//! Namespace `civitas`; parameters by position or by the names shown.
//!
//! | method | parameters | result |
//! |---|---|---|
//! | `civitas_status` | — | [`Status`] |
//! | `civitas_submitTransaction` | `transaction`: hex of the canonical (borsh) bytes of a `SignedTransaction` | the transaction id (hex) |
//! | `civitas_getBlock` | `height`: number | [`BlockView`], or `null` if no block is committed at that height |
//! | `civitas_getTransaction` | `id`: transaction id (hex) | [`TransactionView`] with its receipt, or `null` if no committed transaction has that id |
//! | `civitas_getEvidence` | `offender` (optional): a consensus public key (hex); `startAfter` (optional): a previous answer's `next`; `limit` (optional): 1 to [`EVIDENCE_LIST_MAX`] (100, the default) | [`EvidenceList`]: the offences recorded in state (kind `duplicateVote`), with the height of the block that recorded each, and `next` when more follow |
//! | `civitas_getHeader` | `height` | [`HeaderView`], or `null` |
//! | `civitas_getCertificate` | `height` | [`CertificateView`] (signers' keys, signed and total power), or `null` |
//! | `civitas_getValidators` | `height` (optional; default the next to decide) | [`ValidatorsView`]: keys, powers, network keys, collectivities |
//! | `civitas_getBlocks` | `from`; `limit` (optional, 1 to [`BLOCKS_LIST_MAX`]) | [`BlockList`]: at most [`BLOCKS_LIST_BYTES_MAX`] bytes of blocks, and `next` |
//! | `civitas_getAccount` | `address`: `civ1…` | [`AccountView`]: next sequence, multisig policy, roles, delegations |
//! | `civitas_getStateProof` | `key`: hex, at most [`STATE_KEY_BYTES_MAX`] bytes | [`StateProofAnswer`]: the entry, its proof, the [`Certified`] header |
//! | `civitas_getRecord` | `namespace`, `id` | [`RecordAnswer`]: state, versions, revocation, proven entries |
//! | `civitas_getRecordByDocument` | `namespace`, `documentHash` | [`DocumentAnswer`]: where the hash is registered, or a proof that it is not |
//! | `civitas_getCollectivity` | `siren`: number | [`CollectivityAnswer`]: name, council power and account, and its officials (role grants and delegations in its scopes), each proven |
//! | `civitas_getProgramme` | `id`; `fromPeriod` (optional, default 0); `periods` (optional, 1 to [`PROGRAMME_PERIODS_MAX`], default [`PROGRAMME_PERIODS_DEFAULT`]) | [`ProgrammeAnswer`]: rules, status, money, per-period figures, proven |
//! | `civitas_getMerchant` | `programme`, `merchant`: `civ1…` | [`MerchantAnswer`]: accreditation and categories, proven (not its balance: the merchant's own data) |
//! | `civitas_getCommunity` | `id` | [`CommunityAnswer`]: rules, meter count, slots waiting to clear, proven |
//! | `civitas_getSlot` | `community`, `slot` | [`SlotAnswer`]: the slot's totals (price, volume, settlement), proven; aggregates only |
//! | `civitas_getProposal` | `id`; `votesAfter` (optional): a previous answer's `nextVotesAfter` | [`ProposalAnswer`]: action, status, power for and against, each collectivity's vote (at most [`PROPOSAL_VOTES_MAX`]), proven |
//! | `civitas_getBeneficiary` (own data) | `programme`, `beneficiary`: `civ1…`; `query` (optional): a [`SignedQuery`] by the beneficiary's key | [`BeneficiaryAnswer`]: balance, the period's orders, revocation, proven |
//! | `civitas_getMerchantBalance` (own data) | `programme`, `merchant`: `civ1…`; `query` (optional): a [`SignedQuery`] by the merchant's key | [`MerchantBalanceAnswer`]: what the merchant may redeem, proven |
//! | `civitas_getMeter` (own data) | `community`, `meter`, `fromSlot`; `slots` (optional, 1 to [`METER_SLOTS_MAX`], default [`METER_SLOTS_DEFAULT`]); `query` (optional): a [`SignedQuery`] by the meter owner's key | [`MeterAnswer`]: owner, commitment and money proven; the meter's orders, fills and readings per slot (unproven: a slot book's proof would reveal the other meters') |
//!
//! Own-data methods answer a query signed with the account's key over that
//! very question at a recent height ([`sign_query`], [`check_query`]), or a
//! credentialed caller; anyone else gets [`OWN_DATA_REFUSED`].
//!
//! docs/rpc.md shows one request and answer per method (checked against a
//! running node by `node/tests/rpc_doc.rs`).
//!
//! # Subscriptions (WebSocket)
//! A second trait, `CivitasSubscriptions` (src/subscriptions.rs), in the same
//! namespace; the node serves both traits on one module. Each subscribe
//! method answers a subscription id; notifications carry it; the matching
//! `civitas_unsubscribe…` method ends it.
//!
//! | subscribe | parameters | notifications |
//! |---|---|---|
//! | `civitas_subscribeNewHeads` | — | `civitas_newHeads`: a [`HeaderView`] per committed height, in order |
//! | `civitas_subscribeTransaction` | `id`: transaction id (hex) | `civitas_transactionStatus`: a [`TransactionStatus`] — now, then each change until committed (with its receipt) or dropped |
//! | `civitas_subscribeEvents` | `filter` (optional): an [`EventFilter`] (kinds, programme, community, namespace) | `civitas_events`: an [`EventView`] per event that matches (public ones only, without a credential) |
//!
//! Events: anonymous callers get only public events and their public fields
//! (docs/privacy.md, "Field by field"); credentialed callers get every event,
//! with all its fields in [`EventView::detail`]. A
//! subscriber that does not keep up gets an error notification containing
//! [`SLOW_SUBSCRIBER`] and its subscription ends: never an unbounded buffer.
//!
//! `rpc.discover` answers the API's OpenRPC document ([`openrpc`], feature
//! `openrpc`, which `server` enables; committed as `docs/openrpc.json`): every
//! method above with its parameters, result schema, errors and access class.
//! A method added to the trait needs its entry in [`openrpc::METHODS`]
//! (`tests/rpc.rs` fails until then).
//!
//! # Conventions
//! - Field names are camelCase; objects refuse unknown fields (a client built
//!   against this crate notices a renamed field instead of reading `null`).
//! - Hashes, ids, public keys, signatures and canonical encodings are `0x`
//!   and lower-case hexadecimal (a hash: `0x` and 64 digits), like Ethereum's
//!   JSON-RPC. Parameters accept upper-case digits and a missing prefix too
//!   ([`encoding::hex_digits`]). Accounts are `civ1…` bech32m addresses.
//! - Times are milliseconds since the Unix epoch (UTC), in fields ending `Ms`.
//! - `BlockView::block` and `TransactionView::transaction` carry the canonical
//!   bytes, so a client can check hashes and signatures itself instead of trusting
//!   the node's other fields.
//!
//! # Errors
//! Every error is a JSON-RPC error object whose `message` says what to do.
//! Codes ([`errors`]):
//!
//! | code | constant | meaning | `data` |
//! |---|---|---|---|
//! | -32602 | [`INVALID_PARAMS`] | a parameter is not of the documented form (a hash that is not 64 hex characters, …) | — |
//! | -32603 | [`INTERNAL_ERROR`] | the node failed (it cannot read its state or store): not the caller's fault | [`RejectionData`] when from a submission |
//! | -32010 | [`INVALID_TRANSACTION`] | the submitted bytes are not a transaction: not hex, too large, or not a canonical encoding | [`RejectionData`] |
//! | -32011 | [`TRANSACTION_REJECTED`] | a well-formed transaction that the mempool refused (bad signature, stale sequence, full pool…) | [`RejectionData`] |
//! | -32020 | [`errors::RATE_LIMITED`] | the client's address is over its request rate: slow down | [`errors::RateLimitedData`] (`retryAfterMs`) |
//! | -32021 | [`errors::TOO_MANY_CONNECTIONS`] | the node serves as many connections as it allows (an HTTP 503 answer, then the connection closes) | — |
//! | -32022 | [`errors::BATCH_RESPONSE_TOO_LARGE`] | the answers to a batch exceed the response size limit: ask for fewer at once | — |
//!
//! The server answers some requests with jsonrpsee's own codes before any
//! method sees them (see [`errors`]): -32700 not JSON, -32600 not a JSON-RPC
//! request, -32601 no such method, -32007 request too large (HTTP 413),
//! -32008 answer too large, -32006 too many subscriptions, and -32010 with id
//! `null` ("The batch request was too large") for a batch that is too long.
//!
//! A submission error's `data` is `{ "reason", "detail", "fault" }`: a stable
//! reason name (see [`errors::rejection_reason`]), the refusal in words, and whose
//! fault it is (`sender`: fix the transaction; `nobody`: try again later or
//! check the account's sequence; `local`: the node failed).
//!
//! # Limits
//! Every node limits what a client may ask, with defaults an operator may
//! change in the `[rpc]` section of its configuration (docs/operator-guide.md,
//! "RPC limits"); a client should stay within the defaults:
//!
//! | limit | default | beyond it |
//! |---|---|---|
//! | request body (HTTP) or message (WebSocket) | 1 MiB ([`REQUEST_BYTES_MAX`]) | -32007, HTTP 413 |
//! | answer | 24 MiB ([`RESPONSE_BYTES_MAX`]) | -32008 (a batch's answers together: -32022) |
//! | requests in one batch | 100 | -32010, id `null`, the whole batch refused |
//! | requests per second from one IP address | 100 on average, bursts of 200 (each request of a batch counts) | -32020 for each request over it, with `retryAfterMs` |
//! | connections open at once | 128, 32 from one IP address | -32021 in an HTTP 503 answer |
//! | subscriptions per WebSocket connection | 16 | -32006 |
//! | notifications waiting for one WebSocket connection | 64, for over a second (or a subscription 32 commits behind) | the subscription ends with an error notification ([`SLOW_SUBSCRIBER`]) |
//!
//! A connection must send its first request within 30 seconds. The node
//! listens on loopback unless its operator configures otherwise; the
//! per-address limits (rate, connections per address) spare loopback clients
//! unless the operator sets `rpc.per_ip_limits_for_loopback`.
//!
//! # Receipts
//! Receipt events (`ReceiptView::events`, in `civitas_getTransaction` and a
//! transaction's committed status) are [`EventView`]s with every field
//! typed ([`receipt_event`]): whoever holds a transaction id reads its whole
//! receipt (the canonical bytes are in the answer's proof), so the readable
//! copy is not filtered; scripts read the ids the chain assigned from them
//! (`orderId`, `proposalId`, `scheduleId`, `orderNumber`…). Event streams
//! are filtered (public fields only without a credential).

#[cfg(not(any(feature = "server", feature = "client")))]
compile_error!("civitas-rpc-api needs the `server` or the `client` feature (or both)");

mod account;
mod aid;
mod api;
mod chain;
mod civic_action;
#[cfg(feature = "client")]
mod client;
mod codes;
mod council;
mod encoding;
mod energy;
pub mod errors;
mod events;
mod evidence;
mod meter;
#[cfg(feature = "openrpc")]
pub mod openrpc;
mod own_data;
mod registry;
mod state;
mod subscriptions;
mod views;

pub use account::{
    ACCOUNT_ROLES_MAX, AccountEntries, AccountProofError, AccountView, DelegationView,
    MultisigView, RoleView, ScopeView, role_name, scope_view,
};
pub use aid::{
    MerchantAnswer, MerchantEntries, MerchantGrantView, MerchantProofError, MerchantStanding,
    PROGRAMME_PERIODS_DEFAULT, PROGRAMME_PERIODS_MAX, PeriodFiguresView, ProgrammeAnswer,
    ProgrammeView, merchant_scopes, period_range,
};
#[cfg(feature = "client")]
pub use api::CivitasApiClient;
#[cfg(feature = "server")]
pub use api::CivitasApiServer;
pub use api::RpcResult;
pub use chain::{
    BLOCKS_LIST_BYTES_MAX, BLOCKS_LIST_MAX, BlockList, CertificateView, CommitSignatureView,
    HeaderView, RegistryEntry, ValidatorView, ValidatorsView,
};
pub use civic_action::civic_action_view;
#[cfg(feature = "client")]
pub use client::{
    HttpClient, TrustedRoots, TrustedRootsError, WsClient, http_client, http_client_trusting,
    http_client_with_credential, ws_client, ws_client_trusting, ws_client_with_credential,
};
pub use codes::{code_name, code_reason};
pub use council::{
    ActionView, CollectivityAnswer, CollectivityView, OFFICIALS_MAX, Office, OfficialView,
    PROPOSAL_VOTES_MAX, ProposalAnswer, ProposalView, VoteView, action_view, council_power_text,
    parse_siren,
};
pub use encoding::{
    decode_transaction_hex, from_hex, hex_digits, parse_account, parse_hash, parse_public_key,
    parse_transaction_hex, to_hex,
};
pub use energy::{CommunityAnswer, CommunityView, SlotAnswer, SlotFiguresView};
pub use errors::{
    Fault, INTERNAL_ERROR, INVALID_PARAMS, INVALID_TRANSACTION, RejectionData,
    TRANSACTION_REJECTED, internal_error, invalid_params, invalid_transaction, rejection_data,
    rejection_error,
};
pub use events::{
    EVENT_KINDS, EventView, PRIVATE_EVENT_KINDS, PUBLIC_EVENT_KINDS, full_event, public_event,
    receipt_event,
};
pub use evidence::{
    EVIDENCE_LIST_MAX, EvidenceList, EvidenceQuery, EvidenceView, OffenceKind, VoteStep,
};
pub use meter::{
    METER_SLOTS_DEFAULT, METER_SLOTS_MAX, MeterAnswer, MeterOrderView, MeterReadingView,
    MeterRegistration, MeterSlotView, meter_params, side_name, slot_range,
};
pub use own_data::{
    BeneficiaryAnswer, MerchantBalanceAnswer, OWN_DATA_REFUSED, QUERY_HEIGHT_WINDOW, SignedQuery,
    beneficiary_params, check_query, merchant_balance_params, query_message, sign_query,
};
pub use registry::{
    DocumentAnswer, FieldValueView, RECORD_VERSIONS_MAX, RecordAnswer, RecordVersionView,
    RecordView, decode_document_entry, namespace_text, record_id_text,
};
pub use state::{
    Certified, InclusionProof, ProofCheckError, ProvenEntry, STATE_KEY_BYTES_MAX, StateProofAnswer,
};
#[cfg(feature = "client")]
pub use subscriptions::CivitasSubscriptionsClient;
#[cfg(feature = "server")]
pub use subscriptions::CivitasSubscriptionsServer;
pub use subscriptions::{
    DropReason, EventFilter, FILTER_KINDS_MAX, SLOW_SUBSCRIBER, TransactionStatus,
};
pub use views::{BlockView, ReceiptView, Status, TransactionView};

/// jsonrpsee's owned error object, the error of every method.
pub use jsonrpsee::types::ErrorObjectOwned;

/// The largest request a client sends and the node should accept, in bytes:
/// a submission of the largest transaction (hex, twice its 16 KiB) many times over,
/// so small batches fit.
pub const REQUEST_BYTES_MAX: u32 = 1024 * 1024;

/// The largest response, in bytes: a `getBlock` answer for the largest block
/// (its hex, twice `BLOCK_BYTES_MAX`, and the ids of all its transactions),
/// above jsonrpsee's 10 MiB default. Clients and the node must both allow it.
pub const RESPONSE_BYTES_MAX: u32 = 24 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use civitas_types::limits::{BLOCK_BYTES_MAX, BLOCK_TRANSACTIONS_MAX, TRANSACTION_BYTES_MAX};

    #[test]
    fn response_limit_fits_the_largest_block_answer() {
        // Hex doubles the bytes; each id is 64 characters, quotes and a comma.
        let block_hex = 2 * u64::from(BLOCK_BYTES_MAX);
        let ids = 67 * BLOCK_TRANSACTIONS_MAX as u64;
        let other_fields = 64 * 1024;
        assert!(u64::from(RESPONSE_BYTES_MAX) >= block_hex + ids + other_fields);
    }

    #[test]
    fn request_limit_fits_the_largest_submission() {
        assert!(REQUEST_BYTES_MAX as usize >= 8 * 2 * TRANSACTION_BYTES_MAX);
    }
}
