//! Snapshots: export → import gives the same state and root; damaged, truncated,
//! foreign or untrusted snapshots are refused and leave nothing behind.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use civitas_ledger::testing::{TestChain, state_key};
use civitas_ledger::{ChainIdentity, Ledger, LedgerConfig, LedgerError, Retention};
use civitas_types::{ChainId, Hash};

fn exported(
    dir: &tempfile::TempDir,
    chain: &TestChain,
    blocks: u64,
) -> (Ledger, std::path::PathBuf) {
    let mut ledger = Ledger::create(
        LedgerConfig::new(dir.path().join("source")),
        chain.identity.clone(),
        &chain.genesis(),
    )
    .unwrap();
    for _ in 0..blocks {
        chain.commit_next(&mut ledger);
    }
    let file = dir.path().join("state.snapshot");
    ledger.export_snapshot(blocks, &file).unwrap();
    (ledger, file)
}

fn import(
    dir: &tempfile::TempDir,
    file: &std::path::Path,
    identity: &ChainIdentity,
    trusted: Option<Hash>,
) -> Result<Ledger, LedgerError> {
    Ledger::import_snapshot(
        LedgerConfig::new(dir.path().join("target")),
        file,
        identity,
        trusted,
    )
}

#[test]
fn export_then_import_gives_identical_root_and_values_and_the_chain_continues() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(4, 300, 3, 25);
    let (source, file) = exported(&dir, &chain, 6);
    let root = source.state_root();
    let mut imported = import(&dir, &file, &chain.identity, Some(root)).unwrap();
    assert_eq!(imported.height(), 6);
    assert_eq!(imported.state_root(), root);
    assert_eq!(imported.last_block_hash(), source.last_block_hash());
    let expected = chain.state_at(6);
    for (key, value) in &expected {
        assert_eq!(imported.get(key).unwrap().as_ref(), Some(value));
    }
    assert_eq!(
        imported.scan_prefix(b"k/", None, usize::MAX).unwrap().len(),
        expected.len()
    );
    // Reads below the snapshot are refused, and the imported node keeps committing.
    assert!(matches!(
        imported.get_at(&state_key(0), 5),
        Err(LedgerError::NotCommitted { .. }) | Err(LedgerError::Pruned { .. })
    ));
    chain.commit_next(&mut imported);
    let mut source = source;
    chain.commit_next(&mut source);
    assert_eq!(imported.state_root(), source.state_root());
    // And it reopens.
    drop(imported);
    let reopened = Ledger::open(
        LedgerConfig::new(dir.path().join("target")),
        Some(&chain.identity),
    )
    .unwrap();
    assert_eq!(reopened.height(), 7);
    assert_eq!(reopened.first_block_height(), 6);
}

#[test]
fn a_snapshot_of_an_older_retained_height_holds_that_height_state() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(1, 100, 1, 30);
    let mut ledger = Ledger::create(
        LedgerConfig {
            retention: Retention::Recent(10),
            ..LedgerConfig::new(dir.path().join("source"))
        },
        chain.identity.clone(),
        &chain.genesis(),
    )
    .unwrap();
    for _ in 0..12 {
        chain.commit_next(&mut ledger);
    }
    let file = dir.path().join("old.snapshot");
    let header = ledger.export_snapshot(4, &file).unwrap();
    assert_eq!(header.state_root, ledger.state_root_at(4).unwrap());
    let imported = import(&dir, &file, &chain.identity, None).unwrap();
    let expected = chain.state_at(4);
    assert_eq!(
        imported.scan_prefix(b"", None, usize::MAX).unwrap(),
        expected.into_iter().collect::<Vec<_>>()
    );
    assert!(matches!(
        ledger.export_snapshot(1, &file),
        Err(LedgerError::Pruned { .. })
    ));
}

#[test]
fn a_flipped_byte_anywhere_is_refused_and_nothing_is_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(1, 50, 1, 5);
    let (_, file) = exported(&dir, &chain, 2);
    let bytes = std::fs::read(&file).unwrap();
    let damaged = dir.path().join("damaged.snapshot");
    for position in (0..bytes.len())
        .step_by(bytes.len() / 40 + 1)
        .chain([bytes.len() - 1])
    {
        let mut copy = bytes.clone();
        copy[position] ^= 0x01;
        std::fs::write(&damaged, &copy).unwrap();
        let error = import(&dir, &damaged, &chain.identity, None).err().unwrap();
        assert!(
            matches!(error, LedgerError::Snapshot { .. }),
            "byte {position}: {error}"
        );
        assert!(
            !dir.path().join("target").exists(),
            "byte {position} left a store"
        );
    }
    for length in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&damaged, &bytes[..length]).unwrap();
        assert!(
            import(&dir, &damaged, &chain.identity, None).is_err(),
            "truncated to {length}"
        );
    }
}

#[test]
fn a_consistent_but_forged_snapshot_fails_on_its_root() {
    use sha2::{Digest, Sha256};
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(1, 50, 1, 5);
    let (_, file) = exported(&dir, &chain, 2);
    let mut bytes = std::fs::read(&file).unwrap();
    // Change the last value byte and recompute the checksum, as a forger would.
    let body = bytes.len() - 32;
    bytes[body - 1] ^= 0x01;
    let checksum: [u8; 32] = Sha256::digest(&bytes[..body]).into();
    bytes[body..].copy_from_slice(&checksum);
    std::fs::write(&file, &bytes).unwrap();
    let error = import(&dir, &file, &chain.identity, None).err().unwrap();
    assert!(error.to_string().contains("hash to"), "{error}");
}

#[test]
fn foreign_or_untrusted_snapshots_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(1, 50, 1, 5);
    let (_, file) = exported(&dir, &chain, 2);
    let other = ChainIdentity {
        chain_id: ChainId::new("another-city").unwrap(),
        ..chain.identity.clone()
    };
    let error = import(&dir, &file, &other, None).err().unwrap();
    assert!(error.to_string().contains("another-city"), "{error}");
    let error = import(&dir, &file, &chain.identity, Some(Hash::ZERO))
        .err()
        .unwrap();
    assert!(error.to_string().contains("trusted root"), "{error}");
    // Import only writes into an empty directory.
    std::fs::create_dir_all(dir.path().join("target")).unwrap();
    std::fs::write(dir.path().join("target").join("file"), b"x").unwrap();
    let error = import(&dir, &file, &chain.identity, None).err().unwrap();
    assert!(matches!(error, LedgerError::NotEmpty(_)), "{error}");
}
