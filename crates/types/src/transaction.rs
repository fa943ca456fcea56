//! The signed transaction envelope.
//!
//! A transaction is a [`TransactionBody`] — chain id, signer account, sequence
//! number, expiry height and an opaque civic payload — plus one or more signatures.
//! The transaction id is the body's hash in the `Transaction` domain, and every
//! signature signs that id, so all members of a multisig account sign the same
//! 32 bytes and the id is known before anyone signs. Consensus and storage never
//! look inside the payload; the civic state machine decodes it and decides whether
//! the signatures authorise the signer account.

use borsh::{BorshDeserialize, BorshSerialize};

use crate::account::AccountId;
use crate::chain_id::ChainId;
use crate::codec::{BoundedBytes, BoundedVec, DecodeError, encode};
use crate::crypto::{BatchVerifier, PublicKey, Signature, SigningKey};
use crate::hash::{Domain, Hash};
use crate::limits::{
    TRANSACTION_BYTES_MAX, TRANSACTION_PAYLOAD_BYTES_MAX, TRANSACTION_SIGNATURES_MAX,
};

/// The signed part of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct TransactionBody {
    /// The network this transaction is for; other networks refuse it.
    pub chain_id: ChainId,
    /// The account acting: a key account or a multisig account.
    pub signer: AccountId,
    /// Replay protection: must be exactly the signer account's next sequence number.
    pub sequence: u64,
    /// Last height at which the transaction may be included.
    pub expiry_height: u64,
    /// The civic action, encoded by the civic crate; opaque here.
    pub payload: BoundedBytes<TRANSACTION_PAYLOAD_BYTES_MAX>,
}

impl TransactionBody {
    /// The transaction id: the body's hash in the `Transaction` domain; what signers sign.
    pub fn id(&self) -> Hash {
        Hash::tagged(Domain::Transaction, &encode(self))
    }
}

/// One signature on a transaction, with the key that made it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct TransactionSignature {
    /// The signing key: the signer account's key, or a member key of its multisig policy.
    pub public_key: PublicKey,
    /// Ed25519 signature over the transaction id.
    pub signature: Signature,
}

/// A transaction with its signatures: what citizens submit and blocks contain.
/// Its encoding is at most [`TRANSACTION_BYTES_MAX`] bytes.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize)]
pub struct SignedTransaction {
    /// What was signed.
    pub body: TransactionBody,
    /// One to [`TRANSACTION_SIGNATURES_MAX`] signatures over the id, keys strictly increasing.
    pub signatures: BoundedVec<TransactionSignature, TRANSACTION_SIGNATURES_MAX>,
}

/// Why a transaction cannot be assembled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    /// No signature, or more than the limit.
    #[error("a transaction carries 1 to {TRANSACTION_SIGNATURES_MAX} signatures, got {0}")]
    SignatureCount(usize),
    /// Two signatures by the same key.
    #[error("two signatures by the same key {0}")]
    DuplicateSigner(PublicKey),
}

impl SignedTransaction {
    /// Signs `body` with each key in `signers` (any order; stored sorted by key).
    pub fn sign(
        body: TransactionBody,
        signers: &[&SigningKey],
    ) -> Result<SignedTransaction, TransactionError> {
        let id = body.id();
        let signatures = signers
            .iter()
            .map(|key| TransactionSignature {
                public_key: key.public_key(),
                signature: key.sign_digest(&id),
            })
            .collect();
        SignedTransaction::from_parts(body, signatures)
    }

    /// Assembles a transaction from a body and signatures made elsewhere (e.g. by
    /// the members of a multisig account on their own machines).
    pub fn from_parts(
        body: TransactionBody,
        mut signatures: Vec<TransactionSignature>,
    ) -> Result<SignedTransaction, TransactionError> {
        signatures.sort_by_key(|entry| entry.public_key);
        check_signature_list(&signatures)?;
        let signatures = BoundedVec::try_from_vec(signatures)
            .map_err(|all| TransactionError::SignatureCount(all.len()))?;
        Ok(SignedTransaction { body, signatures })
    }

    /// Length of the canonical encoding, computed without encoding.
    pub fn encoded_len(&self) -> usize {
        let body = &self.body;
        // chain id (u32 length + bytes), signer 32, sequence 8, expiry 8, payload
        // (u32 length + bytes), signatures (u32 count + 96 each).
        [
            4,
            body.chain_id.as_str().len(),
            32 + 8 + 8 + 4,
            body.payload.len(),
            4,
            self.signatures.len().saturating_mul(32 + 64),
        ]
        .iter()
        .fold(0usize, |sum, part| sum.saturating_add(*part))
    }

