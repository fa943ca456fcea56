//! What other crates may ask about an account, without knowing the state's key
//! layout.
//!
//! The mempool needs two answers before a transaction is in a block: the
//! account's next sequence, and whether the state already knows the account
//! (so that a flood of fresh keys cannot crowd out the people the chain serves).
//! Both are answered here, from the tables this crate owns; a storage failure
//! is a [`StateFault`], never a default value.

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
