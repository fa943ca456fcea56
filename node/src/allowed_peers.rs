//! Who may connect, as governance changes the validators: the network keys
//! the node hands `civitas-p2p`'s allowlist after every commit.
//!
//! A validator-set change is decided in one block and applies
//! `validator_change_delay` heights later. Between the two:
//! - a validator **scheduled to join** is already in the civic registry (the
//!   state key `keys::validators()`), so it is admitted at once and syncs the
//!   chain before its activation height;
//! - a validator **being removed** is gone from the registry but still signs
//!   until the activation height, so it stays admitted until then, under the
//!   network key it had in the set it still belongs to.
//!
//! The allowed keys at height `h` are therefore the registry's network keys
//! plus, for each validator of the set in force at `h` that the registry no
//! longer holds, its network key in that set. The consensus sets carry no
//! network keys (nor collectivities), so this history keeps, for each set's
//! activation height, the registry as it was when the set was decided, in a
//! file beside the validator sets; `civitas_getValidators` reads it too. A network key rotated by
//! governance (which applies at once) is read from the registry, never from
//! the history, so the old key leaves at once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use civitas_civic::model::{ValidatorEntry, ValidatorRegistry};
use civitas_civic::{Overlay, StateRead, keys};
use civitas_types::{PublicKey, decode, encode};

use crate::home::write_durably;

/// (consensus key, network key) of every validator of one registry.
pub type NetworkKeys = BTreeMap<PublicKey, PublicKey>;

/// Why the history cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The file does not decode.
    #[error(
        "{path} does not decode ({reason}); restore the data directory from a backup or a verified snapshot"
    )]
    Corrupt {
        /// The file.
        path: String,
        /// What the decoder said.
        reason: String,
    },
    /// The registry in state does not decode.
    #[error("the validator registry in state does not decode: {0}")]
    Registry(String),
    /// The file could not be read or written.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Each validator set's registry entries, by activation height.
pub struct NetworkKeyHistory {
    path: PathBuf,
    sets: BTreeMap<u64, Vec<ValidatorEntry>>,
}

/// The registry in `state`.
pub fn registry(state: &impl StateRead) -> Result<Vec<ValidatorEntry>, HistoryError> {
    let registry: ValidatorRegistry = Overlay::new(state)
        .get(&keys::validators())
        .map_err(|e| HistoryError::Registry(e.to_string()))?
        .unwrap_or_default();
    Ok(registry.into_vec())
}

/// The registry in `state`, as consensus key → network key.
pub fn registry_keys(state: &impl StateRead) -> Result<NetworkKeys, HistoryError> {
    Ok(registry(state)?
        .iter()
        .map(|v| (v.public_key, v.network_key))
        .collect())
}

impl NetworkKeyHistory {
    /// Reads the history at `path`. A missing file (a new home, or one made
    /// before this file existed) starts from `activations`, each given the
    /// registry in `state`: exact for a new home (the genesis registry) and
    /// for any home whose last set change has taken effect.
    pub fn open(
        path: PathBuf,
        activations: impl IntoIterator<Item = u64>,
        state: &impl StateRead,
    ) -> Result<NetworkKeyHistory, HistoryError> {
        let sets = match std::fs::read(&path) {
            Ok(bytes) => decode(&bytes).map_err(|e| HistoryError::Corrupt {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(e.into()),
        };
        let mut history = NetworkKeyHistory { path, sets };
        let current = registry(state)?;
        let missing: Vec<u64> = activations
            .into_iter()
            .filter(|height| !history.sets.contains_key(height))
            .collect();
        if !missing.is_empty() {
            // A crash between a set change's commit and this file's write
            // leaves that change missing; the state is then the registry
            // that decided it.
            for height in missing {
                history.sets.insert(height, current.clone());
            }
            history.save()?;
        }
        Ok(history)
    }

    /// Records the registry in `state` as the entries of the set that
    /// activates at `activation_height`.
    pub fn record(
        &mut self,
        activation_height: u64,
        state: &impl StateRead,
    ) -> Result<(), HistoryError> {
        self.sets.insert(activation_height, registry(state)?);
        self.save()
    }

    fn save(&self) -> Result<(), HistoryError> {
        write_durably(&self.path, &encode(&self.sets))?;
        Ok(())
    }

    /// The network keys allowed to connect while `height` is decided: the
    /// registry's (current and scheduled validators) and those of the
    /// validators `in_force` at `height` that the registry no longer holds
    /// (leaving at the set's activation height), sorted.
    pub fn allowed(
        &self,
        height: u64,
        in_force: &[PublicKey],
        state: &impl StateRead,
    ) -> Result<Vec<PublicKey>, HistoryError> {
        let registry = registry_keys(state)?;
        let mut allowed: BTreeSet<PublicKey> = registry.values().copied().collect();
        let recorded = self.entries(height).unwrap_or_default();
        for validator in in_force {
            if registry.contains_key(validator) {
                continue;
            }
            if let Some(entry) = recorded.iter().find(|e| e.public_key == *validator) {
                allowed.insert(entry.network_key);
            }
        }
        Ok(allowed.into_iter().collect())
    }

    /// The registry entries of the set in force at `height` (network keys
    /// and collectivities as the set was decided), if recorded.
    pub fn entries(&self, height: u64) -> Option<&[ValidatorEntry]> {
        self.sets
            .range(..=height)
            .next_back()
            .map(|(_, entries)| entries.as_slice())
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )]
    use std::collections::BTreeMap;

    use civitas_civic::model::{Siren, ValidatorEntry, ValidatorRegistry};
    use civitas_civic::{StorageError, keys};
    use civitas_types::testing::signing_keys;
    use civitas_types::{PublicKey, encode};

    use super::*;

    struct State(BTreeMap<Vec<u8>, Vec<u8>>);

    impl StateRead for State {
        fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
            Ok(self.0.get(key).cloned())
        }
    }

