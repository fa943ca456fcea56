//! The JSON form of each answer, frozen: a renamed or added field fails here
//! before it surprises a client. Field values are placeholders; the mapping from
//! chain types is checked in views.rs.
#![allow(clippy::unwrap_used)]

use civitas_rpc_api::{
    BlockView, EvidenceList, EvidenceView, OffenceKind, ReceiptView, Status, TransactionView,
    VoteStep,
};
use serde_json::json;

fn round_trips<T>(value: &T, expected: serde_json::Value)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    assert_eq!(serde_json::to_value(value).unwrap(), expected);
    assert_eq!(&serde_json::from_value::<T>(expected).unwrap(), value);
}

#[test]
fn status() {
    let status = Status {
        chain_id: "civitas-test-1".to_owned(),
        genesis_hash: "aa".to_owned(),
        height: 12,
        last_block_hash: Some("bb".to_owned()),
        last_block_time_ms: Some(1_700_000_000_000),
        catching_up: false,
        node_version: "0.1.0".to_owned(),
        protocol_version: 1,
        validator_address: None,
    };
    round_trips(
        &status,
        json!({
            "chainId": "civitas-test-1",
            "genesisHash": "aa",
            "height": 12,
            "lastBlockHash": "bb",
            "lastBlockTimeMs": 1_700_000_000_000u64,
            "catchingUp": false,
            "nodeVersion": "0.1.0",
            "protocolVersion": 1,
            "validatorAddress": null,
        }),
    );
}

#[test]
fn block_view() {
    let block = BlockView {
        height: 3,
        hash: "01".to_owned(),
        time_ms: 1_700_000_000_000,
        proposer: "02".to_owned(),
        previous_block_hash: "03".to_owned(),
        state_root: "04".to_owned(),
        transactions_root: "05".to_owned(),
        receipts_root: "06".to_owned(),
        validators_hash: "07".to_owned(),
        next_validators_hash: "08".to_owned(),
        transactions: vec!["09".to_owned(), "0a".to_owned()],
        evidence: 0,
        certificate_round: Some(1),
        block: "0b".to_owned(),
    };
    round_trips(
        &block,
        json!({
            "height": 3,
            "hash": "01",
            "timeMs": 1_700_000_000_000u64,
            "proposer": "02",
            "previousBlockHash": "03",
            "stateRoot": "04",
            "transactionsRoot": "05",
            "receiptsRoot": "06",
            "validatorsHash": "07",
            "nextValidatorsHash": "08",
            "transactions": ["09", "0a"],
            "evidence": 0,
            "certificateRound": 1,
            "block": "0b",
        }),
    );
}

#[test]
fn transaction_view() {
    let transaction = TransactionView {
        id: "01".to_owned(),
        height: 3,
        position: 0,
        signer: "civ1signer".to_owned(),
        sequence: 5,
        transaction: "02".to_owned(),
        receipt: ReceiptView {
            success: false,
            code: 409,
            code_name: "BudgetExceeded".to_owned(),
            reason: Some("the order exceeds the unreserved budget".to_owned()),
            events: vec![],
        },
        proof: None,
    };
    round_trips(
        &transaction,
        json!({
            "id": "01",
            "height": 3,
            "position": 0,
            "signer": "civ1signer",
            "sequence": 5,
            "transaction": "02",
            "receipt": {
                "success": false,
                "code": 409,
                "codeName": "BudgetExceeded",
                "reason": "the order exceeds the unreserved budget",
                "events": [],
            },
            "proof": null,
        }),
    );
}

#[test]
fn evidence_list() {
    let list = EvidenceList {
        height: 9,
        offences: vec![EvidenceView {
            offender: "01".to_owned(),
            kind: OffenceKind::DuplicateVote,
            height: 3,
            round: 1,
            vote_type: VoteStep::Precommit,
            evidence_hash: "02".to_owned(),
            included_at_height: 5,
            included_at_time_ms: 1_700_000_000_500,
            key: "1b01".to_owned(),
        }],
        next: Some("1b01".to_owned()),
    };
    round_trips(
        &list,
        json!({
            "height": 9,
            "offences": [{
                "offender": "01",
                "kind": "duplicateVote",
                "height": 3,
                "round": 1,
                "voteType": "precommit",
                "evidenceHash": "02",
                "includedAtHeight": 5,
                "includedAtTimeMs": 1_700_000_000_500u64,
                "key": "1b01",
            }],
            "next": "1b01",
        }),
    );
    let mut prevote = list.offences.first().unwrap().clone();
    prevote.vote_type = VoteStep::Prevote;
    assert_eq!(
        serde_json::to_value(&prevote).unwrap()["voteType"],
        json!("prevote")
    );
}

#[test]
fn unknown_fields_are_refused_at_every_level() {
    let status = json!({
        "chainId": "civitas-test-1", "genesisHash": "aa", "height": 0,
        "lastBlockHash": null, "lastBlockTimeMs": null, "catchingUp": true,
        "nodeVersion": "0.1.0", "protocolVersion": 1, "validatorAddress": null,
        "peers": 3,
    });
    let error = serde_json::from_value::<Status>(status).unwrap_err();
    assert!(
        error.to_string().contains("unknown field `peers`"),
        "{error}"
    );

    let receipt = json!({
        "success": true, "code": 0, "codeName": "Ok", "reason": null, "events": [], "gas": 1,
    });
    assert!(serde_json::from_value::<ReceiptView>(receipt).is_err());
}
