//! An in-memory signing-state store for tests: survives "crashes" (clones share
//! it) and can be told to fail, like a full disk.

use std::cell::RefCell;
use std::rc::Rc;

use crate::signer::{SignState, SignStateStore, StoreError};

/// Shared in-memory store.
#[derive(Clone, Default)]
pub(crate) struct MemoryStore {
    pub(crate) state: Rc<RefCell<Option<SignState>>>,
    pub(crate) fail: Rc<RefCell<bool>>,
}

impl SignStateStore for MemoryStore {
    fn load(&self) -> Result<Option<SignState>, StoreError> {
        Ok(self.state.borrow().clone())
    }

    fn save(&mut self, state: &SignState) -> Result<(), StoreError> {
        if *self.fail.borrow() {
            return Err(StoreError::Write(std::io::ErrorKind::StorageFull));
        }
        *self.state.borrow_mut() = Some(state.clone());
        Ok(())
    }
}
