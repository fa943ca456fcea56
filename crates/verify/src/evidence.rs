//! The evidence a block carries, checked without the state: each piece passes
//! the protocol's rules ([`Evidence::check`]: chain, a past height, not expired,
//! the offender a validator of that height, both signatures) against the set and
//! time of its own height, and no offence appears twice in the block.
//!
//! Whether an offence was already recorded by an earlier block is the state's
//! business: re-execution (civic `record_block_evidence`) checks it.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use civitas_civic::{InvalidEvidence, ValidatorSets};
use civitas_types::{Block, Evidence, Inclusion, OffenceHeight};

use crate::block::Expected;
use crate::error::VerifyError;

/// Checks every piece of evidence in `block`, in block order; the first
/// failure is returned.
pub(crate) fn check_evidence(
    expected: &Expected<'_>,
    past: &dyn ValidatorSets,
    block: &Block,
) -> Result<(), VerifyError> {
    let height = block.header.height;
    let mut seen = BTreeMap::new();
    for (index, item) in block.evidence.iter().enumerate() {
        let invalid = |source| VerifyError::Evidence {
            height,
            index,
            source,
        };
        match seen.entry(item.offence()) {
            Entry::Occupied(first) => {
                return Err(invalid(InvalidEvidence::RepeatedInBlock {
                    first_index: *first.get(),
                }));
            }
            Entry::Vacant(slot) => {
                slot.insert(index);
            }
        }
        check_one(expected, past, block, item)?.map_err(invalid)?;
    }
    Ok(())
}

/// One piece against its height: `Ok(Err(_))` when the block may not carry
/// it, `Err(_)` when the verifier could not read the past height.
fn check_one(
    expected: &Expected<'_>,
    past: &dyn ValidatorSets,
    block: &Block,
    evidence: &Evidence,
) -> Result<Result<(), InvalidEvidence>, VerifyError> {
    let height = block.header.height;
    let evidence_height = evidence.height();
    let inclusion = Inclusion {
        chain_id: expected.chain_id,
        height,
        time_ms: block.header.time_ms,
        params: expected.evidence_params,
    };
    // Evidence at or above the block's own height is refused before any
    // lookup: nothing is known of heights not yet verified.
    if evidence_height >= height {
        return Ok(Err(civitas_types::EvidenceRejection::FromTheFuture {
            height: evidence_height,
            current_height: height,
        }
        .into()));
    }
    let known = past
        .at(evidence_height)
        .map_err(|error| VerifyError::PastHeightUnreadable {
            height,
            evidence_height,
            error,
        })?;
    let Some(known) = known else {
        return Ok(Err(InvalidEvidence::UnknownHeight {
            height: evidence_height,
        }));
    };
    let offence_height = OffenceHeight {
        validator_set: &known.validator_set,
        time_ms: known.time_ms,
    };
    Ok(evidence
        .check(&inclusion, &offence_height)
        .map_err(InvalidEvidence::from))
}
