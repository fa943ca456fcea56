//! Rewrites of a stored ledger behind its back, through RocksDB's own write
//! path — so every file's checksums still pass — for the tests that show an
//! auditor catches a forged copy by what it says, not by damaged bytes.
//! Compiled only for tests or with the `test-support` feature; never in a node.
// Test fixtures: a failure here is the test's own setup failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use civitas_state_tree::{StateTree, leaves_of};
use civitas_types::{Block, Hash, QuorumCertificate, encode};
use rocksdb::{DB, IteratorMode};

use crate::schema;
use crate::store::{Access, KeyValue, LedgerConfig, open_database};

fn put(path: &Path, family: &str, key: &[u8], value: &[u8]) {
    let db = open(path);
    db.put_cf(db.cf_handle(family).unwrap(), key, value)
        .unwrap();
}

fn open(path: &Path) -> DB {
    open_database(&LedgerConfig::new(path), Access::Write).unwrap()
}

/// Stores `block` as the block of `height`.
pub fn replace_block(path: &Path, height: u64, block: &Block) {
    put(
        path,
        schema::CF_BLOCKS,
        &schema::height_key(height),
        &encode(block),
    );
}

/// Stores `certificate` as the certificate of `height`.
pub fn replace_certificate(path: &Path, height: u64, certificate: &QuorumCertificate) {
    let key = schema::height_key(height);
    put(path, schema::CF_CERTIFICATES, &key, &encode(certificate));
}

/// Stores `receipts` as the receipt leaves of `height`.
pub fn replace_receipts(path: &Path, height: u64, receipts: &[Vec<u8>]) {
    let key = schema::height_key(height);
    put(path, schema::CF_RECEIPTS, &key, &encode(receipts));
}

/// Records `root` as the state root of `height`.
pub fn replace_state_root(path: &Path, height: u64, root: &Hash) {
    put(path, schema::CF_ROOTS, &schema::height_key(height), &root.0);
}

/// Sets the latest value of `key` to `value`, and records the root of the
/// state so altered as the latest height's root: a forger who keeps the
/// store consistent with itself, so that it opens.
pub fn replace_state_value(path: &Path, key: &[u8], value: &[u8]) {
    let db = open(path);
    let state = db.cf_handle(schema::CF_STATE).unwrap();
    db.put_cf(state, key, value).unwrap();
    let entries: Vec<KeyValue> = db
        .iterator_cf(state, IteratorMode::Start)
        .map(Result::unwrap)
        .collect();
    let root = StateTree::from_leaves(leaves_of(&entries).unwrap())
        .unwrap()
        .root_hash();
    let meta = db.cf_handle(schema::CF_META).unwrap();
    let height = db
        .get_cf(meta, schema::META_HEIGHT)
        .unwrap()
        .and_then(|bytes| schema::read_height(&bytes))
        .unwrap();
    let roots = db.cf_handle(schema::CF_ROOTS).unwrap();
    db.put_cf(roots, schema::height_key(height), root.0)
        .unwrap();
}
