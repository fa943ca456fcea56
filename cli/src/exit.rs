//! How `civitas` fails: one line on stderr and an exit code that says which
//! kind of failure it was, so scripts can tell a rejected transaction from an
//! unreachable node (docs/citizen-guide.md, "Exit codes").

use std::fmt;

/// The exit codes of `civitas`. Their numbers are part of the interface:
/// never renumber one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Anything not covered below (a file that cannot be read, a wrong
    /// passphrase, a key that does not exist…).
    Failure = 1,
    /// The command line is wrong (clap's own code for usage errors).
    Usage = 2,
    /// The node, or the civic rules, refused the transaction.
    Rejected = 3,
    /// The node could not be reached, or did not answer in time.
    Unreachable = 4,
    /// A proof, a certificate or a signature did not verify.
    VerificationFailed = 5,
}

/// A failure of a command: what went wrong (with its causes) and the exit code.
pub struct CliError {
    /// The exit code this failure maps to.
    pub exit: Exit,
    /// What went wrong, outermost context first.
    pub error: anyhow::Error,
}

impl CliError {
    /// A failure of kind `exit` saying `message`.
    pub fn new(exit: Exit, message: impl fmt::Display) -> CliError {
        CliError {
            exit,
            error: anyhow::anyhow!("{message}"),
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl fmt::Display) -> CliError {
        CliError::new(Exit::Usage, message)
    }

    /// A refused transaction (exit 3).
    pub fn rejected(message: impl fmt::Display) -> CliError {
        CliError::new(Exit::Rejected, message)
    }

    /// An unreachable node (exit 4).
    pub fn unreachable(message: impl fmt::Display) -> CliError {
        CliError::new(Exit::Unreachable, message)
    }

    /// A failed verification (exit 5).
    pub fn verification(message: impl fmt::Display) -> CliError {
        CliError::new(Exit::VerificationFailed, message)
    }

    /// A general failure (exit 1).
    pub fn failure(message: impl fmt::Display) -> CliError {
        CliError::new(Exit::Failure, message)
    }

    /// The same failure, said to have happened while `doing`.
    pub fn context(self, doing: impl fmt::Display + Send + Sync + 'static) -> CliError {
        CliError {
            exit: self.exit,
            error: self.error.context(doing),
        }
    }

    /// What went wrong: every cause, outermost first.
    pub fn message(&self) -> String {
        format!("{:#}", self.error)
    }

    /// The one line printed on stderr.
    pub fn line(&self) -> String {
        format!("error: {}", self.message())
    }
}

impl<E: Into<anyhow::Error>> From<E> for CliError {
    fn from(error: E) -> CliError {
        CliError {
            exit: Exit::Failure,
            error: error.into(),
        }
    }
}

impl fmt::Debug for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {:#}", self.exit, self.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_every_cause_outermost_first() {
        let error = CliError {
            exit: Exit::Rejected,
            error: anyhow::anyhow!("sequence 3 is behind the account's next, 5")
                .context("the node refused the transaction"),
        };
        assert_eq!(
            error.line(),
            "error: the node refused the transaction: sequence 3 is behind the account's next, 5"
        );
        assert_eq!(error.exit as i32, 3);
    }

    #[test]
    fn context_keeps_the_exit_code_and_comes_first() {
        let error =
            CliError::unreachable("the stream closed").context("transaction 0xab was submitted");
        assert_eq!(error.exit, Exit::Unreachable);
        assert_eq!(
            error.line(),
            "error: transaction 0xab was submitted: the stream closed"
        );
    }

    #[test]
    fn io_errors_are_general_failures() {
        let error: CliError = std::io::Error::other("disk full").into();
        assert_eq!(error.exit, Exit::Failure);
    }
}
