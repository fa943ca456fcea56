//! The chain and account methods against a real node on the demo genesis,
//! after the demo activity: `civitas_getHeader`, `civitas_getCertificate`,
//! `civitas_getValidators`, `civitas_getBlocks` and `civitas_getAccount`
//! answer what the blocks and the genesis say, and refuse out-of-range
//! parameters with INVALID_PARAMS; the node serves on afterwards. Records
//! (`civitas_getRecord`, `civitas_getRecordByDocument`) and raw keys
//! (`civitas_getStateProof`) come with proofs that check against a header
//! whose certificate checks against the genesis validators; altered values
//! do not.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_rpc_api::{CivitasApiClient, INVALID_PARAMS, to_hex};
use civitas_types::{AccountId, ValidatorSet};
use common::{DemoHome, account, call_error, read_key};

#[test]
fn chain_records_and_accounts_answer_what_the_blocks_and_genesis_say() {
    let home = DemoHome::new();
    let node = home.start_with_activity();
    let height = node.rpc.status().unwrap().height;
    let consensus_key = read_key(&home.home.join("consensus_key")).public_key();
    let network_key = read_key(&home.home.join("network_key")).public_key();
    let rpc = &node.rpc;

    // Headers are the blocks' headers.
    for h in 1..=height {
        let header = rpc.call(async |c| c.get_header(h).await).unwrap().unwrap();
        let block = node.block(h);
        assert_eq!(header.hash, block.hash);
        assert_eq!(to_hex(header.decode_header().unwrap().hash()), header.hash);
        assert_eq!(header.state_root, block.state_root);
    }
    assert_eq!(
        rpc.call(async |c| c.get_header(height + 50).await).unwrap(),
        None
    );

    // A certificate of the last full block: signed by the one validator, and
    // the one the next block carries.
    let last = height - 1;
    let certificate = rpc
        .call(async |c| c.get_certificate(last).await)
        .unwrap()
        .unwrap();
    assert_eq!(certificate.block_hash, node.block(last).hash);
    assert_eq!(certificate.signatures.len(), 1);
    assert_eq!(
        certificate.signatures[0].validator,
        Some(to_hex(consensus_key))
    );
    assert_eq!(certificate.signed_power, certificate.total_power);
    let carried = node
        .block(height)
        .decode_block()
        .unwrap()
        .last_commit
        .unwrap();
    assert_eq!(certificate.decode_certificate().unwrap(), carried);

    // The validator set: the genesis's, with its network key and city.
    let checked = home.genesis.check().unwrap();
    let expected: &ValidatorSet = &checked.validators;
    for asked in [None, Some(1), Some(height + 1)] {
        let validators = rpc.call(async |c| c.get_validators(asked).await).unwrap();
        assert_eq!(validators.hash, to_hex(expected.hash()));
        assert_eq!(validators.validators.len(), 1);
        let only = &validators.validators[0];
        assert_eq!(only.public_key, to_hex(consensus_key));
        assert_eq!(only.network_key, Some(to_hex(network_key)));
        assert_eq!(only.collectivity, Some(civitas_demo::CITY_SIREN.0));
        assert_eq!(only.power, civitas_demo::VALIDATOR_POWER.to_string());
    }
    assert_eq!(
        node.block(1).validators_hash,
        to_hex(expected.hash()),
        "the set's hash is the header's validatorsHash"
    );
    // Far beyond: the chain goes on while the test runs.
    for (asked, what) in [(Some(height + 10_000), "beyond"), (Some(0), "before")] {
        let error = call_error(
            rpc.call(async |c| c.get_validators(asked).await)
                .unwrap_err(),
        );
        assert_eq!(error.code(), INVALID_PARAMS);
        assert!(error.message().contains(what), "{}", error.message());
    }

    // A range of blocks: the same as one at a time; bounded; empty past the tip.
    let listed = rpc.call(async |c| c.get_blocks(1, Some(3)).await).unwrap();
    assert_eq!(listed.blocks.len(), 3.min(height as usize));
    for block in &listed.blocks {
        assert_eq!(block, &node.block(block.height));
    }
    assert_eq!(listed.next, (height > 3).then_some(4));
    let past = rpc
        .call(async |c| c.get_blocks(height + 10, None).await)
        .unwrap();
    assert!(past.blocks.is_empty() && past.next.is_none());
    let too_many = call_error(
        rpc.call(async |c| c.get_blocks(1, Some(33)).await)
            .unwrap_err(),
    );
    assert_eq!(too_many.code(), INVALID_PARAMS);

    // Accounts: the aid administrator's role and sequence; a stranger's nothing.
    let administrator = account("aid administrator (ordonnateur)");
    let view = rpc
        .call(async |c| c.get_account(administrator.address.to_string()).await)
        .unwrap();
    assert!(view.next_sequence >= 3, "{view:?}");
    assert!(
        view.roles.iter().any(|r| r.role == "aidAdministrator"
            && r.scope.collectivity == Some(civitas_demo::CITY_SIREN.0)),
        "{view:?}"
    );
    let stranger = AccountId([3; 32]).to_string();
    let empty = rpc
        .call(async |c| c.get_account(stranger.clone()).await)
        .unwrap();
    assert_eq!((empty.next_sequence, empty.roles.len()), (0, 0));
    let bad = call_error(
        rpc.call(async |c| c.get_account(format!("x{stranger}")).await)
            .unwrap_err(),
    );
    assert_eq!(bad.code(), INVALID_PARAMS);

    // Still serving.
    assert!(rpc.status().unwrap().height >= height);
}

