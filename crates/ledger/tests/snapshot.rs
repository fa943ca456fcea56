//! Snapshots: export → import gives the same state and root when vouched for by
//! a trusted root or by the validators' signatures; damaged, truncated, foreign,
//! forged or untrusted snapshots are refused and leave nothing behind.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use civitas_ledger::testing::{TestChain, state_key};
use civitas_ledger::{
    ChainIdentity, Fault, KeyError, Ledger, LedgerConfig, LedgerError, Retention,
    SnapshotRejection, SnapshotTrust,
};
use civitas_types::{CertificateError, ChainId, Hash};

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
    trust: SnapshotTrust,
) -> Result<Ledger, LedgerError> {
    Ledger::import_snapshot(
        LedgerConfig::new(dir.path().join("target")),
        file,
        identity,
        &trust,
    )
}

/// Trust in `chain`'s validators.
fn validators(chain: &TestChain) -> SnapshotTrust {
    SnapshotTrust::Validators(chain.validators.clone())
}

/// The reason an import was refused, which must be the file's fault.
fn refusal(result: Result<Ledger, LedgerError>) -> SnapshotRejection {
    let error = result.err().expect("a refusal, not an import");
    assert_eq!(error.fault(), Fault::Peer, "{error}");
    match error {
        LedgerError::Snapshot { reason, .. } => reason,
        other => panic!("refused for another reason: {other}"),
    }
}

#[test]
fn export_then_import_gives_identical_root_and_values_and_the_chain_continues() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(4, 300, 3, 25);
    let (source, file) = exported(&dir, &chain, 6);
    let root = source.state_root();
    let mut imported = import(&dir, &file, &chain.identity, SnapshotTrust::Root(root)).unwrap();
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
    let imported = import(&dir, &file, &chain.identity, validators(&chain)).unwrap();
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
        let error = import(&dir, &damaged, &chain.identity, validators(&chain))
            .err()
            .unwrap();
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
            import(&dir, &damaged, &chain.identity, validators(&chain)).is_err(),
            "truncated to {length}"
        );
    }
}

#[test]
fn entries_that_do_not_hash_to_the_certified_root_are_refused() {
    use sha2::{Digest, Sha256};
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(1, 50, 1, 5);
    let (_, file) = exported(&dir, &chain, 2);
    let mut bytes = std::fs::read(&file).unwrap();
    // Change the last value byte and recompute the checksum, but not the root: the
    // block and certificate stay genuine.
    let body = bytes.len() - 32;
    bytes[body - 1] ^= 0x01;
    let checksum: [u8; 32] = Sha256::digest(&bytes[..body]).into();
    bytes[body..].copy_from_slice(&checksum);
    std::fs::write(&file, &bytes).unwrap();
    assert!(matches!(
        refusal(import(&dir, &file, &chain.identity, validators(&chain))),
        SnapshotRejection::EntriesRoot { .. }
    ));
    assert!(!dir.path().join("target").exists());
}

#[test]
fn an_entry_with_an_empty_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(1, 50, 1, 5);
    let (_, file) = exported(&dir, &chain, 2);
    let (mut header, mut entries) = parse_snapshot(&std::fs::read(&file).unwrap());
    // The empty key sorts first by (length, bytes): only the key rule refuses it.
    entries.insert(0, (Vec::new(), b"v".to_vec()));
    header.entry_count += 1;
    let trusted_root = header.state_root;
    std::fs::write(&file, render_snapshot(&header, &entries)).unwrap();
    assert_eq!(
        refusal(import(
            &dir,
            &file,
            &chain.identity,
            SnapshotTrust::Root(trusted_root)
        )),
        SnapshotRejection::Key(KeyError::Empty)
    );
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
    let error = import(&dir, &file, &other, validators(&chain))
        .err()
        .unwrap();
    assert!(error.to_string().contains("civitas-test"), "{error}");
    assert!(matches!(
        refusal(import(&dir, &file, &other, validators(&chain))),
        SnapshotRejection::OtherChain { .. }
    ));
    let error = import(
        &dir,
        &file,
        &chain.identity,
        SnapshotTrust::Root(Hash::ZERO),
    )
    .err()
    .unwrap();
    assert!(error.to_string().contains("trusted root"), "{error}");
    // Import only writes into an empty directory.
    std::fs::create_dir_all(dir.path().join("target")).unwrap();
    std::fs::write(dir.path().join("target").join("file"), b"x").unwrap();
    let error = import(&dir, &file, &chain.identity, validators(&chain))
        .err()
        .unwrap();
    assert!(matches!(error, LedgerError::NotEmpty(_)), "{error}");
    assert_eq!(error.fault(), Fault::Request);
}

