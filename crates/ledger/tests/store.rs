//! The ledger's behaviour: commit checks, reads at every height, proofs, pruning,
//! and the refusals on open.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;

use civitas_ledger::testing::{TestChain, state_key};
use civitas_ledger::{
    BlockRejection, ChainIdentity, Fault, Ledger, LedgerConfig, LedgerError, Retention,
};
use civitas_types::state_proof::ProofStep;
use civitas_types::{ChainId, Hash, StateProofError, verify_state};

fn chain() -> TestChain {
    TestChain::new(4, 200, 5, 20)
}

fn create(dir: &tempfile::TempDir, chain: &TestChain, retention: Retention) -> Ledger {
    let config = LedgerConfig {
        retention,
        ..LedgerConfig::new(dir.path().join("ledger"))
    };
    Ledger::create(config, chain.identity.clone(), &chain.genesis()).unwrap()
}

fn reopen(dir: &tempfile::TempDir, chain: &TestChain, retention: Retention) -> Ledger {
    let config = LedgerConfig {
        retention,
        ..LedgerConfig::new(dir.path().join("ledger"))
    };
    Ledger::open(config, Some(&chain.identity)).unwrap()
}

#[test]
fn committed_blocks_and_state_read_back_at_every_height() {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain();
    let mut ledger = create(&dir, &chain, Retention::Archive);
    for _ in 0..10 {
        chain.commit_next(&mut ledger);
    }
    assert_eq!(ledger.height(), 10);
    for height in 0..=10 {
        let expected = chain.state_at(height);
        for index in [0u64, 5, 17, 199, 200 + height, 203] {
            let key = state_key(index);
            assert_eq!(
                ledger.get_at(&key, height).unwrap(),
                expected.get(&key).cloned(),
                "key {index} at height {height}"
            );
        }
    }
    let block = ledger.block(7).unwrap().unwrap();
    assert_eq!(block.header.height, 7);
    assert_eq!(
        ledger.certificate(7).unwrap().unwrap().block_hash,
        block.hash()
    );
    assert_eq!(ledger.blocks(9, 100).unwrap().len(), 2);
    assert_eq!(ledger.blocks(1, 3).unwrap().len(), 3);
    assert!(matches!(
        ledger.get_at(b"k", 11),
        Err(LedgerError::NotCommitted {
            height: 11,
            latest: 10
        })
    ));
    assert_eq!(ledger.state_root_at(7).unwrap(), block.header.state_root);
}

#[test]
fn transactions_come_with_proofs_against_their_header() {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain();
    let mut ledger = create(&dir, &chain, Retention::Archive);
    chain.commit_next(&mut ledger);
    chain.commit_next(&mut ledger);
    let block = ledger.block(2).unwrap().unwrap();
    for (position, transaction) in block.transactions.iter().enumerate() {
        let record = ledger.transaction(&transaction.id()).unwrap().unwrap();
        assert_eq!((record.height, record.position as usize), (2, position));
        record
            .transaction_proof
            .verify(
                &block.header.transactions_root,
                &civitas_types::encode(transaction),
            )
            .unwrap();
        record
            .receipt_proof
            .verify(&block.header.receipts_root, &record.receipt)
            .unwrap();
        assert_eq!(record.receipt, transaction.id().0.to_vec());
    }
    assert_eq!(ledger.transaction(&Hash::ZERO).unwrap(), None);
}

#[test]
fn transaction_proofs_from_kept_trees_equal_fresh_ones_beyond_the_cache() {
    // More blocks than the trees kept, read in an order that evicts each
    // block and reads it again: every proof verifies against its header and
    // equals what a reopened ledger (nothing kept) answers.
    let dir = tempfile::tempdir().unwrap();
    let chain = chain();
    let mut ledger = create(&dir, &chain, Retention::Archive);
    let blocks = civitas_ledger::PROOF_CACHE_BLOCKS as u64 + 2;
    for _ in 0..blocks {
        chain.commit_next(&mut ledger);
    }
    let mut answers = Vec::new();
    for round in 0..2 {
        for height in (1..=blocks).rev() {
            let block = ledger.block(height).unwrap().unwrap();
            for transaction in block.transactions.iter() {
                let record = ledger.transaction(&transaction.id()).unwrap().unwrap();
                assert_eq!(record.height, height);
                record
                    .transaction_proof
                    .verify(
                        &block.header.transactions_root,
                        &civitas_types::encode(transaction),
                    )
                    .unwrap();
                record
                    .receipt_proof
                    .verify(&block.header.receipts_root, &record.receipt)
                    .unwrap();
                if round == 0 {
                    answers.push(record);
                }
            }
        }
    }
    drop(ledger);
    let reopened = reopen(&dir, &chain, Retention::Archive);
    for answer in &answers {
        let again = reopened
            .transaction(&answer.transaction.id())
            .unwrap()
            .unwrap();
        assert_eq!(&again, answer);
    }
}

