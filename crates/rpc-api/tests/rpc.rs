//! The API end to end: a real jsonrpsee server on a loopback port, serving a
//! small in-test implementation of `CivitasApiServer`, called through the
//! generated client over both HTTP and WebSocket.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::net::SocketAddr;

use civitas_mempool::Rejection;
use civitas_rpc_api::{
    AccountView, BlockList, CertificateView, Certified, CollectivityAnswer, CommunityAnswer,
    DocumentAnswer, HeaderView, MerchantAnswer, ProgrammeAnswer, ProposalAnswer, ProvenEntry,
    RecordAnswer, SlotAnswer, StateProofAnswer, ValidatorsView,
};
use civitas_rpc_api::{
    BlockView, CivitasApiClient, CivitasApiServer, ErrorObjectOwned, EvidenceList, EvidenceQuery,
    Fault, INVALID_PARAMS, INVALID_TRANSACTION, REQUEST_BYTES_MAX, RESPONSE_BYTES_MAX,
    RejectionData, RpcResult, Status, TRANSACTION_REJECTED, TransactionView,
    decode_transaction_hex, http_client, internal_error, parse_hash, rejection_data,
    rejection_error, to_hex, ws_client,
};
use civitas_types::{AccountId, PROTOCOL_VERSION, SignedTransaction, StateProof, encode};
use jsonrpsee::core::client::{ClientT, Error as ClientError};
use jsonrpsee::core::params::{ArrayParams, ObjectParams};
use jsonrpsee::server::{Server, ServerConfig, ServerHandle};

/// A node with one committed block and one recorded offence, answering
/// from memory.
struct FakeNode {
    status: Status,
    block: BlockView,
    transaction: TransactionView,
    state: civitas_civic::MemoryState,
    header: HeaderView,
    certificate: CertificateView,
    validators: ValidatorsView,
    account: AccountView,
}

impl FakeNode {
    fn new() -> FakeNode {
        let block = common::block();
        let transaction = block.transactions[0].clone();
        let view = TransactionView::from_parts(
            transaction.id(),
            1,
            0,
            &transaction,
            &common::receipt(&transaction),
        );
        FakeNode {
            status: Status {
                chain_id: block.header.chain_id.to_string(),
                genesis_hash: to_hex(block.header.previous_block_hash),
                height: 1,
                last_block_hash: Some(to_hex(block.hash())),
                last_block_time_ms: Some(block.header.time_ms),
                catching_up: false,
                node_version: "0.1.0".to_owned(),
                protocol_version: PROTOCOL_VERSION,
                validator_address: Some(to_hex(common::signer().public_key())),
            },
            block: BlockView::from_block(&block, Some(&common::certificate(&block, 2))),
            transaction: view,
            state: common::evidence_state(),
            header: HeaderView::from_header(&block.header),
            certificate: CertificateView::from_certificate(
                &common::certificate(&block, 2),
                &common::validator_set(),
            ),
            validators: ValidatorsView::from_set(
                2,
                &common::validator_set(),
                &[(
                    common::signer().public_key(),
                    common::signer().public_key(),
                    219_900_016,
                )],
            ),
            account: AccountView::from_entries(
                &AccountId::from_public_key(&common::signer().public_key()),
                1,
                &common::account_entries(),
                None,
            )
            .unwrap(),
        }
    }
}

impl FakeNode {
    /// The fixture block's header and certificate.
    fn certified(&self) -> Certified {
        Certified {
            header: self.header.clone(),
            certificate: self.certificate.clone(),
        }
    }
}

/// `key` absent from the empty state (an empty proof).
fn absent(key: &[u8]) -> ProvenEntry {
    ProvenEntry::new(
        key,
        None,
        &StateProof {
            steps: Default::default(),
            leaf: None,
        },
    )
}

#[jsonrpsee::core::async_trait]
impl CivitasApiServer for FakeNode {
    async fn status(&self) -> RpcResult<Status> {
        Ok(self.status.clone())
    }

    async fn submit_transaction(&self, transaction: String) -> RpcResult<String> {
        // The node's order: parse at the RPC layer, judge in the mempool (here: signatures only).
        let transaction: SignedTransaction = decode_transaction_hex(&transaction)?;
        if transaction.verify_signatures().is_err() {
            return Err(rejection_error(&Rejection::BadSignature));
        }
        Ok(to_hex(transaction.id()))
    }

    async fn get_block(&self, height: u64) -> RpcResult<Option<BlockView>> {
        Ok((height == self.block.height).then(|| self.block.clone()))
    }

