//! Derivation paths, and the Civitas key path with its typed parts.
//!
//! A Civitas key lives at
//! `m/44'/6515062'/network'/purpose'/id_high'/id_mid'/id_low'/rotation'`:
//!
//! - `44'`: the BIP-44 layout (purpose, then coin type);
//! - `6515062'` ([`COIN_TYPE`]): Civitas, `0x636976`, the ASCII bytes `civ`;
//! - `network'` ([`Network`]): which chain, so keys of two networks never coincide;
//! - `purpose'` ([`Purpose`]): the identity key, a programme key or a community key;
//! - `id_high'/id_mid'/id_low'`: the programme or community id (a u64) split
//!   into 22 + 21 + 21 bits ([`split_id`]), since a hardened index holds 31 bits;
//!   all three are 0 for the identity key;
//! - `rotation'` ([`Rotation`]): 0 for the first key, 1 for its replacement, …

use std::fmt;
use std::str::FromStr;

use civitas_types::ChainId;
use sha2::{Digest, Sha256};

use crate::error::DerivationError;
use crate::slip10::HARDENED;

/// BIP-44's purpose index: the level after it is the coin type.
pub const PURPOSE_BIP44: u32 = 44;
/// The coin type chosen for Civitas: `0x636976`, the ASCII bytes `civ`.
pub const COIN_TYPE: u32 = 6_515_062;
/// Bits of a programme or community id carried by `id_high` (bits 63..42).
pub const ID_HIGH_BITS: u32 = 22;
/// Bits carried by `id_mid` (bits 41..21).
pub const ID_MID_BITS: u32 = 21;
/// Bits carried by `id_low` (bits 20..0).
pub const ID_LOW_BITS: u32 = 21;
const ID_HIGH_MAX: u32 = (1 << ID_HIGH_BITS) - 1;
const ID_MID_MAX: u32 = (1 << ID_MID_BITS) - 1;
const ID_LOW_MAX: u32 = (1 << ID_LOW_BITS) - 1;
/// The most levels a derivation path may have (BIP-32 stores the depth in a byte).
pub const PATH_LEVELS_MAX: usize = 255;
/// The largest number a hardened index carries.
const INDEX_MAX: u32 = HARDENED - 1;
/// What `Network::from_chain_id` hashes before the chain id.
const NETWORK_PREFIX: &[u8] = b"civitas-keys/network:";

/// A path of hardened indices, each stored with its hardened bit
/// (`i' = i + 2^31`). Written `m/0'/1'`; `H` is accepted for `'` when parsing.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DerivationPath(Vec<u32>);

impl DerivationPath {
    /// A path from indices that carry the hardened bit.
    pub fn new(indices: Vec<u32>) -> Result<DerivationPath, DerivationError> {
        if indices.len() > PATH_LEVELS_MAX {
            return Err(DerivationError::PathSyntax {
                reason: "more than 255 levels",
            });
        }
        if let Some(&index) = indices.iter().find(|&&i| i < HARDENED) {
            return Err(DerivationError::NotHardened { index });
        }
        Ok(DerivationPath(indices))
    }

    /// The indices, each with its hardened bit.
    pub fn indices(&self) -> &[u32] {
        &self.0
    }
}

impl FromStr for DerivationPath {
    type Err = DerivationError;
    fn from_str(text: &str) -> Result<DerivationPath, DerivationError> {
        let mut levels = text.split('/');
        if levels.next() != Some("m") {
            return Err(DerivationError::PathSyntax {
                reason: "it does not start with `m`",
            });
        }
        let mut indices = Vec::new();
        for level in levels {
            if indices.len() >= PATH_LEVELS_MAX {
                return Err(DerivationError::PathSyntax {
                    reason: "more than 255 levels",
                });
            }
            let (digits, hardened) = match level.strip_suffix(['\'', 'H']) {
                Some(digits) => (digits, true),
                None => (level, false),
            };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(DerivationError::PathSyntax {
                    reason: "a level is not a decimal number",
                });
            }
            let value: u64 = digits
                .parse()
                .map_err(|_| DerivationError::IndexOutOfRange {
                    what: "index",
                    value: u64::MAX,
                })?;
            let index = u32::try_from(value)
                .ok()
                .filter(|&i| i <= INDEX_MAX)
                .ok_or(DerivationError::IndexOutOfRange {
                    what: "index",
                    value,
                })?;
            if !hardened {
                return Err(DerivationError::NotHardened { index });
            }
            indices.push(index | HARDENED);
        }
        Ok(DerivationPath(indices))
    }
}

