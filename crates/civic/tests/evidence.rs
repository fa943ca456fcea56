//! Evidence in blocks: what makes a block carrying it invalid (forged, stale,
//! from the future, duplicate), what a valid piece records, the pool proposers
//! draw from, and the golden encodings of the record and its event.
//! Regenerate the golden file after a deliberate format change with
//! `CIVITAS_UPDATE_GOLDEN=1 cargo test -p civitas-civic --test evidence` and
//! update docs/civic-transactions.md in the same commit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::evidence::{
    EVIDENCE_POOL_MAX, EvidencePool, EvidenceRecord, PastHeight, PoolAdmission,
};
use civitas_civic::{
    BlockEvidence, BlockExecutionError, BlockOutcome, Event, InvalidEvidence, MemoryValidatorSets,
    keys,
};
use civitas_types::{
    ChainId, DuplicateVoteEvidence, Evidence, EvidenceError, EvidenceParams, EvidenceRejection,
    Hash, Offence, SignedVote, SigningKey, Validator, ValidatorSet, Vote, VoteType, decode, encode,
};
use common::*;
use proptest::prelude::*;

const GOLDEN_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/evidence.txt");
const DOC: &str = include_str!("../../../docs/civic-transactions.md");

/// The test genesis's validators (seeds 100…103), power 1 each.
fn validator_set() -> ValidatorSet {
    ValidatorSet::new(
        (0..COUNCIL.len())
            .map(|i| Validator {
                public_key: validator_key(i),
                voting_power: 1,
            })
            .collect(),
    )
    .unwrap()
}

fn signed_vote(
    chain: &ChainId,
    signer: &SigningKey,
    height: u64,
    round: u32,
    vote_type: VoteType,
    block: u8,
) -> SignedVote {
    Vote {
        chain_id: chain.clone(),
        vote_type,
        height,
        round,
        block_hash: Some(Hash([block; 32])),
        validator: signer.public_key(),
    }
    .sign(signer)
}

/// Evidence that `seed` voted for blocks `a` and `b` at one step.
fn equivocation(seed: u8, height: u64, round: u32, vote_type: VoteType, a: u8, b: u8) -> Evidence {
    let signer = key(seed);
    let chain = chain_id();
    Evidence::DuplicateVote(
        DuplicateVoteEvidence::new(
            signed_vote(&chain, &signer, height, round, vote_type, a),
            signed_vote(&chain, &signer, height, round, vote_type, b),
        )
        .unwrap(),
    )
}

/// Validator 0 (seed 100) prevoting twice at `height`, round 0.
fn prevotes_at(height: u64) -> Evidence {
    equivocation(100, height, 0, VoteType::Prevote, 1, 2)
}

/// A world whose past heights are recorded as a block store would.
struct Chain {
    world: World,
    sets: MemoryValidatorSets,
    params: EvidenceParams,
}

impl Chain {
    /// The test world after `blocks` empty blocks.
    fn new(blocks: u64) -> Chain {
        let mut chain = Chain {
            world: World::new(),
            sets: MemoryValidatorSets::default(),
            params: EvidenceParams::default(),
        };
        for _ in 0..blocks {
            chain.block(&[]).unwrap();
        }
        chain
    }

    /// Executes an empty block carrying `evidence`; on success records the
    /// height's set and time.
    fn block(&mut self, evidence: &[Evidence]) -> Result<BlockOutcome, BlockExecutionError> {
        let (height, time_ms) = (self.world.height, self.world.time_ms);
        let carried = BlockEvidence {
            items: evidence,
            params: self.params,
            validator_sets: &self.sets,
        };
        let outcome = self.world.execute_with_evidence(&[], carried)?;
        self.sets.heights.insert(
            height,
            PastHeight {
                validator_set: validator_set(),
                time_ms,
            },
        );
        Ok(outcome)
    }

    fn record(&self, offence: &Offence) -> Option<EvidenceRecord> {
        self.world
            .state
            .entries
            .get(&keys::evidence(offence))
            .map(|bytes| decode(bytes).unwrap())
    }
}

