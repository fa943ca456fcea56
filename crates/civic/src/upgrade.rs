//! Protocol versions and scheduled upgrades: which version of the rules runs at
//! a height, and the checks a node makes before it runs a block.
//!
//! A network starts at the protocol version of its genesis document. The
//! council changes it only by scheduling an upgrade (`ScheduleUpgrade`, a
//! governance action): from the plan's height on, every header carries the new
//! version and only binaries that support it may execute blocks. Old binaries
//! stop cleanly before that height with [`VersionError::UpgradeRequired`],
//! which names the version to install; nothing in this module stops anything
//! itself (it is pure): the node acts on the verdicts. The procedure for
//! operators is docs/upgrades.md; the choice is
//! docs/decisions/0016-upgrades.md.
//!
//! The state keeps one [`Upgrades`] entry (table 0x1c): the version in force
//! before the plan, and at most one plan. Keeping the version before the plan
//! (and not only the plan) is what lets a later plan replace an activated one
//! without forgetting which version is in force.

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{BoundedBytes, Header, PROTOCOL_VERSION};

use crate::codes::Code;
use crate::handler::{BlockContext, Failure, Outcome};
use crate::keys;
use crate::receipt::Event;
use crate::state::{Overlay, StateFault, StateRead};

/// The protocol versions this build executes. A binary refuses a genesis
/// document of another version, and stops before a height whose version is not
/// listed.
pub const SUPPORTED_PROTOCOL_VERSIONS: &[u32] = &[PROTOCOL_VERSION];

/// Fewest heights between the block that decides an upgrade and the upgrade
/// height (about 17 minutes of one-second blocks): operators need time to
/// install the new binary, and no node should stop the moment it learns of a
/// plan. Councils choose far more in practice (docs/upgrades.md).
pub const UPGRADE_LEAD_MIN: u64 = 1_000;

/// Most heights between the deciding block and the upgrade height (about 115
/// days of one-second blocks): a plan must activate while those who decided it
/// still watch over it, and a typo in the height must not park a plan for
/// decades.
pub const UPGRADE_LEAD_MAX: u64 = 10_000_000;

/// Longest upgrade name, in bytes.
pub const UPGRADE_NAME_BYTES_MAX: usize = 32;

/// A short label for an upgrade, e.g. `civitas-2`: 1–32 bytes of
/// `a-z 0-9 - .`, shown to operators next to the version number.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct UpgradeName(pub BoundedBytes<UPGRADE_NAME_BYTES_MAX>);

impl UpgradeName {
    /// Whether the name is not empty and uses only `a-z 0-9 - .`.
    pub fn is_valid(&self) -> bool {
        !self.0.is_empty()
            && self
                .0
                .iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'.'))
    }

    /// The name from text (unchecked; see [`UpgradeName::is_valid`]).
    pub fn from_text(text: &str) -> Option<UpgradeName> {
        BoundedBytes::try_from_vec(text.as_bytes().to_vec())
            .ok()
            .map(UpgradeName)
    }

    /// The name as text, for messages (the check keeps it ASCII).
    pub fn as_text(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

/// An upgrade the council decided.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct UpgradePlan {
    /// First height whose header carries `version` and runs its rules.
    pub height: u64,
    /// The protocol version from `height` on.
    pub version: u32,
    /// Its label, e.g. `civitas-2`.
    pub name: UpgradeName,
    /// Height of the block that decided it.
    pub scheduled_at: u64,
}

/// Table 0x1c: the version in force before the plan, and the plan if any.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Upgrades {
    /// The protocol version in force before `plan.height` (or for good, with
    /// no plan): the genesis version, or the version of the last upgrade that
    /// activated before this entry was last written.
    pub previous_version: u32,
    /// The last upgrade scheduled and not cancelled; it stays here after it
    /// activates, until a new plan or a cancellation rewrites the entry.
    pub plan: Option<UpgradePlan>,
}

impl Upgrades {
    /// The protocol version at `height`, for heights after the block that last
    /// wrote this entry.
    pub fn version_at(&self, height: u64) -> u32 {
        match &self.plan {
            Some(plan) if plan.height <= height => plan.version,
            _ => self.previous_version,
        }
    }
}

/// Why a node must not run a block, or must not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The network moved to a protocol version this binary does not run.
    #[error(
        "height {height} runs protocol version {version} ({origin}); this binary runs versions {supported:?}: install a release that supports protocol version {version} and restart it on the same data directory. This node stopped before executing height {height}."
    )]
    UpgradeRequired {
        /// The height the node was about to run.
        height: u64,
        /// The protocol version in force at that height.
        version: u32,
        /// Where the version comes from, for the operator: `upgrade
        /// "civitas-2", in force from height 5000` for the plan of the state,
        /// else an earlier upgrade or the genesis document.
        origin: String,
        /// The versions this binary runs.
        supported: Vec<u32>,
    },
    /// A block header carries another version than the one in force.
    #[error(
        "the header of height {height} carries protocol version {found}, but version {expected} is in force at that height: the block is invalid"
    )]
    WrongHeaderVersion {
        /// The block's height.
        height: u64,
        /// The version in force at that height.
        expected: u32,
        /// The version the header carries.
        found: u32,
    },
    /// The genesis document's protocol version is not one this binary runs.
    #[error(
        "the genesis document declares protocol version {version}; this binary runs versions {supported:?}: use the release the network's genesis was made for, or a later one that lists version {version}"
    )]
    UnsupportedGenesisVersion {
        /// The genesis document's version.
        version: u32,
        /// The versions this binary runs.
        supported: Vec<u32>,
    },
    /// The state could not be read: a local fault, stop the node.
    #[error("reading the upgrade schedule failed: {0}")]
    State(#[from] StateFault),
}

