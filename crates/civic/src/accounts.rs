//! What other crates may ask about an account, without knowing the state's key
//! layout.
//!
//! The mempool needs two answers before a transaction is in a block: the
//! account's next sequence, and whether the state already knows the account
//! (so that a flood of fresh keys cannot crowd out the people the chain serves).
//! Both are answered here, from the tables this crate owns; a storage failure
//! is a [`StateFault`], never a default value.

use std::collections::BTreeSet;

use civitas_types::AccountId;

use crate::keys;
use crate::model::AccountState;
use crate::state::{Overlay, StateFault, StateRead};

/// The sequence number `account`'s next transaction must carry: 0 for an
/// account the state has never seen.
pub fn account_sequence<S: StateRead>(state: &S, account: &AccountId) -> Result<u64, StateFault> {
    let overlay = Overlay::new(state);
    let bookkeeping: Option<AccountState> = overlay.get(&keys::account(account))?;
    Ok(bookkeeping.map_or(0, |entry| entry.next_sequence))
}

/// Whether the state knows `account`: it has account bookkeeping (one of its
/// transactions was included, or it is a multisig account), a multisig policy,
/// a pseudonym use (an enrolled beneficiary or a registered meter owner), or it
/// is a collectivity's council account.
///
/// An official or merchant whose role was granted but who never had a
/// transaction included is not known yet: role grants are keyed by role and
/// scope, which an account alone does not name.
pub fn is_known_account<S: StateRead>(state: &S, account: &AccountId) -> Result<bool, StateFault> {
    let overlay = Overlay::new(state);
    for key in [
        keys::account(account),
        keys::multisig(account),
        keys::pseudonym_use(account),
        keys::council_account(account),
    ] {
        if overlay.contains(&key)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Most distinct signers in one block that the state did not know before the
/// block ([`is_known_account`] on the block's parent state). Every included
/// transaction leaves a permanent account entry for its signer, so this bounds
/// how many entries a block can add on behalf of fresh keys, whoever proposes
/// it. (How many transactions each may carry is the mempool's per-account cap.)
pub const UNKNOWN_SIGNERS_PER_BLOCK_MAX: usize = 256;

/// Checks the block rule [`UNKNOWN_SIGNERS_PER_BLOCK_MAX`] over the signers of
/// a block's transactions, against the state before the block. Returns the
/// number of distinct unknown signers when it is over the bound.
pub(crate) fn check_unknown_signers<'a, S: StateRead>(
    state: &S,
    signers: impl IntoIterator<Item = &'a AccountId>,
) -> Result<Result<(), usize>, StateFault> {
    let mut seen = BTreeSet::new();
    let mut unknown = 0usize;
    for signer in signers {
        if seen.insert(signer) && !is_known_account(state, signer)? {
            unknown = unknown.saturating_add(1);
        }
    }
    Ok(if unknown > UNKNOWN_SIGNERS_PER_BLOCK_MAX {
        Err(unknown)
    } else {
        Ok(())
    })
}