fn invalid(result: Result<BlockOutcome, BlockExecutionError>) -> (usize, InvalidEvidence) {
    match result {
        Err(BlockExecutionError::InvalidEvidence { index, reason }) => (index, reason),
        other => panic!("expected invalid evidence, got {other:?}"),
    }
}

#[test]
fn valid_evidence_is_recorded_with_its_event() {
    let mut chain = Chain::new(3);
    let evidence = prevotes_at(2);
    let (height, time_ms) = (chain.world.height, chain.world.time_ms);
    let outcome = chain.block(std::slice::from_ref(&evidence)).unwrap();
    assert_eq!(
        outcome.block_events,
        vec![Event::MisbehaviourRecorded {
            offender: validator_key(0),
            height: 2,
            round: 0,
            vote_type: VoteType::Prevote,
        }]
    );
    assert_eq!(
        chain.record(&evidence.offence()),
        Some(EvidenceRecord {
            evidence_hash: evidence.hash(),
            included_at_height: height,
            included_at_time_ms: time_ms,
        })
    );
}

#[test]
fn prevote_and_precommit_offences_of_one_round_are_two_records() {
    let mut chain = Chain::new(3);
    let prevotes = equivocation(101, 2, 1, VoteType::Prevote, 1, 2);
    let precommits = equivocation(101, 2, 1, VoteType::Precommit, 1, 2);
    let outcome = chain
        .block(&[prevotes.clone(), precommits.clone()])
        .unwrap();
    assert_eq!(outcome.block_events.len(), 2);
    assert!(chain.record(&prevotes.offence()).is_some());
    assert!(chain.record(&precommits.offence()).is_some());
}

#[test]
fn a_forged_signature_makes_the_block_invalid() {
    let mut chain = Chain::new(3);
    let signer = key(100);
    let chain_id = chain_id();
    let mut forged = signed_vote(&chain_id, &signer, 2, 0, VoteType::Prevote, 2);
    forged.signature.0[5] ^= 0x40;
    let evidence = Evidence::DuplicateVote(
        DuplicateVoteEvidence::new(
            signed_vote(&chain_id, &signer, 2, 0, VoteType::Prevote, 1),
            forged,
        )
        .unwrap(),
    );
    let state_before = chain.world.state.clone();
    let (index, reason) = invalid(chain.block(&[prevotes_at(1), evidence]));
    assert_eq!(index, 1);
    assert!(matches!(
        reason,
        InvalidEvidence::Rejected(EvidenceRejection::Forged(EvidenceError::BadSignature(_)))
    ));
    assert_eq!(
        chain.world.state, state_before,
        "an invalid block writes nothing"
    );
}

#[test]
fn a_signer_outside_the_set_of_its_height_makes_the_block_invalid() {
    let mut chain = Chain::new(3);
    // Seed 99 never validated.
    let (_, reason) = invalid(chain.block(&[equivocation(99, 2, 0, VoteType::Prevote, 1, 2)]));
    assert_eq!(
        reason,
        InvalidEvidence::Rejected(EvidenceRejection::NotAValidator {
            offender: key(99).public_key(),
            height: 2,
        })
    );
    // Validator 0 was not in the set of height 2 although it is in the others.
    let without_zero = ValidatorSet::new(
        (1..COUNCIL.len())
            .map(|i| Validator {
                public_key: validator_key(i),
                voting_power: 1,
            })
            .collect(),
    )
    .unwrap();
    chain.sets.heights.get_mut(&2).unwrap().validator_set = without_zero;
    let (_, reason) = invalid(chain.block(&[prevotes_at(2)]));
    assert!(matches!(
        reason,
        InvalidEvidence::Rejected(EvidenceRejection::NotAValidator { height: 2, .. })
    ));
    assert_eq!(chain.block(&[prevotes_at(1)]).map(|_| ()), Ok(()));
}

