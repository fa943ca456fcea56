//! Mempool admission rate, signature verification included, on all cores.
//! Run: `cargo bench -p civitas-mempool --bench admission`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use civitas_civic::action::*;
use civitas_civic::model::{ChainParameters, Collectivity, Role, Scope, Siren, ValidatorEntry};
use civitas_civic::{Action, BlockContext, GenesisState};
use civitas_mempool::{Mempool, MempoolConfig};
use civitas_types::{
    AccountId, BoundedBytes, ChainId, SignedTransaction, SigningKey, TransactionBody, encode,
};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

const BATCH: usize = 4_096;

fn key(i: u32) -> SigningKey {
    let mut seed = [0x4b; 32];
    seed[..4].copy_from_slice(&i.to_le_bytes());
    SigningKey::from_seed(&seed)
}

fn admission(c: &mut Criterion) {
    let chain_id = ChainId::new("civitas-bench-1").unwrap();
    let siren = Siren(200_046_977);
    let state = GenesisState {
        collectivities: vec![Collectivity {
            siren,
            name: BoundedBytes::try_from_vec(b"Ville".to_vec()).unwrap(),
            voting_power: 1,
            council_account: AccountId([9; 32]),
        }],
        validators: vec![ValidatorEntry {
            public_key: key(u32::MAX).public_key(),
            power: 1,
            siren,
        }],
        parameters: ChainParameters::default(),
        ..Default::default()
    }
    .build()
    .unwrap();
    let action = encode(&Action::RevokeDelegation(RevokeDelegation {
        role: Role::Registrar,
        scope: Scope::Collectivity(siren),
        delegate: AccountId([1; 32]),
    }));
    let encoded: Vec<Vec<u8>> = (0..BATCH as u32)
        .map(|i| {
            let key = key(i);
            let body = TransactionBody {
                chain_id: chain_id.clone(),
                signer: AccountId::from_public_key(&key.public_key()),
                sequence: 0,
                expiry_height: 1_000,
                payload: BoundedBytes::try_from_vec(action.clone()).unwrap(),
            };
            encode(&SignedTransaction::sign(body, &[&key]).unwrap())
        })
        .collect();
    let context = BlockContext {
        chain_id,
        height: 1,
        time_ms: 0,
    };
    let mut group = c.benchmark_group("mempool");
    group.sample_size(20);
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function(format!("admit_batch_{BATCH}_distinct_accounts"), |b| {
        b.iter_batched(
            || Mempool::new(MempoolConfig::default()),
            |mut pool| {
                let results = pool.admit_batch(&state, &context, &encoded);
                assert!(results.iter().all(Result::is_ok));
                pool
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, admission);
criterion_main!(benches);
