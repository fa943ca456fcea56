//! Key names: which names a keystore entry may have.
//!
//! A name becomes a file name (`HOME/keys/NAME.json`) and is typed on command
//! lines, so it is kept to lower-case ASCII letters, digits, `.`, `_` and `-`:
//! no path separators, no `..` tricks on its own (a name may not start with a
//! dot, which also keeps the keystore's temporary files, `.NAME…`, apart).

use crate::exit::CliError;

/// The longest key name.
pub const NAME_LENGTH_MAX: usize = 64;

/// Checks that `name` may name a key.
pub fn check_name(name: &str) -> Result<(), CliError> {
    if name.is_empty() || name.len() > NAME_LENGTH_MAX {
        return Err(CliError::usage(format!(
            "a key name has 1 to {NAME_LENGTH_MAX} characters"
        )));
    }
    let allowed =
        |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'-');
    if !name.bytes().all(allowed) {
        return Err(CliError::usage(format!(
            "invalid key name `{}`: use only a-z, 0-9, '.', '_' and '-'",
            name.escape_default()
        )));
    }
    if name.starts_with('.') {
        return Err(CliError::usage(format!(
            "invalid key name `{name}`: a key name may not start with '.'"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_accepted() {
        for name in ["alice", "camille-aid.7", "a", "x_1", &"z".repeat(64)] {
            assert!(check_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn odd_names_are_refused() {
        for name in [
            "",
            "Alice",
            "a/b",
            "../x",
            ".hidden",
            "é",
            "a b",
            &"z".repeat(65),
        ] {
            assert!(check_name(name).is_err(), "{name}");
        }
    }
}
