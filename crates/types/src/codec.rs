//! The canonical encoding: borsh, decoded strictly and within bounds.
//!
//! Everything hashed, signed, stored or sent is borsh-encoded (docs/protocol.md,
//! "Encoding"). Decoding through [`decode`] is strict: trailing bytes, truncated
//! input, unknown enum tags, non-canonical values and lengths over a type's limit
//! are typed errors. Variable-length fields use [`BoundedVec`] and [`BoundedBytes`],
//! which check the length prefix against their limit *before* allocating, so a
//! hostile prefix cannot make a node allocate gigabytes.

use std::io::{self, Read};
use std::ops::Deref;

use borsh::{BorshDeserialize, BorshSerialize};

/// Encodes `value` canonically.
pub fn encode<T: BorshSerialize + ?Sized>(value: &T) -> Vec<u8> {
    // Most encoded objects are small: start with room for them to avoid regrowing.
    let mut bytes = Vec::with_capacity(ENCODE_CAPACITY);
    // Writing into a Vec cannot fail, and no Civitas type's serializer returns an error.
    if value.serialize(&mut bytes).is_err() {
        bytes.clear();
    }
    bytes
}

/// Initial capacity of [`encode`]'s buffer.
const ENCODE_CAPACITY: usize = 128;

/// Length of `value`'s canonical encoding, counted without building it: a block
/// of megabytes is measured against its limit without a second copy in memory.
pub fn encoded_len<T: BorshSerialize + ?Sized>(value: &T) -> usize {
    let mut counter = CountingWriter(0);
    // Counting cannot fail, and no Civitas type's serializer returns an error.
    if value.serialize(&mut counter).is_err() {
        return 0;
    }
    counter.0
}

/// A writer that keeps only the number of bytes written.
struct CountingWriter(usize);

impl io::Write for CountingWriter {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        self.0 = self.0.saturating_add(buffer.len());
        Ok(buffer.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Decodes exactly one `T` from `bytes`, rejecting trailing bytes.
pub fn decode<T: BorshDeserialize>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut reader = EndTrackingReader {
        rest: bytes,
        read_past_end: false,
    };
    let value = T::deserialize_reader(&mut reader).map_err(|error| {
        if reader.read_past_end {
            DecodeError::Truncated
        } else {
            DecodeError::from_io(error)
        }
    })?;
    if !reader.rest.is_empty() {
        return Err(DecodeError::TrailingBytes(reader.rest.len()));
    }
    Ok(value)
}

/// A slice reader that remembers whether anyone asked for more bytes than it had,
/// so truncation is told apart from other errors whatever borsh calls them.
struct EndTrackingReader<'a> {
    rest: &'a [u8],
    read_past_end: bool,
}

impl Read for EndTrackingReader<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        // Asked for bytes when none are left: whatever fails next is truncation.
        // (A read that merely returns fewer bytes than asked is not: `read_to_end`
        // probes that way.)
        if !buffer.is_empty() && self.rest.is_empty() {
            self.read_past_end = true;
        }
        self.rest.read(buffer)
    }
}

/// Why bytes are not the canonical encoding of a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ended before the value was complete.
    #[error("truncated input: the encoding ends before the value is complete")]
    Truncated,
    /// Bytes were left over after the value.
    #[error("{0} trailing byte(s) after the value")]
    TrailingBytes(usize),
    /// A length prefix exceeds the field's limit.
    #[error("length {length} exceeds the limit of {limit} for {field}")]
    TooLong {
        /// What was being decoded.
        field: &'static str,
        /// The length announced by the prefix.
        length: u64,
        /// The largest length allowed.
        limit: u64,
    },
    /// A value breaks a rule of its type (order, range, character set...).
    #[error("non-canonical {field}: {reason}")]
    NonCanonical {
        /// What was being decoded.
        field: &'static str,
        /// The rule that was broken.
        reason: &'static str,
    },
    /// Anything borsh itself rejects: unknown enum tag, bad bool or option tag, invalid UTF-8.
    #[error("invalid encoding: {0}")]
    Invalid(String),
}

impl DecodeError {
    fn from_io(error: io::Error) -> DecodeError {
        if error.kind() == io::ErrorKind::UnexpectedEof {
            return DecodeError::Truncated;
        }
        match error
            .get_ref()
            .and_then(|e| e.downcast_ref::<DecodeError>())
        {
            Some(typed) => typed.clone(),
            None => DecodeError::Invalid(error.to_string()),
        }
    }

    /// Wraps this error for return from a `BorshDeserialize` implementation;
    /// [`decode`] unwraps it again.
    pub fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }
}

/// Reads a borsh `u32` length prefix and checks it against `limit`.
fn read_length<R: Read>(reader: &mut R, field: &'static str, limit: usize) -> io::Result<usize> {
    let length = u32::deserialize_reader(reader)?;
    let length_usize = usize::try_from(length).map_err(|_| {
        DecodeError::TooLong {
            field,
            length: u64::from(length),
            limit: limit as u64,
        }
        .into_io()
    })?;
    if length_usize > limit {
        return Err(DecodeError::TooLong {
            field,
            length: u64::from(length),
            limit: limit as u64,
        }
        .into_io());
    }
    Ok(length_usize)
}

/// Writes a borsh `u32` length prefix.
fn write_length<W: io::Write>(writer: &mut W, length: usize) -> io::Result<()> {
    let length = u32::try_from(length)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "length over u32"))?;
    length.serialize(writer)
}

/// Capacity reserved up front while decoding: enough for typical inputs, small
/// enough that a lying prefix on a short input costs little.
const PREALLOCATE_MAX: usize = 1024;

/// A vector of at most `MAX` elements, encoded as a borsh `Vec<T>`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BoundedVec<T, const MAX: usize>(Vec<T>);

