//! Checking a proof bundle against a genesis document: the validator-set
//! history followed from the genesis set, hop by hop (each hop's header
//! signed by at least two thirds of the set in force, naming the next set),
//! then the proven header's certificate under the set that history reaches,
//! then the claim's Merkle or state proofs under that header's roots.

use std::collections::BTreeMap;

use civitas_genesis::GenesisDocument;
use civitas_types::receipt_leaves::transaction_receipt_leaf;
use civitas_types::{
    CertificateError, DecodeError, Header, MerkleError, MerkleProof, QuorumCertificate,
    SignedTransaction, StateProof, StateProofError, Validator, ValidatorSet, decode, verify_state,
};

use super::{BUNDLE_FORMAT, Claim, ENTRIES_MAX, ProofBundle, SET_CHANGES_MAX, SetChange};

/// What a bundle was found to prove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedBundle {
    /// The header the claim is proven against.
    pub header: Header,
    /// Power of that header's certificate's signers.
    pub signed_power: u64,
    /// Power of the set in force at that height.
    pub total_power: u64,
    /// Validator-set changes followed from genesis.
    pub set_changes: usize,
    /// The fact.
    pub claim: CheckedClaim,
}

/// The fact, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckedClaim {
    /// The transaction at `position` of the header's block, with its receipt's bytes.
    Transaction {
        /// The transaction.
        transaction: Box<SignedTransaction>,
        /// Its position in the block as the proof's leaf index gives it:
        /// the prover's word, not proven (the header commits to no count of
        /// transactions, and one Merkle path fits several positions).
        position: u64,
        /// Its receipt (civic's encoding).
        receipt: Vec<u8>,
    },
    /// State entries: key, and value or `None` for a proven absence.
    State(Vec<(Vec<u8>, Option<Vec<u8>>)>),
}

/// Why a bundle does not prove anything.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Not a bundle of this format.
    #[error("not a proof bundle of format {BUNDLE_FORMAT} (found {0:?})")]
    Format(String),
    /// Of another chain than the genesis document's.
    #[error("the bundle is of chain {chain_id} (genesis {genesis_hash}), not of this genesis")]
    OtherChain {
        /// The bundle's chain id.
        chain_id: String,
        /// The bundle's genesis hash.
        genesis_hash: String,
    },
    /// The genesis document itself breaks a genesis rule.
    #[error("the genesis document is invalid: {0}")]
    Genesis(String),
    /// A field is not hex, or its bytes do not decode.
    #[error("{field} is malformed: {reason}")]
    Malformed {
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// More set changes or entries than a bundle may carry.
    #[error("{0} exceeds what a bundle may carry")]
    TooLarge(&'static str),
    /// A header of another chain, or out of height order.
    #[error("header of height {height}: {reason}")]
    Header {
        /// Its height.
        height: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A header is signed by another set than the one in force.
    #[error(
        "header of height {0} names another validator set than the one in force: a validator-set change is missing or forged"
    )]
    SetNotInForce(u64),
    /// A set change's new set is not the one its header names.
    #[error("the set given for the change at height {0} is not the one its header names")]
    NextSetMismatch(u64),
    /// A certificate does not make its header final under the set in force.
    #[error("the certificate of height {height} does not verify: {error}")]
    Certificate {
        /// The height.
        height: u64,
        /// Why.
        error: CertificateError,
    },
    /// A transaction or receipt Merkle proof does not lead to the header's root.
    #[error("the {what} proof does not lead to the header's root: {error}")]
    Merkle {
        /// "transaction" or "receipt".
        what: &'static str,
        /// Why.
        error: MerkleError,
    },
    /// The receipt proven is not the transaction's.
    #[error("the receipt proven is at leaf {receipt}, the transaction's is leaf {expected}")]
    ReceiptNotTheTransactions {
        /// The receipt proof's leaf.
        receipt: u64,
        /// The leaf of the transaction's receipt.
        expected: u64,
    },
    /// The receipt proven names another transaction. (A Merkle proof's
    /// leaf index and count are the prover's word — the header commits to
    /// no count, and one path fits several (index, count) pairs — so the
    /// receipt is bound to the transaction by the id it carries.)
    #[error("the receipt proven is transaction {found}'s, not {expected}'s")]
    ReceiptOfAnotherTransaction {
        /// The id the receipt carries.
        found: civitas_types::Hash,
        /// The transaction's id.
        expected: civitas_types::Hash,
    },
    /// A state entry's proof does not lead to the header's state root.
    #[error("state entry {index} does not check against the state root: {error}")]
    State {
        /// The entry's position in the bundle.
        index: usize,
        /// Why.
        error: StateProofError,
    },
}