    /// A state whose registry holds (consensus, network) `entries`.
    fn state(entries: &[(PublicKey, PublicKey)]) -> State {
        let registry = ValidatorRegistry::try_from_vec(
            entries
                .iter()
                .map(|(public_key, network_key)| ValidatorEntry {
                    public_key: *public_key,
                    network_key: *network_key,
                    power: 10,
                    siren: Siren(219_900_016),
                })
                .collect(),
        )
        .unwrap();
        State(BTreeMap::from([(keys::validators(), encode(&registry))]))
    }

    struct Keys {
        consensus: Vec<PublicKey>,
        network: Vec<PublicKey>,
    }

    fn keys_of(n: u8) -> Keys {
        let all = signing_keys(2 * n);
        let n = usize::from(n);
        Keys {
            consensus: all[..n].iter().map(|k| k.public_key()).collect(),
            network: all[n..].iter().map(|k| k.public_key()).collect(),
        }
    }

    fn pairs(keys: &Keys, which: &[usize]) -> Vec<(PublicKey, PublicKey)> {
        which
            .iter()
            .map(|&i| (keys.consensus[i], keys.network[i]))
            .collect()
    }

    fn sorted(mut keys: Vec<PublicKey>) -> Vec<PublicKey> {
        keys.sort();
        keys
    }

    #[test]
    fn a_removed_validator_stays_allowed_until_its_removal_applies_and_a_joining_one_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let k = keys_of(5);
        let genesis = state(&pairs(&k, &[0, 1, 2, 3]));
        let mut history = NetworkKeyHistory::open(dir.path().join("keys"), [1], &genesis).unwrap();
        // Height 10 decides: 4 joins, 3 leaves, from height 12.
        let changed = state(&pairs(&k, &[0, 1, 2, 4]));
        history.record(12, &changed).unwrap();
        let old_set = &k.consensus[..4];
        let new_set = [
            k.consensus[0],
            k.consensus[1],
            k.consensus[2],
            k.consensus[4],
        ];
        let before = history.allowed(11, old_set, &changed).unwrap();
        assert_eq!(before, sorted(k.network.clone()), "3 still signs, 4 syncs");
        let after = history.allowed(12, &new_set, &changed).unwrap();
        assert_eq!(
            after,
            sorted(vec![k.network[0], k.network[1], k.network[2], k.network[4]])
        );
    }

    #[test]
    fn a_rotated_network_key_replaces_the_old_one_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let k = keys_of(3);
        let genesis = state(&pairs(&k, &[0, 1]));
        let history = NetworkKeyHistory::open(dir.path().join("keys"), [1], &genesis).unwrap();
        let rotated = state(&[
            (k.consensus[0], k.network[0]),
            (k.consensus[1], k.network[2]),
        ]);
        let allowed = history.allowed(5, &k.consensus[..2], &rotated).unwrap();
        assert_eq!(allowed, sorted(vec![k.network[0], k.network[2]]));
    }

    #[test]
    fn the_history_survives_a_restart_and_a_missing_change_is_filled_from_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        let k = keys_of(4);
        let genesis = state(&pairs(&k, &[0, 1, 2, 3]));
        let mut history = NetworkKeyHistory::open(path.clone(), [1], &genesis).unwrap();
        let changed = state(&pairs(&k, &[0, 1, 2]));
        history.record(7, &changed).unwrap();
        drop(history);
        // Reopened with the registry after the change: set 1 keeps validator 3.
        let reopened = NetworkKeyHistory::open(path.clone(), [1, 7], &changed).unwrap();
        let allowed = reopened.allowed(6, &k.consensus, &changed).unwrap();
        assert!(allowed.contains(&k.network[3]));
        // A crash lost the record of a change activating at 9: filled from state.
        let reopened = NetworkKeyHistory::open(path, [1, 7, 9], &changed).unwrap();
        assert_eq!(reopened.sets.len(), 3);
    }

    #[test]
    fn a_damaged_history_file_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        std::fs::write(&path, b"\xff\xff").unwrap();
        let error = NetworkKeyHistory::open(path, [1], &state(&[]))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("restore the data directory"), "{error}");
    }
}
