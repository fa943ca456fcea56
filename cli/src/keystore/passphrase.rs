//! Where the keystore passphrase comes from: `--passphrase-file` (its first
//! line), else the environment variable `CIVITAS_PASSPHRASE`, else a prompt
//! without echo when a person is at a terminal, else a usage error — a
//! script never hangs waiting for input nobody will type.

use std::io::IsTerminal;

use zeroize::Zeroizing;

use crate::context::Context;
use crate::exit::CliError;

/// The environment variable holding the passphrase (for scripts and tests).
pub const PASSPHRASE_ENV: &str = "CIVITAS_PASSPHRASE";

/// What the passphrase is for, which decides the prompt.
#[derive(Clone, Copy, Debug)]
pub enum Purpose<'a> {
    /// To open the existing entry of this name.
    Open(&'a str),
    /// To seal a new entry of this name (asked twice at a terminal).
    Create(&'a str),
}

/// Whether a person can answer a prompt.
pub fn terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// The passphrase for `purpose`.
pub fn passphrase(context: &Context, purpose: Purpose<'_>) -> Result<Zeroizing<String>, CliError> {
    let passphrase = if let Some(path) = &context.passphrase_file {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            CliError::failure(format!(
                "cannot read the passphrase file {}: {e}",
                path.display()
            ))
        })?);
        Zeroizing::new(
            text.lines()
                .next()
                .unwrap_or_default()
                .trim_end_matches('\r')
                .to_owned(),
        )
    } else if let Some(value) = std::env::var_os(PASSPHRASE_ENV) {
        Zeroizing::new(
            value
                .into_string()
                .map_err(|_| CliError::usage(format!("{PASSPHRASE_ENV} is not valid UTF-8")))?,
        )
    } else if terminal() {
        prompt(purpose)?
    } else {
        return Err(CliError::usage(format!(
            "no passphrase: give --passphrase-file FILE or set {PASSPHRASE_ENV} (no terminal to ask on)"
        )));
    };
    if passphrase.is_empty() {
        return Err(CliError::usage("the passphrase is empty"));
    }
    Ok(passphrase)
}

fn read(prompt: &str) -> Result<Zeroizing<String>, CliError> {
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| CliError::failure(format!("cannot read the passphrase: {e}")))
}

fn prompt(purpose: Purpose<'_>) -> Result<Zeroizing<String>, CliError> {
    match purpose {
        Purpose::Open(name) => read(&format!("Passphrase for key {name}: ")),
        Purpose::Create(name) => {
            let first = read(&format!("New passphrase for key {name}: "))?;
            let second = read("Same passphrase again: ")?;
            if first != second {
                return Err(CliError::usage("the two passphrases differ"));
            }
            Ok(first)
        }
    }
}
