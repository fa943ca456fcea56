//! Council motions on a demo network ([`crate::genesis_for`]): the council
//! accounts of its collectivities — member 0 is the demo city, member N the
//! partner collectivity N that runs validator N — the partner collectivities
//! a motion may admit, and the signed transactions of a motion (a proposal,
//! then votes). What a localnet's tests and an operator's rehearsal of a
//! validator joining or leaving use.
//!
//! A motion passes when the power in favour exceeds two thirds of the
//! council's: with N members of equal power, `floor(2N/3) + 1` votes.

use civitas_civic::Action;
use civitas_civic::action::{Propose, Vote};
use civitas_civic::governance::GovernanceAction;
use civitas_civic::model::Collectivity;
use civitas_genesis::GenesisDocument;
use civitas_types::{Hash, SignedTransaction, SigningKey};

use crate::accounts::{Who, derive};
use crate::genesis::{partner, partner_council_key};
use crate::signer::Signer;

/// Why a motion's transaction cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MotionError {
    /// The action does not fit a transaction's payload.
    #[error("the action does not fit a transaction")]
    TooLarge,
    /// Partner numbers start at 1 and stay below [`crate::LOCALNET_VALIDATORS_MAX`] × 10.
    #[error("partner collectivity {0} cannot exist")]
    NoSuchPartner(usize),
}

/// The council key of `member`: 0 the demo city, N partner collectivity N.
pub fn member_key(member: usize) -> SigningKey {
    if member == 0 {
        Who::CityCouncil.key()
    } else {
        partner_council_key(member)
    }
}

/// Partner collectivity `number` (1..): the one [`crate::genesis_for`] gives
/// validator `number`, or, beyond the genesis validators, one the council
/// may admit (its council key is [`member_key`]`(number)`).
pub fn partner_collectivity(number: usize) -> Result<Collectivity, MotionError> {
    if number == 0 {
        return Err(MotionError::NoSuchPartner(number));
    }
    partner(number).map_err(|_| MotionError::NoSuchPartner(number))
}

/// Signs the council's proposals and votes, each member's sequences from 0
/// (council accounts sign nothing else on a demo chain).
pub struct Council {
    signer: Signer,
}

impl Council {
    /// The council of `genesis`'s chain.
    pub fn new(genesis: &GenesisDocument) -> Council {
        Council {
            signer: Signer::new(genesis),
        }
    }

    /// `member` proposes `action`, decided by the deliberation named
    /// `deliberation` (its hash goes on chain), open until `expires_at_ms`.
    pub fn propose(
        &mut self,
        member: usize,
        action: GovernanceAction,
        deliberation: &str,
        expires_at_ms: u64,
    ) -> Result<SignedTransaction, MotionError> {
        let propose = Propose {
            action,
            deliberation_hash: Hash(derive("deliberation", deliberation).0),
            expires_at_ms,
        };
        self.sign(member, &Action::Propose(propose))
    }

    /// `member` votes in favour of proposal `proposal_id` (0, 1, … in the
    /// order proposals were committed).
    pub fn vote(
        &mut self,
        member: usize,
        proposal_id: u64,
    ) -> Result<SignedTransaction, MotionError> {
        let vote = Vote {
            proposal_id,
            in_favour: true,
        };
        self.sign(member, &Action::Vote(vote))
    }

    fn sign(&mut self, member: usize, action: &Action) -> Result<SignedTransaction, MotionError> {
        self.signer
            .sign(&member_key(member), action)
            .map_err(|_| MotionError::TooLarge)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use civitas_types::AccountId;
    use civitas_types::testing::signing_keys;

    use super::*;

    #[test]
    fn each_members_key_is_its_collectivitys_council_account() {
        let keys = signing_keys(8);
        let validators: Vec<_> = (0..4)
            .map(|i| (keys[i].public_key(), keys[i + 4].public_key()))
            .collect();
        let genesis = crate::genesis_for(&validators, 1).unwrap();
        for (member, collectivity) in genesis.collectivities.iter().enumerate() {
            let account = AccountId::from_public_key(&member_key(member).public_key());
            assert_eq!(collectivity.council_account, account, "member {member}");
        }
        let fifth = partner_collectivity(4).unwrap();
        assert!(
            genesis
                .collectivities
                .iter()
                .all(|c| c.siren != fifth.siren)
        );
        assert_eq!(
            fifth.council_account,
            AccountId::from_public_key(&member_key(4).public_key())
        );
        assert_eq!(partner_collectivity(0), Err(MotionError::NoSuchPartner(0)));
    }

    #[test]
    fn a_members_transactions_take_consecutive_sequences() {
        let keys = signing_keys(2);
        let genesis = crate::genesis(&keys[0].public_key(), &keys[1].public_key(), 1);
        let mut council = Council::new(&genesis);
        let action = GovernanceAction::RemoveValidator(keys[0].public_key());
        let proposal = council.propose(0, action, "d", 10).unwrap();
        let vote = council.vote(0, 0).unwrap();
        let other = council.vote(1, 0).unwrap();
        assert_eq!((proposal.body.sequence, vote.body.sequence), (0, 1));
        assert_eq!(other.body.sequence, 0);
    }
}
