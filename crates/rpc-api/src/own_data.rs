//! A citizen's own data: readable by a query signed with that account's key
//! (like Iroha's signed queries), or by a credentialed caller.
//!
//! The signature covers the domain `civitas-query/v1`, the chain id, the
//! method, the canonical encoding of its parameters and a recent committed
//! height: a signed query answers only that question, on that chain, and
//! only while the height is at most [`QUERY_HEIGHT_WINDOW`] blocks old (a
//! query seen on the wire cannot be replayed later, nor for another
//! account's data). Only key accounts sign queries (a beneficiary's
//! pseudonym is one).
//!
//! The own-data methods: `civitas_getBeneficiary` (a beneficiary's balance
//! and period figures in one programme), `civitas_getMerchantBalance` (what
//! a merchant may redeem in one programme: a sole trader's income) and
//! `civitas_getMeter` (a meter's orders and readings, [`crate::meter`]).

use borsh::BorshSerialize;
use civitas_civic::aid::Beneficiary;
use civitas_types::{AccountId, DecodeError, PublicKey, Signature, SigningKey, decode, verify};
use jsonrpsee::types::ErrorObjectOwned;
use serde::{Deserialize, Serialize};

use crate::encoding::to_hex;
use crate::state::{Certified, ProvenEntry};

/// How old (in blocks) a signed query's height may be.
pub const QUERY_HEIGHT_WINDOW: u64 = 100;

/// The domain every query signature starts with.
const QUERY_DOMAIN: &[u8] = b"civitas-query/v1";

/// An own-data method called without a valid signed query or credential.
pub const OWN_DATA_REFUSED: i32 = -32032;

/// The signature of an own-data query.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignedQuery {
    /// A committed height at most [`QUERY_HEIGHT_WINDOW`] blocks before the
    /// node's last (e.g. `civitas_status`'s `height`).
    pub height: u64,
    /// The account key's ed25519 signature over the query (hex, 64 bytes).
    pub signature: String,
}

/// The bytes a query signature covers: the domain, then the canonical
/// encoding of (chain id, method, parameters' encoding, height).
pub fn query_message(chain_id: &str, method: &str, params: &[u8], height: u64) -> Vec<u8> {
    let mut message = QUERY_DOMAIN.to_vec();
    // Writing into a Vec cannot fail.
    let _ = BorshSerialize::serialize(&(chain_id, method, params, height), &mut message);
    message
}

/// The parameters' encoding of `civitas_getBeneficiary`.
pub fn beneficiary_params(programme: u64, beneficiary: &AccountId) -> Vec<u8> {
    civitas_types::encode(&(programme, beneficiary))
}

/// The parameters' encoding of `civitas_getMerchantBalance`.
pub fn merchant_balance_params(programme: u64, merchant: &AccountId) -> Vec<u8> {
    civitas_types::encode(&(programme, merchant))
}

/// Signs a query with `key` (client side).
pub fn sign_query(
    key: &SigningKey,
    chain_id: &str,
    method: &str,
    params: &[u8],
    height: u64,
) -> SignedQuery {
    SignedQuery {
        height,
        signature: to_hex(key.sign(&query_message(chain_id, method, params, height)).0),
    }
}

fn refused(why: &str) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(OWN_DATA_REFUSED, format!("this is {why}"), None::<()>)
}

/// Checks that `query` is `account`'s signature of this question at a
/// recent height (`tip` is the node's last committed height).
pub fn check_query(
    account: &AccountId,
    query: Option<&SignedQuery>,
    chain_id: &str,
    method: &str,
    params: &[u8],
    tip: u64,
) -> Result<(), ErrorObjectOwned> {
    let Some(query) = query else {
        return Err(refused(
            "the account's own data: send `query`, signed with the account's key over this question and a recent height, or call with a credential",
        ));
    };
    if query.height > tip || tip.saturating_sub(query.height) > QUERY_HEIGHT_WINDOW {
        return Err(refused(&format!(
            "the account's own data, and the query's height {} is not within the last {QUERY_HEIGHT_WINDOW} blocks (the node is at {tip}): sign again with a recent height",
            query.height
        )));
    }
    let mut bytes = [0u8; 64];
    hex::decode_to_slice(crate::encoding::hex_digits(&query.signature), &mut bytes).map_err(
        |_| refused("the account's own data, and the query's signature is not 64 bytes of hex"),
    )?;
    verify(
        &PublicKey(account.0),
        &query_message(chain_id, method, params, query.height),
        &Signature(bytes),
    )
    .map_err(|_| {
        refused("the account's own data, and the query is not signed by its key (for this question, chain and height)")
    })
}

