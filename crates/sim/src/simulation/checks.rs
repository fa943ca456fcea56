//! What the simulation checks when a node commits or refuses a block: the
//! reference re-execution, agreement, certificates, state and receipts
//! roots, civic laws, evidence, and block time.

use civitas_civic::invariants::check_block;
use civitas_engine::ChainStore;
use civitas_engine::{CommittedBlock, InvalidBlock};
use civitas_types::receipt_leaves::receipts_root;
use civitas_types::{Evidence, Hash, QuorumCertificate};
use sha2::Digest;

use super::Simulation;
use crate::checker::{TimeBound, Violation};
use crate::config::Sabotage;
use crate::reference::ReferenceError;
use crate::workload::GENESIS_TIME_MS;

impl Simulation {
    /// Node `node` committed `committed`: honest commits are checked.
    pub(super) fn on_commit(&mut self, node: usize, committed: &CommittedBlock) {
        self.trace.update(committed.height.to_le_bytes());
        self.trace.update(committed.hash.0);
        if !self.nodes[node].is_honest() {
            return;
        }
        let height = committed.height;
        let Some(stored) = self.nodes[node]
            .store()
            .and_then(|store| store.stored(height).cloned())
        else {
            return;
        };
        if !self.checker.canonical.contains_key(&height) {
            self.check_block_time(height, &committed.hash, stored.certificate.round);
            self.extend_reference(node, &stored.block, &stored.certificate);
        }
        let certificate = match self.config.sabotage {
            Some(Sabotage::CutCertificates) => cut_certificate(&stored.certificate),
            _ => stored.certificate.clone(),
        };
        let validators = self.reference.validator_set(height);
        let chain_id = self.spec.chain_id.clone();
        let verifier = &mut self.verifier;
        self.checker
            .on_honest_commit(
                node,
                height,
                committed.hash,
                certificate.hash(),
                || match validators {
                    Some(set) => certificate.verify_each(
                        &chain_id,
                        height,
                        &committed.hash,
                        &set,
                        &mut |k, d, s| civitas_types::SignatureVerifier::verify(verifier, k, d, s),
                    ),
                    None => Ok(0), // the reference was broken below this height
                },
            );
        self.check_execution(node, height, stored.state_root, &stored.receipt_leaves);
    }

    /// Re-executes the first committed block of a height on the reference.
    fn extend_reference(
        &mut self,
        node: usize,
        block: &civitas_types::Block,
        certificate: &QuorumCertificate,
    ) {
        if self.reference.is_broken() || block.header.height != self.reference.next_height() {
            return;
        }
        match self.reference.extend(block, certificate) {
            Ok(_) => {
                let offenders = block.evidence.iter().map(Evidence::offender);
                self.checker.on_canonical_evidence(
                    block.header.height,
                    offenders,
                    &self.byzantine_keys,
                );
            }
            Err(ReferenceError::Invalid(reason)) => {
                self.checker.violations.push(Violation::Validity {
                    node,
                    height: block.header.height,
                    block: block.hash(),
                    reason,
                })
            }
            Err(ReferenceError::Local(error)) => {
                self.checker.violations.push(Violation::ReferenceFailed {
                    height: block.header.height,
                    error,
                })
            }
        }
    }

    /// Node `node`'s roots after `height` against the reference's, and the
    /// civic laws on what it wrote.
    fn check_execution(&mut self, node: usize, height: u64, state_root: Hash, leaves: &[Vec<u8>]) {
        if let Some(roots) = self.reference.roots(height) {
            if state_root != roots.state {
                self.checker.violations.push(Violation::StateDivergence {
                    node,
                    height,
                    expected: roots.state,
                    found: state_root,
                });
            }
            let receipts = receipts_root(leaves);
            if receipts != roots.receipts {
                self.checker.violations.push(Violation::ReceiptsDivergence {
                    node,
                    height,
                    expected: roots.receipts,
                    found: receipts,
                });
            }
        }
        let Some(store) = self.nodes[node].store() else {
            return;
        };
        // The laws are read on the state after the node's last block: a later
        // block of the same input overwrote only what it wrote again.
        let Some(writes) = store.writes_of(height) else {
            return;
        };
        if let Err(error) = check_block(store.memory().state(), writes) {
            self.checker.violations.push(Violation::CivicLaw {
                node,
                height,
                error,
            });
        }
    }

    /// An honest node refused a block: a violation if an honest node built it
    /// — unless a Byzantine proposer replayed it at another height (an honest
    /// proposal always names a block of its own height).
    pub(super) fn on_refused(&mut self, node: usize, hash: Hash, reason: InvalidBlock) {
        if let Some(defect) = self.blocks.defect(&hash)
            && self.nodes[node].is_honest()
        {
            *self.refused.entry(defect).or_insert(0) += 1;
        }
        let built_by_honest = self.blocks.get(&hash).is_some_and(|b| b.by_honest);
        let replayed = matches!(
            reason,
            InvalidBlock::Verify(civitas_verify::VerifyError::WrongHeight { .. })
        );
        if self.nodes[node].is_honest() && built_by_honest && !replayed {
            self.checker.violations.push(Violation::HonestBlockRefused {
                node,
                block: hash,
                reason,
            });
        }
    }

    /// Checks the time of the block first committed at `height` (decided in
    /// `round`) against the previous block's and the PBTS bound of the honest
    /// clocks ([`TimeBound`]).
    fn check_block_time(&mut self, height: u64, block: &Hash, round: u32) {
        let Some(record) = self.blocks.get(block) else {
            return; // never sent as a proposal: nothing to judge it by
        };
        let skews = (0..self.nodes.len())
            .filter(|i| self.nodes[*i].is_honest())
            .map(|i| self.config.clock_skew_ms(i));
        let (slowest, fastest) =
            skews.fold((i64::MAX, i64::MIN), |(lo, hi), s| (lo.min(s), hi.max(s)));
        let params = &self.config.time_params;
        let window_ms = params
            .precision_ms
            .saturating_add(params.message_delay_in_round_ms(round));
        let bound = TimeBound {
            lower_ms: GENESIS_TIME_MS
                .saturating_add(record.sent_at_ms)
                .saturating_add_signed(slowest)
                .saturating_sub(window_ms),
            upper_ms: GENESIS_TIME_MS
                .saturating_add(self.now)
                .saturating_add_signed(fastest)
                .saturating_add(params.precision_ms),
        };
        self.checker
            .on_canonical_time(height, record.time_ms, GENESIS_TIME_MS, bound);
    }
}

/// The certificate with only its first signature (sabotage of a checker check).
fn cut_certificate(certificate: &QuorumCertificate) -> QuorumCertificate {
    let first = certificate.signatures().iter().take(1).copied().collect();
    QuorumCertificate::new(
        certificate.height,
        certificate.round,
        certificate.block_hash,
        first,
    )
    .unwrap_or_else(|_| certificate.clone())
}