    async fn get_transaction(&self, id: String) -> RpcResult<Option<TransactionView>> {
        let id = parse_hash("id", &id)?;
        Ok((to_hex(id) == self.transaction.id).then(|| self.transaction.clone()))
    }

    async fn get_evidence(
        &self,
        offender: Option<String>,
        start_after: Option<String>,
        limit: Option<u32>,
    ) -> RpcResult<EvidenceList> {
        let query = EvidenceQuery::parse(offender.as_deref(), start_after.as_deref(), limit)?;
        EvidenceList::from_entries(1, &common::scan(&self.state, &query), &query)
            .map_err(|_| internal_error("a stored evidence record does not decode"))
    }

    async fn get_header(&self, height: u64) -> RpcResult<Option<HeaderView>> {
        Ok((height == 1).then(|| self.header.clone()))
    }

    async fn get_certificate(&self, height: u64) -> RpcResult<Option<CertificateView>> {
        Ok((height == 1).then(|| self.certificate.clone()))
    }

    async fn get_validators(&self, height: Option<u64>) -> RpcResult<ValidatorsView> {
        match height {
            None | Some(1 | 2) => Ok(ValidatorsView {
                height: height.unwrap_or(2),
                ..self.validators.clone()
            }),
            Some(_) => Err(civitas_rpc_api::invalid_params(
                "height",
                "beyond the next height",
            )),
        }
    }

    async fn get_blocks(&self, from: u64, limit: Option<u32>) -> RpcResult<BlockList> {
        if limit.is_some_and(|l| l == 0 || l > civitas_rpc_api::BLOCKS_LIST_MAX) {
            return Err(civitas_rpc_api::invalid_params("limit", "1 to 32"));
        }
        let blocks = if from <= 1 {
            vec![self.block.clone()]
        } else {
            Vec::new()
        };
        Ok(BlockList { blocks, next: None })
    }

    async fn get_state_proof(&self, key: String) -> RpcResult<StateProofAnswer> {
        let key = hex::decode(&key).map_err(|_| civitas_rpc_api::invalid_params("key", "hex"))?;
        Ok(StateProofAnswer {
            entry: absent(&key),
            certified: self.certified(),
        })
    }

    async fn get_record(&self, namespace: String, id: String) -> RpcResult<RecordAnswer> {
        Ok(RecordAnswer {
            namespace,
            id: id.clone(),
            height: 1,
            record: None,
            versions: Vec::new(),
            versions_omitted: 0,
            entries: vec![absent(id.as_bytes())],
            certified: self.certified(),
        })
    }

    async fn get_record_by_document(
        &self,
        namespace: String,
        document_hash: String,
    ) -> RpcResult<DocumentAnswer> {
        let hash = parse_hash("documentHash", &document_hash)?;
        Ok(DocumentAnswer {
            namespace,
            document_hash: to_hex(hash),
            registered: false,
            version: None,
            entry: absent(&hash.0),
            record: None,
            certified: self.certified(),
        })
    }

    async fn get_account(&self, address: String) -> RpcResult<AccountView> {
        let account = civitas_rpc_api::parse_account("address", &address)?;
        Ok(if account.to_string() == self.account.address {
            self.account.clone()
        } else {
            AccountView::from_entries(
                &account,
                1,
                &civitas_rpc_api::AccountEntries::default(),
                None,
            )
            .unwrap()
        })
    }

    // The civic reads: the fake state is empty, so every answer is an
    // absence, proven by the empty proof.
    async fn get_collectivity(&self, siren: u32) -> RpcResult<CollectivityAnswer> {
        let siren = civitas_rpc_api::parse_siren("siren", siren)?;
        Ok(CollectivityAnswer {
            siren: siren.0,
            height: 1,
            collectivity: None,
            officials: Vec::new(),
            officials_omitted: 0,
            entries: vec![absent(&civitas_civic::keys::collectivity(&siren))],
            certified: self.certified(),
        })
    }

    async fn get_programme(
        &self,
        id: u64,
        from_period: Option<u64>,
        periods: Option<u32>,
    ) -> RpcResult<ProgrammeAnswer> {
        civitas_rpc_api::period_range(from_period, periods)?;
        Ok(ProgrammeAnswer {
            id,
            height: 1,
            programme: None,
            periods: Vec::new(),
            entries: vec![absent(&civitas_civic::keys::programme(id))],
            certified: self.certified(),
        })
    }