#[test]
fn a_transaction_comes_with_proofs_of_itself_and_its_receipt_in_a_certified_block() {
    let home = DemoHome::new();
    let node = home.start_with_activity();
    let step = &civitas_demo::activity_steps(&home.genesis)[0];
    for transaction in step {
        let view = node.wait_for_transaction(&to_hex(transaction.id()));
        let proof = view
            .proof
            .clone()
            .expect("the node proves every transaction");
        assert_eq!(proof.certified.header.height, view.height);
        home.checked_root(&proof.certified);
        let receipt_bytes = proof.verify(&view.transaction).unwrap();
        let receipt: civitas_civic::Receipt = civitas_types::decode(&receipt_bytes).unwrap();
        assert_eq!(receipt.is_success(), view.receipt.success);
        assert_eq!(receipt.transaction_id, transaction.id());
        // Another transaction's bytes, or another receipt, do not check.
        let other = step.iter().find(|t| t.id() != transaction.id()).unwrap();
        let other = civitas_types::encode(other);
        assert!(proof.verify(&to_hex(other)).is_err());
        let mut forged = proof.clone();
        forged.receipt = format!("00{}", &forged.receipt[2..]);
        assert!(forged.verify(&view.transaction).is_err());
    }
}

#[test]
fn a_record_and_its_documents_are_answered_with_proofs_that_check() {
    let home = DemoHome::new();
    let node = home.start_with_activity();
    let rpc = &node.rpc;
    let namespace = civitas_demo::BUILDING_PERMITS.to_owned();
    let permit = civitas_demo::activity::PERMIT_ID.to_owned();

    // The permit: registered then amended, two versions, each entry proven.
    let (ns, id) = (namespace.clone(), permit.clone());
    let answer = rpc.call(async |c| c.get_record(ns, id).await).unwrap();
    let record = answer.record.clone().unwrap();
    assert_eq!((record.version, record.revoked), (2, false));
    assert_eq!(answer.versions.len(), 2);
    assert_eq!(answer.entries.len(), 3);
    let root = home.checked_root(&answer.certified);
    assert_eq!(answer.certified.header.height, answer.height);
    for entry in &answer.entries {
        entry.verify(&root).unwrap();
    }
    // A value altered by the node (or on the way) does not check.
    let mut forged = answer.entries[0].clone();
    let value = forged.value.clone().unwrap();
    let flipped = if value.ends_with('0') { '1' } else { '0' };
    forged.value = Some(format!("{}{flipped}", &value[..value.len() - 1]));
    assert!(forged.verify(&root).is_err());

    // By the current version's document: where it is, proven.
    let document = answer.versions[1].document_hash.clone();
    let ns = namespace.clone();
    let found = rpc
        .call(async |c| c.get_record_by_document(ns, document).await)
        .unwrap();
    assert!(found.registered);
    assert_eq!(found.version, Some(2));
    assert_eq!(found.record.as_ref().unwrap().id, permit);
    found
        .entry
        .verify(&home.checked_root(&found.certified))
        .unwrap();

    // An unknown document: absent, and the absence is proven; claiming a
    // value for it does not check.
    let ns = namespace.clone();
    let unknown = rpc
        .call(async |c| c.get_record_by_document(ns, "ab".repeat(32)).await)
        .unwrap();
    assert!(!unknown.registered && unknown.entry.value.is_none());
    let root = home.checked_root(&unknown.certified);
    unknown.entry.verify(&root).unwrap();
    let mut claimed = unknown.entry.clone();
    claimed.value = Some("00".to_owned());
    assert!(claimed.verify(&root).is_err());

    // A record that does not exist: null, with a proof of absence.
    let ns = namespace.clone();
    let missing = rpc
        .call(async |c| c.get_record(ns, "PC-NONE".to_owned()).await)
        .unwrap();
    assert!(missing.record.is_none() && missing.versions.is_empty());
    missing.entries[0]
        .verify(&home.checked_root(&missing.certified))
        .unwrap();

    // The raw key gives the same entry.
    let key = answer.entries[0].key.clone();
    let raw = rpc.call(async |c| c.get_state_proof(key).await).unwrap();
    assert_eq!(raw.entry.value, answer.entries[0].value);
    raw.entry
        .verify(&home.checked_root(&raw.certified))
        .unwrap();

    // Malformed parameters.
    let bad = call_error(
        rpc.call(async |c| c.get_record("Permits!".to_owned(), "x".to_owned()).await)
            .unwrap_err(),
    );
    assert_eq!(bad.code(), INVALID_PARAMS);
    assert!(bad.message().contains("namespace"), "{}", bad.message());
    let bad = call_error(
        rpc.call(async |c| c.get_state_proof("zz".to_owned()).await)
            .unwrap_err(),
    );
    assert_eq!(bad.code(), INVALID_PARAMS);
}