    /// The transaction id (see [`TransactionBody::id`]).
    pub fn id(&self) -> Hash {
        self.body.id()
    }

    /// The hash of the whole canonical encoding, signatures included, in the
    /// `SignedTransaction` domain. Two transactions with one body but different
    /// signatures share an id but not this hash: a cache of verified signatures
    /// must be keyed by it, never by the id.
    pub fn signed_hash(&self) -> Hash {
        Hash::tagged(Domain::SignedTransaction, &encode(self))
    }

    /// Queues every signature for verification against the id; the caller runs
    /// the batch (one batch can hold many transactions).
    pub fn queue_signatures(&self, id: &Hash, batch: &mut BatchVerifier) {
        for entry in self.signatures.iter() {
            batch.queue_digest(&entry.public_key, id, &entry.signature);
        }
    }

    /// Checks every signature (ZIP-215). Whether the keys authorise the signer
    /// account is the civic state machine's rule, not this one.
    pub fn verify_signatures(&self) -> Result<(), crate::crypto::BatchFailure> {
        let mut batch = BatchVerifier::with_capacity(self.signatures.len());
        self.queue_signatures(&self.id(), &mut batch);
        batch.verify()
    }
}

fn check_signature_list(signatures: &[TransactionSignature]) -> Result<(), TransactionError> {
    if signatures.is_empty() || signatures.len() > TRANSACTION_SIGNATURES_MAX {
        return Err(TransactionError::SignatureCount(signatures.len()));
    }
    for pair in signatures.windows(2) {
        if let [first, second] = pair
            && first.public_key >= second.public_key
        {
            return Err(TransactionError::DuplicateSigner(second.public_key));
        }
    }
    Ok(())
}

