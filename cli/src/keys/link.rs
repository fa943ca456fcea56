//! `keys prove-link` and `keys check-link`: an off-chain proof, shown to an
//! office, that one person holds a citizen's identity key and one of their
//! programme or community keys.
//!
//! The proof is a JSON document whose statement is rebuilt from its fields
//! and signed, as raw ed25519 messages, by both keys. The statement starts
//! with `civitas link proof v1` and is longer than 32 bytes, so it can never
//! be mistaken for the 32-byte domain-separated digests every on-chain
//! signature covers (docs/decisions/0021-cli-keystore.md, "Link proofs").

use std::path::Path;

use civitas_types::crypto::verify;
use civitas_types::{AccountId, ChainId, Signature};
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::exit::CliError;
use crate::keys::derive::require_citizen;
use crate::keystore::{self, Derivation};
use crate::output::{emit, fields};

/// The `type` of a link proof document.
const PROOF_TYPE: &str = "civitas-link-proof";
/// The version of the link proof format.
const PROOF_VERSION: u32 = 1;
/// The longest challenge.
const CHALLENGE_LENGTH_MAX: usize = 256;

/// A link proof as written to a file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkProof {
    /// Always `civitas-link-proof`.
    #[serde(rename = "type")]
    pub kind: String,
    /// [`PROOF_VERSION`].
    pub version: u32,
    /// The network the keys are for.
    pub chain_id: String,
    /// `programme` or `community`.
    pub purpose: String,
    /// The programme or community id.
    pub id: u64,
    /// The office's challenge.
    pub challenge: String,
    /// The citizen's identity address.
    pub identity: String,
    /// The derived (programme or community) address.
    pub derived: String,
    /// The signed statement, for people to read (checked against the fields).
    pub statement: String,
    /// The identity key's signature of the statement (hex).
    pub identity_signature: String,
    /// The derived key's signature of the statement (hex).
    pub derived_signature: String,
}

/// The statement both keys sign.
fn statement(
    chain_id: &str,
    purpose: &str,
    id: u64,
    identity: &str,
    derived: &str,
    challenge: &str,
) -> String {
    format!(
        "civitas link proof v1\n\
         chain id: {chain_id}\n\
         identity key: {identity}\n\
         {purpose} {id} key: {derived}\n\
         challenge: {challenge}\n\
         The holder of the identity key also holds the {purpose} {id} key.\n"
    )
}

/// Refuses a challenge that could make a statement ambiguous (a line break
/// would let text pass for another field).
fn check_challenge(challenge: &str) -> Result<(), String> {
    if challenge.trim().is_empty() || challenge.len() > CHALLENGE_LENGTH_MAX {
        return Err(format!(
            "a challenge has 1 to {CHALLENGE_LENGTH_MAX} bytes of text"
        ));
    }
    if challenge.chars().any(char::is_control) {
        return Err("a challenge is one line of text, without control characters".to_owned());
    }
    Ok(())
}

/// `keys prove-link`.
pub fn prove(
    context: &Context,
    name: &str,
    derivation: Derivation,
    chain_id: &ChainId,
    challenge: &str,
    out: Option<&Path>,
) -> Result<(), CliError> {
    check_challenge(challenge).map_err(CliError::usage)?;
    let (purpose, id) = match derivation {
        Derivation::Programme(id) => ("programme", id),
        Derivation::Community(id) => ("community", id),
        Derivation::Identity => {
            return Err(CliError::usage(
                "a link proof is for --programme ID or --community ID",
            ));
        }
    };
    require_citizen(context, name)?;
    let secret = keystore::unlock(context, name)?;
    let identity_key = secret.signing_key(Derivation::Identity, chain_id);
    let derived_key = secret.signing_key(derivation, chain_id);
    let identity = keystore::address_of(&identity_key).to_string();
    let derived = keystore::address_of(&derived_key).to_string();
    let text = statement(
        chain_id.as_str(),
        purpose,
        id,
        &identity,
        &derived,
        challenge,
    );
    let proof = LinkProof {
        kind: PROOF_TYPE.to_owned(),
        version: PROOF_VERSION,
        chain_id: chain_id.to_string(),
        purpose: purpose.to_owned(),
        id,
        challenge: challenge.to_owned(),
        identity,
        derived,
        identity_signature: hex::encode(identity_key.sign(text.as_bytes()).0),
        derived_signature: hex::encode(derived_key.sign(text.as_bytes()).0),
        statement: text,
    };
    let mut document = serde_json::to_string_pretty(&proof)?;
    document.push('\n');
    eprintln!(
        "note: this proof links your identity to your {purpose} {id} key; give it only to the office that asked for it"
    );
    match out {
        Some(path) => {
            keystore::write_new_file(path, document.as_bytes())?;
            emit(
                context,
                &serde_json::json!({ "file": path, "identity": proof.identity, "derived": proof.derived }),
                || format!("wrote the link proof to {}", path.display()),
            )
        }
        // The document itself is the output, JSON in both modes.
        None => crate::output::stdout(&document),
    }
}

/// Why a proof does not verify (exit 5).
fn invalid(why: impl std::fmt::Display) -> CliError {
    CliError::verification(format!("the link proof does not verify: {why}"))
}

fn parse_signature(hex_text: &str, which: &str) -> Result<Signature, CliError> {
    let mut bytes = [0u8; 64];
    hex::decode_to_slice(hex_text, &mut bytes)
        .map_err(|_| invalid(format!("the {which} signature is not 64 bytes of hex")))?;
    Ok(Signature(bytes))
}

