//! `keys derive` (and `keys show` of a citizen): a citizen's key for an
//! identity, a programme or a community, with its address and path.

use civitas_keys::Network;
use civitas_types::ChainId;
use serde_json::json;

use crate::context::Context;
use crate::exit::CliError;
use crate::keystore::{self, Derivation, Kind};
use crate::output::{emit, fields};

/// Refuses a plain key where a citizen's derived keys are asked for.
pub fn require_citizen(context: &Context, name: &str) -> Result<(), CliError> {
    if keystore::read(context, name)?.kind != Kind::Citizen {
        return Err(CliError::usage(format!(
            "{name} is a plain key, which has no derived keys: use a citizen key (`civitas keys new NAME --citizen`)"
        )));
    }
    Ok(())
}

/// `keys derive`.
pub fn derive(
    context: &Context,
    name: &str,
    derivation: Derivation,
    chain_id: &ChainId,
) -> Result<(), CliError> {
    require_citizen(context, name)?;
    print_derived(context, name, derivation, chain_id)
}

/// Prints the citizen key `derivation` of `name` on `chain_id`.
pub fn print_derived(
    context: &Context,
    name: &str,
    derivation: Derivation,
    chain_id: &ChainId,
) -> Result<(), CliError> {
    let secret = keystore::unlock(context, name)?;
    let address = keystore::address_of(&secret.signing_key(derivation, chain_id)).to_string();
    let path = derivation.key_path(chain_id).to_string();
    let network = Network::from_chain_id(chain_id).index();
    let (purpose, id) = match derivation {
        Derivation::Identity => ("identity", None),
        Derivation::Programme(id) => ("programme", Some(id)),
        Derivation::Community(id) => ("community", Some(id)),
    };
    emit(
        context,
        &json!({
            "name": name,
            "kind": "citizen",
            "chainId": chain_id.as_str(),
            "network": network,
            "purpose": purpose,
            "id": id,
            "path": path,
            "address": address,
        }),
        || {
            let mut text = fields(&[
                ("name", name.to_owned()),
                ("chain id", chain_id.to_string()),
                ("key", derivation.describe()),
                ("path", path.clone()),
                ("address", address.clone()),
            ]);
            match derivation {
                Derivation::Identity => {}
                Derivation::Programme(id) => text.push_str(&format!(
                    "Give this address to the office that enrols you in programme {id}; use it for nothing else.\n"
                )),
                Derivation::Community(id) => text.push_str(&format!(
                    "Give this address to the operator of energy community {id}; use it for nothing else.\n"
                )),
            }
            text
        },
    )
}