impl BorshDeserialize for SignedTransaction {
    fn deserialize_reader<R: std::io::Read>(reader: &mut R) -> std::io::Result<Self> {
        let body = TransactionBody::deserialize_reader(reader)?;
        let signatures =
            BoundedVec::<TransactionSignature, TRANSACTION_SIGNATURES_MAX>::deserialize_reader(
                reader,
            )?;
        check_signature_list(&signatures).map_err(|error| {
            let reason = match error {
                TransactionError::SignatureCount(_) => "a transaction needs at least one signature",
                TransactionError::DuplicateSigner(_) => {
                    "signature keys must be strictly increasing"
                }
            };
            DecodeError::NonCanonical {
                field: "transaction signatures",
                reason,
            }
            .into_io()
        })?;
        let transaction = SignedTransaction { body, signatures };
        // The field limits already imply this (the payload limit is what the
        // largest envelope leaves of TRANSACTION_BYTES_MAX); checked again so the
        // one transaction limit holds even if a field limit is changed alone.
        let length = transaction.encoded_len();
        if length > TRANSACTION_BYTES_MAX {
            return Err(DecodeError::TooLong {
                field: "signed transaction",
                length: length as u64,
                limit: TRANSACTION_BYTES_MAX as u64,
            }
            .into_io());
        }
        Ok(transaction)
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )]
    use super::*;
    use crate::codec::decode;

    fn body() -> TransactionBody {
        TransactionBody {
            chain_id: ChainId::new("civitas-test").unwrap(),
            signer: AccountId([7; 32]),
            sequence: 3,
            expiry_height: 100,
            payload: BoundedBytes::try_from_vec(vec![1, 2, 3]).unwrap(),
        }
    }

    #[test]
    fn signatures_verify_and_are_sorted() {
        let keys: Vec<SigningKey> = (1..=3).map(|i| SigningKey::from_seed(&[i; 32])).collect();
        let refs: Vec<&SigningKey> = keys.iter().rev().collect();
        let tx = SignedTransaction::sign(body(), &refs).unwrap();
        assert!(
            tx.signatures
                .windows(2)
                .all(|w| w[0].public_key < w[1].public_key)
        );
        assert_eq!(tx.verify_signatures(), Ok(()));
        assert_eq!(decode::<SignedTransaction>(&encode(&tx)).unwrap(), tx);
        assert_eq!(tx.encoded_len(), encode(&tx).len());
    }

    #[test]
    fn signed_hash_covers_the_signatures_and_the_id_does_not() {
        let key = SigningKey::from_seed(&[1; 32]);
        let honest = SignedTransaction::sign(body(), &[&key]).unwrap();
        let mut forged = honest.clone();
        forged.signatures = BoundedVec::try_from_vec(vec![TransactionSignature {
            public_key: key.public_key(),
            signature: Signature([7; 64]),
        }])
        .unwrap();
        assert_eq!(honest.id(), forged.id());
        assert_ne!(honest.signed_hash(), forged.signed_hash());
        assert_eq!(
            honest.signed_hash(),
            Hash::tagged(Domain::SignedTransaction, &encode(&honest))
        );
    }

    /// A transaction of the largest shape: longest chain id, 16 signatures and a
    /// payload of `payload_bytes`.
    fn largest_shape(payload_bytes: usize) -> Vec<u8> {
        let keys: Vec<SigningKey> = (1..=16).map(|i| SigningKey::from_seed(&[i; 32])).collect();
        let mut body = body();
        body.chain_id = ChainId::new(&"c".repeat(crate::limits::CHAIN_ID_LENGTH_MAX)).unwrap();
        body.payload =
            BoundedBytes::try_from_vec(vec![0xee; TRANSACTION_PAYLOAD_BYTES_MAX]).unwrap();
        let refs: Vec<&SigningKey> = keys.iter().collect();
        let tx = SignedTransaction::sign(body, &refs).unwrap();
        let mut bytes = encode(&tx);
        // Re-encode the payload with the requested length: chain id 4 + 64,
        // signer, sequence and expiry 48, then the payload's length prefix.
        let at = 4 + 64 + 48;
        let signatures = bytes.split_off(at + 4 + TRANSACTION_PAYLOAD_BYTES_MAX);
        bytes.truncate(at);
        bytes.extend((payload_bytes as u32).to_le_bytes());
        bytes.extend(vec![0xee; payload_bytes]);
        bytes.extend(signatures);
        bytes
    }

    #[test]
    fn the_largest_transaction_encodes_to_exactly_transaction_bytes_max() {
        let bytes = largest_shape(TRANSACTION_PAYLOAD_BYTES_MAX);
        assert_eq!(bytes.len(), TRANSACTION_BYTES_MAX);
        let tx = decode::<SignedTransaction>(&bytes).unwrap();
        assert_eq!(tx.encoded_len(), TRANSACTION_BYTES_MAX);
        assert_eq!(TRANSACTION_PAYLOAD_BYTES_MAX, 14_724);
    }

    #[test]
    fn decoding_refuses_a_transaction_one_byte_over_the_limit() {
        let bytes = largest_shape(TRANSACTION_PAYLOAD_BYTES_MAX + 1);
        assert_eq!(bytes.len(), TRANSACTION_BYTES_MAX + 1);
        assert!(matches!(
            decode::<SignedTransaction>(&bytes),
            Err(DecodeError::TooLong { .. })
        ));
    }

    #[test]
    fn changed_body_breaks_every_signature() {
        let key = SigningKey::from_seed(&[1; 32]);
        let mut tx = SignedTransaction::sign(body(), &[&key]).unwrap();
        tx.body.sequence = 4;
        assert!(tx.verify_signatures().is_err());
    }

    #[test]
    fn no_signature_or_duplicate_keys_are_refused() {
        assert_eq!(
            SignedTransaction::from_parts(body(), vec![]),
            Err(TransactionError::SignatureCount(0))
        );
        let key = SigningKey::from_seed(&[1; 32]);
        assert!(matches!(
            SignedTransaction::sign(body(), &[&key, &key]),
            Err(TransactionError::DuplicateSigner(_))
        ));
    }

    #[test]
    fn decoding_refuses_unsorted_or_empty_signature_lists() {
        let keys: Vec<SigningKey> = (1..=2).map(|i| SigningKey::from_seed(&[i; 32])).collect();
        let tx = SignedTransaction::sign(body(), &[&keys[0], &keys[1]]).unwrap();
        let mut swapped = encode(&tx.body);
        let mut list = tx.signatures.to_vec();
        list.reverse();
        swapped.extend(encode(&(list.len() as u32)));
        for entry in &list {
            swapped.extend(encode(entry));
        }
        assert!(matches!(
            decode::<SignedTransaction>(&swapped),
            Err(DecodeError::NonCanonical { .. })
        ));
        let mut empty = encode(&tx.body);
        empty.extend([0, 0, 0, 0]);
        assert!(matches!(
            decode::<SignedTransaction>(&empty),
            Err(DecodeError::NonCanonical { .. })
        ));
    }
}
