//! A node's network identity.
//!
//! The libp2p keypair of a node is its *network key*, an ed25519 key of its own,
//! never its consensus key: the consensus key can then live in a remote signer,
//! and rotating it does not change the node's peer id. Each validator's network
//! public key is in the civic validator registry (`ValidatorEntry::network_key`,
//! rotated by governance), so the allowlist follows governance without a
//! registry of its own (docs/decisions/0011-network-identity.md).

use civitas_types::{PublicKey, SigningKey};
use libp2p::PeerId;
use libp2p::identity::{Keypair, ed25519};

use crate::P2pError;

/// The libp2p keypair of the node whose network key is `key`.
pub fn network_keypair(key: &SigningKey) -> Result<Keypair, P2pError> {
    let mut seed = key.seed();
    Keypair::ed25519_from_bytes(&mut seed).map_err(|error| P2pError::NodeKey(Box::new(error)))
}

/// The peer id of the node whose network key is `public_key`.
pub fn peer_id_of(public_key: &PublicKey) -> Result<PeerId, P2pError> {
    let key = ed25519::PublicKey::try_from_bytes(&public_key.0)
        .map_err(|_| P2pError::PeerKey(*public_key))?;
    Ok(libp2p::identity::PublicKey::from(key).to_peer_id())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_peer_id_of_a_public_key_is_the_peer_id_of_its_keypair() {
        let key = SigningKey::from_seed(&[7; 32]);
        let from_keypair = network_keypair(&key).unwrap().public().to_peer_id();
        assert_eq!(peer_id_of(&key.public_key()).unwrap(), from_keypair);
        let other = SigningKey::from_seed(&[8; 32]);
        assert_ne!(peer_id_of(&other.public_key()).unwrap(), from_keypair);
    }

    #[test]
    fn a_key_off_the_curve_cannot_name_a_peer() {
        // y = 2 is not the y-coordinate of a curve point.
        let mut bytes = [0u8; 32];
        bytes[0] = 2;
        assert!(matches!(
            peer_id_of(&PublicKey(bytes)),
            Err(P2pError::PeerKey(_))
        ));
    }
}