    async fn get_merchant(&self, programme: u64, merchant: String) -> RpcResult<MerchantAnswer> {
        let merchant = civitas_rpc_api::parse_account("merchant", &merchant)?;
        Ok(MerchantAnswer {
            programme,
            merchant: merchant.to_string(),
            height: 1,
            accredited: false,
            grants: Vec::new(),
            accepted_categories: Vec::new(),
            entries: vec![absent(&civitas_civic::keys::programme(programme))],
            certified: self.certified(),
        })
    }

    async fn get_community(&self, id: u64) -> RpcResult<CommunityAnswer> {
        Ok(CommunityAnswer {
            id,
            height: 1,
            community: None,
            entries: vec![absent(&civitas_civic::keys::community(id))],
            certified: self.certified(),
        })
    }

    async fn get_slot(&self, community: u64, slot: u64) -> RpcResult<SlotAnswer> {
        Ok(SlotAnswer {
            community,
            slot,
            height: 1,
            figures: None,
            entries: vec![absent(&civitas_civic::keys::slot_figures(community, slot))],
            certified: self.certified(),
        })
    }

    async fn get_proposal(&self, id: u64, votes_after: Option<u32>) -> RpcResult<ProposalAnswer> {
        if let Some(after) = votes_after {
            civitas_rpc_api::parse_siren("votesAfter", after)?;
        }
        Ok(ProposalAnswer {
            id,
            height: 1,
            proposal: None,
            council_power: "0".to_owned(),
            votes: Vec::new(),
            next_votes_after: None,
            entries: vec![absent(&civitas_civic::keys::proposal(id))],
            certified: self.certified(),
        })
    }

    async fn get_beneficiary(
        &self,
        _ext: &jsonrpsee::Extensions,
        programme: u64,
        beneficiary: String,
        query: Option<civitas_rpc_api::SignedQuery>,
    ) -> RpcResult<civitas_rpc_api::BeneficiaryAnswer> {
        let account = civitas_rpc_api::parse_account("beneficiary", &beneficiary)?;
        civitas_rpc_api::check_query(
            &account,
            query.as_ref(),
            &self.status.chain_id,
            "civitas_getBeneficiary",
            &civitas_rpc_api::beneficiary_params(programme, &account),
            self.status.height,
        )?;
        Ok(civitas_rpc_api::BeneficiaryAnswer::from_entry(
            programme,
            &account,
            None,
            absent(&account.0),
            self.certified(),
        )
        .unwrap())
    }

    async fn get_merchant_balance(
        &self,
        _ext: &jsonrpsee::Extensions,
        programme: u64,
        merchant: String,
        query: Option<civitas_rpc_api::SignedQuery>,
    ) -> RpcResult<civitas_rpc_api::MerchantBalanceAnswer> {
        let account = civitas_rpc_api::parse_account("merchant", &merchant)?;
        civitas_rpc_api::check_query(
            &account,
            query.as_ref(),
            &self.status.chain_id,
            "civitas_getMerchantBalance",
            &civitas_rpc_api::merchant_balance_params(programme, &account),
            self.status.height,
        )?;
        Ok(civitas_rpc_api::MerchantBalanceAnswer::from_entry(
            programme,
            &account,
            None,
            absent(&account.0),
            self.certified(),
        )
        .unwrap())
    }

    async fn get_meter(
        &self,
        _ext: &jsonrpsee::Extensions,
        community: u64,
        meter: u64,
        from_slot: u64,
        slots: Option<u32>,
        _query: Option<civitas_rpc_api::SignedQuery>,
    ) -> RpcResult<civitas_rpc_api::MeterAnswer> {
        civitas_rpc_api::slot_range(from_slot, slots)?;
        Ok(civitas_rpc_api::MeterAnswer {
            community,
            meter,
            height: 1,
            registration: None,
            slots: Vec::new(),
            entries: vec![absent(&civitas_civic::keys::meter(community, meter))],
            certified: self.certified(),
        })
    }
}

async fn start(node: FakeNode) -> (SocketAddr, ServerHandle) {
    let config = ServerConfig::builder()
        .max_request_body_size(REQUEST_BYTES_MAX)
        .max_response_body_size(RESPONSE_BYTES_MAX)
        .build();
    let server = Server::builder()
        .set_config(config)
        .build("127.0.0.1:0")
        .await
        .unwrap();
    let address = server.local_addr().unwrap();
    (address, server.start(module(node)))
}

