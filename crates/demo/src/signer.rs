//! Signing demo transactions: each signer's sequences from 0, in the order
//! signed, as on a fresh demo chain.

use std::collections::BTreeMap;

use civitas_civic::Action;
use civitas_genesis::GenesisDocument;
use civitas_types::{
    AccountId, BoundedBytes, ChainId, SignedTransaction, SigningKey, TransactionBody, encode,
};

use crate::{EXPIRY_HEIGHTS, Unfit};

/// Signs actions with each signer's sequences from 0, in the order given.
pub(crate) struct Signer {
    chain_id: ChainId,
    expiry_height: u64,
    next: BTreeMap<AccountId, u64>,
}

impl Signer {
    /// A signer for `genesis`'s chain: expiry [`EXPIRY_HEIGHTS`] after its
    /// initial height.
    pub(crate) fn new(genesis: &GenesisDocument) -> Signer {
        Signer {
            chain_id: genesis.chain_id.clone(),
            expiry_height: genesis.initial_height.saturating_add(EXPIRY_HEIGHTS),
            next: BTreeMap::new(),
        }
    }

    /// `action` signed by `key`'s account with its next sequence.
    pub(crate) fn sign(
        &mut self,
        key: &SigningKey,
        action: &Action,
    ) -> Result<SignedTransaction, Unfit> {
        let signer = AccountId::from_public_key(&key.public_key());
        let sequence = self.next.get(&signer).copied().unwrap_or(0);
        self.next.insert(signer, sequence.saturating_add(1));
        let body = TransactionBody {
            chain_id: self.chain_id.clone(),
            signer,
            sequence,
            expiry_height: self.expiry_height,
            payload: BoundedBytes::try_from_vec(encode(action)).map_err(|_| Unfit("payload"))?,
        };
        SignedTransaction::sign(body, &[key]).map_err(|_| Unfit("signature"))
    }
}
