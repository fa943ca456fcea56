//! A citizen's own data: queries signed with the account's key (docs/privacy.md,
//! "The JSON-RPC API, method by method"), answered only to that key, never to
//! a bystander: a beneficiary's balance (its programme key), a merchant's
//! balance to redeem (its identity key), a meter's orders and readings (its
//! owner's community key).

use civitas_civic::keys;
use civitas_rpc_api::{
    BeneficiaryAnswer, CivitasApiClient, MerchantBalanceAnswer, MeterAnswer, MeterRegistration,
    SignedQuery, Status, beneficiary_params, merchant_balance_params, meter_params, sign_query,
};
use civitas_types::{AccountId, ChainId, SigningKey};

use super::state::Query;
use super::verify::{Proven, after, first};
use crate::exit::CliError;
use crate::keystore::{self, Derivation};
use crate::node;
use crate::output::{Table, fields};
use crate::tx::parse;

/// The node's status and the key of `name` for `derivation` on its chain.
async fn status_and_key(
    query: &Query<'_>,
    name: &str,
    derivation: Derivation,
) -> Result<(Status, SigningKey), CliError> {
    let status = node::call(query.context, "civitas_status", query.client.status()).await?;
    let chain_id = ChainId::new(&status.chain_id)
        .map_err(|e| CliError::failure(format!("the node's chain id is not valid: {e}")))?;
    let key = keystore::signing_key(query.context, name, derivation, &chain_id)?;
    Ok((status, key))
}

/// `key`'s signature of `method` over `params` at the node's height.
fn signed(key: &SigningKey, status: &Status, method: &str, params: &[u8]) -> SignedQuery {
    sign_query(key, &status.chain_id, method, params, status.height)
}

fn not_proven() -> CliError {
    CliError::verification("the answer does not verify: the figures shown are not the proven ones")
}

/// `query balance`: the beneficiary's own balance, by a signed query.
pub async fn balance(query: &Query<'_>, name: &str, programme: u64) -> Result<(), CliError> {
    let (status, key) = status_and_key(query, name, Derivation::Programme(programme)).await?;
    let beneficiary = AccountId::from_public_key(&key.public_key());
    let method = "civitas_getBeneficiary";
    let params = beneficiary_params(programme, &beneficiary);
    let answer = node::call(
        query.context,
        method,
        query.client.get_beneficiary(
            programme,
            beneficiary.to_string(),
            Some(signed(&key, &status, method, &params)),
        ),
    )
    .await?;
    let verified = query
        .verified(
            answer.certified.header.height,
            &answer.certified,
            &[&answer.entry],
            &[keys::beneficiary(programme, &beneficiary)],
            |proven| {
                let proven = BeneficiaryAnswer::from_entry(
                    programme,
                    &beneficiary,
                    first(proven),
                    answer.entry.clone(),
                    answer.certified.clone(),
                );
                match proven {
                    Ok(proven) if proven == answer => Ok(()),
                    _ => Err(CliError::verification(
                        "the answer does not verify: the balance shown is not the proven one",
                    )),
                }
            },
        )
        .await?;
    let human = if answer.enrolled {
        fields(&[
            ("programme", programme.to_string()),
            ("beneficiary", answer.beneficiary.clone()),
            (
                "balance",
                answer
                    .balance_cents
                    .as_deref()
                    .and_then(|c| c.parse().ok())
                    .map_or("?".to_owned(), parse::euros),
            ),
            ("revoked", answer.revoked.unwrap_or(false).to_string()),
            ("height", answer.certified.header.height.to_string()),
        ])
    } else {
        format!(
            "{} is not enrolled in programme {programme}\n",
            answer.beneficiary
        )
    };
    query.print(&answer, verified.as_ref(), human)
}

/// `query merchant-balance`: what the merchant may redeem, by a signed query.
pub async fn merchant_balance(
    query: &Query<'_>,
    name: &str,
    programme: u64,
) -> Result<(), CliError> {
    let (status, key) = status_and_key(query, name, Derivation::Identity).await?;
    let merchant = AccountId::from_public_key(&key.public_key());
    let method = "civitas_getMerchantBalance";
    let params = merchant_balance_params(programme, &merchant);
    let answer = node::call(
        query.context,
        method,
        query.client.get_merchant_balance(
            programme,
            merchant.to_string(),
            Some(signed(&key, &status, method, &params)),
        ),
    )
    .await?;
    let verified = query
        .verified(
            answer.certified.header.height,
            &answer.certified,
            &[&answer.entry],
            &[keys::merchant_balance(programme, &merchant)],
            |proven| {
                let proven = MerchantBalanceAnswer::from_entry(
                    programme,
                    &merchant,
                    first(proven),
                    answer.entry.clone(),
                    answer.certified.clone(),
                );
                match proven {
                    Ok(proven) if proven == answer => Ok(()),
                    _ => Err(not_proven()),
                }
            },
        )
        .await?;
    let human = fields(&[
        ("programme", programme.to_string()),
        ("merchant", answer.merchant.clone()),
        (
            "to redeem",
            answer
                .balance_cents
                .parse()
                .map_or("?".to_owned(), parse::euros),
        ),
        ("height", answer.certified.header.height.to_string()),
    ]);
    query.print(&answer, verified.as_ref(), human)
}

