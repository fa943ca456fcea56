//! The smallest valid civic state (one collectivity and one validator), keys
//! derived from an index, and transactions of a harmless action.
#![allow(dead_code)]

use civitas_civic::action::RevokeDelegation;
use civitas_civic::model::{
    AccountState, ChainParameters, Collectivity, Role, Scope, Siren, ValidatorEntry,
};
use civitas_civic::{Action, BlockContext, GenesisState, MemoryState, keys};
use civitas_types::{
    AccountId, BoundedBytes, ChainId, PublicKey, SignedTransaction, SigningKey, TransactionBody,
    encode,
};

/// The collectivity of the test state.
pub const SIREN: Siren = Siren(200_046_977);

/// A genesis state whose only validator is `validator`.
pub fn genesis(validator: PublicKey) -> MemoryState {
    GenesisState {
        collectivities: vec![Collectivity {
            siren: SIREN,
            name: BoundedBytes::try_from_vec(b"Ville".to_vec()).expect("short name"),
            voting_power: 1,
            council_account: AccountId([9; 32]),
        }],
        validators: vec![ValidatorEntry {
            public_key: validator,
            network_key: civitas_types::SigningKey::from_seed(&[0xEE; 32]).public_key(),
            power: 1,
            siren: SIREN,
        }],
        parameters: ChainParameters::default(),
        ..Default::default()
    }
    .build()
    .expect("valid genesis")
}

/// The test chain.
pub fn chain_id() -> ChainId {
    ChainId::new("civitas-test").expect("valid chain id")
}

/// The key of index `i`: its seed is derived from the index, so a hundred
/// thousand keys cost nothing to make.
pub fn indexed_key(i: u32) -> SigningKey {
    let mut seed = [0x6b; 32];
    seed[..4].copy_from_slice(&i.to_le_bytes());
    SigningKey::from_seed(&seed)
}

/// The account of [`indexed_key`] `i`.
pub fn indexed_account(i: u32) -> AccountId {
    AccountId::from_public_key(&indexed_key(i).public_key())
}

/// The context of the next block at `height`.
pub fn context_at(height: u64) -> BlockContext {
    BlockContext {
        chain_id: chain_id(),
        height,
        time_ms: height * 1_000,
        protocol_version: civitas_types::PROTOCOL_VERSION,
    }
}

/// A harmless action (it fails in execution; admission does not look inside).
pub fn harmless_action() -> Action {
    Action::RevokeDelegation(RevokeDelegation {
        role: Role::Registrar,
        scope: Scope::Collectivity(SIREN),
        delegate: AccountId([1; 32]),
    })
}

/// A transaction of [`indexed_key`] `signer` at `sequence`, valid until height 1,000.
pub fn indexed_transaction(signer: u32, sequence: u64) -> SignedTransaction {
    let key = indexed_key(signer);
    let body = TransactionBody {
        chain_id: chain_id(),
        signer: AccountId::from_public_key(&key.public_key()),
        sequence,
        expiry_height: 1_000,
        payload: BoundedBytes::try_from_vec(encode(&harmless_action())).expect("small payload"),
    };
    SignedTransaction::sign(body, &[&key]).expect("one signature")
}

/// Records account bookkeeping for `account` in `state`: the state knows it.
pub fn make_known(state: &mut MemoryState, account: &AccountId) {
    state
        .entries
        .insert(keys::account(account), encode(&AccountState::default()));
}
