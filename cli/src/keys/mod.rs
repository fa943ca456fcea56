//! `civitas keys`: create, list, import, export and delete keystore entries,
//! derive a citizen's per-programme and per-community keys, and prove to an
//! office that a derived key and an identity key belong to one person.
//!
//! The secrets live in the keystore (`crate::keystore`); this module is the
//! command line over it and what it prints.

mod derive;
mod link;
mod manage;

use std::path::PathBuf;

use civitas_types::ChainId;
use clap::{Args, Subcommand};

use crate::context::Context;
use crate::exit::CliError;
use crate::keystore::Derivation;

/// The keys commands.
#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Create a key: a plain signing key, or with --citizen a recovery phrase
    /// from which every key of a citizen is derived.
    #[command(
        after_help = "Example:\n  civitas keys new alice\n  civitas keys new camille --citizen --chain-id civitas-grand-est-1"
    )]
    New {
        /// The key's name (a-z, 0-9, '.', '_', '-').
        name: String,
        /// Make a citizen secret (a 24-word recovery phrase) instead of a plain key.
        #[arg(long)]
        citizen: bool,
        /// With --citizen, also print the identity address on this network.
        #[arg(long, value_name = "ID", requires = "citizen")]
        chain_id: Option<ChainId>,
    },
    /// List the keys: name, kind and (for plain keys) address.
    #[command(after_help = "Example:\n  civitas keys list")]
    List,
    /// Show a key's address; a citizen's addresses need the passphrase and a chain id.
    #[command(
        after_help = "Example:\n  civitas keys show alice\n  civitas keys show camille --programme 7 --chain-id civitas-grand-est-1"
    )]
    Show {
        /// The key's name.
        name: String,
        #[command(flatten)]
        which: WhichKey,
        /// The network (required for a citizen's keys).
        #[arg(long, value_name = "ID")]
        chain_id: Option<ChainId>,
    },
    /// Print or write a key's secret (its seed in hex, or its 24 words).
    #[command(after_help = "Example:\n  civitas keys export camille --out camille.phrase")]
    Export {
        /// The key's name.
        name: String,
        /// Write the secret to this new file (0600) instead of printing it.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Import a key from a seed file (hex), a phrase file (24 words), or a
    /// phrase typed at the terminal.
    #[command(
        after_help = "Example:\n  civitas keys import camille-laptop --phrase-file camille.phrase"
    )]
    Import {
        /// The new key's name.
        name: String,
        /// A file holding a 32-byte ed25519 seed in hex (a plain key).
        #[arg(long, value_name = "FILE", conflicts_with = "phrase_file")]
        seed_file: Option<PathBuf>,
        /// A file holding a 24-word recovery phrase (a citizen).
        #[arg(long, value_name = "FILE")]
        phrase_file: Option<PathBuf>,
    },
    /// Derive a citizen's key for a programme or an energy community: its
    /// address and derivation path, to give to the office that enrols it.
    #[command(
        after_help = "Example:\n  civitas keys derive camille --programme 7 --chain-id civitas-grand-est-1"
    )]
    Derive {
        /// The citizen key's name.
        name: String,
        #[command(flatten)]
        which: DerivedKey,
        /// The network.
        #[arg(long, value_name = "ID")]
        chain_id: ChainId,
    },
    /// Sign a link proof: a statement, signed by both the identity key and a
    /// derived key, that one person holds both (shown to an office, off chain).
    #[command(
        after_help = "Example:\n  civitas keys prove-link camille --programme 7 --chain-id civitas-grand-est-1 --challenge \"CCAS Strasbourg 2026-12-02 #4821\" --out camille-link.json"
    )]
    ProveLink {
        /// The citizen key's name.
        name: String,
        #[command(flatten)]
        which: DerivedKey,
        /// The network.
        #[arg(long, value_name = "ID")]
        chain_id: ChainId,
        /// The text the office gave (a date, a file number, a nonce), so the
        /// proof cannot be replayed to another office or another day.
        #[arg(long, value_name = "TEXT")]
        challenge: String,
        /// Write the proof to this new file instead of printing it.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Check a link proof's two signatures and say what it proves (exit 5 if
    /// a signature does not verify).
    #[command(
        after_help = "Example:\n  civitas keys check-link camille-link.json --challenge \"CCAS Strasbourg 2026-12-02 #4821\""
    )]
    CheckLink {
        /// The proof file.
        file: PathBuf,
        /// Also require this challenge (the one the office gave).
        #[arg(long, value_name = "TEXT")]
        challenge: Option<String>,
    },
    /// Delete a key (its secret is gone unless written down or exported).
    #[command(after_help = "Example:\n  civitas keys delete camille-laptop --yes")]
    Delete {
        /// The key's name.
        name: String,
        /// Confirm the deletion.
        #[arg(long)]
        yes: bool,
    },
}

/// Which of a citizen's keys: the identity key unless one of these is given.
#[derive(Args, Clone, Copy, Debug)]
#[group(required = false, multiple = false)]
pub struct WhichKey {
    /// The key for this aid programme.
    #[arg(long, value_name = "ID")]
    programme: Option<u64>,
    /// The key for this energy community.
    #[arg(long, value_name = "ID")]
    community: Option<u64>,
}

impl WhichKey {
    fn derivation(self) -> Derivation {
        match (self.programme, self.community) {
            (Some(id), _) => Derivation::Programme(id),
            (None, Some(id)) => Derivation::Community(id),
            (None, None) => Derivation::Identity,
        }
    }
}

/// A citizen's programme or community key (one of the two is required).
#[derive(Args, Clone, Copy, Debug)]
#[group(required = true, multiple = false)]
pub struct DerivedKey {
    /// The key for this aid programme.
    #[arg(long, value_name = "ID")]
    programme: Option<u64>,
    /// The key for this energy community.
    #[arg(long, value_name = "ID")]
    community: Option<u64>,
}

impl DerivedKey {
    fn derivation(self) -> Derivation {
        WhichKey {
            programme: self.programme,
            community: self.community,
        }
        .derivation()
    }
}

/// Runs `command`.
pub fn run(context: &Context, command: KeysCommand) -> Result<(), CliError> {
    match command {
        KeysCommand::New {
            name,
            citizen,
            chain_id,
        } => manage::new(context, &name, citizen, chain_id.as_ref()),
        KeysCommand::List => manage::list(context),
        KeysCommand::Show {
            name,
            which,
            chain_id,
        } => manage::show(context, &name, which.derivation(), chain_id.as_ref()),
        KeysCommand::Export { name, out } => manage::export(context, &name, out.as_deref()),
        KeysCommand::Import {
            name,
            seed_file,
            phrase_file,
        } => manage::import(context, &name, seed_file.as_deref(), phrase_file.as_deref()),
        KeysCommand::Derive {
            name,
            which,
            chain_id,
        } => derive::derive(context, &name, which.derivation(), &chain_id),
        KeysCommand::ProveLink {
            name,
            which,
            chain_id,
            challenge,
            out,
        } => link::prove(
            context,
            &name,
            which.derivation(),
            &chain_id,
            &challenge,
            out.as_deref(),
        ),
        KeysCommand::CheckLink { file, challenge } => {
            link::check(context, &file, challenge.as_deref())
        }
        KeysCommand::Delete { name, yes } => manage::delete(context, &name, yes),
    }
}
