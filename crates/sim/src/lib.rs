//! Deterministic simulator of whole Civitas networks.
//!
//! Runs N validators — each the real `civitas-engine` (Tendermint core, civic
//! execution, mempool, evidence pool) over its own in-memory chain, with its
//! own persisted signing state — fed a light civic workload, over a simulated
//! network driven by one seeded generator and a simulated clock. A run has a *fault phase* (message
//! loss, duplication, delay and reordering, partitions, one-way link failures,
//! crashes and restarts, up to f Byzantine validators, all drawn from the seed)
//! and a *liveness phase* (the network heals; every honest validator must commit
//! new heights within a bound). Invariants are checked continuously
//! ([`checker`]). The same seed gives the same run, bit for bit: a failing seed
//! is replayed with the one-line command [`replay_command`] prints.
//!
//! This crate is test infrastructure: it indexes its own node table freely (the
//! indices are its own, never from input) and panics on broken internal
//! invariants rather than return errors.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::expect_used
)]

pub mod blocks;
mod byzantine;
pub mod checker;
pub mod config;
pub mod network;
pub mod node;
pub mod reference;
pub mod rng;
pub mod simulation;
pub mod workload;

pub use checker::Violation;
pub use config::{ByzantineKind, CrashAtSignature, FaultProfile, Sabotage, SimConfig};
pub use simulation::{SimOutcome, Simulation};

/// Runs one simulation.
pub fn run(config: SimConfig) -> SimOutcome {
    Simulation::new(config).run()
}

/// The command that replays `config`'s seed exactly.
pub fn replay_command(config: &SimConfig) -> String {
    format!(
        "CIVITAS_SIM_SEED={} CIVITAS_SIM_VALIDATORS={} cargo test -p civitas-sim --test simulation replay_one_seed -- --nocapture",
        config.seed, config.validators
    )
}