/// A snapshot's entries: (key, value) in file order.
type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// A snapshot file's header and entries, parsed as a forger would.
fn parse_snapshot(bytes: &[u8]) -> (civitas_ledger::SnapshotHeader, Entries) {
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let header_len = u32_at(20);
    let header: civitas_ledger::SnapshotHeader =
        civitas_types::decode(&bytes[24..24 + header_len]).unwrap();
    let mut at = 24 + header_len;
    let mut entries = Vec::new();
    for _ in 0..header.entry_count {
        let key_len = u32_at(at);
        let key = bytes[at + 4..at + 4 + key_len].to_vec();
        at += 4 + key_len;
        let value_len = u32_at(at);
        let value = bytes[at + 4..at + 4 + value_len].to_vec();
        at += 4 + value_len;
        entries.push((key, value));
    }
    (header, entries)
}

/// The bytes of a snapshot file with this header and these entries, checksum included.
fn render_snapshot(
    header: &civitas_ledger::SnapshotHeader,
    entries: &[(Vec<u8>, Vec<u8>)],
) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut out = b"civitas-snapshot".to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
    let header = civitas_types::encode(header);
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    for (key, value) in entries {
        out.extend_from_slice(&(key.len() as u32).to_le_bytes());
        out.extend_from_slice(key);
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
    }
    let checksum: [u8; 32] = Sha256::digest(&out).into();
    out.extend_from_slice(&checksum);
    out
}

/// A forger's rewrite of an honest snapshot: one value changed, the state root,
/// the block header and its certificate all recomputed, signed by keys the forger
/// holds (`own_set`: the header names the forger's set, else the real one).
fn forge(bytes: &[u8], chain: &TestChain, own_set: bool) -> Vec<u8> {
    let mut forger = TestChain::new(1, 0, 0, 0);
    forger.keys = vec![civitas_types::SigningKey::from_seed(&[66; 32])];
    forger.validators = civitas_types::testing::validator_set(&forger.keys, &[1]);
    forger.identity = chain.identity.clone();
    forge_with(bytes, &forger, own_set)
}

/// [`forge`], the certificate signed by `forger`'s keys (positions 0, 1, …).
fn forge_with(bytes: &[u8], forger: &TestChain, own_set: bool) -> Vec<u8> {
    use civitas_types::state_proof::{key_hash, value_hash};
    let (mut header, mut entries) = parse_snapshot(bytes);
    entries[0].1 = b"the forger's value".to_vec();
    let root = civitas_ledger::StateTree::from_leaves(
        entries
            .iter()
            .map(|(k, v)| (key_hash(k), value_hash(v)))
            .collect(),
    )
    .unwrap()
    .root_hash();
    let mut block = header.block.take().unwrap();
    block.header.state_root = root;
    if own_set {
        block.header.validators_hash = forger.validators.hash();
    }
    header.certificate = Some(forger.certify(&block));
    header.block = Some(block);
    header.state_root = root;
    render_snapshot(&header, &entries)
}

#[test]
fn import_requires_a_trusted_root_or_the_validators_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(4, 50, 1, 5);
    let (source, file) = exported(&dir, &chain, 2);
    let honest = std::fs::read(&file).unwrap();
    let forged_file = dir.path().join("forged.snapshot");
    // Signed by keys the forger holds, naming the real set: the signatures fail.
    std::fs::write(&forged_file, forge(&honest, &chain, false)).unwrap();
    assert!(matches!(
        refusal(import(
            &dir,
            &forged_file,
            &chain.identity,
            validators(&chain)
        )),
        SnapshotRejection::Certificate(CertificateError::BadSignatures(_))
    ));
    // Naming the forger's own set: not the set the operator trusts.
    std::fs::write(&forged_file, forge(&honest, &chain, true)).unwrap();
    assert!(matches!(
        refusal(import(
            &dir,
            &forged_file,
            &chain.identity,
            validators(&chain)
        )),
        SnapshotRejection::OtherValidators { .. }
    ));
    // Either forgery against the real root.
    let root = SnapshotTrust::Root(source.state_root_at(2).unwrap());
    assert!(matches!(
        refusal(import(&dir, &forged_file, &chain.identity, root)),
        SnapshotRejection::UntrustedRoot { .. }
    ));
    // One real validator of four signing alone is not a quorum.
    let mut insider = TestChain::new(4, 50, 1, 5);
    insider.keys.truncate(1);
    std::fs::write(&forged_file, forge_with(&honest, &insider, false)).unwrap();
    assert!(matches!(
        refusal(import(
            &dir,
            &forged_file,
            &chain.identity,
            validators(&chain)
        )),
        SnapshotRejection::Certificate(CertificateError::NoQuorum { .. })
    ));
    assert!(!dir.path().join("target").exists());
}

