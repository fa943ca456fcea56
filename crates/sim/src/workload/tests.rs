//! The workload run on civic execution directly, block by block, with losses.

use super::genesis::collectivity_count;
use super::*;
use civitas_civic::invariants::{check_block, check_figures, check_programme_entries};
use civitas_civic::{BlockEvidence, MemoryState, execute_block, keys};
use civitas_types::decode;

fn validator_keys(n: usize) -> Vec<(PublicKey, PublicKey)> {
    (0..n)
        .map(|i| {
            let consensus = SigningKey::from_seed(&[i as u8 + 1; 32]).public_key();
            let network = SigningKey::from_seed(&[i as u8 + 101; 32]).public_key();
            (consensus, network)
        })
        .collect()
}

/// What one run of a workload on direct civic execution did.
struct Run {
    workload: Workload,
    blocks: u64,
    transactions: Vec<SignedTransaction>,
    changes: Vec<(u64, civitas_types::ValidatorSet)>,
    state: MemoryState,
}

/// Runs `seed`'s workload over `n` validators, one block per call, with
/// seeded losses: a call's transactions dropped, or only a prefix kept.
fn run(seed: u64, n: usize, raisable: usize, blocks_max: u64) -> Run {
    let validators = validator_keys(n);
    let document = genesis(&validators);
    let checked = document.check().unwrap();
    let mut state = checked.state;
    let raisable_keys = validators.iter().take(raisable).map(|v| v.0).collect();
    let mut workload = Workload::new(seed, raisable_keys);
    let mut losses = SimRng::new(seed ^ 0xd1ce);
    let (mut height, mut time_ms) = (1, GENESIS_TIME_MS + 1_000);
    let (mut transactions, mut changes) = (Vec::new(), Vec::new());
    while height <= blocks_max {
        let context = BlockContext {
            chain_id: document.chain_id.clone(),
            height,
            time_ms,
            protocol_version: document.protocol_version,
        };
        let mut submitted = workload.next(&state, &context);
        if submitted.is_empty() && workload.finished() {
            break;
        }
        assert!(
            (1..=4).contains(&submitted.len()),
            "seed {seed}: a step of 1 to 4"
        );
        if losses.chance(250) {
            submitted.clear();
        } else if losses.chance(250) {
            // A prefix keeps each signer's sequences in order.
            submitted.truncate(losses.below(submitted.len() as u64 + 1) as usize);
        }
        let outcome = execute_block(&state, &context, &submitted, BlockEvidence::none()).unwrap();
        for (receipt, tx) in outcome.receipts.iter().zip(&submitted) {
            let action: Action = decode(&tx.body.payload).unwrap();
            assert!(
                receipt.is_success(),
                "seed {seed}, height {height}: {action:?} failed: {receipt:?}"
            );
        }
        changes.extend(outcome.validator_set_change.clone());
        let before = state.clone();
        state.apply(outcome.writes.clone());
        check_block(&state, &outcome.writes).unwrap();
        check_figures(&before, &state, &outcome.writes).unwrap();
        transactions.extend(submitted);
        height += 1;
        time_ms += losses.between(200, 1_500);
    }
    let programmes: u64 = state
        .entries
        .get(&keys::programme_counter())
        .map_or(0, |bytes| decode(bytes).unwrap());
    for id in 0..programmes {
        check_programme_entries(&state, id).unwrap();
    }
    Run {
        workload,
        blocks: height - 1,
        transactions,
        changes,
        state,
    }
}

#[test]
fn workload_every_seed_finishes_with_successful_transactions() {
    for seed in 0..24u64 {
        let n = [4, 7, 10, 1, 2, 3][seed as usize % 6];
        // Every fourth seed has no honest validator to raise.
        let raisable = if seed % 4 == 3 { 0 } else { n - (n - 1) / 3 };
        let run = run(seed, n, raisable, 60);
        let workload = &run.workload;
        assert!(
            workload.finished(),
            "seed {seed} unfinished after {} blocks",
            run.blocks
        );
        assert_eq!(workload.steps_skipped(), 0, "seed {seed}");
        assert_eq!(
            workload.steps_done(),
            workload.steps_planned(),
            "seed {seed}"
        );
        assert!((10..=STEPS_MAX as u64).contains(&workload.steps_planned()));
        assert!(run.transactions.len() >= 12, "seed {seed}");
        if raisable == 0 {
            assert!(run.changes.is_empty(), "seed {seed}");
            assert!(!workload.validator_change_done());
            assert_eq!(workload.validator_change(), None);
            continue;
        }
        assert!(workload.validator_change_done(), "seed {seed}");
        let (key, power) = workload.validator_change().unwrap();
        assert!(power > GENESIS_POWER);
        let [(_, set)] = &run.changes[..] else {
            panic!("seed {seed}: {} validator changes", run.changes.len());
        };
        let raised = set
            .validators()
            .iter()
            .find(|v| v.public_key == key)
            .unwrap();
        assert_eq!(raised.voting_power, power, "seed {seed}");
        if n == 4 {
            // At 15, one collectivity would hold 15 of 45: a third, enough to halt.
            assert!(power < 15, "seed {seed}");
        }
    }
}

#[test]
fn workload_same_seed_same_transactions() {
    let first = run(7, 4, 3, 60);
    let again = run(7, 4, 3, 60);
    let ids = |run: &Run| {
        run.transactions
            .iter()
            .map(|tx| tx.id())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&first), ids(&again));
    assert_ne!(ids(&first), ids(&run(8, 4, 3, 60)));
}

#[test]
fn workload_unknown_or_garbled_state_never_panics() {
    let context = |height| BlockContext {
        chain_id: chain_id(),
        height,
        time_ms: GENESIS_TIME_MS + height * 500,
        protocol_version: civitas_types::PROTOCOL_VERSION,
    };
    let raisable = vec![validator_keys(1)[0].0];
    let mut workload = Workload::new(1, raisable.clone());
    for height in 1..40 {
        workload.next(&MemoryState::default(), &context(height));
    }
    // Every value the workload reads, replaced by bytes that do not decode.
    let mut garbled = run(3, 4, 3, 60).state;
    for value in garbled.entries.values_mut() {
        *value = vec![0xff];
    }
    // And another seed's finished chain: known keys, foreign ids.
    let foreign = run(5, 7, 5, 60).state;
    for seed in 0..8 {
        for state in [&garbled, &foreign] {
            let mut workload = Workload::new(seed, raisable.clone());
            for height in 1..40 {
                workload.next(state, &context(height));
            }
        }
    }
}

#[test]
fn workload_genesis_is_valid_for_any_validator_count() {
    for n in 1..=12 {
        let document = genesis(&validator_keys(n));
        let checked = document.check();
        assert!(checked.is_ok(), "{n} validators: {checked:?}");
        assert!(document.collectivities.iter().all(|c| c.siren.is_valid()));
    }
    assert_eq!(collectivity_count(4), 4);
    assert_eq!(collectivity_count(7), 4);
    assert_eq!(collectivity_count(10), 4);
    assert_eq!(collectivity_count(5), 5);
}