#[test]
fn state_proofs_verify_for_present_and_absent_keys_and_tampering_fails() {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain();
    let mut ledger = create(&dir, &chain, Retention::Archive);
    chain.commit_next(&mut ledger);
    let root = ledger.block(1).unwrap().unwrap().header.state_root;
    let present = ledger.prove(&state_key(3)).unwrap();
    assert_eq!(present.root, root);
    let value = present.value.clone().unwrap();
    verify_state(&root, &state_key(3), Some(&value), &present.proof).unwrap();
    let absent = ledger.prove(b"no such key").unwrap();
    assert_eq!(absent.value, None);
    verify_state(&root, b"no such key", None, &absent.proof).unwrap();

    // A wrong value, a claimed value for an absent key, absence for a present one.
    assert_eq!(
        verify_state(&root, &state_key(3), Some(b"forged"), &present.proof),
        Err(StateProofError::ValueMismatch)
    );
    assert_eq!(
        verify_state(&root, b"no such key", Some(b"x"), &absent.proof),
        Err(StateProofError::KeyAbsent)
    );
    assert_eq!(
        verify_state(&root, &state_key(3), None, &present.proof),
        Err(StateProofError::KeyPresent)
    );
    // Another root.
    let other_root = ledger.state_root_at(0).unwrap();
    assert!(matches!(
        verify_state(&other_root, &state_key(3), Some(&value), &present.proof),
        Err(StateProofError::RootMismatch { .. })
    ));
    // A flipped bit in any sibling, a dropped step, reordered steps.
    for index in 0..present.proof.steps.len() {
        let mut steps = present.proof.steps.to_vec();
        steps[index].sibling.0[0] ^= 1;
        let mut tampered = present.proof.clone();
        tampered.steps = civitas_types::BoundedVec::try_from_vec(steps).unwrap();
        assert!(verify_state(&root, &state_key(3), Some(&value), &tampered).is_err());
    }
    let mut steps: Vec<ProofStep> = present.proof.steps.to_vec();
    steps.remove(0);
    let mut shortened = present.proof.clone();
    shortened.steps = civitas_types::BoundedVec::try_from_vec(steps).unwrap();
    assert!(verify_state(&root, &state_key(3), Some(&value), &shortened).is_err());
    let mut steps: Vec<ProofStep> = present.proof.steps.to_vec();
    steps.swap(0, 1);
    let mut swapped = present.proof.clone();
    swapped.steps = civitas_types::BoundedVec::try_from_vec(steps).unwrap();
    assert!(matches!(
        verify_state(&root, &state_key(3), Some(&value), &swapped),
        Err(StateProofError::BitsNotIncreasing(1))
    ));
}

#[test]
fn the_root_does_not_depend_on_the_order_of_writes() {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain();
    let ledger = create(&dir, &chain, Retention::Archive);
    let writes = chain.writes_at(1);
    let forward = ledger.prepare(writes.clone()).unwrap().root();
    // The same writes through the tree in reverse order and shuffled.
    let changes: Vec<_> = writes
        .iter()
        .map(|(k, v)| {
            (
                civitas_types::state_proof::key_hash(k),
                v.as_deref().map(civitas_types::state_proof::value_hash),
            )
        })
        .collect();
    let mut reversed = changes.clone();
    reversed.reverse();
    assert_eq!(
        ledger.state_tree().apply(reversed).unwrap().root_hash(),
        forward
    );
    let mut interleaved: Vec<_> = changes.iter().step_by(2).cloned().collect();
    interleaved.extend(changes.iter().skip(1).step_by(2).cloned());
    assert_eq!(
        ledger.state_tree().apply(interleaved).unwrap().root_hash(),
        forward
    );
    // And equal to a tree built from scratch on the resulting state.
    let state = chain.state_at(1);
    let leaves = state
        .iter()
        .map(|(k, v)| {
            (
                civitas_types::state_proof::key_hash(k),
                civitas_types::state_proof::value_hash(v),
            )
        })
        .collect();
    assert_eq!(
        civitas_ledger::StateTree::from_leaves(leaves)
            .unwrap()
            .root_hash(),
        forward
    );
}