#[test]
fn an_honest_snapshot_is_accepted_by_its_root_and_by_its_validators() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(4, 50, 1, 5);
    let (source, file) = exported(&dir, &chain, 3);
    for trust in [SnapshotTrust::Root(source.state_root()), validators(&chain)] {
        let imported = import(&dir, &file, &chain.identity, trust).unwrap();
        assert_eq!(imported.state_root(), source.state_root());
        assert_eq!(imported.last_block_hash(), source.last_block_hash());
        drop(imported);
        std::fs::remove_dir_all(dir.path().join("target")).unwrap();
    }
    // Another set's signatures are not these validators'.
    let strangers = TestChain::new(3, 50, 1, 5);
    assert!(matches!(
        refusal(import(&dir, &file, &chain.identity, validators(&strangers))),
        SnapshotRejection::OtherValidators { .. }
    ));
}

#[test]
fn a_genesis_snapshot_is_vouched_for_only_by_its_root() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(4, 50, 1, 5);
    let (source, file) = exported(&dir, &chain, 0);
    assert_eq!(
        refusal(import(&dir, &file, &chain.identity, validators(&chain))),
        SnapshotRejection::GenesisNeedsRoot
    );
    let root = SnapshotTrust::Root(source.state_root_at(0).unwrap());
    let imported = import(&dir, &file, &chain.identity, root).unwrap();
    assert_eq!(imported.height(), 0);
    assert_eq!(imported.state_root(), source.state_root_at(0).unwrap());
}

#[test]
fn a_snapshot_read_in_memory_is_checked_as_on_import_and_rewrites_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(4, 200, 5, 20);
    let (ledger, file) = exported(&dir, &chain, 6);
    let (header, entries) =
        civitas_ledger::read_snapshot(&file, &chain.identity, &validators(&chain)).unwrap();
    assert_eq!(header.height, 6);
    assert_eq!(header.state_root, ledger.state_root());
    assert_eq!(header.entry_count, entries.len() as u64);
    assert_eq!(ledger.get(&state_key(3)).unwrap(), {
        let key = state_key(3);
        entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    });
    let rewritten = dir.path().join("rewritten.snapshot");
    civitas_ledger::write_snapshot(&rewritten, &header, &entries).unwrap();
    assert_eq!(
        std::fs::read(&rewritten).unwrap(),
        std::fs::read(&file).unwrap()
    );

    // The refusals of import.
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    let damaged = dir.path().join("damaged.snapshot");
    std::fs::write(&damaged, &bytes).unwrap();
    let read = |path: &std::path::Path, trust: &SnapshotTrust| {
        civitas_ledger::read_snapshot(path, &chain.identity, trust).expect_err("refused")
    };
    assert!(matches!(
        read(&damaged, &validators(&chain)),
        LedgerError::Snapshot {
            reason: SnapshotRejection::Checksum,
            ..
        }
    ));
    let other_keys = vec![civitas_types::SigningKey::from_seed(&[9; 32])];
    let other_set =
        SnapshotTrust::Validators(civitas_types::testing::validator_set(&other_keys, &[1]));
    assert!(matches!(
        read(&file, &other_set),
        LedgerError::Snapshot {
            reason: SnapshotRejection::OtherValidators { .. },
            ..
        }
    ));
    let forged = dir.path().join("forged.snapshot");
    std::fs::write(
        &forged,
        forge(&std::fs::read(&file).unwrap(), &chain, false),
    )
    .unwrap();
    assert!(matches!(
        read(&forged, &validators(&chain)),
        LedgerError::Snapshot { .. }
    ));
}