/// The node's module: the traits' methods and subscriptions and
/// `rpc.discover`, as the node serves them.
fn module(node: FakeNode) -> jsonrpsee::RpcModule<FakeNode> {
    use civitas_rpc_api::CivitasSubscriptionsServer;
    let mut module = node.into_rpc();
    let subscriptions = FakeSubscriptions {
        node: FakeNode::new(),
    };
    module.merge(subscriptions.into_rpc()).unwrap();
    civitas_rpc_api::openrpc::register_discover(&mut module).unwrap();
    module
}

/// The error object of a failed call.
fn call_error<T: std::fmt::Debug>(result: Result<T, ClientError>) -> ErrorObjectOwned {
    match result {
        Err(ClientError::Call(error)) => error,
        other => panic!("expected a JSON-RPC error object, got {other:?}"),
    }
}

/// Calls every method through `client` and checks answers and errors.
async fn exercise<C: CivitasApiClient + ClientT + Sync>(client: &C, expected: &FakeNode) {
    assert_eq!(client.status().await.unwrap(), expected.status);

    assert_eq!(
        client.get_block(1).await.unwrap(),
        Some(expected.block.clone())
    );
    assert_eq!(client.get_block(2).await.unwrap(), None);
    let block = expected.block.decode_block().unwrap();
    assert_eq!(to_hex(block.hash()), expected.block.hash);

    let id = expected.transaction.id.clone();
    assert_eq!(
        client.get_transaction(id.clone()).await.unwrap(),
        Some(expected.transaction.clone())
    );
    assert_eq!(client.get_transaction("00".repeat(32)).await.unwrap(), None);
    let bad_id = call_error(client.get_transaction(format!("0x{id}")).await);
    assert_eq!(bad_id.code(), INVALID_PARAMS);
    assert!(bad_id.message().contains("0x"), "{}", bad_id.message());

    let transaction = common::transaction(7);
    let submitted = client
        .submit_transaction(to_hex(encode(&transaction)))
        .await
        .unwrap();
    assert_eq!(submitted, to_hex(transaction.id()));

    // A mempool rejection: its code and the data object.
    let mut forged = transaction.clone();
    forged.body.sequence = 8;
    let rejected = call_error(client.submit_transaction(to_hex(encode(&forged))).await);
    assert_eq!(rejected.code(), TRANSACTION_REJECTED);
    assert_eq!(
        rejection_data(&rejected),
        Some(RejectionData {
            reason: "BadSignature".to_owned(),
            detail: "a signature does not verify".to_owned(),
            fault: Fault::Sender,
        })
    );

    // Bytes that are not a transaction.
    for (text, reason) in [("not hex", "NotHex"), ("00", "Malformed")] {
        let invalid = call_error(client.submit_transaction(text.to_owned()).await);
        assert_eq!(invalid.code(), INVALID_TRANSACTION, "{text}");
        assert_eq!(rejection_data(&invalid).unwrap().reason, reason);
        assert!(invalid.message().contains("hex"), "{}", invalid.message());
    }

    // Evidence: all, by offender, paged, refused parameters.
    let offender = to_hex(common::signer().public_key());
    let all = client.get_evidence(None, None, None).await.unwrap();
    assert_eq!(all.offences.len(), 1);
    assert_eq!(all.offences[0].offender, offender);
    assert_eq!(all.next, None);
    let one = client
        .get_evidence(Some(offender.clone()), None, Some(1))
        .await
        .unwrap();
    assert_eq!(one, all);
    let none = client
        .get_evidence(Some("ab".repeat(32)), None, None)
        .await
        .unwrap();
    assert!(none.offences.is_empty());
    let after = client
        .get_evidence(None, Some(all.offences[0].key.clone()), None)
        .await
        .unwrap();
    assert!(after.offences.is_empty());
    let too_many = call_error(client.get_evidence(None, None, Some(101)).await);
    assert_eq!(too_many.code(), INVALID_PARAMS);
    assert!(too_many.message().contains("100"), "{}", too_many.message());
    let bad_key = call_error(
        client
            .get_evidence(Some(format!("0x{offender}")), None, None)
            .await,
    );
    assert_eq!(bad_key.code(), INVALID_PARAMS);

    // Parameters by name, under the documented method name; optional ones left out.
    let mut params = ObjectParams::new();
    params.insert("offender", &offender).unwrap();
    let by_name: EvidenceList = client.request("civitas_getEvidence", params).await.unwrap();
    assert_eq!(by_name, all);
    let mut params = ObjectParams::new();
    params.insert("startAfter", &all.offences[0].key).unwrap();
    let by_name: EvidenceList = client.request("civitas_getEvidence", params).await.unwrap();
    assert!(by_name.offences.is_empty());
    let positional: EvidenceList = client
        .request("civitas_getEvidence", ArrayParams::new())
        .await
        .unwrap();
    assert_eq!(positional, all);

    // Chain records: header, certificate, validators, blocks.
    let header = client.get_header(1).await.unwrap().unwrap();
    assert_eq!(header, expected.header);
    assert_eq!(to_hex(header.decode_header().unwrap().hash()), header.hash);
    assert_eq!(header.hash, expected.block.hash);
    assert_eq!(client.get_header(2).await.unwrap(), None);
    let certificate = client.get_certificate(1).await.unwrap().unwrap();
    assert_eq!(certificate.block_hash, expected.block.hash);
    assert_eq!(
        certificate.signatures[0].validator,
        Some(to_hex(common::signer().public_key()))
    );
    assert_eq!(
        (
            certificate.signed_power.as_str(),
            certificate.total_power.as_str()
        ),
        ("10", "10")
    );
    assert_eq!(certificate.decode_certificate().unwrap().round, 2);
    let validators = client.get_validators(None).await.unwrap();
    assert_eq!(validators.validators[0].power, "10");
    assert_eq!(validators.validators[0].collectivity, Some(219_900_016));
    assert_eq!(validators.hash, to_hex(common::validator_set().hash()));
    let beyond = call_error(client.get_validators(Some(9)).await);
    assert_eq!(beyond.code(), INVALID_PARAMS);
    assert_eq!(
        client.get_blocks(1, None).await.unwrap().blocks,
        vec![expected.block.clone()]
    );
    assert!(
        client
            .get_blocks(2, Some(5))
            .await
            .unwrap()
            .blocks
            .is_empty()
    );
    let zero = call_error(client.get_blocks(1, Some(0)).await);
    assert_eq!(zero.code(), INVALID_PARAMS);

    // An account: sequence, roles, delegations; a stranger's is empty.
    let account = client
        .get_account(expected.account.address.clone())
        .await
        .unwrap();
    assert_eq!(account.next_sequence, 3);
    assert_eq!(account.roles[0].role, "aidAdministrator");
    assert_eq!(account.roles[0].scope.collectivity, Some(219_900_016));
    assert_eq!(account.delegations[0].role, "registrar");
    assert_eq!(
        account.delegations[0].scope.namespace.as_deref(),
        Some("permits/building")
    );
    let stranger = AccountId([9; 32]).to_string();
    let empty = client.get_account(stranger).await.unwrap();
    assert_eq!((empty.next_sequence, empty.roles.len()), (0, 0));
    let not_an_address = call_error(client.get_account("bob".to_owned()).await);
    assert_eq!(not_an_address.code(), INVALID_PARAMS);
    assert!(
        not_an_address.message().contains("civ1"),
        "{}",
        not_an_address.message()
    );

    // Parameters by name, under the documented method name.
    let mut params = ObjectParams::new();
    params.insert("height", 1).unwrap();
    let by_name: Option<BlockView> = client.request("civitas_getBlock", params).await.unwrap();
    assert_eq!(by_name, Some(expected.block.clone()));
}