fn malformed(field: impl Into<String>, reason: impl std::fmt::Display) -> BundleError {
    BundleError::Malformed {
        field: field.into(),
        reason: reason.to_string(),
    }
}

/// The bytes of `text`: `0x` and hexadecimal digits, as the bundle's format
/// (and the JSON-RPC API it is copied from) writes every binary field.
fn bytes(field: &str, text: &str) -> Result<Vec<u8>, BundleError> {
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| malformed(field, "it does not start with 0x"))?;
    hex::decode(digits).map_err(|e| malformed(field, e))
}

fn decoded<T: borsh::BorshDeserialize>(field: &str, text: &str) -> Result<T, BundleError> {
    decode(&bytes(field, text)?).map_err(|e: DecodeError| malformed(field, e))
}

/// Checks `bundle` against `genesis`: returns what it proves, or why it
/// proves nothing.
pub fn check_bundle(
    bundle: &ProofBundle,
    genesis: &GenesisDocument,
) -> Result<CheckedBundle, BundleError> {
    if bundle.format != BUNDLE_FORMAT {
        return Err(BundleError::Format(bundle.format.clone()));
    }
    if bundle.chain_id != genesis.chain_id.as_str()
        || bundle.genesis_hash != format!("0x{}", genesis.hash())
    {
        return Err(BundleError::OtherChain {
            chain_id: bundle.chain_id.clone(),
            genesis_hash: bundle.genesis_hash.clone(),
        });
    }
    let FollowedSets { set, after, .. } = follow_set_changes(genesis, &bundle.set_changes)?;
    let header: Header = decoded("header", &bundle.header)?;
    check_header(&header, genesis, after)?;
    let certificate: QuorumCertificate = decoded("certificate", &bundle.certificate)?;
    let signed_power = certified(&header, &certificate, &set)?;
    let claim = check_claim(&bundle.claim, &header)?;
    Ok(CheckedBundle {
        header,
        signed_power,
        total_power: set.total_voting_power(),
        set_changes: bundle.set_changes.len(),
        claim,
    })
}

/// The validator sets a history of set changes leads to, from genesis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowedSets {
    /// The set in force after the last change.
    pub set: ValidatorSet,
    /// The height of the last change's header (the genesis height − 1 if none).
    pub after: u64,
    /// Every set by the first height it signs: the genesis set, then each change's.
    pub by_height: BTreeMap<u64, ValidatorSet>,
}

/// Follows `changes` from the genesis set, each change's header signed by
/// the set in force and naming the next (the bundle's history, and a
/// snapshot's: `civitas audit verify --from-snapshot`).
pub fn follow_set_changes(
    genesis: &GenesisDocument,
    changes: &[SetChange],
) -> Result<FollowedSets, BundleError> {
    if changes.len() > SET_CHANGES_MAX {
        return Err(BundleError::TooLarge("the validator-set history"));
    }
    let checked = genesis
        .check()
        .map_err(|e| BundleError::Genesis(e.to_string()))?;
    let mut set = checked.validators;
    let mut by_height = BTreeMap::from([(genesis.initial_height, set.clone())]);
    let mut after = genesis.initial_height.saturating_sub(1);
    for (index, change) in changes.iter().enumerate() {
        let (height, next) = follow(change, index, genesis, &set, after)?;
        by_height.insert(height.saturating_add(1), next.clone());
        set = next;
        after = height;
    }
    Ok(FollowedSets {
        set,
        after,
        by_height,
    })
}

/// Follows one set change from `set` (in force after height `after`):
/// returns the change header's height and the new set.
fn follow(
    change: &SetChange,
    index: usize,
    genesis: &GenesisDocument,
    set: &ValidatorSet,
    after: u64,
) -> Result<(u64, ValidatorSet), BundleError> {
    let field = |name: &str| format!("setChanges[{index}].{name}");
    let header: Header = decoded(&field("header"), &change.header)?;
    check_header(&header, genesis, after)?;
    let certificate: QuorumCertificate = decoded(&field("certificate"), &change.certificate)?;
    certified(&header, &certificate, set)?;
    let validators: Vec<Validator> = decoded(&field("nextValidators"), &change.next_validators)?;
    let next = ValidatorSet::new(validators).map_err(|e| malformed(field("nextValidators"), e))?;
    if next.hash() != header.next_validators_hash {
        return Err(BundleError::NextSetMismatch(header.height));
    }
    Ok((header.height, next))
}

