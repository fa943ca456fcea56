//! The options every command shares: where the keystore is, which node to
//! talk to, how to read a passphrase, and whether to print for people or
//! for scripts.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use crate::exit::CliError;

/// The node `civitas` talks to unless told otherwise (a devnet's address).
pub const DEFAULT_NODE: &str = "http://127.0.0.1:26657";

/// Options accepted by every command (before or after the subcommand).
#[derive(Args, Clone, Debug)]
pub struct GlobalOptions {
    /// Where the keystore and settings live.
    #[arg(long, global = true, env = "CIVITAS_HOME", value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// The node's JSON-RPC address (`http://` or, to a node serving TLS,
    /// `https://`); `--rpc` is the same option.
    #[arg(long, alias = "rpc", global = true, env = "CIVITAS_NODE", default_value = DEFAULT_NODE, value_name = "URL")]
    pub node: String,
    /// A file holding an RPC credential (from `civitas-node rpc-credential add`),
    /// for the methods reserved to validators and auditors.
    #[arg(
        long,
        global = true,
        env = "CIVITAS_CREDENTIAL_FILE",
        value_name = "FILE"
    )]
    pub credential_file: Option<PathBuf>,
    /// A PEM file of the certificate authorities to trust for an `https://`
    /// node, instead of the system's (a network's own authority).
    #[arg(long, global = true, env = "CIVITAS_CA_FILE", value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// A file whose first line is the keystore passphrase (for scripts; the
    /// environment variable CIVITAS_PASSPHRASE also works; otherwise
    /// `civitas` asks on the terminal).
    #[arg(
        long,
        global = true,
        env = "CIVITAS_PASSPHRASE_FILE",
        value_name = "FILE"
    )]
    pub passphrase_file: Option<PathBuf>,
    /// Print JSON for scripts instead of text for people.
    #[arg(long, global = true)]
    pub json: bool,
}

/// What a command runs with: the global options, resolved.
#[derive(Clone, Debug)]
pub struct Context {
    /// The keystore's directory is `home/keys`.
    pub home: PathBuf,
    /// The node's JSON-RPC URL.
    pub node: String,
    /// The RPC credential file, if any.
    pub credential_file: Option<PathBuf>,
    /// The certificate authorities' file for TLS, if any.
    pub ca_file: Option<PathBuf>,
    /// The passphrase file, if any.
    pub passphrase_file: Option<PathBuf>,
    /// JSON output for scripts.
    pub json: bool,
    /// Whether stderr is a terminal (spinners and prompts only then).
    pub interactive: bool,
}

impl Context {
    /// Resolves `options`: the home defaults to `~/.civitas`.
    pub fn new(options: GlobalOptions) -> Result<Context, CliError> {
        let home = match options.home {
            Some(home) => home,
            None => std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".civitas"))
                .ok_or_else(|| CliError::usage("no home directory: set --home or CIVITAS_HOME"))?,
        };
        Ok(Context {
            home,
            node: options.node,
            credential_file: options.credential_file,
            ca_file: options.ca_file,
            passphrase_file: options.passphrase_file,
            json: options.json,
            interactive: std::io::stderr().is_terminal() && !options.json,
        })
    }

    /// The certificate authorities of `--ca-file`, if given.
    pub fn trusted_roots(&self) -> Result<Option<civitas_rpc_api::TrustedRoots>, CliError> {
        let Some(path) = &self.ca_file else {
            return Ok(None);
        };
        let pem = std::fs::read(path).map_err(|e| {
            CliError::failure(format!("cannot read the CA file {}: {e}", path.display()))
        })?;
        civitas_rpc_api::TrustedRoots::from_pem(&pem)
            .map(Some)
            .map_err(|e| CliError::failure(format!("the CA file {}: {e}", path.display())))
    }

    /// The RPC credential, read from its file (trimmed), if one was given.
    pub fn credential(&self) -> Result<Option<String>, CliError> {
        let Some(path) = &self.credential_file else {
            return Ok(None);
        };
        // The node refuses a credential that came over plain HTTP from
        // another machine, but by then it has crossed the network in clear.
        if in_clear_to_another_machine(&self.node) {
            return Err(CliError::usage(format!(
                "a credential is sent in clear over plain HTTP: give it to {} over https://, or only to a node on this machine (127.0.0.1, localhost)",
                self.node
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::failure(format!(
                "cannot read the credential file {}: {e}",
                path.display()
            ))
        })?;
        Ok(Some(text.trim().to_owned()))
    }
}

/// Whether talking to the node at `url` sends in clear to another
/// machine: plain HTTP (or WebSocket) to an address that is not loopback.
fn in_clear_to_another_machine(url: &str) -> bool {
    let scheme = url
        .split_once("://")
        .map(|(scheme, _)| scheme.to_ascii_lowercase());
    !matches!(scheme.as_deref(), Some("https" | "wss")) && !on_this_machine(url)
}

/// Whether the node address `url` (`http://HOST:PORT`, `ws://…`) is on this
/// machine: a loopback address or `localhost`.
fn on_this_machine(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::{in_clear_to_another_machine, on_this_machine};

    #[test]
    fn only_loopback_addresses_are_on_this_machine() {
        for url in [
            "http://127.0.0.1:26657",
            "http://127.0.0.2:1/",
            "http://localhost:26657",
            "ws://[::1]:26657",
        ] {
            assert!(on_this_machine(url), "{url}");
        }
        for url in [
            "http://10.0.0.7:26657",
            "http://node.example.org:26657",
            "http://127.0.0.1.example.org:26657",
            "http://[2001:db8::1]:26657",
        ] {
            assert!(!on_this_machine(url), "{url}");
            assert!(in_clear_to_another_machine(url), "{url}");
        }
        assert!(!in_clear_to_another_machine(
            "https://node.example.org:26657"
        ));
        assert!(!in_clear_to_another_machine("WSS://10.0.0.7:26657"));
        assert!(!in_clear_to_another_machine("http://127.0.0.1:26657"));
    }
}
