//! The method trait: the one definition of the API, from which jsonrpsee's macro
//! derives `CivitasApiServer` (the node implements it) and `CivitasApiClient`
//! (implemented for every jsonrpsee client).

use jsonrpsee::proc_macros::rpc;
use jsonrpsee::types::ErrorObjectOwned;

use crate::account::AccountView;
use crate::aid::{MerchantAnswer, ProgrammeAnswer};
use crate::chain::{BlockList, CertificateView, HeaderView, ValidatorsView};
use crate::council::{CollectivityAnswer, ProposalAnswer};
use crate::energy::{CommunityAnswer, SlotAnswer};
use crate::evidence::EvidenceList;
use crate::meter::MeterAnswer;
use crate::own_data::{BeneficiaryAnswer, MerchantBalanceAnswer, SignedQuery};
use crate::registry::{DocumentAnswer, RecordAnswer};
use crate::state::StateProofAnswer;
use crate::views::{BlockView, Status, TransactionView};

/// What every method returns: its result, or a JSON-RPC error object
/// (codes in [`crate::errors`]). On the client side the macro turns it into
/// `Result<T, jsonrpsee::core::client::Error>`, whose `Call` variant carries the
/// node's error object.
pub type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// The Civitas JSON-RPC methods, namespace `civitas` (method names
/// `civitas_status`, `civitas_submitTransaction`, `civitas_getBlock`,
/// `civitas_getTransaction`, `civitas_getEvidence`, `civitas_getHeader`,
/// `civitas_getCertificate`, `civitas_getValidators`, `civitas_getBlocks`,
/// `civitas_getAccount`, `civitas_getStateProof`, `civitas_getRecord`,
/// `civitas_getRecordByDocument`, `civitas_getCollectivity`,
/// `civitas_getProgramme`, `civitas_getMerchant`, `civitas_getCommunity`,
/// `civitas_getSlot`, `civitas_getProposal`, and the own-data methods
/// `civitas_getBeneficiary`, `civitas_getMerchantBalance`,
/// `civitas_getMeter`).
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
pub trait CivitasApi {
    /// The node's view of the chain: height, last block, whether it is catching
    /// up, its versions and its validator key.
    #[method(name = "status")]
    async fn status(&self) -> RpcResult<Status>;

    /// Submits a transaction, given as the hex of its canonical encoding, to the
    /// node's mempool; returns its id (hex) once admitted. Admission is not
    /// inclusion: poll `getTransaction` with the id for the receipt.
    ///
    /// Errors: [`crate::INVALID_TRANSACTION`] if the bytes are not a transaction,
    /// [`crate::TRANSACTION_REJECTED`] if the mempool refused it, both with a
    /// [`crate::RejectionData`] in `data`.
    #[method(name = "submitTransaction")]
    async fn submit_transaction(&self, transaction: String) -> RpcResult<String>;

    /// The committed block at `height` (from 1), or `null` if there is none yet.
    #[method(name = "getBlock")]
    async fn get_block(&self, height: u64) -> RpcResult<Option<BlockView>>;

    /// The committed transaction with id `id` (hex) and its receipt, or `null` if
    /// no committed block holds it (pending transactions are not shown).
    #[method(name = "getTransaction")]
    async fn get_transaction(&self, id: String) -> RpcResult<Option<TransactionView>>;

    /// The offences of validators recorded in the state of the last committed
    /// height (the council's view: one record per offence), in state-key order:
    /// all of them, or `offender`'s (a consensus public key, hex) only; at most
    /// `limit` (1 to [`crate::EVIDENCE_LIST_MAX`], the default), after the key
    /// `startAfter` (a previous answer's `next`).
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for a malformed key or cursor, or a
    /// limit out of range.
    #[method(name = "getEvidence")]
    async fn get_evidence(
        &self,
        offender: Option<String>,
        #[argument(rename = "startAfter")] start_after: Option<String>,
        limit: Option<u32>,
    ) -> RpcResult<EvidenceList>;