#[test]
fn evidence_of_another_chain_makes_the_block_invalid() {
    let mut chain = Chain::new(3);
    let signer = key(100);
    let elsewhere = ChainId::new("civitas-other").unwrap();
    let evidence = Evidence::DuplicateVote(
        DuplicateVoteEvidence::new(
            signed_vote(&elsewhere, &signer, 2, 0, VoteType::Prevote, 1),
            signed_vote(&elsewhere, &signer, 2, 0, VoteType::Prevote, 2),
        )
        .unwrap(),
    );
    let (_, reason) = invalid(chain.block(&[evidence]));
    assert!(matches!(
        reason,
        InvalidEvidence::Rejected(EvidenceRejection::WrongChain { .. })
    ));
}

#[test]
fn stale_evidence_makes_the_block_invalid_only_past_both_bounds() {
    // Blocks are 5 s apart in the test world.
    let mut chain = Chain::new(6);
    let now = chain.world.height; // 7
    chain.params = EvidenceParams {
        max_age_heights: 4,
        max_age_ms: 20_000,
    };
    // Height 2: 5 heights and 25 s old, past both bounds.
    let (_, reason) = invalid(chain.block(&[prevotes_at(2)]));
    assert_eq!(
        reason,
        InvalidEvidence::Rejected(EvidenceRejection::Expired {
            age_heights: now - 2,
            age_ms: 25_000,
            max_age_heights: 4,
            max_age_ms: 20_000,
        })
    );
    // Past the height bound only: still includable.
    chain.params.max_age_ms = 25_000;
    assert_eq!(chain.block(&[prevotes_at(2)]).map(|_| ()), Ok(()));
}

#[test]
fn evidence_from_the_future_or_of_no_committed_height_makes_the_block_invalid() {
    let mut chain = Chain::new(3);
    let now = chain.world.height;
    for height in [now, now + 1] {
        let (_, reason) = invalid(chain.block(&[prevotes_at(height)]));
        assert_eq!(
            reason,
            InvalidEvidence::Rejected(EvidenceRejection::FromTheFuture {
                height,
                current_height: now,
            })
        );
    }
    let (_, reason) = invalid(chain.block(&[prevotes_at(0)]));
    assert_eq!(reason, InvalidEvidence::UnknownHeight { height: 0 });
}

#[test]
fn the_same_offence_twice_in_one_block_makes_it_invalid() {
    let mut chain = Chain::new(3);
    let same = prevotes_at(2);
    let (index, reason) = invalid(chain.block(&[prevotes_at(1), same.clone(), same]));
    assert_eq!(index, 2);
    assert_eq!(reason, InvalidEvidence::RepeatedInBlock { first_index: 1 });
    // Another pair of votes for the same offence is the same offence.
    let other_pair = equivocation(100, 2, 0, VoteType::Prevote, 3, 4);
    let (index, reason) = invalid(chain.block(&[prevotes_at(2), other_pair]));
    assert_eq!(index, 1);
    assert_eq!(reason, InvalidEvidence::RepeatedInBlock { first_index: 0 });
}

#[test]
fn an_offence_already_recorded_makes_a_later_block_invalid() {
    let mut chain = Chain::new(3);
    let recorded_at = chain.world.height;
    chain.block(&[prevotes_at(2)]).unwrap();
    for again in [
        prevotes_at(2),
        equivocation(100, 2, 0, VoteType::Prevote, 3, 4),
    ] {
        let (index, reason) = invalid(chain.block(&[again]));
        assert_eq!(index, 0);
        assert_eq!(
            reason,
            InvalidEvidence::AlreadyRecorded {
                included_at_height: recorded_at,
            }
        );
    }
}

