//! Benchmarks of the foundation: ZIP-215 signature verification (single and in
//! batches) and the canonical encoding of a typical transaction.
//! Run: `cargo bench -p civitas-types --bench types`; figures go to docs/performance.md.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use civitas_types::*;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

/// A transaction of the typical size (about 200 bytes encoded): a 64-byte payload.
fn typical_transaction(index: u32) -> SignedTransaction {
    let key = SigningKey::from_seed(&[(index % 251) as u8 + 1; 32]);
    let mut payload = vec![0u8; 64];
    payload[..4].copy_from_slice(&index.to_le_bytes());
    let body = TransactionBody {
        chain_id: ChainId::new("civitas-bench-1").unwrap(),
        signer: AccountId::from_public_key(&key.public_key()),
        sequence: u64::from(index),
        expiry_height: 1_000_000,
        payload: BoundedBytes::try_from_vec(payload).unwrap(),
    };
    SignedTransaction::sign(body, &[&key]).unwrap()
}

struct Check {
    public_key: PublicKey,
    digest: Hash,
    signature: Signature,
}

fn checks(count: u32) -> Vec<Check> {
    (0..count)
        .map(|i| {
            let tx = typical_transaction(i);
            Check {
                public_key: tx.signatures[0].public_key,
                digest: tx.id(),
                signature: tx.signatures[0].signature,
            }
        })
        .collect()
}

fn verification(c: &mut Criterion) {
    let single = checks(1);
    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(1));
    group.bench_function("single", |b| {
        b.iter(|| {
            let check = &single[0];
            verify_digest(&check.public_key, &check.digest, &check.signature).unwrap()
        })
    });
    for size in [1u32, 16, 64, 256] {
        let batch = checks(size);
        group.throughput(Throughput::Elements(u64::from(size)));
        group.bench_with_input(BenchmarkId::new("batch", size), &batch, |b, batch| {
            b.iter(|| {
                let mut verifier = BatchVerifier::with_capacity(batch.len());
                for check in batch {
                    verifier.queue_digest(&check.public_key, &check.digest, &check.signature);
                }
                verifier.verify().unwrap()
            })
        });
    }
    group.finish();
}

fn encoding(c: &mut Criterion) {
    let tx = typical_transaction(7);
    let bytes = encode(&tx);
    let mut group = c.benchmark_group("transaction");
    group.throughput(Throughput::Elements(1));
    group.bench_function(format!("encode_{}_bytes", bytes.len()), |b| {
        b.iter(|| encode(black_box(&tx)))
    });
    group.bench_function(format!("decode_{}_bytes", bytes.len()), |b| {
        b.iter(|| decode::<SignedTransaction>(black_box(&bytes)).unwrap())
    });
    group.bench_function("id", |b| b.iter(|| black_box(&tx).id()));
    group.finish();
}

criterion_group!(benches, verification, encoding);
criterion_main!(benches);
