//! Views built from the chain's types carry the right values, and their
//! canonical bytes decode back to what they were built from.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod common;

use civitas_civic::{Code, Receipt};
use civitas_rpc_api::{
    BlockView, EventView, EvidenceList, EvidenceQuery, EvidenceView, OffenceKind, ReceiptView,
    TransactionView, VoteStep, to_hex,
};
use civitas_types::{DecodeError, Hash, encode};

#[test]
fn block_view_shows_the_header_and_decodes_to_the_block() {
    let block = common::block();
    let view = BlockView::from_block(&block, Some(&common::certificate(&block, 4)));
    let header = &block.header;
    assert_eq!(view.height, 1);
    assert_eq!(view.hash, to_hex(block.hash()));
    assert_eq!(view.hash.len(), 66, "0x and 64 digits");
    assert_eq!(view.time_ms, header.time_ms);
    assert_eq!(view.proposer, to_hex(header.proposer));
    assert_eq!(view.previous_block_hash, format!("0x{}", "01".repeat(32)));
    assert_eq!(view.receipts_root, format!("0x{}", "02".repeat(32)));
    assert_eq!(view.state_root, format!("0x{}", "03".repeat(32)));
    assert_eq!(view.validators_hash, format!("0x{}", "04".repeat(32)));
    assert_eq!(view.next_validators_hash, format!("0x{}", "05".repeat(32)));
    assert_eq!(view.transactions_root, to_hex(header.transactions_root));
    assert_eq!(view.transactions, vec![to_hex(block.transactions[0].id())]);
    assert_eq!(view.evidence, 0);
    assert_eq!(view.certificate_round, Some(4));
    assert_eq!(view.decode_block().unwrap(), block);
}

#[test]
fn a_certificate_for_another_block_is_not_shown() {
    let block = common::block();
    let mut other = block.clone();
    other.header.time_ms += 1;
    let view = BlockView::from_block(&block, Some(&common::certificate(&other, 0)));
    assert_eq!(view.certificate_round, None);
    assert_eq!(BlockView::from_block(&block, None).certificate_round, None);
}

#[test]
fn a_block_view_whose_bytes_are_not_a_block_does_not_decode() {
    let mut view = BlockView::from_block(&common::block(), None);
    view.block = "zz".to_owned();
    assert!(matches!(view.decode_block(), Err(DecodeError::Invalid(_))));
    view.block = "00".to_owned();
    assert!(view.decode_block().is_err());
}

#[test]
fn transaction_view_shows_signer_address_and_receipt() {
    let transaction = common::transaction(0);
    let receipt = common::receipt(&transaction);
    let view = TransactionView::from_parts(transaction.id(), 1, 0, &transaction, &receipt);
    assert_eq!(view.id, to_hex(transaction.id()));
    assert_eq!((view.height, view.position, view.sequence), (1, 0, 0));
    assert!(view.signer.starts_with("civ1"), "{}", view.signer);
    assert_eq!(view.signer, transaction.body.signer.to_string());
    assert_eq!(view.decode_transaction().unwrap(), transaction);
    assert_eq!(
        view.receipt,
        ReceiptView {
            success: true,
            code: 0,
            code_name: "Ok".to_owned(),
            reason: None,
            events: vec![EventView {
                kind: "ProgrammeFrozen".to_owned(),
                height: 1,
                transaction_id: Some(to_hex(transaction.id())),
                programme: Some(3),
                community: None,
                namespace: None,
                fields: [("programmeId".to_owned(), serde_json::json!(3))].into(),
                detail: None,
            }],
        }
    );
}

#[test]
fn receipt_events_type_every_field_private_ones_too() {
    let beneficiary = civitas_types::AccountId([3; 32]);
    let receipt = Receipt {
        transaction_id: Hash([1; 32]),
        code: 0,
        events: vec![
            civitas_civic::Event::DisbursementOrdered {
                programme_id: 0,
                order_id: 7,
                beneficiary,
                amount_cents: 2_000,
            },
            civitas_civic::Event::EnergyOrderCancelled {
                community_id: 1,
                slot: 96,
                order_number: 2,
            },
        ],
    };
    let view = ReceiptView::from_receipt(&receipt, 5);
    let ordered = &view.events[0];
    assert_eq!(ordered.kind, "DisbursementOrdered");
    assert_eq!(ordered.height, 5);
    assert_eq!(ordered.transaction_id, Some(to_hex(Hash([1; 32]))));
    assert_eq!(ordered.fields["orderId"], 7);
    assert_eq!(ordered.fields["amountCents"], "2000");
    assert_eq!(ordered.fields["beneficiary"], beneficiary.to_string());
    assert_eq!(ordered.detail, None);
    let cancelled = &view.events[1];
    assert_eq!(cancelled.kind, "EnergyOrderCancelled");
    assert_eq!(cancelled.community, Some(1));
    assert_eq!(cancelled.fields["orderNumber"], 2);
}

