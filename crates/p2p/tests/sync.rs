//! Block sync on loopback: a node that was down for 500 blocks catches up from
//! its peers, refuses a block whose certificate is forged and bans the peer that
//! sent it; and every check of a fetched block, one tampering at a time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use civitas_ledger::testing::TestChain;
use civitas_ledger::{Ledger, LedgerConfig, LedgerError};
use civitas_p2p::{
    BlockSource, BlockSourceError, SyncRequest, SyncResponse, SyncStatus, SyncTarget, SyncedBlock,
    VerifyError, catch_up, sync::verify_synced_block,
};
use civitas_types::{
    BoundedVec, CertificateError, ChainId, CommitSignature, Hash, QuorumCertificate, SigningKey,
    ValidatorSet,
};
use common::{LedgerSource, address_of, peer, start, wait_connected};

const BLOCKS: u64 = 500;
const FORGED_AT: u64 = 250;

fn chain() -> TestChain {
    TestChain::new(4, 100, 2, 5)
}

fn empty_ledger(dir: &tempfile::TempDir, chain: &TestChain) -> Ledger {
    Ledger::create(
        LedgerConfig::new(dir.path()),
        chain.identity.clone(),
        &chain.genesis(),
    )
    .unwrap()
}

fn ledger_with(dir: &tempfile::TempDir, chain: &TestChain, blocks: u64) -> Ledger {
    let mut ledger = empty_ledger(dir, chain);
    for _ in 0..blocks {
        chain.commit_next(&mut ledger);
    }
    ledger
}

/// `certificate` re-signed by keys that are not the validators'.
fn forge(chain: &TestChain, certificate: &QuorumCertificate) -> QuorumCertificate {
    let signatures = (0..chain.keys.len())
        .map(|index| {
            let forger = SigningKey::from_seed(&[0xf0 ^ index as u8; 32]);
            let validator = chain.validators.get(index).unwrap().public_key;
            let vote = certificate.precommit(&chain.identity.chain_id, validator);
            CommitSignature {
                validator_index: index as u16,
                signature: forger.sign_digest(&vote.signing_digest()),
            }
        })
        .collect();
    QuorumCertificate::new(
        certificate.height,
        certificate.round,
        certificate.block_hash,
        signatures,
    )
    .unwrap()
}

/// Serves a ledger's blocks honestly, except one whose certificate it forges.
struct ForgingSource {
    honest: LedgerSource,
    chain: TestChain,
}

impl BlockSource for ForgingSource {
    fn status(&self) -> SyncStatus {
        self.honest.status()
    }
    fn blocks(&self, from: u64, limit: usize) -> Result<Vec<SyncedBlock>, BlockSourceError> {
        let mut blocks = self.honest.blocks(from, limit)?;
        for synced in &mut blocks {
            if synced.block.header.height == FORGED_AT {
                synced.certificate = forge(&self.chain, &synced.certificate);
            }
        }
        Ok(blocks)
    }
}

/// A ledger extended by executing fetched blocks the way the test chain does.
struct LedgerTarget {
    chain: TestChain,
    ledger: Arc<Mutex<Ledger>>,
}

impl SyncTarget for LedgerTarget {
    fn chain_id(&self) -> ChainId {
        self.chain.identity.chain_id.clone()
    }
    fn height(&self) -> u64 {
        self.ledger.lock().unwrap().height()
    }
    fn last_block_hash(&self) -> Hash {
        self.ledger.lock().unwrap().last_block_hash()
    }
    fn next_validators(&self) -> ValidatorSet {
        self.chain.validators.clone()
    }
    type Error = LedgerError;

    fn apply(&mut self, synced: SyncedBlock) -> Result<(), LedgerError> {
        let mut ledger = self.ledger.lock().unwrap();
        let (receipts, state) = self.chain.execute(&ledger, &synced.block);
        ledger.commit(&synced.block, &synced.certificate, &receipts, state)
    }
}

/// A target that also commits the block after each one it applies, from
/// `ahead`, as consensus would while a batch is in flight.
struct AdvancingTarget {
    inner: LedgerTarget,
    ahead: Arc<Mutex<Ledger>>,
}

impl SyncTarget for AdvancingTarget {
    fn chain_id(&self) -> ChainId {
        self.inner.chain_id()
    }
    fn height(&self) -> u64 {
        self.inner.height()
    }
    fn last_block_hash(&self) -> Hash {
        self.inner.last_block_hash()
    }
    fn next_validators(&self) -> ValidatorSet {
        self.inner.next_validators()
    }
    type Error = LedgerError;