#[test]
fn the_pool_keeps_one_piece_per_offence_and_refuses_forgeries() {
    let mut pool = EvidencePool::new();
    assert_eq!(pool.add(prevotes_at(2)), Ok(PoolAdmission::Added));
    assert_eq!(
        pool.add(equivocation(100, 2, 0, VoteType::Prevote, 3, 4)),
        Ok(PoolAdmission::AlreadyPending)
    );
    let signer = key(100);
    let mut forged = signed_vote(&chain_id(), &signer, 3, 0, VoteType::Prevote, 2);
    forged.signature.0[0] ^= 1;
    let forged = Evidence::DuplicateVote(
        DuplicateVoteEvidence::new(
            signed_vote(&chain_id(), &signer, 3, 0, VoteType::Prevote, 1),
            forged,
        )
        .unwrap(),
    );
    assert!(matches!(
        pool.add(forged),
        Err(EvidenceError::BadSignature(_))
    ));
    assert_eq!(pool.len(), 1);
}

#[test]
fn the_pool_is_bounded() {
    let mut pool = EvidencePool::new();
    let signer = key(100);
    let chain = chain_id();
    let pair = |round: u32| {
        Evidence::DuplicateVote(
            DuplicateVoteEvidence::new(
                signed_vote(&chain, &signer, 2, round, VoteType::Prevote, 1),
                signed_vote(&chain, &signer, 2, round, VoteType::Prevote, 2),
            )
            .unwrap(),
        )
    };
    for round in 0..EVIDENCE_POOL_MAX as u32 {
        assert_eq!(pool.add(pair(round)), Ok(PoolAdmission::Added));
    }
    assert_eq!(
        pool.add(pair(EVIDENCE_POOL_MAX as u32)),
        Ok(PoolAdmission::Full)
    );
    assert_eq!(pool.len(), EVIDENCE_POOL_MAX);
    assert_eq!(
        pool.select(3, usize::MAX).len(),
        civitas_types::limits::BLOCK_EVIDENCE_MAX
    );
}

#[test]
fn the_pool_drops_recorded_expired_and_invalid_evidence_and_yields_a_valid_block() {
    let mut chain = Chain::new(6);
    chain.params = EvidenceParams {
        max_age_heights: 4,
        max_age_ms: 20_000,
    };
    let now = chain.world.height; // 7
    chain.block(&[prevotes_at(5)]).unwrap();
    let mut pool = EvidencePool::new();
    let expired = prevotes_at(1);
    let recorded = equivocation(100, 5, 0, VoteType::Prevote, 3, 4);
    let outsider = equivocation(99, 4, 0, VoteType::Prevote, 1, 2);
    let older = equivocation(101, 4, 0, VoteType::Precommit, 1, 2);
    let newer = equivocation(102, 6, 0, VoteType::Prevote, 1, 2);
    let future = equivocation(103, now + 5, 0, VoteType::Prevote, 1, 2);
    for evidence in [&expired, &recorded, &outsider, &older, &newer, &future] {
        assert_eq!(pool.add(evidence.clone()), Ok(PoolAdmission::Added));
    }
    let next = chain.world.context();
    let dropped = pool
        .prune(&chain.world.state, &next, &chain.params, &chain.sets)
        .unwrap();
    assert_eq!(dropped, 3, "expired, recorded and outsider");
    // Oldest offence first, never a height the block cannot prove.
    assert_eq!(
        pool.select(next.height, 10),
        vec![older.clone(), newer.clone()]
    );
    assert_eq!(pool.select(next.height, 1), vec![older.clone()]);
    let selected = pool.select(next.height, 10);
    let outcome = chain.block(&selected).unwrap();
    assert_eq!(outcome.block_events.len(), 2);
    // Once recorded, the pool lets them go; the future one waits.
    let next = chain.world.context();
    pool.prune(&chain.world.state, &next, &chain.params, &chain.sets)
        .unwrap();
    assert_eq!(pool.len(), 1);
    assert_eq!(pool.select(next.height, 10), Vec::<Evidence>::new());
}