impl<T, const MAX: usize> BoundedVec<T, MAX> {
    /// An empty vector.
    pub fn new() -> Self {
        BoundedVec(Vec::new())
    }

    /// Wraps `items`, or returns them back if there are more than `MAX`.
    pub fn try_from_vec(items: Vec<T>) -> Result<Self, Vec<T>> {
        if items.len() > MAX {
            return Err(items);
        }
        Ok(BoundedVec(items))
    }

    /// Appends `item`, or returns it back if the vector is full.
    pub fn try_push(&mut self, item: T) -> Result<(), T> {
        if self.0.len() >= MAX {
            return Err(item);
        }
        self.0.push(item);
        Ok(())
    }

    /// The largest number of elements allowed.
    pub const fn limit() -> usize {
        MAX
    }

    /// Unwraps into the inner vector.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T, const MAX: usize> Default for BoundedVec<T, MAX> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const MAX: usize> Deref for BoundedVec<T, MAX> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: BorshSerialize, const MAX: usize> BorshSerialize for BoundedVec<T, MAX> {
    fn serialize<W: io::Write>(&self, writer: &mut W) -> io::Result<()> {
        write_length(writer, self.0.len())?;
        for item in &self.0 {
            item.serialize(writer)?;
        }
        Ok(())
    }
}

impl<T: BorshDeserialize, const MAX: usize> BorshDeserialize for BoundedVec<T, MAX> {
    fn deserialize_reader<R: Read>(reader: &mut R) -> io::Result<Self> {
        let length = read_length(reader, "vector", MAX)?;
        let mut items = Vec::with_capacity(length.min(PREALLOCATE_MAX));
        for _ in 0..length {
            items.push(T::deserialize_reader(reader)?);
        }
        Ok(BoundedVec(items))
    }
}

/// A byte string of at most `MAX` bytes, encoded as a borsh `Vec<u8>`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct BoundedBytes<const MAX: usize>(Vec<u8>);

impl<const MAX: usize> BoundedBytes<MAX> {
    /// Wraps `bytes`, or returns them back if there are more than `MAX`.
    pub fn try_from_vec(bytes: Vec<u8>) -> Result<Self, Vec<u8>> {
        if bytes.len() > MAX {
            return Err(bytes);
        }
        Ok(BoundedBytes(bytes))
    }

    /// The largest number of bytes allowed.
    pub const fn limit() -> usize {
        MAX
    }

    /// Unwraps into the inner bytes.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

impl<const MAX: usize> std::fmt::Debug for BoundedBytes<MAX> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x{}", hex::encode(&self.0))
    }
}

impl<const MAX: usize> Deref for BoundedBytes<MAX> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl<const MAX: usize> BorshSerialize for BoundedBytes<MAX> {
    fn serialize<W: io::Write>(&self, writer: &mut W) -> io::Result<()> {
        write_length(writer, self.0.len())?;
        writer.write_all(&self.0)
    }
}

impl<const MAX: usize> BorshDeserialize for BoundedBytes<MAX> {
    fn deserialize_reader<R: Read>(reader: &mut R) -> io::Result<Self> {
        let length = read_length(reader, "byte string", MAX)?;
        let mut bytes = Vec::with_capacity(length.min(PREALLOCATE_MAX));
        let read = reader.take(length as u64).read_to_end(&mut bytes)?;
        if read != length {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(BoundedBytes(bytes))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    type Small = BoundedVec<u16, 3>;

    #[test]
    fn round_trip_at_the_limit() {
        let value = Small::try_from_vec(vec![1, 2, 3]).unwrap();
        let bytes = encode(&value);
        assert_eq!(bytes, [3, 0, 0, 0, 1, 0, 2, 0, 3, 0]);
        assert_eq!(decode::<Small>(&bytes).unwrap(), value);
    }

    #[test]
    fn over_the_limit_is_refused_both_ways() {
        assert!(Small::try_from_vec(vec![1, 2, 3, 4]).is_err());
        let mut full = Small::try_from_vec(vec![1, 2, 3]).unwrap();
        assert_eq!(full.try_push(4), Err(4));
        let bytes = [4, 0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0];
        assert!(matches!(
            decode::<Small>(&bytes),
            Err(DecodeError::TooLong {
                length: 4,
                limit: 3,
                ..
            })
        ));
    }

    #[test]
    fn huge_prefix_is_refused_without_allocating() {
        let bytes = [0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            decode::<BoundedBytes<1024>>(&bytes),
            Err(DecodeError::TooLong {
                length: 0xffff_ffff,
                ..
            })
        ));
        // Within the limit but longer than the input: truncated, not a big allocation.
        let bytes = [0x00, 0x00, 0x10, 0x00, 1, 2];
        assert_eq!(
            decode::<BoundedBytes<{ 1 << 20 }>>(&bytes),
            Err(DecodeError::Truncated)
        );
    }

    #[test]
    fn trailing_and_truncated_bytes_are_errors() {
        let bytes = encode(&BoundedBytes::<8>::try_from_vec(vec![7, 7]).unwrap());
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            decode::<BoundedBytes<8>>(&longer),
            Err(DecodeError::TrailingBytes(1))
        );
        for cut in 0..bytes.len() {
            assert_eq!(
                decode::<BoundedBytes<8>>(&bytes[..cut]),
                Err(DecodeError::Truncated)
            );
        }
    }

    #[test]
    fn borsh_rejections_become_invalid() {
        assert!(matches!(decode::<bool>(&[2]), Err(DecodeError::Invalid(_))));
        assert!(matches!(
            decode::<Option<u8>>(&[3, 0]),
            Err(DecodeError::Invalid(_))
        ));
    }
}