/// Checks `proof` (and its challenge, if one is expected).
pub fn verify_proof(proof: &LinkProof, expected_challenge: Option<&str>) -> Result<(), CliError> {
    if proof.kind != PROOF_TYPE || proof.version != PROOF_VERSION {
        return Err(invalid(format!(
            "not a {PROOF_TYPE} version {PROOF_VERSION}"
        )));
    }
    ChainId::new(&proof.chain_id).map_err(|e| invalid(format!("chain id: {e}")))?;
    if proof.purpose != "programme" && proof.purpose != "community" {
        return Err(invalid("the purpose is neither programme nor community"));
    }
    check_challenge(&proof.challenge).map_err(invalid)?;
    let identity: AccountId = proof
        .identity
        .parse()
        .map_err(|e| invalid(format!("identity address: {e}")))?;
    let derived: AccountId = proof
        .derived
        .parse()
        .map_err(|e| invalid(format!("derived address: {e}")))?;
    if identity == derived {
        return Err(invalid("the two addresses are the same key"));
    }
    let text = statement(
        &proof.chain_id,
        &proof.purpose,
        proof.id,
        &proof.identity,
        &proof.derived,
        &proof.challenge,
    );
    if text != proof.statement {
        return Err(invalid("the statement does not match the proof's fields"));
    }
    let identity_signature = parse_signature(&proof.identity_signature, "identity")?;
    let derived_signature = parse_signature(&proof.derived_signature, "derived")?;
    verify(
        &identity.as_public_key(),
        text.as_bytes(),
        &identity_signature,
    )
    .map_err(|e| invalid(format!("the identity key's signature: {e}")))?;
    verify(
        &derived.as_public_key(),
        text.as_bytes(),
        &derived_signature,
    )
    .map_err(|e| invalid(format!("the {} key's signature: {e}", proof.purpose)))?;
    if let Some(expected) = expected_challenge
        && expected != proof.challenge
    {
        return Err(invalid(format!(
            "its challenge is \"{}\", not the one given",
            proof.challenge.escape_debug()
        )));
    }
    Ok(())
}

/// `keys check-link`.
pub fn check(context: &Context, file: &Path, challenge: Option<&str>) -> Result<(), CliError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::failure(format!("cannot read {}: {e}", file.display())))?;
    let proof: LinkProof = serde_json::from_str(&text)
        .map_err(|e| invalid(format!("{} is not a link proof: {e}", file.display())))?;
    verify_proof(&proof, challenge)?;
    let proves = format!(
        "whoever signed holds both the identity key {} and the {} {} key {} on {} (challenge \"{}\")",
        proof.identity, proof.purpose, proof.id, proof.derived, proof.chain_id, proof.challenge
    );
    emit(
        context,
        &serde_json::json!({
            "valid": true,
            "chainId": proof.chain_id,
            "purpose": proof.purpose,
            "id": proof.id,
            "identity": proof.identity,
            "derived": proof.derived,
            "challenge": proof.challenge,
            "challengeChecked": challenge.is_some(),
            "proves": proves,
        }),
        || {
            let mut text = fields(&[
                ("valid", "both signatures verify".to_owned()),
                ("chain id", proof.chain_id.clone()),
                ("identity key", proof.identity.clone()),
                (
                    &format!("{} {} key", proof.purpose, proof.id),
                    proof.derived.clone(),
                ),
                ("challenge", proof.challenge.clone()),
            ]);
            if challenge.is_none() {
                text.push_str(
                    "Compare the challenge with the one you gave (or pass --challenge).\n",
                );
            }
            text
        },
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use civitas_types::SigningKey;

    fn proof() -> LinkProof {
        let identity_key = SigningKey::from_seed(&[1; 32]);
        let derived_key = SigningKey::from_seed(&[2; 32]);
        let identity = keystore::address_of(&identity_key).to_string();
        let derived = keystore::address_of(&derived_key).to_string();
        let text = statement(
            "civitas-test-1",
            "programme",
            7,
            &identity,
            &derived,
            "ccas 42",
        );
        LinkProof {
            kind: PROOF_TYPE.into(),
            version: 1,
            chain_id: "civitas-test-1".into(),
            purpose: "programme".into(),
            id: 7,
            challenge: "ccas 42".into(),
            identity,
            derived,
            identity_signature: hex::encode(identity_key.sign(text.as_bytes()).0),
            derived_signature: hex::encode(derived_key.sign(text.as_bytes()).0),
            statement: text,
        }
    }

    #[test]
    fn a_proof_verifies_and_a_changed_field_does_not() {
        assert!(verify_proof(&proof(), Some("ccas 42")).is_ok());
        assert!(verify_proof(&proof(), Some("ccas 43")).is_err());
        let mut other = proof();
        other.id = 8;
        other.statement = statement(
            &other.chain_id,
            &other.purpose,
            8,
            &other.identity,
            &other.derived,
            &other.challenge,
        );
        let error = verify_proof(&other, None).err().unwrap();
        assert_eq!(error.exit, crate::exit::Exit::VerificationFailed);
    }

    #[test]
    fn a_challenge_is_one_line() {
        assert!(check_challenge("2026-12-02 dossier 4821").is_ok());
        assert!(check_challenge("a\nidentity key: civ1…").is_err());
        assert!(check_challenge("").is_err());
    }

    #[test]
    fn the_statement_is_longer_than_a_digest() {
        let p = proof();
        assert!(p.statement.len() > 32);
        assert!(p.statement.starts_with("civitas link proof v1\n"));
    }
}