/// A universe of equivocations: 2 validators × heights 1–2 × 2 vote types,
/// each with two different pairs of votes (same offence).
fn universe() -> Vec<Evidence> {
    let mut all = Vec::new();
    for seed in [100, 101] {
        for height in [1, 2] {
            for vote_type in [VoteType::Prevote, VoteType::Precommit] {
                all.push(equivocation(seed, height, 0, vote_type, 1, 2));
                all.push(equivocation(seed, height, 0, vote_type, 3, 4));
            }
        }
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Over a sequence of blocks carrying valid evidence, a block is accepted
    /// exactly when none of its offences repeats in it or is already recorded,
    /// and then it records each of its offences once.
    #[test]
    fn a_block_is_valid_exactly_when_its_offences_are_new_and_distinct(
        blocks in proptest::collection::vec(proptest::collection::vec(0usize..16, 0..4), 1..5)
    ) {
        let all = universe();
        let mut chain = Chain::new(3);
        let mut recorded = std::collections::BTreeSet::new();
        for picks in blocks {
            let evidence: Vec<Evidence> = picks.iter().map(|i| all[*i].clone()).collect();
            let offences: Vec<Offence> = evidence.iter().map(Evidence::offence).collect();
            let distinct: std::collections::BTreeSet<_> = offences.iter().copied().collect();
            let fresh = distinct.len() == offences.len()
                && offences.iter().all(|o| !recorded.contains(o));
            let result = chain.block(&evidence);
            prop_assert_eq!(result.is_ok(), fresh, "{:?}", result);
            if let Ok(outcome) = result {
                prop_assert_eq!(outcome.block_events.len(), offences.len());
                recorded.extend(offences);
            }
            for offence in &recorded {
                prop_assert!(chain.record(offence).is_some());
            }
        }
    }
}

fn golden_entries() -> Vec<(&'static str, Vec<u8>)> {
    let evidence = prevotes_at(2);
    let offence = evidence.offence();
    let record = EvidenceRecord {
        evidence_hash: evidence.hash(),
        included_at_height: 3,
        included_at_time_ms: 1_010_000,
    };
    let event = Event::MisbehaviourRecorded {
        offender: offence.offender,
        height: offence.height,
        round: offence.round,
        vote_type: offence.vote_type,
    };
    vec![
        ("evidence_key", keys::evidence(&offence)),
        ("evidence_record", encode(&record)),
        ("misbehaviour_recorded", encode(&event)),
    ]
}

#[test]
fn record_and_event_round_trip_and_reject_truncation() {
    let record = EvidenceRecord {
        evidence_hash: Hash([7; 32]),
        included_at_height: 3,
        included_at_time_ms: 1_010_000,
    };
    let bytes = encode(&record);
    assert_eq!(decode::<EvidenceRecord>(&bytes).unwrap(), record);
    for cut in 0..bytes.len() {
        assert!(decode::<EvidenceRecord>(&bytes[..cut]).is_err());
    }
    let mut longer = bytes;
    longer.push(0);
    assert!(decode::<EvidenceRecord>(&longer).is_err());
    let (_, event_bytes) = &golden_entries()[2];
    let mut bad_type = event_bytes.clone();
    *bad_type.last_mut().unwrap() = 2;
    assert!(
        decode::<Event>(&bad_type).is_err(),
        "vote type 2 does not exist"
    );
}

#[test]
fn evidence_encodings_match_the_golden_fixtures_and_the_document() {
    let mut rendered = String::from(
        "# Golden encodings of the evidence state record and event (crates/civic/tests/evidence.rs).\n\
         # name hex; regenerate only for a deliberate format change.\n",
    );
    for (name, bytes) in golden_entries() {
        rendered.push_str(&format!("{name} {}\n", hex(&bytes)));
    }
    if std::env::var_os("CIVITAS_UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN_PATH, &rendered).unwrap();
    }
    let golden = std::fs::read_to_string(GOLDEN_PATH).expect("golden file; see the module doc");
    assert_eq!(
        golden, rendered,
        "evidence encodings changed; see the module doc"
    );
    let doc: String = DOC.split_whitespace().collect();
    for (name, bytes) in golden_entries() {
        assert!(
            doc.contains(&hex(&bytes)),
            "docs/civic-transactions.md lacks the `{name}` example"
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
