//! The simulated network: a time-ordered event queue and the link faults.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use civitas_consensus::ConsensusMessage;
use civitas_engine::Timer;
use civitas_types::{Block, QuorumCertificate};

use crate::config::FaultProfile;
use crate::rng::SimRng;

/// What travels between nodes.
#[derive(Clone, Debug)]
pub enum Payload {
    /// A consensus message, with its block for a proposal (the network's
    /// consensus envelope).
    Consensus {
        /// The signed proposal or vote.
        message: ConsensusMessage,
        /// The proposed block.
        block: Option<Box<Block>>,
    },
    /// Bytes a Byzantine node sends that may not decode at all.
    Bytes(Vec<u8>),
    /// "Send me the committed blocks from this height."
    SyncRequest {
        /// The first height asked for.
        height: u64,
    },
    /// Committed blocks with their certificates, in height order.
    SyncResponse {
        /// The blocks.
        blocks: Vec<(Block, QuorumCertificate)>,
    },
}

/// Something scheduled to happen.
#[derive(Clone, Debug)]
pub enum Event {
    /// A message arrives.
    Deliver {
        /// Receiver.
        to: usize,
        /// Sender.
        from: usize,
        /// Content.
        payload: Payload,
    },
    /// A timer an engine set is due.
    Timer {
        /// Node.
        node: usize,
        /// Life of the node that set it.
        incarnation: u64,
        /// The timer.
        timer: Timer,
    },
    /// Periodic re-sending of a node's current messages.
    Rebroadcast {
        /// Node.
        node: usize,
        /// Life of the node that set it.
        incarnation: u64,
    },
    /// A node crashes (unless it is already down).
    Crash {
        /// Node.
        node: usize,
        /// How long it stays down.
        down_ms: u64,
        /// Where the crash strikes.
        at: CrashPoint,
    },
    /// The civic workload submits its current transactions.
    Workload,
    /// A crashed node restarts from its persisted state.
    Restart {
        /// Node.
        node: usize,
    },
    /// The fault phase ends.
    Heal,
}

/// Where a crash strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashPoint {
    /// At once, whatever the node is doing.
    Now,
    /// Between saving its next signature and sending it.
    BeforeSend,
    /// Between deciding its next block and writing it: the commit is lost,
    /// the signatures that led to it are not.
    BeforeCommitWrite,
}

/// A time window during which a link condition holds.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// Start, inclusive.
    pub start_ms: u64,
    /// End, exclusive.
    pub end_ms: u64,
}

impl Window {
    fn contains(&self, now: u64) -> bool {
        self.start_ms <= now && now < self.end_ms
    }

    /// A window inside `0..phase_ms`.
    pub fn draw(rng: &mut SimRng, phase_ms: u64) -> Window {
        let start_ms = rng.below(phase_ms);
        let end_ms = rng.between(start_ms.saturating_add(1), phase_ms);
        Window { start_ms, end_ms }
    }
}

/// Link faults of the fault phase.
pub struct Links {
    /// Current profile (calm after the heal).
    pub profile: FaultProfile,
    /// Partitions: during the window, nodes whose bit is set cannot talk to the others.
    pub partitions: Vec<(Window, u64)>,
    /// One-way failures: during the window, `from → to` is lost.
    pub one_way: Vec<(Window, usize, usize)>,
}

impl Links {
    /// Whether a message sent now from `from` to `to` is lost.
    pub fn lost(&self, rng: &mut SimRng, now: u64, from: usize, to: usize) -> bool {
        let side = |mask: u64, node: usize| (mask >> (node % 64)) & 1;
        let cut = self
            .partitions
            .iter()
            .any(|(window, mask)| window.contains(now) && side(*mask, from) != side(*mask, to));
        let one_way = self
            .one_way
            .iter()
            .any(|(window, a, b)| window.contains(now) && *a == from && *b == to);
        cut || one_way || rng.chance(self.profile.drop_permille)
    }

    /// A delay for one message.
    pub fn delay(&self, rng: &mut SimRng) -> u64 {
        rng.between(self.profile.delay_min_ms, self.profile.delay_max_ms)
    }

    /// Whether to deliver a copy twice.
    pub fn duplicate(&self, rng: &mut SimRng) -> bool {
        rng.chance(self.profile.duplicate_permille)
    }

    /// Ends every fault.
    pub fn heal(&mut self) {
        self.profile = FaultProfile::calm();
        self.partitions.clear();
        self.one_way.clear();
    }
}

/// Events ordered by time, then by insertion (a total, deterministic order).
#[derive(Default)]
pub struct EventQueue {
    heap: BinaryHeap<Reverse<(u64, u64)>>,
    events: BTreeMap<u64, Event>,
    next_sequence: u64,
}

impl EventQueue {
    /// Schedules `event` at `time_ms`.
    pub fn push(&mut self, time_ms: u64, event: Event) {
        let sequence = self.next_sequence;
        self.next_sequence = self.next_sequence.saturating_add(1);
        self.heap.push(Reverse((time_ms, sequence)));
        self.events.insert(sequence, event);
    }

    /// The earliest event, with its time.
    pub fn pop(&mut self) -> Option<(u64, Event)> {
        let Reverse((time, sequence)) = self.heap.pop()?;
        self.events.remove(&sequence).map(|event| (time, event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}
