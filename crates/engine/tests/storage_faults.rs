//! A store that fails (a full disk) stops the engine with a typed error that
//! says what to do, never a panic; nothing committed is lost, and an engine
//! restarted on the same store once space is freed goes on from its tip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod common;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use civitas_engine::{
    ChainStore, Decided, Engine, EngineError, Input, MemoryStore, MemoryView, Output, StoreError,
    Timer, Tip, Writes,
};
use civitas_state_tree::MemoryState;
use civitas_types::{Block, QuorumCertificate, ValidatorSet};
use common::*;

/// A `MemoryStore` whose commits fail while `full` is set, as on a full disk.
#[derive(Clone)]
struct FlakyStore {
    inner: MemoryStore,
    full: Rc<Cell<bool>>,
}

impl ChainStore for FlakyStore {
    type State = MemoryView;
    type Prepared = MemoryState;

    fn tip(&self) -> Result<Option<Tip>, StoreError> {
        self.inner.tip()
    }
    fn state(&self) -> &MemoryView {
        self.inner.state()
    }
    fn prepare(&self, writes: &Writes) -> Result<MemoryState, StoreError> {
        self.inner.prepare(writes)
    }
    fn commit(&mut self, decided: Decided<'_>, prepared: MemoryState) -> Result<(), StoreError> {
        if self.full.get() {
            return Err(StoreError::Full);
        }
        self.inner.commit(decided, prepared)
    }
    fn save_candidate(&mut self, block: &Block) -> Result<(), StoreError> {
        self.inner.save_candidate(block)
    }
    fn candidates(&self) -> Result<Vec<Block>, StoreError> {
        self.inner.candidates()
    }
    fn validator_set(&self, height: u64) -> Result<Option<ValidatorSet>, StoreError> {
        self.inner.validator_set(height)
    }
    fn block(&self, height: u64) -> Result<Option<(Block, QuorumCertificate)>, StoreError> {
        self.inner.block(height)
    }
}

/// A lone validator's timers, delivered in time order.
#[derive(Default)]
struct Timers {
    pending: BTreeMap<(u64, u64), Timer>,
    sequence: u64,
    now_ms: u64,
}

impl Timers {
    fn schedule(&mut self, outputs: Vec<Output>) {
        for output in outputs {
            if let Output::Schedule { timer, at_ms } = output {
                self.sequence += 1;
                self.pending.insert((at_ms, self.sequence), timer);
            }
        }
    }

    /// Delivers timers until `engine` has decided `height`, or fails.
    fn drive(
        &mut self,
        engine: &mut Engine<FlakyStore, SharedSignStore>,
        height: u64,
    ) -> Result<(), EngineError> {
        while engine.height() <= height {
            let ((at_ms, _), timer) = self
                .pending
                .pop_first()
                .expect("a lone validator always has a timer");
            self.now_ms = self.now_ms.max(at_ms);
            let outputs = engine.handle(Input::Timer(timer), self.now_ms)?;
            self.schedule(outputs);
        }
        Ok(())
    }
}

#[test]
fn a_full_disk_stops_the_engine_with_its_error_and_a_restart_resumes_from_the_tip() {
    let document = genesis(1);
    let checked = document.check().unwrap();
    let spec = civitas_engine::ChainSpec::from_genesis(&document, checked.hash);
    let full = Rc::new(Cell::new(false));
    let store = FlakyStore {
        inner: MemoryStore::from_genesis(&checked, 1).unwrap(),
        full: full.clone(),
    };
    let sign_store = SharedSignStore::default();
    let config = civitas_engine::EngineConfig {
        heartbeat_ms: 1_000,
        ..Default::default()
    };
    let mut timers = Timers {
        now_ms: GENESIS_TIME_MS + 1_000,
        ..Timers::default()
    };
    let (mut engine, outputs) = Engine::start(
        spec.clone(),
        config,
        store,
        key(1),
        sign_store.clone(),
        timers.now_ms,
    )
    .unwrap();
    timers.schedule(outputs);
    timers.drive(&mut engine, 3).unwrap();
    let before: Vec<_> = engine.store().inner.blocks().to_vec();
    assert_eq!(before.len(), 3);

    full.set(true);
    let error = timers.drive(&mut engine, 4).unwrap_err();
    assert_eq!(error, EngineError::Store(StoreError::Full));
    assert!(
        error.to_string().contains("free space and restart"),
        "{error}"
    );
    let kept = engine.store().clone();
    assert_eq!(kept.inner.blocks().len(), 3, "nothing half-committed");

    // Space is freed; the node restarts on the same store and signing state.
    full.set(false);
    let mut timers = Timers {
        now_ms: timers.now_ms + 5_000,
        ..Timers::default()
    };
    let (mut restarted, outputs) =
        Engine::start(spec, config, kept, key(1), sign_store, timers.now_ms).unwrap();
    assert_eq!(restarted.height(), 4);
    timers.schedule(outputs);
    timers.drive(&mut restarted, 5).unwrap();
    let blocks = restarted.store().inner.blocks();
    assert_eq!(blocks.len(), 5);
    for (old, new) in before.iter().zip(blocks) {
        assert_eq!(old.block.hash(), new.block.hash());
    }
}