impl fmt::Display for DerivationPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("m")?;
        for index in &self.0 {
            write!(f, "/{}'", index & INDEX_MAX)?;
        }
        Ok(())
    }
}

impl fmt::Debug for DerivationPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DerivationPath({self})")
    }
}

/// Which network (chain) a key is for: a number below 2^31.
///
/// Two networks with different indices give a citizen unrelated keys, so a
/// citizen of two networks is not linked by the same key appearing on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Network(u32);

impl Network {
    /// The network with index `index` (at most 2^31 − 1).
    pub fn new(index: u32) -> Result<Network, DerivationError> {
        if index > INDEX_MAX {
            return Err(DerivationError::IndexOutOfRange {
                what: "network",
                value: u64::from(index),
            });
        }
        Ok(Network(index))
    }

    /// The index of the network named `chain_id`: the first four bytes of
    /// `SHA-256("civitas-keys/network:" ‖ chain id)`, big-endian, with the top
    /// bit cleared. Every network gets an index without a registry; a network
    /// keeps the index of its first chain id if its chain id ever changes.
    pub fn from_chain_id(chain_id: &ChainId) -> Network {
        let digest = Sha256::new()
            .chain_update(NETWORK_PREFIX)
            .chain_update(chain_id.as_str().as_bytes())
            .finalize();
        let mut first = [0u8; 4];
        for (to, from) in first.iter_mut().zip(digest.iter()) {
            *to = *from;
        }
        Network(u32::from_be_bytes(first) & INDEX_MAX)
    }

    /// The index, without the hardened bit.
    pub fn index(self) -> u32 {
        self.0
    }
}

/// What a key is for; its index is the path's `purpose'` level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Purpose {
    /// The citizen's main account (id 0): e.g. a record owner's key. Never a
    /// programme or meter key (docs/privacy.md, "Pseudonyms").
    Identity = 0,
    /// A social-aid programme pseudonym: the beneficiary key of one programme
    /// (and, for a programme with `residency_required`, its resident key).
    Programme = 1,
    /// An energy community pseudonym: the meter owner key in one community.
    Community = 2,
}

impl Purpose {
    /// The index, without the hardened bit.
    pub fn index(self) -> u32 {
        self as u32
    }

    /// The purpose with index `index`.
    pub fn from_index(index: u32) -> Result<Purpose, DerivationError> {
        match index {
            0 => Ok(Purpose::Identity),
            1 => Ok(Purpose::Programme),
            2 => Ok(Purpose::Community),
            value => Err(DerivationError::UnknownPurpose { value }),
        }
    }
}

/// Which generation of a key: 0 for the first, 1 for the key that replaces
/// it, and so on (at most 2^31 − 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rotation(u32);

impl Rotation {
    /// The first key.
    pub const FIRST: Rotation = Rotation(0);

    /// Rotation number `index` (at most 2^31 − 1).
    pub fn new(index: u32) -> Result<Rotation, DerivationError> {
        if index > INDEX_MAX {
            return Err(DerivationError::IndexOutOfRange {
                what: "rotation",
                value: u64::from(index),
            });
        }
        Ok(Rotation(index))
    }

    /// The index, without the hardened bit.
    pub fn index(self) -> u32 {
        self.0
    }
}

/// Splits a programme or community id into `[id_high, id_mid, id_low]`:
/// `id >> 42` (22 bits), `(id >> 21) & 0x1fffff` (21 bits), `id & 0x1fffff`
/// (21 bits). Every u64 fits, each part below 2^31.
pub fn split_id(id: u64) -> [u32; 3] {
    // Each value fits its width by the shift or the mask; the casts lose nothing.
    [
        (id >> (ID_MID_BITS + ID_LOW_BITS)) as u32,
        ((id >> ID_LOW_BITS) as u32) & ID_MID_MAX,
        (id as u32) & ID_LOW_MAX,
    ]
}