/// A header of the genesis's chain above height `after`.
fn check_header(header: &Header, genesis: &GenesisDocument, after: u64) -> Result<(), BundleError> {
    let reason = if header.chain_id != genesis.chain_id {
        Some("it is of another chain")
    } else if header.height <= after {
        Some("the headers are not in increasing height order")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(BundleError::Header {
            height: header.height,
            reason,
        }),
        None => Ok(()),
    }
}

/// `certificate` makes `header` final under `set`, which `header` names.
fn certified(
    header: &Header,
    certificate: &QuorumCertificate,
    set: &ValidatorSet,
) -> Result<u64, BundleError> {
    if header.validators_hash != set.hash() {
        return Err(BundleError::SetNotInForce(header.height));
    }
    certificate
        .verify(&header.chain_id, header.height, &header.hash(), set)
        .map_err(|error| BundleError::Certificate {
            height: header.height,
            error,
        })
}

/// Checks `claim` against `header` alone: the transaction and receipt
/// proofs lead to its roots (and the receipt is the transaction's), or each
/// state entry's proof leads to its state root. Whether `header` is final is
/// the caller's to establish (its certificate under the height's set).
pub fn check_claim(claim: &Claim, header: &Header) -> Result<CheckedClaim, BundleError> {
    match claim {
        Claim::Transaction {
            transaction,
            transaction_proof,
            receipt,
            receipt_proof,
        } => {
            let encoded = bytes("claim.transaction", transaction)?;
            let signed: SignedTransaction =
                decode(&encoded).map_err(|e| malformed("claim.transaction", e))?;
            let proof: MerkleProof = decoded("claim.transactionProof", transaction_proof)?;
            proof
                .verify(&header.transactions_root, &encoded)
                .map_err(|error| BundleError::Merkle {
                    what: "transaction",
                    error,
                })?;
            let receipt = bytes("claim.receipt", receipt)?;
            let receipt_proof: MerkleProof = decoded("claim.receiptProof", receipt_proof)?;
            receipt_proof
                .verify(&header.receipts_root, &receipt)
                .map_err(|error| BundleError::Merkle {
                    what: "receipt",
                    error,
                })?;
            let expected = usize::try_from(proof.leaf_index)
                .ok()
                .and_then(transaction_receipt_leaf)
                .and_then(|leaf| u64::try_from(leaf).ok())
                .unwrap_or(u64::MAX);
            if receipt_proof.leaf_index != expected {
                return Err(BundleError::ReceiptNotTheTransactions {
                    receipt: receipt_proof.leaf_index,
                    expected,
                });
            }
            let named: civitas_civic::receipt::Receipt =
                decode(&receipt).map_err(|e| malformed("claim.receipt", e))?;
            if named.transaction_id != signed.id() {
                return Err(BundleError::ReceiptOfAnotherTransaction {
                    found: named.transaction_id,
                    expected: signed.id(),
                });
            }
            Ok(CheckedClaim::Transaction {
                transaction: Box::new(signed),
                position: proof.leaf_index,
                receipt,
            })
        }
        Claim::State { entries } => {
            if entries.len() > ENTRIES_MAX {
                return Err(BundleError::TooLarge("the state entries"));
            }
            let mut checked = Vec::with_capacity(entries.len());
            for (index, entry) in entries.iter().enumerate() {
                let field = |name: &str| format!("claim.entries[{index}].{name}");
                let key = bytes(&field("key"), &entry.key)?;
                let value = entry
                    .value
                    .as_deref()
                    .map(|value| bytes(&field("value"), value))
                    .transpose()?;
                let proof: StateProof = decoded(&field("proof"), &entry.proof)?;
                verify_state(&header.state_root, &key, value.as_deref(), &proof)
                    .map_err(|error| BundleError::State { index, error })?;
                checked.push((key, value));
            }
            Ok(CheckedClaim::State(checked))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use civitas_civic::receipt::Receipt;
    use civitas_types::merkle::MerkleTree;
    use civitas_types::receipt_leaves::receipt_leaves;
    use civitas_types::{
        AccountId, BoundedBytes, Hash, PublicKey, SigningKey, TransactionBody, encode, merkle,
    };

    fn transaction(sequence: u64) -> SignedTransaction {
        let key = SigningKey::from_seed(&[9; 32]);
        let body = TransactionBody {
            chain_id: civitas_types::testing::chain_id(),
            signer: AccountId::from_public_key(&key.public_key()),
            sequence,
            expiry_height: 100,
            payload: BoundedBytes::try_from_vec(vec![1, 2, 3]).unwrap(),
        };
        SignedTransaction::sign(body, &[&key]).unwrap()
    }

    fn hex(bytes: &[u8]) -> String {
        format!("0x{}", ::hex::encode(bytes))
    }

    /// A block of two transactions, the first failed and the second a
    /// success; its header and the encodings of both and their receipts.
    fn block_of_two() -> (Header, Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let transactions: Vec<Vec<u8>> = (0..2).map(|s| encode(&transaction(s))).collect();
        let ids: Vec<Hash> = (0..2).map(|s| transaction(s).id()).collect();
        let receipts = vec![
            encode(&Receipt {
                transaction_id: ids[0],
                code: 414,
                events: Vec::new(),
            }),
            encode(&Receipt::success(ids[1], Vec::new())),
        ];
        let leaves = receipt_leaves(
            encode(&Receipt::success(Hash::ZERO, Vec::new())),
            receipts.clone(),
        );
        let header = Header {
            version: 1,
            chain_id: civitas_types::testing::chain_id(),
            height: 5,
            time_ms: 1,
            previous_block_hash: Hash::ZERO,
            last_commit_hash: Hash::ZERO,
            transactions_root: merkle::root_of(&transactions),
            receipts_root: merkle::root_of(&leaves),
            state_root: Hash::ZERO,
            evidence_root: Hash::ZERO,
            validators_hash: Hash::ZERO,
            next_validators_hash: Hash::ZERO,
            proposer: PublicKey([0; 32]),
        };
        (header, transactions, leaves)
    }

    fn proof(leaves: &[Vec<u8>], index: usize) -> MerkleProof {
        let hashes = leaves.iter().map(|l| merkle::leaf_hash(l)).collect();
        MerkleTree::from_leaf_hashes(hashes).proof(index).unwrap()
    }

    fn claim(
        transaction: &[u8],
        transaction_proof: &MerkleProof,
        receipt: &[u8],
        receipt_proof: &MerkleProof,
    ) -> Claim {
        Claim::Transaction {
            transaction: hex(transaction),
            transaction_proof: hex(&encode(transaction_proof)),
            receipt: hex(receipt),
            receipt_proof: hex(&encode(receipt_proof)),
        }
    }

    #[test]
    fn a_transaction_with_its_own_receipt_is_proven() {
        let (header, transactions, leaves) = block_of_two();
        let honest = claim(
            &transactions[0],
            &proof(&transactions, 0),
            &leaves[1],
            &proof(&leaves, 1),
        );
        let checked = check_claim(&honest, &header).unwrap();
        assert!(matches!(
            checked,
            CheckedClaim::Transaction { position: 0, .. }
        ));
    }

    /// A Merkle path fits several (index, count) pairs: the second
    /// transaction's receipt, leaf 2 of 3, also leads to the root as leaf 1
    /// of 2, the first transaction's receipt leaf. The receipt's own id
    /// refuses it, or a failed transaction would pass for a success.
    #[test]
    fn another_transactions_receipt_relabelled_to_the_right_leaf_is_refused() {
        let (header, transactions, leaves) = block_of_two();
        let mut relabelled = proof(&leaves, 2);
        relabelled.leaf_index = 1;
        relabelled.leaf_count = 2;
        assert!(relabelled.verify(&header.receipts_root, &leaves[2]).is_ok());
        let forged = claim(
            &transactions[0],
            &proof(&transactions, 0),
            &leaves[2],
            &relabelled,
        );
        assert_eq!(
            check_claim(&forged, &header).unwrap_err(),
            BundleError::ReceiptOfAnotherTransaction {
                found: transaction(1).id(),
                expected: transaction(0).id(),
            }
        );
    }
}