    fn apply(&mut self, synced: SyncedBlock) -> Result<(), LedgerError> {
        self.inner.apply(synced)?;
        let next = self.inner.height() + 1;
        let ahead = self.ahead.lock().unwrap();
        if let (Some(block), Some(certificate)) = (ahead.block(next)?, ahead.certificate(next)?) {
            drop(ahead);
            self.inner.apply(SyncedBlock { block, certificate })?;
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_the_node_committed_meanwhile_are_skipped_not_blamed_on_the_peer() {
    let chain = chain();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let served = Arc::new(Mutex::new(ledger_with(&dir_a, &chain, 40)));
    let behind = Arc::new(Mutex::new(empty_ledger(&dir_b, &chain)));
    let honest = start(
        &chain.keys[0],
        &chain.validators,
        vec![],
        Arc::new(LedgerSource(served.clone())),
    )
    .await;
    let node = start(
        &chain.keys[1],
        &chain.validators,
        vec![address_of(&honest)],
        Arc::new(LedgerSource(behind.clone())),
    )
    .await;
    let honest_peer = peer(&chain.keys[0]);
    wait_connected(&node, &[honest_peer]).await;
    let mut target = AdvancingTarget {
        inner: LedgerTarget {
            chain: TestChain::new(4, 100, 2, 5),
            ledger: behind.clone(),
        },
        ahead: served.clone(),
    };
    let report = catch_up(&node.handle, &[honest_peer], &mut target, 16)
        .await
        .unwrap();
    assert!(report.faulty.is_empty(), "{:?}", report.faulty);
    assert_eq!(behind.lock().unwrap().height(), 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_down_for_500_blocks_catches_up_and_bans_the_peer_that_forged_a_certificate() {
    let chain = chain();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let served = Arc::new(Mutex::new(ledger_with(&dir_a, &chain, BLOCKS)));
    let behind = Arc::new(Mutex::new(empty_ledger(&dir_b, &chain)));

    let honest = start(
        &chain.keys[0],
        &chain.validators,
        vec![],
        Arc::new(LedgerSource(served.clone())),
    )
    .await;
    let byzantine = start(
        &chain.keys[2],
        &chain.validators,
        vec![],
        Arc::new(ForgingSource {
            honest: LedgerSource(served.clone()),
            chain: TestChain::new(4, 100, 2, 5),
        }),
    )
    .await;
    let node = start(
        &chain.keys[1],
        &chain.validators,
        vec![address_of(&byzantine), address_of(&honest)],
        Arc::new(LedgerSource(behind.clone())),
    )
    .await;
    let (honest_peer, byzantine_peer) = (peer(&chain.keys[0]), peer(&chain.keys[2]));
    wait_connected(&node, &[honest_peer, byzantine_peer]).await;

    // The Byzantine peer is asked first, so it serves every block up to the forgery.
    let mut target = LedgerTarget {
        chain: TestChain::new(4, 100, 2, 5),
        ledger: behind.clone(),
    };
    let report = catch_up(
        &node.handle,
        &[byzantine_peer, honest_peer],
        &mut target,
        64,
    )
    .await
    .unwrap();

    assert_eq!(report.applied, BLOCKS);
    assert_eq!(report.faulty.len(), 1, "{:?}", report.faulty);
    let (faulty, error) = &report.faulty[0];
    assert_eq!(*faulty, byzantine_peer);
    assert!(
        matches!(
            error,
            VerifyError::Certificate {
                height: FORGED_AT,
                source: CertificateError::BadSignatures(_)
            }
        ),
        "{error:?}"
    );
    {
        let (behind, served) = (behind.lock().unwrap(), served.lock().unwrap());
        assert_eq!(behind.height(), BLOCKS);
        assert_eq!(behind.state_root(), served.state_root());
        assert_eq!(behind.last_block_hash(), served.last_block_hash());
        assert_eq!(
            behind.block(FORGED_AT).unwrap(),
            served.block(FORGED_AT).unwrap()
        );
    }

    // The forger is disconnected and stays out although it is a bootstrap peer.
    common::eventually("the forger is disconnected", || async {
        !node
            .handle
            .connected_peers()
            .await
            .unwrap()
            .contains(&byzantine_peer)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let connected = node.handle.connected_peers().await.unwrap();
    assert!(!connected.contains(&byzantine_peer), "{connected:?}");
    assert!(connected.contains(&honest_peer), "{connected:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_serves_its_status_and_bounded_block_ranges() {
    let chain = chain();
    let dir = tempfile::tempdir().unwrap();
    let served = Arc::new(Mutex::new(ledger_with(&dir, &chain, 80)));
    let server = start(
        &chain.keys[0],
        &chain.validators,
        vec![],
        Arc::new(LedgerSource(served)),
    )
    .await;
    let client = start(
        &chain.keys[1],
        &chain.validators,
        vec![address_of(&server)],
        Arc::new(common::NoBlocks),
    )
    .await;
    let server_peer = peer(&chain.keys[0]);
    wait_connected(&client, &[server_peer]).await;

    let status = client
        .handle
        .request(server_peer, SyncRequest::Status)
        .await
        .unwrap();
    assert_eq!(
        status,
        SyncResponse::Status(SyncStatus {
            height: 80,
            first_height: 1
        })
    );
    // A request for more than the server's limit gets the limit (64).
    let Ok(SyncResponse::Blocks(blocks)) = client
        .handle
        .request(
            server_peer,
            SyncRequest::Blocks {
                from: 10,
                limit: u16::MAX,
            },
        )
        .await
    else {
        panic!("no blocks");
    };
    let heights: Vec<u64> = blocks.iter().map(|b| b.block.header.height).collect();
    assert_eq!(heights, (10..74).collect::<Vec<_>>());
    // Past the tip: nothing.
    let past = client
        .handle
        .request(server_peer, SyncRequest::Blocks { from: 81, limit: 8 })
        .await
        .unwrap();
    assert_eq!(past, SyncResponse::Blocks(Vec::new()));
}

/// Blocks 1..=3 of a test chain, with the parent hash of each.
fn three_blocks() -> (TestChain, Vec<(Hash, SyncedBlock)>) {
    let chain = chain();
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with(&dir, &chain, 3);
    let mut parent = chain.identity.genesis_hash;
    let mut out = Vec::new();
    for (block, certificate) in ledger.blocks(1, 3).unwrap() {
        let next = block.hash();
        out.push((parent, SyncedBlock { block, certificate }));
        parent = next;
    }
    (chain, out)
}

fn verify(
    chain: &TestChain,
    height: u64,
    parent: &Hash,
    synced: &SyncedBlock,
) -> Result<Hash, VerifyError> {
    verify_synced_block(
        &chain.identity.chain_id,
        &chain.validators,
        height,
        parent,
        synced,
    )
}

#[test]
fn a_genuine_chain_of_fetched_blocks_verifies_link_by_link() {
    let (chain, blocks) = three_blocks();
    let mut parent = chain.identity.genesis_hash;
    for (height, (_, synced)) in (1..).zip(&blocks) {
        parent = verify(&chain, height, &parent, synced).unwrap();
        assert_eq!(parent, synced.block.hash());
    }
}

#[test]
fn every_tampering_with_a_fetched_block_is_named() {
    let (chain, blocks) = three_blocks();
    let (parent, genuine) = blocks[1].clone();

    let mut other_chain = genuine.clone();
    other_chain.block.header.chain_id = ChainId::new("elsewhere").unwrap();
    assert!(matches!(
        verify(&chain, 2, &parent, &other_chain),
        Err(VerifyError::WrongChain { .. })
    ));

    assert_eq!(
        verify(&chain, 3, &parent, &genuine),
        Err(VerifyError::WrongHeight {
            expected: 3,
            found: 2
        })
    );
    assert_eq!(
        verify(&chain, 2, &Hash([9; 32]), &genuine),
        Err(VerifyError::WrongParent {
            height: 2,
            expected: Hash([9; 32]),
            found: parent,
        })
    );

    let other_set = TestChain::new(3, 100, 2, 5).validators;
    assert_eq!(
        verify_synced_block(&chain.identity.chain_id, &other_set, 2, &parent, &genuine),
        Err(VerifyError::WrongValidators {
            height: 2,
            expected: other_set.hash(),
            found: chain.validators.hash(),
        })
    );

    let mut dropped_transaction = genuine.clone();
    let mut transactions = dropped_transaction.block.transactions.clone().into_vec();
    transactions.pop();
    dropped_transaction.block.transactions = BoundedVec::try_from_vec(transactions).unwrap();
    assert!(matches!(
        verify(&chain, 2, &parent, &dropped_transaction),
        Err(VerifyError::Body { height: 2, .. })
    ));

    let mut other_block = genuine.clone();
    other_block.certificate = blocks[2].1.certificate.clone();
    assert!(matches!(
        verify(&chain, 2, &parent, &other_block),
        Err(VerifyError::Certificate {
            height: 2,
            source: CertificateError::WrongBlock { .. }
        })
    ));

    let mut forged = genuine.clone();
    forged.certificate = forge(&chain, &genuine.certificate);
    assert!(matches!(
        verify(&chain, 2, &parent, &forged),
        Err(VerifyError::Certificate {
            height: 2,
            source: CertificateError::BadSignatures(_)
        })
    ));

    let mut too_few = genuine.clone();
    let two: Vec<CommitSignature> = genuine
        .certificate
        .signatures()
        .iter()
        .take(2)
        .cloned()
        .collect();
    too_few.certificate = QuorumCertificate::new(
        genuine.certificate.height,
        genuine.certificate.round,
        genuine.certificate.block_hash,
        two,
    )
    .unwrap();
    assert!(matches!(
        verify(&chain, 2, &parent, &too_few),
        Err(VerifyError::Certificate {
            height: 2,
            source: CertificateError::NoQuorum { .. }
        })
    ));
}