/// Which meter and which slots `query meter` reads.
pub struct MeterQuestion {
    /// The community.
    pub community: u64,
    /// The meter's id in it.
    pub meter: u64,
    /// The first slot.
    pub from_slot: u64,
    /// How many slots (the node's default if `None`).
    pub slots: Option<u32>,
}

/// `query meter`: the meter's orders and readings, by a query signed with
/// the owner's community key.
pub async fn meter(query: &Query<'_>, name: &str, asked: &MeterQuestion) -> Result<(), CliError> {
    let (status, key) = status_and_key(query, name, Derivation::Community(asked.community)).await?;
    let method = "civitas_getMeter";
    let params = meter_params(asked.community, asked.meter, asked.from_slot, asked.slots);
    let answer = node::call(
        query.context,
        method,
        query.client.get_meter(
            asked.community,
            asked.meter,
            asked.from_slot,
            asked.slots,
            Some(signed(&key, &status, method, &params)),
        ),
    )
    .await?;
    // The owner's account entry, by the owner the answer names (a
    // credentialed caller may read a meter that is not its key's); the
    // check that the named owner is the proven one follows.
    let mut proven_keys = vec![keys::meter(asked.community, asked.meter)];
    if let Some(registration) = &answer.registration {
        let owner = parse::account(&registration.owner).map_err(|_| not_proven())?;
        proven_keys.push(keys::energy_account(asked.community, &owner));
    }
    let entries: Vec<_> = answer.entries.iter().collect();
    let mut verified = query
        .verified(
            answer.height,
            &answer.certified,
            &entries,
            &proven_keys,
            |proven| {
                if (answer.community, answer.meter) != (asked.community, asked.meter) {
                    return Err(not_proven());
                }
                check_registration(&answer, proven)
            },
        )
        .await?;
    if let Some(verified) = verified.as_mut() {
        verified.subject = Some(format!(
            "the meter's registration and balances are proven at height {} (its slots' orders and readings are the node's word)",
            verified.height
        ));
    }
    query.print(&answer, verified.as_ref(), meter_text(&answer))
}

/// Whether the registration shown is what the proven meter and energy
/// account entries decode to.
fn check_registration(answer: &MeterAnswer, proven: &[Proven]) -> Result<(), CliError> {
    let meter = first(proven);
    let account = first(after(proven, 1));
    let proven = meter
        .map(|meter| MeterRegistration::decode(meter, account).map(|(r, _)| r))
        .transpose()
        .map_err(|_| not_proven())?;
    if proven == answer.registration {
        Ok(())
    } else {
        Err(not_proven())
    }
}

/// The meter for people: its registration, then a line per order and reading.
fn meter_text(answer: &MeterAnswer) -> String {
    let Some(registration) = &answer.registration else {
        return format!(
            "no meter {} is registered in community {}\n",
            answer.meter, answer.community
        );
    };
    let mut text = fields(&[
        ("community", answer.community.to_string()),
        ("meter", answer.meter.to_string()),
        ("owner", registration.owner.clone()),
        ("credit", format!("{} millicents", registration.credit)),
        ("debit", format!("{} millicents", registration.debit)),
        ("height", answer.height.to_string()),
    ]);
    if answer.slots.is_empty() {
        text.push_str("no orders or readings in the slots read\n");
        return text;
    }
    let mut table = Table::new(&["slot", "order", "side", "Wh", "limit", "filled", "reading"]);
    for slot in &answer.slots {
        for order in &slot.orders {
            table.row(vec![
                slot.slot.to_string(),
                order.number.to_string(),
                order.side.clone(),
                order.energy_wh.to_string(),
                order.limit_price.to_string(),
                order.filled_wh.map_or("-".to_owned(), |wh| wh.to_string()),
                if order.cancelled { "cancelled" } else { "" }.to_owned(),
            ]);
        }
        if let Some(reading) = &slot.reading {
            table.row(vec![
                slot.slot.to_string(),
                "-".to_owned(),
                "-".to_owned(),
                "-".to_owned(),
                "-".to_owned(),
                "-".to_owned(),
                format!(
                    "produced {} Wh, consumed {} Wh",
                    reading.produced_wh, reading.consumed_wh
                ),
            ]);
        }
    }
    text.push_str(&table.render());
    text.push_str(
        "(orders and readings are the node's word: a slot book's proof would show every meter's)\n",
    );
    text
}