#[test]
fn commit_refuses_blocks_that_do_not_follow() {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain();
    let mut ledger = create(&dir, &chain, Retention::Archive);
    let rejected = |result: Result<(), LedgerError>| {
        assert!(
            matches!(result, Err(LedgerError::Rejected { .. })),
            "{result:?}"
        );
    };

    let next = chain.next_block(&ledger);
    let mut wrong_root = next.block.clone();
    wrong_root.header.state_root = Hash::ZERO;
    let certificate = chain.certify(&wrong_root);
    rejected(ledger.commit(&wrong_root, &certificate, &next.receipts, next.state));

    let next = chain.next_block(&ledger);
    let mut wrong_parent = next.block.clone();
    wrong_parent.header.previous_block_hash = Hash::ZERO;
    let certificate = chain.certify(&wrong_parent);
    rejected(ledger.commit(&wrong_parent, &certificate, &next.receipts, next.state));

    let next = chain.next_block(&ledger);
    let other_certificate = chain.certify(&wrong_parent);
    rejected(ledger.commit(&next.block, &other_certificate, &next.receipts, next.state));

    let next = chain.next_block(&ledger);
    let mut receipts = next.receipts.clone();
    receipts[1] = b"forged".to_vec();
    rejected(ledger.commit(&next.block, &next.certificate, &receipts, next.state));

    let next = chain.next_block(&ledger);
    rejected(ledger.commit(
        &next.block,
        &next.certificate,
        &next.receipts[1..],
        next.state,
    ));

    // Nothing was written by the refusals; the right block still commits.
    assert_eq!(ledger.height(), 0);
    chain.commit_next(&mut ledger);
    let next = chain.next_block(&ledger);
    let stale = chain.next_block(&ledger);
    ledger
        .commit(&next.block, &next.certificate, &next.receipts, next.state)
        .unwrap();
    rejected(ledger.commit(
        &stale.block,
        &stale.certificate,
        &stale.receipts,
        stale.state,
    ));
    assert_eq!(ledger.height(), 2);
}

/// The typed reason and the fault of a refused commit.
fn refusal(result: Result<(), LedgerError>) -> (BlockRejection, Fault) {
    let error = result.expect_err("the block must be refused");
    let fault = error.fault();
    match error {
        LedgerError::Rejected { reason, .. } => (reason, fault),
        other => panic!("refused for another reason: {other}"),
    }
}

#[test]
fn a_refused_block_says_whether_its_sender_or_this_node_is_at_fault() {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain();
    let mut ledger = create(&dir, &chain, Retention::Archive);

    // The sender's: a header this node's execution contradicts, another chain.
    let next = chain.next_block(&ledger);
    let mut wrong_root = next.block.clone();
    wrong_root.header.state_root = Hash::ZERO;
    let certificate = chain.certify(&wrong_root);
    let (reason, fault) =
        refusal(ledger.commit(&wrong_root, &certificate, &next.receipts, next.state));
    assert!(
        matches!(reason, BlockRejection::StateRoot { header, .. } if header == Hash::ZERO),
        "{reason}"
    );
    assert_eq!(fault, Fault::Peer);
    let next = chain.next_block(&ledger);
    let mut foreign = next.block.clone();
    foreign.header.chain_id = ChainId::new("another-city").unwrap();
    let certificate = chain.certify(&foreign);
    let (reason, fault) =
        refusal(ledger.commit(&foreign, &certificate, &next.receipts, next.state));
    assert!(matches!(reason, BlockRejection::OtherChain(_)), "{reason}");
    assert_eq!(fault, Fault::Peer);

    // This node's: receipts of the wrong count, state prepared on another height.
    let next = chain.next_block(&ledger);
    let (reason, fault) = refusal(ledger.commit(
        &next.block,
        &next.certificate,
        &next.receipts[1..],
        next.state,
    ));
    assert!(
        matches!(reason, BlockRejection::ReceiptCount { .. }),
        "{reason}"
    );
    assert_eq!(fault, Fault::Local);
    let stale = ledger.prepare(chain.writes_at(1)).unwrap();
    chain.commit_next(&mut ledger);
    let next = chain.next_block(&ledger);
    let (reason, fault) =
        refusal(ledger.commit(&next.block, &next.certificate, &next.receipts, stale));
    assert_eq!(reason, BlockRejection::StalePreparation { prepared_on: 0 });
    assert_eq!(fault, Fault::Local);
    assert_eq!(ledger.height(), 1);
}