/// `civitas_getBeneficiary`: one beneficiary's standing in one programme.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BeneficiaryAnswer {
    /// The programme.
    pub programme: u64,
    /// The beneficiary (`civ1…`, its pseudonym for this programme).
    pub beneficiary: String,
    /// Whether it is enrolled (or was: see `revoked`); the rest is `null` if not.
    pub enrolled: bool,
    /// Balance to spend, in cents (decimal).
    pub balance_cents: Option<String>,
    /// The current period's number, and what was ordered for it (cents, decimal).
    pub period: Option<u64>,
    /// Ordered (pending or executed) in that period, in cents (decimal).
    pub ordered_in_period_cents: Option<String>,
    /// Whether the enrolment is revoked.
    pub revoked: Option<bool>,
    /// The beneficiary entry and its proof (of absence when not enrolled).
    pub entry: ProvenEntry,
    /// The header the proof checks against.
    pub certified: Certified,
}

impl BeneficiaryAnswer {
    /// The answer from the stored entry's bytes (`None`: not enrolled).
    pub fn from_entry(
        programme: u64,
        beneficiary: &AccountId,
        value: Option<&[u8]>,
        entry: ProvenEntry,
        certified: Certified,
    ) -> Result<BeneficiaryAnswer, DecodeError> {
        let stored: Option<Beneficiary> = value.map(decode).transpose()?;
        Ok(BeneficiaryAnswer {
            programme,
            beneficiary: beneficiary.to_string(),
            enrolled: stored.is_some(),
            balance_cents: stored.as_ref().map(|b| b.balance_cents.to_string()),
            period: stored.as_ref().map(|b| b.period),
            ordered_in_period_cents: stored
                .as_ref()
                .map(|b| b.ordered_in_period_cents.to_string()),
            revoked: stored.as_ref().map(|b| b.revoked),
            entry,
            certified,
        })
    }
}

/// `civitas_getMerchantBalance`: what a merchant may redeem in a programme.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MerchantBalanceAnswer {
    /// The programme.
    pub programme: u64,
    /// The merchant (`civ1…`).
    pub merchant: String,
    /// Received from beneficiaries' spending and not yet redeemed, in cents
    /// (decimal); "0" when the merchant was never paid (the entry is absent).
    pub balance_cents: String,
    /// The merchant-balance entry and its proof (of absence when never paid).
    pub entry: ProvenEntry,
    /// The header the proof checks against.
    pub certified: Certified,
}

impl MerchantBalanceAnswer {
    /// The answer from the stored entry's bytes (`None`: never paid).
    pub fn from_entry(
        programme: u64,
        merchant: &AccountId,
        value: Option<&[u8]>,
        entry: ProvenEntry,
        certified: Certified,
    ) -> Result<MerchantBalanceAnswer, DecodeError> {
        let balance: u64 = value.map(decode).transpose()?.unwrap_or(0);
        Ok(MerchantBalanceAnswer {
            programme,
            merchant: merchant.to_string(),
            balance_cents: balance.to_string(),
            entry,
            certified,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use civitas_types::testing::signing_keys;

    use super::*;

    #[test]
    fn a_query_checks_only_for_its_account_question_chain_and_recent_height() {
        let keys = signing_keys(2);
        let account = AccountId::from_public_key(&keys[0].public_key());
        let params = beneficiary_params(0, &account);
        let query = sign_query(
            &keys[0],
            "civitas-devnet",
            "civitas_getBeneficiary",
            &params,
            50,
        );
        let check = |query: Option<&SignedQuery>, chain: &str, params: &[u8], tip: u64| {
            check_query(
                &account,
                query,
                chain,
                "civitas_getBeneficiary",
                params,
                tip,
            )
        };
        assert!(check(Some(&query), "civitas-devnet", &params, 60).is_ok());
        assert!(check(Some(&query), "civitas-devnet", &params, 150).is_ok());
        let too_old = check(Some(&query), "civitas-devnet", &params, 151).unwrap_err();
        assert_eq!(too_old.code(), OWN_DATA_REFUSED);
        assert!(
            too_old.message().contains("recent height"),
            "{}",
            too_old.message()
        );
        assert!(
            check(Some(&query), "civitas-devnet", &params, 49).is_err(),
            "a future height"
        );
        assert!(check(Some(&query), "other-chain", &params, 60).is_err());
        let other_programme = beneficiary_params(1, &account);
        assert!(check(Some(&query), "civitas-devnet", &other_programme, 60).is_err());
        assert!(check(None, "civitas-devnet", &params, 60).is_err());
        let stranger = sign_query(
            &keys[1],
            "civitas-devnet",
            "civitas_getBeneficiary",
            &params,
            50,
        );
        let wrong = check(Some(&stranger), "civitas-devnet", &params, 60).unwrap_err();
        assert!(
            wrong.message().contains("not signed by its key"),
            "{}",
            wrong.message()
        );
    }
}