#[test]
fn failed_receipts_name_their_code() {
    let failed = ReceiptView::from_receipt(&Receipt::failure(Hash::ZERO, Code::BudgetExceeded), 1);
    assert!(!failed.success);
    assert_eq!(failed.code, 409);
    assert_eq!(failed.code_name, "BudgetExceeded");
    assert_eq!(
        failed.reason.as_deref(),
        Some(Code::BudgetExceeded.reason())
    );
    assert!(failed.events.is_empty());

    let future = ReceiptView::from_receipt(
        &Receipt {
            transaction_id: Hash::ZERO,
            code: 999,
            events: vec![],
        },
        1,
    );
    assert_eq!(
        (future.code_name.as_str(), future.reason),
        ("Unknown", None)
    );
}

#[test]
fn evidence_list_shows_the_one_record_of_the_state() {
    let state = common::evidence_state();
    let key = civitas_civic::keys::evidence(&common::offence());
    let expected = EvidenceView {
        offender: to_hex(common::signer().public_key()),
        kind: OffenceKind::DuplicateVote,
        height: 3,
        round: 1,
        vote_type: VoteStep::Prevote,
        evidence_hash: format!("0x{}", "09".repeat(32)),
        included_at_height: 5,
        included_at_time_ms: 1_700_000_000_500,
        key: to_hex(&key),
    };

    // All offences, then the offender's only: the record, and nothing from
    // the tables beside it.
    for offender in [None, Some(expected.offender.clone())] {
        let query = EvidenceQuery::parse(offender.as_deref(), None, None).unwrap();
        let list = EvidenceList::from_entries(7, &common::scan(&state, &query), &query).unwrap();
        assert_eq!(
            list,
            EvidenceList {
                height: 7,
                offences: vec![expected.clone()],
                next: None,
            }
        );
    }

    // Another offender has none; after the record there is none.
    let query = EvidenceQuery::parse(Some(&"ab".repeat(32)), None, None).unwrap();
    let list = EvidenceList::from_entries(7, &common::scan(&state, &query), &query).unwrap();
    assert!(list.offences.is_empty());
    let query = EvidenceQuery::parse(None, Some(&expected.key), None).unwrap();
    assert!(common::scan(&state, &query).is_empty());
}

#[test]
fn evidence_list_pages_by_key() {
    let mut state = common::evidence_state();
    let mut later = common::offence();
    for height in 4..7 {
        later.height = height;
        state.entries.insert(
            civitas_civic::keys::evidence(&later),
            encode(&common::evidence_record()),
        );
    }
    let mut query = EvidenceQuery::parse(None, None, Some(3)).unwrap();
    let first = EvidenceList::from_entries(9, &common::scan(&state, &query), &query).unwrap();
    assert_eq!(first.offences.len(), 3);
    assert_eq!(first.next.as_ref(), Some(&first.offences[2].key));

    query = EvidenceQuery::parse(None, first.next.as_deref(), Some(3)).unwrap();
    let second = EvidenceList::from_entries(9, &common::scan(&state, &query), &query).unwrap();
    assert_eq!(second.offences.len(), 1);
    assert_eq!(second.next, None);
    let mut heights: Vec<u64> = first
        .offences
        .iter()
        .chain(&second.offences)
        .map(|view| view.height)
        .collect();
    heights.sort_unstable();
    assert_eq!(heights, vec![3, 4, 5, 6]);
}

#[test]
fn evidence_entries_that_do_not_decode_are_errors() {
    let key = civitas_civic::keys::evidence(&common::offence());
    let record = encode(&common::evidence_record());
    assert!(EvidenceView::from_entry(&key, &record[1..]).is_err());
    assert!(EvidenceView::from_entry(&key[..10], &record).is_err());
    assert!(EvidenceView::from_entry(&[0x1a], &record).is_err());
    let mut bad_step = key.clone();
    *bad_step.last_mut().unwrap() = 7;
    assert!(EvidenceView::from_entry(&bad_step, &record).is_err());
}