#[test]
fn a_large_block_is_checked_and_indexed_on_two_threads_like_a_small_one() {
    // Above the two-thread threshold (256 transactions) of `Ledger::commit`.
    let chain = TestChain::new(4, 500, 600, 50);
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = create(&dir, &chain, Retention::Archive);

    let next = chain.next_block(&ledger);
    let mut wrong_root = next.block.clone();
    wrong_root.header.state_root = Hash::ZERO;
    let certificate = chain.certify(&wrong_root);
    let refused = ledger.commit(&wrong_root, &certificate, &next.receipts, next.state);
    assert!(
        matches!(refused, Err(LedgerError::Rejected { .. })),
        "{refused:?}"
    );
    assert_eq!(ledger.height(), 0);

    chain.commit_next(&mut ledger);
    chain.commit_next(&mut ledger);
    let block = ledger.block(2).unwrap().unwrap();
    assert_eq!(block.transactions.len(), 600);
    for position in [0usize, 299, 599] {
        let transaction = &block.transactions[position];
        let record = ledger.transaction(&transaction.id()).unwrap().unwrap();
        assert_eq!((record.height, record.position), (2, position as u32));
        assert_eq!(&record.transaction, transaction);
    }
    assert_eq!(ledger.state_root(), chain_root(&chain, 2));
    drop(ledger);
    // The retired trees were freed and the store reopens at the same root.
    let reopened = reopen(&dir, &chain, Retention::Archive);
    assert_eq!(reopened.height(), 2);
    assert_eq!(reopened.state_root(), chain_root(&chain, 2));
}

/// The state root of `chain`'s state at `height`, computed without a ledger.
fn chain_root(chain: &TestChain, height: u64) -> Hash {
    let state = chain.state_at(height);
    let entries: Vec<_> = state.iter().collect();
    civitas_ledger::StateTree::from_leaves(
        entries
            .iter()
            .map(|(k, v)| {
                (
                    civitas_types::state_proof::key_hash(k),
                    civitas_types::state_proof::value_hash(v),
                )
            })
            .collect(),
    )
    .unwrap()
    .root_hash()
}

#[test]
fn pruning_keeps_the_last_heights_and_refuses_older_reads() {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain();
    let mut ledger = create(&dir, &chain, Retention::Recent(5));
    for _ in 0..20 {
        chain.commit_next(&mut ledger);
    }
    assert_eq!(ledger.oldest_state_height(), 16);
    for height in 16..=20 {
        let expected = chain.state_at(height);
        for index in [0u64, 9, 150, 200 + height] {
            let key = state_key(index);
            assert_eq!(
                ledger.get_at(&key, height).unwrap(),
                expected.get(&key).cloned()
            );
        }
    }
    let error = ledger.get_at(&state_key(0), 15).unwrap_err();
    assert!(matches!(
        error,
        LedgerError::Pruned {
            height: 15,
            oldest: 16
        }
    ));
    assert!(error.to_string().contains("oldest retained height is 16"));
    // Blocks and roots stay.
    assert!(ledger.block(1).unwrap().is_some());
    assert_eq!(
        ledger.state_root_at(3).unwrap(),
        ledger.block(3).unwrap().unwrap().header.state_root
    );
    // The retained state survives a reopen, and so does the pruning floor.
    drop(ledger);
    let ledger = reopen(&dir, &chain, Retention::Recent(5));
    assert_eq!(ledger.oldest_state_height(), 16);
    let expected = chain.state_at(16);
    assert_eq!(
        ledger.get_at(&state_key(9), 16).unwrap(),
        expected.get(&state_key(9)).cloned()
    );
}

