//! A citizen's own data: queries signed with the citizen's key for the
//! programme (docs/privacy.md, "A citizen's own data"), answered only to
//! that key, never to a bystander.

use civitas_civic::keys;
use civitas_rpc_api::{BeneficiaryAnswer, CivitasApiClient, beneficiary_params, sign_query};
use civitas_types::{AccountId, ChainId};

use super::state::Query;
use crate::exit::CliError;
use crate::keystore::{self, Derivation};
use crate::node;
use crate::output::fields;
use crate::tx::parse;

/// `query balance`: the beneficiary's own balance, by a signed query.
pub async fn balance(query: &Query<'_>, name: &str, programme: u64) -> Result<(), CliError> {
    let status = node::call(query.context, "civitas_status", query.client.status()).await?;
    let chain_id = ChainId::new(&status.chain_id)
        .map_err(|e| CliError::failure(format!("the node's chain id is not valid: {e}")))?;
    let key = keystore::signing_key(
        query.context,
        name,
        Derivation::Programme(programme),
        &chain_id,
    )?;
    let beneficiary = AccountId::from_public_key(&key.public_key());
    let method = "civitas_getBeneficiary";
    let params = beneficiary_params(programme, &beneficiary);
    let signed = sign_query(&key, &status.chain_id, method, &params, status.height);
    let answer = node::call(
        query.context,
        method,
        query
            .client
            .get_beneficiary(programme, beneficiary.to_string(), Some(signed)),
    )
    .await?;
    let verified = query
        .verified(
            &answer.certified,
            &[&answer.entry],
            &[keys::beneficiary(programme, &beneficiary)],
            |values| {
                let proven = BeneficiaryAnswer::from_entry(
                    programme,
                    &beneficiary,
                    values.first().and_then(|v| v.as_deref()),
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