/// Refuses a genesis document whose protocol version this binary does not run
/// (`supported` is [`SUPPORTED_PROTOCOL_VERSIONS`] outside tests). The genesis
/// library calls it before building anything.
pub fn check_genesis_version(version: u32, supported: &[u32]) -> Result<(), VersionError> {
    if supported.contains(&version) {
        Ok(())
    } else {
        Err(VersionError::UnsupportedGenesisVersion {
            version,
            supported: supported.to_vec(),
        })
    }
}

/// The upgrade entry of `state`, if any upgrade was ever scheduled.
pub fn upgrades<S: StateRead>(state: &S) -> Result<Option<Upgrades>, StateFault> {
    Overlay::new(state).get(&keys::upgrades())
}

/// The protocol version in force at `height`, for the state after any block
/// below `height` (the node asks about the next height, from the state of the
/// last committed block); `genesis_version` is the genesis document's.
pub fn protocol_version_at<S: StateRead>(
    state: &S,
    genesis_version: u32,
    height: u64,
) -> Result<u32, StateFault> {
    Ok(upgrades(state)?.map_or(genesis_version, |entry| entry.version_at(height)))
}

/// Whether this binary may execute `height`: `Err(UpgradeRequired)` when the
/// version in force there is not in `supported`. The node calls it before it
/// executes, proposes or votes on a block, and stops on the error with its
/// message (docs/upgrades.md, "At the upgrade height").
pub fn upgrade_due<S: StateRead>(
    state: &S,
    genesis_version: u32,
    height: u64,
    supported: &[u32],
) -> Result<(), VersionError> {
    let version = protocol_version_at(state, genesis_version, height)?;
    if supported.contains(&version) {
        return Ok(());
    }
    let origin = match upgrades(state)? {
        Some(Upgrades {
            plan: Some(plan), ..
        }) if plan.version == version => format!(
            "upgrade \"{}\", in force from height {}",
            plan.name.as_text(),
            plan.height
        ),
        Some(_) => String::from("an earlier upgrade"),
        None => String::from("the genesis document"),
    };
    Err(VersionError::UpgradeRequired {
        height,
        version,
        origin,
        supported: supported.to_vec(),
    })
}

/// The block-validity rule: a header carries the protocol version in force at
/// its height. `state` is the state after the previous block. Consensus calls
/// it on every proposal before voting for it, and block sync on every fetched
/// block before executing it.
pub fn check_header_version<S: StateRead>(
    state: &S,
    genesis_version: u32,
    header: &Header,
) -> Result<(), VersionError> {
    let expected = protocol_version_at(state, genesis_version, header.height)?;
    if header.version == expected {
        Ok(())
    } else {
        Err(VersionError::WrongHeaderVersion {
            height: header.height,
            expected,
            found: header.version,
        })
    }
}

/// The plan not yet in force at `height`, if any: what the node announces to
/// its operator ahead of time, before the binary must change.
pub fn pending_upgrade<S: StateRead>(
    state: &S,
    height: u64,
) -> Result<Option<UpgradePlan>, StateFault> {
    Ok(upgrades(state)?
        .and_then(|entry| entry.plan)
        .filter(|plan| plan.height > height))
}

/// Governance: schedules `version` from `height` on, replacing a plan that has
/// not activated yet.
pub(crate) fn schedule<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    height: u64,
    version: u32,
    name: &UpgradeName,
) -> Outcome {
    if !name.is_valid() {
        return Err(Code::InvalidUpgradeName.into());
    }
    // The block's own version is the one in force (its header was checked
    // against this schedule before it ran).
    if version <= context.protocol_version {
        return Err(Code::UpgradeVersionNotNewer.into());
    }
    // A height at or below the deciding block gives a lead of 0: refused.
    let lead = height.saturating_sub(context.height);
    if !(UPGRADE_LEAD_MIN..=UPGRADE_LEAD_MAX).contains(&lead) {
        return Err(Code::UpgradeHeightOutOfRange.into());
    }
    let entry = Upgrades {
        previous_version: context.protocol_version,
        plan: Some(UpgradePlan {
            height,
            version,
            name: name.clone(),
            scheduled_at: context.height,
        }),
    };
    state.put(keys::upgrades(), &entry);
    Ok(vec![Event::UpgradeScheduled { height, version }])
}

/// Governance: cancels the plan that has not activated yet.
pub(crate) fn cancel<S: StateRead>(state: &mut Overlay<'_, S>, context: &BlockContext) -> Outcome {
    let plan = state
        .get::<Upgrades>(&keys::upgrades())?
        .and_then(|entry| entry.plan)
        .filter(|plan| plan.height > context.height)
        .ok_or(Failure::Rule(Code::NoPendingUpgrade))?;
    let entry = Upgrades {
        previous_version: context.protocol_version,
        plan: None,
    };
    state.put(keys::upgrades(), &entry);
    Ok(vec![Event::UpgradeCancelled {
        height: plan.height,
        version: plan.version,
    }])
}
