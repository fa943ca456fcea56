//! A citizen's keys: from one recovery phrase, the identity key and one key
//! per programme and per energy community, on any network, in any rotation.

use civitas_types::{AccountId, PublicKey};
use ed25519_dalek::SigningKey;

use crate::error::PhraseError;
use crate::path::{COIN_TYPE, KeyPath, Network, PURPOSE_BIP44, Rotation};
use crate::phrase::{RecoveryPhrase, Seed};
use crate::slip10::ExtendedKey;

/// The node `m/44'/6515062'` of a citizen's seed, from which every Civitas key
/// is derived. Wiped when dropped; `Debug` does not show it.
#[derive(Clone, Debug)]
pub struct CitizenKeys {
    coin: ExtendedKey,
}

impl CitizenKeys {
    /// Reads a typed recovery phrase and derives under `passphrase` ("" for
    /// none).
    pub fn from_phrase(phrase: &str, passphrase: &str) -> Result<CitizenKeys, PhraseError> {
        Ok(CitizenKeys::from_recovery_phrase(
            &RecoveryPhrase::parse(phrase)?,
            passphrase,
        ))
    }

    /// The keys of a checked phrase under `passphrase` ("" for none).
    pub fn from_recovery_phrase(phrase: &RecoveryPhrase, passphrase: &str) -> CitizenKeys {
        CitizenKeys::from_seed(&phrase.seed(passphrase))
    }

    /// The keys of a 64-byte BIP-39 seed.
    pub fn from_seed(seed: &Seed) -> CitizenKeys {
        let master = ExtendedKey::master_of_bip39_seed(seed.as_bytes());
        CitizenKeys {
            coin: master
                .hardened_child(PURPOSE_BIP44)
                .hardened_child(COIN_TYPE),
        }
    }

    /// The citizen's identity key on `network`.
    pub fn identity_key(&self, network: Network, rotation: Rotation) -> SigningKey {
        self.key(&KeyPath::identity(network, rotation))
    }

    /// The citizen's key for aid programme `programme_id` on `network`.
    pub fn programme_key(
        &self,
        network: Network,
        programme_id: u64,
        rotation: Rotation,
    ) -> SigningKey {
        self.key(&KeyPath::programme(network, programme_id, rotation))
    }

    /// The citizen's key for energy community `community_id` on `network`.
    pub fn community_key(
        &self,
        network: Network,
        community_id: u64,
        rotation: Rotation,
    ) -> SigningKey {
        self.key(&KeyPath::community(network, community_id, rotation))
    }

    /// The key at `path`.
    pub fn key(&self, path: &KeyPath) -> SigningKey {
        let mut node = self.coin.clone();
        for index in path.account_levels() {
            node = node.hardened_child(index);
        }
        node.signing_key()
    }
}

/// The Civitas public key of a signing key.
pub fn public_key(key: &SigningKey) -> PublicKey {
    PublicKey(key.verifying_key().to_bytes())
}

/// The account id of a signing key (the account of its public key).
pub fn account_id(key: &SigningKey) -> AccountId {
    AccountId::from_public_key(&public_key(key))
}

/// The same key as `civitas_types`' signing key, to sign transactions.
pub fn to_civitas_signing_key(key: &SigningKey) -> civitas_types::SigningKey {
    civitas_types::SigningKey::from_seed(key.as_bytes())
}
