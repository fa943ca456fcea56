//! The double-sign guard's state on disk: written to a temporary file,
//! synced, and renamed over the old one before the signature it records
//! leaves the node, so a node killed at any moment restarts knowing
//! everything it may have sent.

use std::io::ErrorKind;
use std::path::PathBuf;

use civitas_consensus::{SignState, SignStateStore, StoreError};
use civitas_types::{decode, encode};

use crate::home::write_durably;

/// The signing state in one file.
pub struct FileSignStore {
    path: PathBuf,
}

impl FileSignStore {
    /// The store at `path` (absent until the first signature).
    pub fn new(path: PathBuf) -> FileSignStore {
        FileSignStore { path }
    }
}

impl SignStateStore for FileSignStore {
    fn load(&self) -> Result<Option<SignState>, StoreError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => decode(&bytes).map(Some).map_err(|_| StoreError::Corrupt),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(StoreError::Read(error.kind())),
        }
    }

    fn save(&mut self, state: &SignState) -> Result<(), StoreError> {
        write_durably(&self.path, &encode(state)).map_err(|e| StoreError::Write(e.kind()))
    }
}
