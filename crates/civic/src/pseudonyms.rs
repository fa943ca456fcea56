//! Keeping a citizen's pseudonyms apart (docs/privacy.md).
//!
//! A citizen uses a separate key for each programme and energy community, so
//! nothing on chain links them. The chain enforces the two halves of that it
//! can see: a key serves one programme or community only
//! ([`claim`], `PseudonymInUse`), and an identity commitment is enrolled for one
//! resident pseudonym only ([`claim_commitment`], `CommitmentReused`) — an office
//! that reused a salt would otherwise publish the same value under two
//! pseudonyms. Residency is attested per pseudonym: the identity registrar
//! enrols each programme key as a resident with its own salted commitment.

use civitas_types::{AccountId, Hash};

use crate::codes::Code;
use crate::handler::Failure;
use crate::keys;
use crate::model::{Scope, Siren};
use crate::state::{Overlay, StateRead};

/// Records that `account` serves `scope` (a programme or community); refuses a
/// key that already serves another one.
pub fn claim<S: StateRead>(
    state: &mut Overlay<'_, S>,
    account: &AccountId,
    scope: Scope,
) -> Result<(), Failure> {
    let key = keys::pseudonym_use(account);
    match state.get::<Scope>(&key)? {
        Some(serving) if serving == scope => Ok(()),
        Some(_) => Err(Code::PseudonymInUse.into()),
        None => {
            state.put(key, &scope);
            Ok(())
        }
    }
}

/// Records that `commitment` is `resident`'s in `collectivity`; refuses one
/// already enrolled for another account (revoked or not: a commitment is never
/// reused).
pub fn claim_commitment<S: StateRead>(
    state: &mut Overlay<'_, S>,
    collectivity: &Siren,
    commitment: &Hash,
    resident: &AccountId,
) -> Result<(), Failure> {
    let key = keys::resident_commitment(collectivity, commitment);
    match state.get::<AccountId>(&key)? {
        Some(owner) if owner == *resident => Ok(()),
        Some(_) => Err(Code::CommitmentReused.into()),
        None => {
            state.put(key, resident);
            Ok(())
        }
    }
}
