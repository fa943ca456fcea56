//! The words every action handler speaks: what it receives (the block context)
//! and what it returns (its events, or why it failed).

use civitas_types::ChainId;

use crate::codes::Code;
use crate::receipt::Event;
use crate::state::StateFault;

/// The block a transaction is checked against and executed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockContext {
    /// The network.
    pub chain_id: ChainId,
    /// The block's height.
    pub height: u64,
    /// The block's time (ms since the Unix epoch): the only clock civic rules see.
    pub time_ms: u64,
    /// The block's protocol version (its header's, checked against the
    /// upgrade schedule by `upgrade::check_header_version`): the rules it runs.
    pub protocol_version: u32,
}

/// Why an action failed: a broken rule (failed receipt), or a state that could
/// not be read (fatal: the node stops).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A business rule refused the action: its writes are rolled back.
    Rule(Code),
    /// A business rule refused the action, and the refusal is recorded: its
    /// writes are kept and the failed receipt carries `events`. Only one case
    /// today: an order that lapsed by the time the accountant executes it
    /// releases its reservation (docs/civic-transactions.md, ExecuteOrder).
    Recorded {
        /// Why the action was refused.
        code: Code,
        /// What the refusal changed.
        events: Vec<Event>,
    },
    /// The state could not be read or decoded: stop the node.
    Fault(StateFault),
}

impl From<Code> for Failure {
    fn from(code: Code) -> Self {
        Failure::Rule(code)
    }
}

impl From<StateFault> for Failure {
    fn from(error: StateFault) -> Self {
        Failure::Fault(error)
    }
}

/// Result of one action: its events, or why it failed.
pub type Outcome = Result<Vec<Event>, Failure>;

/// The failure of an arithmetic step that cannot overflow within the protocol's
/// bounds (a counter, a sum of amounts each below its cap).
pub(crate) fn overflow() -> Failure {
    Failure::Rule(Code::Overflow)
}