/// Joins `[id_high, id_mid, id_low]` back into an id, refusing a part wider
/// than its share (which [`split_id`] never produces).
pub fn join_id(parts: [u32; 3]) -> Result<u64, DerivationError> {
    let [high, mid, low] = parts;
    for (part, value, bits, max) in [
        ("id_high", high, ID_HIGH_BITS, ID_HIGH_MAX),
        ("id_mid", mid, ID_MID_BITS, ID_MID_MAX),
        ("id_low", low, ID_LOW_BITS, ID_LOW_MAX),
    ] {
        if value > max {
            return Err(DerivationError::IdOutOfRange {
                part,
                value,
                bits,
                max,
            });
        }
    }
    Ok((u64::from(high) << (ID_MID_BITS + ID_LOW_BITS))
        | (u64::from(mid) << ID_LOW_BITS)
        | u64::from(low))
}

/// Where one Civitas key lives: network, purpose, id and rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyPath {
    /// The network (chain).
    pub network: Network,
    /// What the key is for.
    pub purpose: Purpose,
    /// The programme or community id; 0 for the identity key.
    pub id: u64,
    /// Which generation of the key.
    pub rotation: Rotation,
}

impl KeyPath {
    /// The citizen's identity key.
    pub fn identity(network: Network, rotation: Rotation) -> KeyPath {
        KeyPath {
            network,
            purpose: Purpose::Identity,
            id: 0,
            rotation,
        }
    }

    /// The key for aid programme `programme_id`.
    pub fn programme(network: Network, programme_id: u64, rotation: Rotation) -> KeyPath {
        KeyPath {
            network,
            purpose: Purpose::Programme,
            id: programme_id,
            rotation,
        }
    }

    /// The key for energy community `community_id`.
    pub fn community(network: Network, community_id: u64, rotation: Rotation) -> KeyPath {
        KeyPath {
            network,
            purpose: Purpose::Community,
            id: community_id,
            rotation,
        }
    }

    /// The levels below `m/44'/6515062'`, hardened: network, purpose, the three
    /// parts of the id, rotation.
    pub fn account_levels(&self) -> [u32; 6] {
        let [high, mid, low] = split_id(self.id);
        [
            self.network.index(),
            self.purpose.index(),
            high,
            mid,
            low,
            self.rotation.index(),
        ]
        .map(|index| index | HARDENED)
    }

    /// The whole path from the master node.
    pub fn derivation_path(&self) -> DerivationPath {
        let mut indices = vec![PURPOSE_BIP44 | HARDENED, COIN_TYPE | HARDENED];
        indices.extend(self.account_levels());
        DerivationPath(indices)
    }

    /// The Civitas key at `path`, or why `path` is not one.
    pub fn from_derivation_path(path: &DerivationPath) -> Result<KeyPath, DerivationError> {
        let levels: Vec<u32> = path.indices().iter().map(|i| i & INDEX_MAX).collect();
        let [bip44, coin, network, purpose, high, mid, low, rotation] =
            <[u32; 8]>::try_from(levels).map_err(|_| DerivationError::NotCivitasPath {
                reason: "it does not have 8 levels",
            })?;
        if bip44 != PURPOSE_BIP44 || coin != COIN_TYPE {
            return Err(DerivationError::NotCivitasPath {
                reason: "it does not start with m/44'/6515062'",
            });
        }
        let key = KeyPath {
            network: Network::new(network)?,
            purpose: Purpose::from_index(purpose)?,
            id: join_id([high, mid, low])?,
            rotation: Rotation::new(rotation)?,
        };
        if key.purpose == Purpose::Identity && key.id != 0 {
            return Err(DerivationError::NotCivitasPath {
                reason: "the identity key has id 0",
            });
        }
        Ok(key)
    }
}

impl FromStr for KeyPath {
    type Err = DerivationError;
    fn from_str(text: &str) -> Result<KeyPath, DerivationError> {
        KeyPath::from_derivation_path(&text.parse()?)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.derivation_path().fmt(f)
    }
}