#[test]
fn pruning_removes_unreachable_versions() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(1, 10, 1, 10);
    let mut archive_dir_ledger = create(&dir, &chain, Retention::Recent(2));
    for _ in 0..30 {
        chain.commit_next(&mut archive_dir_ledger);
    }
    // Every key rewritten each block: only its versions at heights ≥ the floor,
    // plus one at or below it, remain — so a snapshot at the floor still reads.
    let floor = archive_dir_ledger.oldest_state_height();
    let file = dir.path().join("floor.snapshot");
    let header = archive_dir_ledger.export_snapshot(floor, &file).unwrap();
    assert_eq!(
        header.state_root,
        archive_dir_ledger.state_root_at(floor).unwrap()
    );
    let imported = Ledger::import_snapshot(
        LedgerConfig::new(dir.path().join("imported")),
        &file,
        &chain.identity,
        &civitas_ledger::SnapshotTrust::Validators(chain.validators.clone()),
    )
    .unwrap();
    assert_eq!(imported.state_root(), header.state_root);
}

#[test]
fn open_refuses_another_chain_or_genesis_and_a_missing_store() {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain();
    drop(create(&dir, &chain, Retention::Archive));
    let config = LedgerConfig::new(dir.path().join("ledger"));
    let other_chain = ChainIdentity {
        chain_id: ChainId::new("another-city").unwrap(),
        ..chain.identity.clone()
    };
    let error = Ledger::open(config.clone(), Some(&other_chain))
        .err()
        .unwrap();
    assert!(matches!(error, LedgerError::WrongChain { .. }), "{error}");
    let other_genesis = ChainIdentity {
        genesis_hash: Hash::ZERO,
        ..chain.identity.clone()
    };
    let error = Ledger::open(config.clone(), Some(&other_genesis))
        .err()
        .unwrap();
    assert!(matches!(error, LedgerError::WrongGenesis { .. }), "{error}");
    let error = Ledger::open(LedgerConfig::new(dir.path().join("nothing")), None)
        .err()
        .unwrap();
    assert!(matches!(error, LedgerError::Missing(_)), "{error}");
    // Create refuses a directory that already holds a store.
    let error = Ledger::create(config, chain.identity.clone(), &BTreeMap::new())
        .err()
        .unwrap();
    assert!(matches!(error, LedgerError::NotEmpty(_)), "{error}");
}

#[test]
fn open_refuses_a_data_directory_of_another_storage_format_saying_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain();
    drop(create(&dir, &chain, Retention::Archive));
    let path = dir.path().join("ledger");
    // A later release's directory: the format key says 2 (u32 big-endian).
    {
        let mut options = rocksdb::Options::default();
        options.create_if_missing(false);
        let families = rocksdb::DB::list_cf(&options, &path).unwrap();
        let db = rocksdb::DB::open_cf(&options, &path, families).unwrap();
        let meta = db.cf_handle("meta").unwrap();
        db.put_cf(meta, b"format", 2u32.to_be_bytes()).unwrap();
    }
    let error = Ledger::open(LedgerConfig::new(&path), Some(&chain.identity))
        .err()
        .expect("a directory of another format must not open");
    assert!(
        matches!(
            error,
            LedgerError::Format {
                expected: 1,
                found: 2,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(error.fault(), Fault::Local, "{error}");
    let message = error.to_string();
    assert!(
        message.contains("run a release that reads format 2"),
        "{message}"
    );
    assert!(message.contains("verified snapshot"), "{message}");
}

#[test]
fn a_damaged_table_file_is_reported_with_its_name_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(1, 5_000, 1, 10);
    let ledger = create(&dir, &chain, Retention::Archive);
    ledger.flush().unwrap();
    drop(ledger);
    let path = dir.path().join("ledger");
    let mut damaged = 0;
    for entry in std::fs::read_dir(&path).unwrap() {
        let file = entry.unwrap().path();
        if file.extension().is_some_and(|e| e == "sst") {
            let mut bytes = std::fs::read(&file).unwrap();
            // Damage the data blocks (the start of the file), not the footer.
            for byte in bytes.iter_mut().take(2_000).skip(100) {
                *byte ^= 0x5a;
            }
            std::fs::write(&file, bytes).unwrap();
            damaged += 1;
        }
    }
    assert!(damaged > 0);
    let error = Ledger::open(LedgerConfig::new(&path), Some(&chain.identity))
        .err()
        .expect("a damaged store must not open");
    let message = error.to_string();
    assert!(
        message.contains(".sst") || message.contains("damaged"),
        "{message}"
    );
    assert!(
        message.contains("snapshot"),
        "the message says what to do: {message}"
    );
    assert_eq!(error.fault(), Fault::Local, "{error}");
}

#[test]
fn a_store_whose_state_disagrees_with_its_root_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain();
    let mut ledger = create(&dir, &chain, Retention::Archive);
    chain.commit_next(&mut ledger);
    drop(ledger);
    // Rewrite one value behind the ledger's back, through RocksDB itself.
    let path = dir.path().join("ledger");
    {
        let mut options = rocksdb::Options::default();
        options.create_if_missing(false);
        let families = rocksdb::DB::list_cf(&options, &path).unwrap();
        let db = rocksdb::DB::open_cf(&options, &path, families).unwrap();
        let state = db.cf_handle("state").unwrap();
        db.put_cf(state, state_key(1), b"tampered").unwrap();
    }
    let error = Ledger::open(LedgerConfig::new(&path), Some(&chain.identity))
        .err()
        .unwrap();
    assert!(matches!(error, LedgerError::Corrupt { .. }), "{error}");
    assert_eq!(error.fault(), Fault::Local);
    assert!(
        error.to_string().contains("root recorded at height 1"),
        "{error}"
    );
}

