//! Placeholder while the keystore is written.

use civitas_types::{ChainId, SigningKey};

use crate::context::Context;
use crate::exit::CliError;

/// Which key of a keystore entry signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Derivation {
    /// The entry's identity key.
    Identity,
    /// The entry's key for this aid programme.
    Programme(u64),
    /// The entry's key for this energy community.
    Community(u64),
}

/// The signing key of entry `name`.
pub fn signing_key(
    _context: &Context,
    name: &str,
    _derivation: Derivation,
    _chain_id: &ChainId,
) -> Result<SigningKey, CliError> {
    Err(CliError::failure(format!("no key named {name}")))
}
