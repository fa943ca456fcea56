//! The recovery phrase: 24 BIP-39 English words, and the seed they give.
//!
//! BIP-39: 256 bits of entropy, followed by the first 8 bits of their SHA-256
//! (the checksum), cut into 24 groups of 11 bits, each the index of a word in
//! the 2048-word English list. The seed is
//! `PBKDF2-HMAC-SHA512(password = the words joined by single spaces,
//! salt = "mnemonic" ‖ passphrase, 2048 rounds, 64 bytes)`, the passphrase
//! normalised to Unicode NFKD first. Civitas accepts 24 words only: one length
//! means one thing to write down and 256 bits of strength.

use bip39::{Language, Mnemonic};
use zeroize::{Zeroize, Zeroizing};

use crate::error::PhraseError;

/// The number of words of a Civitas recovery phrase.
pub const WORD_COUNT: usize = 24;
/// The bytes of entropy a new phrase is made from.
pub const ENTROPY_LENGTH: usize = 32;
/// The longest word of the English list has 8 letters.
const WORD_LENGTH_MAX: usize = 8;
/// 24 words of at most 8 letters with a space after each fit this.
const PHRASE_LENGTH_MAX: usize = WORD_COUNT * (WORD_LENGTH_MAX + 1);

/// A checked recovery phrase. Wiped when dropped; `Debug` does not show it.
#[derive(Clone)]
pub struct RecoveryPhrase(Mnemonic);

impl RecoveryPhrase {
    /// The phrase of 32 bytes of `entropy`, which the caller takes from a
    /// cryptographic random generator (this crate has no randomness of its own).
    pub fn from_entropy(entropy: &[u8]) -> Result<RecoveryPhrase, PhraseError> {
        if entropy.len() != ENTROPY_LENGTH {
            return Err(PhraseError::EntropyLength {
                length: entropy.len(),
            });
        }
        Mnemonic::from_entropy_in(Language::English, entropy)
            .map(RecoveryPhrase)
            .map_err(|_| PhraseError::EntropyLength {
                length: entropy.len(),
            })
    }

    /// Reads a phrase as a person typed it: words separated by any white
    /// space, upper or lower case (only ASCII letters are folded: the list
    /// has no others). Refuses a count other than 24, a word not in
    /// the English list and a wrong checksum.
    pub fn parse(text: &str) -> Result<RecoveryPhrase, PhraseError> {
        let found = text.split_whitespace().count();
        if found != WORD_COUNT {
            return Err(PhraseError::WordCount { found });
        }
        // One bounded, wiped copy: the words in lower case joined by single
        // spaces. A word longer than any in the list is refused before it is
        // copied, so no input makes this copy grow. The English list is ASCII,
        // which NFKD leaves unchanged, so the words need no normalisation.
        let mut lower = Zeroizing::new(String::with_capacity(PHRASE_LENGTH_MAX));
        for (index, word) in text.split_whitespace().enumerate() {
            if word.len() > WORD_LENGTH_MAX {
                return Err(PhraseError::UnknownWord {
                    position: index.saturating_add(1),
                });
            }
            if index > 0 {
                lower.push(' ');
            }
            lower.extend(word.chars().map(|c| c.to_ascii_lowercase()));
        }
        Mnemonic::parse_in_normalized(Language::English, &lower)
            .map(RecoveryPhrase)
            .map_err(|error| match error {
                bip39::Error::UnknownWord(index) => PhraseError::UnknownWord {
                    position: index.saturating_add(1),
                },
                bip39::Error::BadWordCount(found) => PhraseError::WordCount { found },
                _ => PhraseError::Checksum,
            })
    }

    /// The words, in order.
    pub fn words(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.words()
    }

    /// The words joined by single spaces, to show to the citizen once; the
    /// string is wiped when dropped.
    pub fn to_phrase_string(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(PHRASE_LENGTH_MAX));
        for (position, word) in self.words().enumerate() {
            if position > 0 {
                text.push(' ');
            }
            text.push_str(word);
        }
        text
    }

    /// The 64-byte BIP-39 seed under `passphrase` ("" for none). A different
    /// passphrase gives unrelated keys; a forgotten one cannot be recovered.
    pub fn seed(&self, passphrase: &str) -> Seed {
        let mut bytes = self.0.to_seed(passphrase);
        let seed = Seed(bytes);
        bytes.zeroize();
        seed
    }
}

impl std::fmt::Debug for RecoveryPhrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryPhrase(24 words, hidden)")
    }
}

/// A 64-byte BIP-39 seed. Wiped when dropped; `Debug` does not show it.
#[derive(Clone)]
pub struct Seed([u8; 64]);

impl Seed {
    /// A seed from its bytes (e.g. a test vector).
    pub fn from_bytes(bytes: [u8; 64]) -> Seed {
        Seed(bytes)
    }

    /// The bytes; handle with care.
    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }
}

impl Drop for Seed {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seed(hidden)")
    }
}