    /// The header of the committed block at `height` (from 1), or `null` if
    /// there is none yet.
    #[method(name = "getHeader")]
    async fn get_header(&self, height: u64) -> RpcResult<Option<HeaderView>>;

    /// The quorum certificate that made block `height` final, with the
    /// signers' keys and power, or `null` if the node holds none for it.
    #[method(name = "getCertificate")]
    async fn get_certificate(&self, height: u64) -> RpcResult<Option<CertificateView>>;

    /// The validator set in force at `height` (default: the next height to
    /// decide), with each validator's power, network key and collectivity.
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for a height before the chain's
    /// first or beyond the next one to decide.
    #[method(name = "getValidators")]
    async fn get_validators(&self, height: Option<u64>) -> RpcResult<ValidatorsView>;

    /// Committed blocks from `from` on, in order: at most `limit` (1 to
    /// [`crate::BLOCKS_LIST_MAX`], the default) and at most
    /// [`crate::BLOCKS_LIST_BYTES_MAX`] bytes of blocks (the first always);
    /// fewer, or none, past the last committed height; `next` says where to
    /// go on when the answer stopped short of it.
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for a limit out of range.
    #[method(name = "getBlocks")]
    async fn get_blocks(&self, from: u64, limit: Option<u32>) -> RpcResult<BlockList>;

    /// What the chain knows of account `address` (`civ1…`) at the last
    /// committed height: its next sequence, multisig policy, roles and
    /// delegations. An account that never appeared has sequence 0 and empty lists.
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for an address that is not `civ1…`.
    #[method(name = "getAccount")]
    async fn get_account(&self, address: String) -> RpcResult<AccountView>;

    /// The state entry of raw key `key` (hex, at most
    /// [`crate::STATE_KEY_BYTES_MAX`] bytes) at the last committed height, with
    /// its proof (of presence or absence) and the certified header it checks
    /// against.
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for a key that is not hex or too
    /// long; [`crate::INTERNAL_ERROR`] before the first block.
    #[method(name = "getStateProof")]
    async fn get_state_proof(&self, key: String) -> RpcResult<StateProofAnswer>;

    /// Registry record `id` of `namespace` (e.g. `permits/building`): its
    /// current state, its versions and revocation, each entry with its proof
    /// and the certified header; `record` is `null` (with a proof of absence)
    /// if there is no such record.
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for a malformed namespace or id.
    #[method(name = "getRecord")]
    async fn get_record(&self, namespace: String, id: String) -> RpcResult<RecordAnswer>;

    /// Where document hash `documentHash` (hex) is registered in `namespace`:
    /// the record and version, proven, or a proof that it is registered
    /// nowhere in the namespace.
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for a malformed namespace or hash.
    #[method(name = "getRecordByDocument")]
    async fn get_record_by_document(
        &self,
        namespace: String,
        #[argument(rename = "documentHash")] document_hash: String,
    ) -> RpcResult<DocumentAnswer>;

    /// Council member `siren` (a SIREN, nine digits): its name, council
    /// power and council account, and its officials (role grants and
    /// delegations in its scopes, merchants excepted, at most
    /// [`crate::OFFICIALS_MAX`]), each entry proven; `collectivity` is
    /// `null` (with a proof of absence, and no officials) if it is not a member.
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for a number that is not a SIREN.
    #[method(name = "getCollectivity")]
    async fn get_collectivity(&self, siren: u32) -> RpcResult<CollectivityAnswer>;

    /// Aid programme `id`: its rules, status and money, and its figures for
    /// `periods` periods (1 to [`crate::PROGRAMME_PERIODS_MAX`], default
    /// [`crate::PROGRAMME_PERIODS_DEFAULT`]) from `fromPeriod` (default 0),
    /// each proven; `programme` is `null` (with a proof of absence) if there
    /// is no such programme.
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for a period count out of range.
    #[method(name = "getProgramme")]
    async fn get_programme(
        &self,
        id: u64,
        #[argument(rename = "fromPeriod")] from_period: Option<u64>,
        periods: Option<u32>,
    ) -> RpcResult<ProgrammeAnswer>;