/// A copy of the directory `from` into `to` (files only, as RocksDB keeps them).
fn copy_store(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let file = entry.unwrap().path();
        std::fs::copy(&file, to.join(file.file_name().unwrap())).unwrap();
    }
}

fn directory_bytes(path: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(path)
        .unwrap()
        .map(|entry| {
            let file = entry.unwrap().path();
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&file).unwrap())
        })
        .collect()
}

#[test]
fn a_read_only_open_reads_a_store_in_use_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain();
    let mut ledger = create(&dir, &chain, Retention::Archive);
    for _ in 0..4 {
        chain.commit_next(&mut ledger);
    }
    let path = dir.path().join("ledger");
    let before = directory_bytes(&path);
    // The writer still holds the store (and its lock).
    let reader = Ledger::open_read_only(&path, Some(&chain.identity)).unwrap();
    assert_eq!(reader.height(), 4);
    assert_eq!(reader.state_root(), ledger.state_root());
    assert_eq!(reader.blocks(1, 10).unwrap().len(), 4);
    assert!(reader.check_checksums().unwrap() > 0);
    drop(reader);
    assert_eq!(directory_bytes(&path), before, "a read-only open wrote");
    let other = ChainIdentity {
        chain_id: ChainId::new("other-chain").unwrap(),
        genesis_hash: chain.identity.genesis_hash,
    };
    assert!(matches!(
        Ledger::open_read_only(&path, Some(&other)),
        Err(LedgerError::WrongChain { .. })
    ));
}

#[test]
fn damage_to_any_table_file_fails_a_read_only_open_or_its_checksum_scan() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(2, 2_000, 20, 50);
    let mut ledger = create(&dir, &chain, Retention::Archive);
    for _ in 0..6 {
        chain.commit_next(&mut ledger);
    }
    ledger.flush().unwrap();
    drop(ledger);
    let path = dir.path().join("ledger");
    let tables: Vec<String> = directory_bytes(&path)
        .into_keys()
        .filter(|name| name.ends_with(".sst"))
        .collect();
    assert!(tables.len() >= 5, "one table per column family: {tables:?}");
    let mut found_only_by_the_scan = 0;
    for table in &tables {
        let copy = dir.path().join(format!("copy-{table}"));
        copy_store(&path, &copy);
        let file = copy.join(table);
        let mut bytes = std::fs::read(&file).unwrap();
        // The first data block: its checksum fails, the footer still reads.
        let end = (bytes.len() / 4).max(40);
        for byte in bytes.iter_mut().take(end).skip(20) {
            *byte ^= 0x5a;
        }
        std::fs::write(&file, bytes).unwrap();
        let error = match Ledger::open_read_only(&copy, Some(&chain.identity)) {
            Err(error) => error,
            Ok(reader) => {
                found_only_by_the_scan += 1;
                reader
                    .check_checksums()
                    .err()
                    .unwrap_or_else(|| panic!("damage to {table} went unnoticed"))
            }
        };
        assert!(
            matches!(
                error,
                LedgerError::Storage { .. } | LedgerError::Corrupt { .. }
            ),
            "{table}: {error}"
        );
    }
    assert!(
        found_only_by_the_scan > 0,
        "some tables (receipts, the transaction index) are not read on open"
    );
}