#[tokio::test]
async fn every_method_round_trips_over_http_and_websocket() {
    let (address, handle) = start(FakeNode::new()).await;
    let expected = FakeNode::new();

    let http = http_client(&format!("http://{address}")).unwrap();
    exercise(&http, &expected).await;

    let ws = ws_client(&format!("ws://{address}")).await.unwrap();
    exercise(&ws, &expected).await;

    handle.stop().unwrap();
    handle.stopped().await;
}

#[tokio::test]
async fn a_response_with_an_unknown_field_is_refused() {
    let mut module = jsonrpsee::RpcModule::new(());
    module
        .register_method("civitas_status", |_, _, _| {
            let mut status = serde_json::to_value(FakeNode::new().status).unwrap();
            status["peers"] = serde_json::json!(3);
            Ok::<_, ErrorObjectOwned>(status)
        })
        .unwrap();
    let server = Server::builder().build("127.0.0.1:0").await.unwrap();
    let address = server.local_addr().unwrap();
    let handle = server.start(module);

    let client = http_client(&format!("http://{address}")).unwrap();
    match client.status().await {
        Err(ClientError::ParseError(error)) => {
            assert!(
                error.to_string().contains("unknown field `peers`"),
                "{error}"
            );
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    handle.stop().unwrap();
}

#[test]
fn the_served_methods_are_the_documented_ones() {
    use civitas_rpc_api::openrpc::{DISCOVER_METHOD, METHODS, SUBSCRIPTIONS};
    use std::collections::BTreeSet;

    let served: BTreeSet<&str> = module(FakeNode::new()).method_names().collect();
    let mut documented: BTreeSet<&str> = METHODS
        .iter()
        .chain(SUBSCRIPTIONS)
        .map(|method| method.name)
        .collect();
    documented.insert(DISCOVER_METHOD);
    let undocumented: Vec<&&str> = served.difference(&documented).collect();
    let unserved: Vec<&&str> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && unserved.is_empty(),
        "the trait (src/api.rs) and the OpenRPC table (src/openrpc/table.rs, METHODS) disagree: \
         served but not documented {undocumented:?}, documented but not served {unserved:?}; \
         add each method's entry to METHODS from its doc comment (wire names of its \
         parameters, result, errors, access class), then regenerate docs/openrpc.json \
         (see tests/openrpc.rs)"
    );
}

#[tokio::test]
async fn rpc_discover_answers_the_openrpc_document() {
    let (address, handle) = start(FakeNode::new()).await;
    let client = http_client(&format!("http://{address}")).unwrap();
    let document: serde_json::Value = client
        .request("rpc.discover", ArrayParams::new())
        .await
        .unwrap();
    assert_eq!(document, civitas_rpc_api::openrpc::document());
    handle.stop().unwrap();
}

#[tokio::test]
async fn answers_match_the_result_schemas_of_the_openrpc_document() {
    let (address, handle) = start(FakeNode::new()).await;
    let client = http_client(&format!("http://{address}")).unwrap();
    let node = FakeNode::new();
    let transaction = common::block().transactions[0].clone();
    let mut calls: Vec<(&str, serde_json::Value)> = vec![
        ("civitas_status", serde_json::json!([])),
        (
            "civitas_submitTransaction",
            serde_json::json!([to_hex(encode(&transaction))]),
        ),
        ("civitas_getBlock", serde_json::json!([1])),
        ("civitas_getBlock", serde_json::json!([2])),
        (
            "civitas_getTransaction",
            serde_json::json!([node.transaction.id]),
        ),
        (
            "civitas_getTransaction",
            serde_json::json!(["00".repeat(32)]),
        ),
        ("civitas_getEvidence", serde_json::json!([])),
        ("civitas_getEvidence", serde_json::json!({ "limit": 1 })),
        ("civitas_getHeader", serde_json::json!([1])),
        ("civitas_getHeader", serde_json::json!([2])),
        ("civitas_getCertificate", serde_json::json!([1])),
        ("civitas_getValidators", serde_json::json!([])),
        ("civitas_getBlocks", serde_json::json!([1, 2])),
        (
            "civitas_getAccount",
            serde_json::json!([node.account.address]),
        ),
        ("civitas_getStateProof", serde_json::json!(["0102"])),
        (
            "civitas_getRecord",
            serde_json::json!(["permits/building", "PC-1"]),
        ),
        (
            "civitas_getRecordByDocument",
            serde_json::json!({ "namespace": "permits/building", "documentHash": "ab".repeat(32) }),
        ),
        ("civitas_getCollectivity", serde_json::json!([219_900_016])),
        ("civitas_getProgramme", serde_json::json!([0])),
        (
            "civitas_getProgramme",
            serde_json::json!({ "id": 0, "fromPeriod": 2, "periods": 3 }),
        ),
        (
            "civitas_getMerchant",
            serde_json::json!([0, node.account.address]),
        ),
        ("civitas_getCommunity", serde_json::json!([0])),
        ("civitas_getSlot", serde_json::json!([0, 96])),
        ("civitas_getProposal", serde_json::json!([0])),
        (
            "civitas_getProposal",
            serde_json::json!({ "id": 0, "votesAfter": 219_900_016 }),
        ),
    ];
    let account = AccountId::from_public_key(&common::signer().public_key());
    let query = civitas_rpc_api::sign_query(
        &common::signer(),
        &node.status.chain_id,
        "civitas_getBeneficiary",
        &civitas_rpc_api::beneficiary_params(0, &account),
        1,
    );
    calls.push((
        "civitas_getBeneficiary",
        serde_json::json!([0, account.to_string(), query]),
    ));
    let query = civitas_rpc_api::sign_query(
        &common::signer(),
        &node.status.chain_id,
        "civitas_getMerchantBalance",
        &civitas_rpc_api::merchant_balance_params(0, &account),
        1,
    );
    calls.push((
        "civitas_getMerchantBalance",
        serde_json::json!([0, account.to_string(), query]),
    ));
    calls.push(("civitas_getMeter", serde_json::json!([0, 0, 96])));
    let document = civitas_rpc_api::openrpc::document();
    let base = "https://civitas.invalid/openrpc.json";
    let registry = jsonschema::Registry::new()
        .add(
            base,
            jsonschema::Draft::Draft7.create_resource(document.clone()),
        )
        .unwrap()
        .prepare()
        .unwrap();
    for (name, params) in calls {
        let index = document["methods"]
            .as_array()
            .unwrap()
            .iter()
            .position(|method| method["name"] == name)
            .unwrap_or_else(|| panic!("{name} is not in the document"));
        let schema = serde_json::json!({
            "$ref": format!("{base}#/methods/{index}/result/schema")
        });
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .with_registry(&registry)
            .build(&schema)
            .unwrap();
        let answer: serde_json::Value = match params {
            serde_json::Value::Object(object) => {
                let mut named = ObjectParams::new();
                for (key, value) in object {
                    named.insert(&key, value).unwrap();
                }
                client.request(name, named).await.unwrap()
            }
            serde_json::Value::Array(items) => {
                let mut positional = ArrayParams::new();
                for item in items {
                    positional.insert(item).unwrap();
                }
                client.request(name, positional).await.unwrap()
            }
            other => panic!("params {other}"),
        };
        let errors: Vec<String> = validator
            .iter_errors(&answer)
            .map(|error| format!("{error} at {}", error.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{name}: {answer} does not match its result schema: {errors:?}"
        );
        if name == "civitas_status" {
            // The schemas do check: a field the views lack is refused.
            let mut extended = answer.clone();
            extended["peers"] = serde_json::json!(3);
            assert!(!validator.is_valid(&extended));
        }
    }
    handle.stop().unwrap();
}

/// An example value of a parameter's schema, valid in form: 1 for a number, a
/// hash's 64 hexadecimal characters for a string.
fn example(schema: &serde_json::Value) -> serde_json::Value {
    let text = schema.to_string();
    if text.contains("\"integer\"") || text.contains("\"number\"") {
        serde_json::json!(1)
    } else if text.contains("\"boolean\"") {
        serde_json::json!(true)
    } else {
        serde_json::json!("00".repeat(32))
    }
}

/// Whether an error says that a parameter was missing (jsonrpsee's answer
/// when a required parameter is not among the names given).
fn says_missing(error: &ErrorObjectOwned) -> bool {
    let data = error.data().map(|data| data.get().to_owned());
    format!("{} {data:?}", error.message()).contains("missing field")
}

#[tokio::test]
async fn the_documented_parameter_names_are_the_ones_the_server_reads() {
    let (address, handle) = start(FakeNode::new()).await;
    // WebSocket: the subscriptions are documented too, and HTTP serves none.
    let client = ws_client(&format!("ws://{address}")).await.unwrap();
    let document = civitas_rpc_api::openrpc::document();
    for method in document["methods"].as_array().unwrap() {
        let name = method["name"].as_str().unwrap();
        let params = method["params"].as_array().unwrap();
        let required = || {
            let mut named = ObjectParams::new();
            for param in params.iter().filter(|param| param["required"] == true) {
                named
                    .insert(param["name"].as_str().unwrap(), example(&param["schema"]))
                    .unwrap();
            }
            named
        };
        // Every required parameter under its documented name: none is missing.
        let answer: Result<serde_json::Value, ClientError> = client.request(name, required()).await;
        if let Err(ClientError::Call(error)) = &answer {
            assert!(
                !says_missing(error),
                "{name}: the documented required parameters are not the server's: {error:?}"
            );
        }
        // An optional parameter of no valid type under its documented name:
        // the server reads it, and refuses it.
        for param in params.iter().filter(|param| param["required"] == false) {
            let param_name = param["name"].as_str().unwrap();
            let mut named = required();
            named
                .insert(param_name, serde_json::json!({ "notAValue": true }))
                .unwrap();
            let answer: Result<serde_json::Value, ClientError> = client.request(name, named).await;
            match answer {
                Err(ClientError::Call(error)) if error.code() == INVALID_PARAMS => {}
                other => panic!(
                    "{name}: the server ignored the documented parameter `{param_name}` \
                     (not its name on the wire?): {other:?}"
                ),
            }
        }
    }
    handle.stop().unwrap();
}

/// The subscriptions of [`FakeNode`]'s chain: one head, the committed
/// transaction, its one event; each subscription sends what it has and ends.
struct FakeSubscriptions {
    node: FakeNode,
}

#[jsonrpsee::core::async_trait]
impl civitas_rpc_api::CivitasSubscriptionsServer for FakeSubscriptions {
    async fn subscribe_new_heads(
        &self,
        pending: jsonrpsee::PendingSubscriptionSink,
    ) -> jsonrpsee::core::SubscriptionResult {
        let sink = pending.accept().await?;
        let message = jsonrpsee::SubscriptionMessage::new(
            sink.method_name(),
            sink.subscription_id(),
            &self.node.header,
        )?;
        sink.send(message).await?;
        Ok(())
    }

    async fn subscribe_transaction(
        &self,
        pending: jsonrpsee::PendingSubscriptionSink,
        id: String,
    ) -> jsonrpsee::core::SubscriptionResult {
        let id = match parse_hash("id", &id) {
            Ok(id) => to_hex(id),
            Err(error) => {
                pending.reject(error).await;
                return Ok(());
            }
        };
        let status = if id == self.node.transaction.id {
            civitas_rpc_api::TransactionStatus::Committed {
                id,
                height: self.node.transaction.height,
                position: self.node.transaction.position,
                receipt: self.node.transaction.receipt.clone(),
            }
        } else {
            civitas_rpc_api::TransactionStatus::Dropped {
                id,
                reason: civitas_rpc_api::DropReason::Unknown,
                detail: "neither pending nor committed".to_owned(),
            }
        };
        let sink = pending.accept().await?;
        let message = jsonrpsee::SubscriptionMessage::new(
            sink.method_name(),
            sink.subscription_id(),
            &status,
        )?;
        sink.send(message).await?;
        Ok(())
    }

    async fn subscribe_events(
        &self,
        pending: jsonrpsee::PendingSubscriptionSink,
        _ext: &jsonrpsee::Extensions,
        filter: Option<civitas_rpc_api::EventFilter>,
    ) -> jsonrpsee::core::SubscriptionResult {
        let filter = filter.unwrap_or_default();
        if let Err(error) = filter.check() {
            pending.reject(error).await;
            return Ok(());
        }
        let sink = pending.accept().await?;
        let event = civitas_civic::Event::ProgrammeFrozen { programme_id: 3 };
        if let Some(view) =
            civitas_rpc_api::public_event(&event, 1).filter(|view| filter.matches(view))
        {
            let message = jsonrpsee::SubscriptionMessage::new(
                sink.method_name(),
                sink.subscription_id(),
                &view,
            )?;
            sink.send(message).await?;
        }
        Ok(())
    }
}

#[tokio::test]
async fn subscriptions_notify_over_websocket_through_the_typed_client() {
    use civitas_rpc_api::{CivitasSubscriptionsClient, EventFilter, TransactionStatus};

    let (address, handle) = start(FakeNode::new()).await;
    let expected = FakeNode::new();
    let ws = ws_client(&format!("ws://{address}")).await.unwrap();

    let mut heads = ws.subscribe_new_heads().await.unwrap();
    assert_eq!(heads.next().await.unwrap().unwrap(), expected.header);

    let mut status = ws
        .subscribe_transaction(expected.transaction.id.clone())
        .await
        .unwrap();
    match status.next().await.unwrap().unwrap() {
        TransactionStatus::Committed {
            height, receipt, ..
        } => {
            assert_eq!(height, 1);
            assert_eq!(receipt, expected.transaction.receipt);
        }
        other => panic!("expected committed, got {other:?}"),
    }
    let bad_id = call_error(ws.subscribe_transaction("0x00".to_owned()).await);
    assert_eq!(bad_id.code(), INVALID_PARAMS);

    let frozen = EventFilter {
        kinds: Some(vec!["ProgrammeFrozen".to_owned()]),
        programme: Some(3),
        ..EventFilter::default()
    };
    let mut events = ws.subscribe_events(Some(frozen)).await.unwrap();
    let event = events.next().await.unwrap().unwrap();
    assert_eq!(
        (event.kind.as_str(), event.programme, event.height),
        ("ProgrammeFrozen", Some(3), 1)
    );
    let private = EventFilter {
        kinds: Some(vec!["OrderLapsed".to_owned()]),
        ..EventFilter::default()
    };
    let refused = call_error(ws.subscribe_events(Some(private)).await);
    assert_eq!(refused.code(), INVALID_PARAMS);
    assert!(
        refused.message().contains("OrderLapsed"),
        "{}",
        refused.message()
    );

    handle.stop().unwrap();
}