    /// Whether `merchant` (`civ1…`) is accredited for aid programme
    /// `programme`, in which categories, proven. Its balance is its own
    /// data, not served here.
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for an address that is not `civ1…`.
    #[method(name = "getMerchant")]
    async fn get_merchant(&self, programme: u64, merchant: String) -> RpcResult<MerchantAnswer>;

    /// Energy community `id`: its rules, meter count and slots waiting to
    /// clear, proven; `community` is `null` (with a proof of absence) if
    /// there is no such community.
    #[method(name = "getCommunity")]
    async fn get_community(&self, id: u64) -> RpcResult<CommunityAnswer>;

    /// Slot `slot` of energy community `community`: its public totals
    /// (clearing price, volume, settlement), proven; `figures` is `null`
    /// (with a proof of absence) until the slot clears.
    #[method(name = "getSlot")]
    async fn get_slot(&self, community: u64, slot: u64) -> RpcResult<SlotAnswer>;

    /// Council proposal `id`: its action, status, power for and against, and
    /// each collectivity's vote (at most [`crate::PROPOSAL_VOTES_MAX`], after
    /// the vote of SIREN `votesAfter`, a previous answer's `nextVotesAfter`),
    /// proven; `proposal` is `null` (with a proof of absence) if there is no
    /// such proposal.
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for a `votesAfter` that is not a SIREN.
    #[method(name = "getProposal")]
    async fn get_proposal(
        &self,
        id: u64,
        #[argument(rename = "votesAfter")] votes_after: Option<u32>,
    ) -> RpcResult<ProposalAnswer>;

    /// A beneficiary's standing in a programme (balance to spend, the
    /// period's orders, revocation), proven: the beneficiary's own data,
    /// answered to a `query` signed with its key (see
    /// [`crate::sign_query`]) or to a credentialed caller.
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for a malformed address;
    /// [`crate::OWN_DATA_REFUSED`] without a valid signed query or credential.
    #[method(name = "getBeneficiary", with_extensions)]
    async fn get_beneficiary(
        &self,
        programme: u64,
        beneficiary: String,
        query: Option<SignedQuery>,
    ) -> RpcResult<BeneficiaryAnswer>;

    /// What a merchant may redeem in a programme (received from
    /// beneficiaries' spending, not yet redeemed), proven: the merchant's own
    /// data (a sole trader's income), answered to a `query` signed with its
    /// key or to a credentialed caller.
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for a malformed address;
    /// [`crate::OWN_DATA_REFUSED`] without a valid signed query or credential.
    #[method(name = "getMerchantBalance", with_extensions)]
    async fn get_merchant_balance(
        &self,
        programme: u64,
        merchant: String,
        query: Option<SignedQuery>,
    ) -> RpcResult<MerchantBalanceAnswer>;

    /// Meter `meter` of energy community `community`: its owner, commitment
    /// and the owner's money in the community (proven), and its orders,
    /// fills and readings in `slots` slots (1 to [`crate::METER_SLOTS_MAX`],
    /// default [`crate::METER_SLOTS_DEFAULT`]) from `fromSlot` (unproven: a
    /// slot book holds every meter's). The owner's own data, answered to a
    /// `query` signed with the owner's key or to a credentialed caller; a
    /// meter that is not registered is answered to anyone (`registration`
    /// `null`, with a proof of absence).
    ///
    /// Errors: [`crate::INVALID_PARAMS`] for a slot count out of range;
    /// [`crate::OWN_DATA_REFUSED`] without a valid signed query or credential.
    #[method(name = "getMeter", with_extensions)]
    async fn get_meter(
        &self,
        community: u64,
        meter: u64,
        #[argument(rename = "fromSlot")] from_slot: u64,
        slots: Option<u32>,
        query: Option<SignedQuery>,
    ) -> RpcResult<MeterAnswer>;
}
