//! Who may connect: the current validators, by their network keys, and the
//! configured observers.

use std::collections::BTreeSet;

use civitas_types::PublicKey;
use libp2p::PeerId;

use crate::P2pError;
use crate::identity::peer_id_of;

/// The peers a node accepts connections from and dials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allowlist {
    validators: BTreeSet<PeerId>,
    observers: BTreeSet<PeerId>,
}

impl Allowlist {
    /// The validators whose network keys are `validator_network_keys`, plus
    /// `observers` (auditors, RPC nodes).
    pub fn new(
        validator_network_keys: &[PublicKey],
        observers: &[PeerId],
    ) -> Result<Allowlist, P2pError> {
        let validators = validator_network_keys
            .iter()
            .map(peer_id_of)
            .collect::<Result<BTreeSet<_>, _>>()?;
        Ok(Allowlist {
            validators,
            observers: observers.iter().copied().collect(),
        })
    }

    /// Whether `peer` may connect.
    pub fn contains(&self, peer: &PeerId) -> bool {
        self.validators.contains(peer) || self.observers.contains(peer)
    }

    /// Whether `peer` is a current validator.
    pub fn is_validator(&self, peer: &PeerId) -> bool {
        self.validators.contains(peer)
    }

    /// Every allowed peer, sorted.
    pub fn peers(&self) -> BTreeSet<PeerId> {
        self.validators.union(&self.observers).copied().collect()
    }

    /// The same observers with the validators whose network keys are
    /// `validator_network_keys`.
    pub fn with_validators(
        &self,
        validator_network_keys: &[PublicKey],
    ) -> Result<Allowlist, P2pError> {
        let observers: Vec<PeerId> = self.observers.iter().copied().collect();
        Allowlist::new(validator_network_keys, &observers)
    }

    /// The peers of `self` that `next` no longer allows.
    pub fn removed_in(&self, next: &Allowlist) -> Vec<PeerId> {
        self.peers().difference(&next.peers()).copied().collect()
    }

    /// The peers of `next` that `self` did not allow.
    pub fn added_in(&self, next: &Allowlist) -> Vec<PeerId> {
        next.peers().difference(&self.peers()).copied().collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use civitas_types::testing::signing_keys;

    fn network_keys(keys: &[civitas_types::SigningKey]) -> Vec<PublicKey> {
        keys.iter().map(|key| key.public_key()).collect()
    }

    #[test]
    fn validators_and_observers_are_allowed_and_nobody_else() {
        let keys = signing_keys(4);
        let observer = peer_id_of(&keys[3].public_key()).unwrap();
        let list = Allowlist::new(&network_keys(&keys[..3]), &[observer]).unwrap();
        for key in &keys[..3] {
            let peer = peer_id_of(&key.public_key()).unwrap();
            assert!(list.contains(&peer) && list.is_validator(&peer));
        }
        assert!(list.contains(&observer) && !list.is_validator(&observer));
        assert!(!list.contains(&PeerId::random()));
        assert_eq!(list.peers().len(), 4);
    }

    #[test]
    fn a_change_of_validator_network_keys_names_who_leaves_and_who_joins() {
        let keys = signing_keys(4);
        let before = Allowlist::new(&network_keys(&keys[..3]), &[]).unwrap();
        let after = before.with_validators(&network_keys(&keys[1..])).unwrap();
        let leaving = peer_id_of(&keys[0].public_key()).unwrap();
        let joining = peer_id_of(&keys[3].public_key()).unwrap();
        assert_eq!(before.removed_in(&after), vec![leaving]);
        assert_eq!(before.added_in(&after), vec![joining]);
        assert!(!after.contains(&leaving));
    }
}
