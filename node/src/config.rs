//! `config.toml`: every setting with its default, validated at start (unknown
//! keys, bad addresses), and overridable from the environment for containers:
//! `CIVITAS_<SECTION>_<KEY>` (e.g. `CIVITAS_RPC_LISTEN=0.0.0.0:26657`).

use std::net::SocketAddr;

use anyhow::{Context, Result, bail};
use civitas_p2p::{Multiaddr, PeerId};
use serde::Deserialize;

/// The commented configuration `init` writes: every key with its default.
pub const TEMPLATE: &str = r#"# civitas-node configuration. Every key is shown with its default value.
# Environment variables override it: CIVITAS_<SECTION>_<KEY>, e.g.
# CIVITAS_RPC_LISTEN=0.0.0.0:26657.

[rpc]
# JSON-RPC over HTTP and WebSocket, on one port. Loopback by default: serve
# TLS (below) or put a reverse proxy with TLS in front before exposing it.
listen = "127.0.0.1:26657"
# TLS on that port (HTTPS and WSS): the certificate chain and its private key,
# PEM files; both empty serves plain HTTP. With TLS, RPC credentials are
# accepted from any address (docs/operator-guide.md, "TLS").
tls_certificate = ""
tls_key = ""
# Limits on what clients may ask (docs/operator-guide.md, "RPC limits").
# Most connections open at once (HTTP and WebSocket): one more is answered
# HTTP 503 (code -32021) and closed. Keep it well under the process's
# file-descriptor limit (`ulimit -n`, often 1024), which the database and
# peers share.
max_connections = 128
# Most of them from one client address (a reverse proxy on another machine
# is one address: raise it there).
max_connections_per_ip = 32
# Largest request body (HTTP) or message (WebSocket), in bytes; a larger one
# is answered HTTP 413 (code -32007). At least 65536 (a submission of the
# largest transaction).
request_bytes_max = 1048576
# Largest answer, in bytes (code -32008 beyond it). The default fits a
# getBlock answer for the largest block; at least 1048576.
response_bytes_max = 25165824
# Most requests in one batch; a longer batch is refused whole (code -32010,
# id null).
batch_requests_max = 100
# Requests per second each client address may make on average (a batch counts
# each of its requests); beyond it, code -32020 says to slow down. Behind a
# reverse proxy on another machine every client has the proxy's address:
# raise it there, and limit per client in the proxy.
requests_per_second_per_ip = 100
# Requests an address may make at once above that rate (the bucket's size).
request_burst_per_ip = 200
# Most subscriptions one WebSocket connection may hold.
subscriptions_per_connection_max = 16
# Most notifications a WebSocket connection may have waiting to be written
# (a client that does not read): a subscription that finds this many waiting
# for over a second is ended with an error notification ("subscriber too
# slow"). At most 512.
subscription_backlog_max = 64
# Whether the per-address limits (requests_per_second_per_ip,
# request_burst_per_ip, max_connections_per_ip) apply to loopback clients
# too. Off: on this machine are the operator's tools and a reverse proxy,
# whose clients all share its address (let it limit them).
per_ip_limits_for_loopback = false

[metrics]
# Prometheus metrics (/metrics) and readiness (/health, 200 once caught up).
listen = "127.0.0.1:26660"

[log]
# "human" (default) or "json" (one object per line, for log collectors).
format = "human"
# What to log: a tracing filter ("info", "debug", "civitas_node=debug,info").
# Logs never contain client IP addresses (personal data): use your reverse
# proxy's logs, with your retention policy, if you need them.
level = "info"

[consensus]
# Longest wait between two blocks when no transaction comes, in milliseconds.
heartbeat_ms = 1000

[p2p]
# Where validators and observers connect (libp2p over TCP, noise, yamux).
# "/ip4/0.0.0.0/tcp/26656" to accept peers from other machines; tcp/0 asks
# the system for any free port (logged at start).
listen = "/ip4/127.0.0.1/tcp/26656"
# Peers dialled at start and again whenever the connection drops, each with
# its peer id: "/ip4/192.0.2.10/tcp/26656/p2p/12D3KooW...". The environment
# takes a comma-separated list: CIVITAS_P2P_PEERS=/ip4/...,/ip4/...
peers = []
# Observers allowed to connect: nodes that follow the chain and never sign
# (an auditor's full node, the node behind a collectivity's website). Each is
# named by its network public key (hex, as `civitas-node init` prints it) or
# its peer id ("12D3KooW..."). Every validator an observer dials must list it.
# The environment takes a comma-separated list: CIVITAS_P2P_OBSERVERS=ab12...,cd34...
observers = []
"#;

/// The whole configuration.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// JSON-RPC server.
    pub rpc: RpcConfig,
    /// Metrics and health.
    pub metrics: MetricsConfig,
    /// Logging.
    pub log: LogConfig,
    /// Consensus pacing.
    pub consensus: ConsensusConfig,
    /// Peer-to-peer networking.
    pub p2p: P2pConfig,
}

/// `[p2p]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct P2pConfig {
    /// Listening multiaddr.
    #[serde(deserialize_with = "from_text")]
    pub listen: Multiaddr,
    /// Multiaddrs (with `/p2p/<peer id>`) dialled at start and redialled.
    #[serde(deserialize_with = "list_from_text")]
    pub peers: Vec<Multiaddr>,
    /// Observers allowed to connect, by network key or peer id
    /// ([`observer_from_text`]).
    #[serde(deserialize_with = "observers_from_text")]
    pub observers: Vec<PeerId>,
}

/// A value written as text (multiaddrs, peer ids: libp2p's own syntax).
fn from_text<'de, D, T>(deserializer: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text = String::deserialize(deserializer)?;
    text.parse()
        .map_err(|error| serde::de::Error::custom(format!("`{text}`: {error}")))
}

/// A list of values written as text.
fn list_from_text<'de, D, T>(deserializer: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    Vec::<String>::deserialize(deserializer)?
        .into_iter()
        .map(|text| {
            text.parse()
                .map_err(|error| serde::de::Error::custom(format!("`{text}`: {error}")))
        })
        .collect()
}

/// Length of a network public key written in hex (32 bytes).
const NETWORK_KEY_HEX_DIGITS: usize = 64;

/// An observer as the configuration names it: its network public key (64
/// hex digits, as `init` prints it) or its peer id.
pub fn observer_from_text(text: &str) -> std::result::Result<PeerId, String> {
    let trimmed = text.trim();
    let mut bytes = [0u8; 32];
    if trimmed.len() == NETWORK_KEY_HEX_DIGITS && trimmed.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode_to_slice(trimmed, &mut bytes)
            .map_err(|error| format!("`{trimmed}`: {error}"))?;
        return civitas_p2p::identity::peer_id_of(&civitas_types::PublicKey(bytes))
            .map_err(|error| format!("`{trimmed}`: {error}"));
    }
    trimmed.parse().map_err(|error| {
        format!(
            "`{trimmed}` is neither a network public key (64 hex digits) nor a peer id: {error}"
        )
    })
}

/// A list of observers ([`observer_from_text`]).
fn observers_from_text<'de, D>(deserializer: D) -> std::result::Result<Vec<PeerId>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Vec::<String>::deserialize(deserializer)?
        .iter()
        .map(|text| observer_from_text(text).map_err(serde::de::Error::custom))
        .collect()
}

/// `[rpc]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RpcConfig {
    /// Listening address.
    pub listen: SocketAddr,
    /// The TLS certificate chain (PEM file); empty: plain HTTP.
    pub tls_certificate: String,
    /// The TLS private key (PEM file); empty: plain HTTP.
    pub tls_key: String,
    /// Most connections open at once (HTTP and WebSocket).
    pub max_connections: u32,
    /// Most connections open at once from one client IP address.
    pub max_connections_per_ip: u32,
    /// Largest request body or WebSocket message, in bytes.
    pub request_bytes_max: u32,
    /// Largest answer, in bytes.
    pub response_bytes_max: u32,
    /// Most requests in one batch.
    pub batch_requests_max: u32,
    /// Average requests per second allowed to each client IP address.
    pub requests_per_second_per_ip: u32,
    /// Requests an address may make at once above the average rate.
    pub request_burst_per_ip: u32,
    /// Most subscriptions per WebSocket connection.
    pub subscriptions_per_connection_max: u32,
    /// Most notifications waiting for one connection before its
    /// subscriptions are closed as too slow.
    pub subscription_backlog_max: u32,
    /// Whether the per-address limits apply to loopback clients.
    pub per_ip_limits_for_loopback: bool,
}

/// Bounds of the `[rpc]` limits: (key, value, least, most).
fn rpc_limit_bounds(rpc: &RpcConfig) -> [(&'static str, u32, u32, u32); 9] {
    [
        ("max_connections", rpc.max_connections, 1, 65_536),
        (
            "max_connections_per_ip",
            rpc.max_connections_per_ip,
            1,
            65_536,
        ),
        (
            "request_bytes_max",
            rpc.request_bytes_max,
            65_536,
            256 << 20,
        ),
        (
            "response_bytes_max",
            rpc.response_bytes_max,
            1 << 20,
            1 << 30,
        ),
        ("batch_requests_max", rpc.batch_requests_max, 1, 100_000),
        (
            "requests_per_second_per_ip",
            rpc.requests_per_second_per_ip,
            1,
            10_000_000,
        ),
        (
            "request_burst_per_ip",
            rpc.request_burst_per_ip,
            1,
            10_000_000,
        ),
        (
            "subscriptions_per_connection_max",
            rpc.subscriptions_per_connection_max,
            0,
            100_000,
        ),
        // Below jsonrpsee's buffer of 1,024 messages per connection, so the
        // close notification still fits.
        (
            "subscription_backlog_max",
            rpc.subscription_backlog_max,
            1,
            512,
        ),
    ]
}

/// `[metrics]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Listening address.
    pub listen: SocketAddr,
}

/// How logs are written.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For people.
    Human,
    /// One JSON object per line.
    Json,
}

/// `[log]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// Human or JSON.
    pub format: LogFormat,
    /// A tracing filter.
    pub level: String,
}

/// `[consensus]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ConsensusConfig {
    /// Heartbeat between empty blocks.
    pub heartbeat_ms: u64,
}

impl Config {
    /// Parses `text` over the defaults, then applies `environment` overrides
    /// (`CIVITAS_SECTION_KEY` → value), and validates the result.
    pub fn parse(
        text: &str,
        environment: impl Iterator<Item = (String, String)>,
    ) -> Result<Config> {
        let mut table: toml::Table = TEMPLATE.parse().context("the built-in template")?;
        let given: toml::Table = text.parse().context("config.toml is not valid TOML")?;
        merge(&mut table, given)?;
        for (name, value) in environment {
            let Some(rest) = name.strip_prefix("CIVITAS_") else {
                continue;
            };
            override_key(&mut table, rest, &value)?;
        }
        let config: Config = table
            .try_into()
            .context("config.toml: fix the setting named above (see the comments `init` wrote)")?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        // Port 0 asks the system for any free port: two such requests never collide.
        if self.rpc.listen == self.metrics.listen && self.rpc.listen.port() != 0 {
            bail!(
                "rpc.listen and metrics.listen are both {}: give them different ports",
                self.rpc.listen
            );
        }
        for (key, value, least, most) in rpc_limit_bounds(&self.rpc) {
            if !(least..=most).contains(&value) {
                bail!("rpc.{key} = {value} is out of range: use {least} to {most}");
            }
        }
        if self.rpc.tls_certificate.is_empty() != self.rpc.tls_key.is_empty() {
            bail!(
                "rpc.tls_certificate and rpc.tls_key go together: give both PEM files for TLS, or neither for plain HTTP"
            );
        }
        if self.consensus.heartbeat_ms == 0 || self.consensus.heartbeat_ms > 3_600_000 {
            bail!(
                "consensus.heartbeat_ms = {} is out of range: use 1 to 3600000",
                self.consensus.heartbeat_ms
            );
        }
        Ok(())
    }
}

/// Copies `given` over `base`, refusing sections and keys `base` lacks.
fn merge(base: &mut toml::Table, given: toml::Table) -> Result<()> {
    for (section, value) in given {
        let Some(toml::Value::Table(target)) = base.get_mut(&section) else {
            bail!("config.toml: unknown section [{section}]");
        };
        let toml::Value::Table(entries) = value else {
            bail!("config.toml: `{section}` must be a section ([{section}])");
        };
        for (key, value) in entries {
            if !target.contains_key(&key) {
                bail!("config.toml: unknown key `{key}` in [{section}]");
            }
            target.insert(key, value);
        }
    }
    Ok(())
}

/// Applies one environment override `SECTION_KEY=value`.
fn override_key(table: &mut toml::Table, name: &str, value: &str) -> Result<()> {
    let lower = name.to_ascii_lowercase();
    for (section, entries) in table.iter_mut() {
        let toml::Value::Table(entries) = entries else {
            continue;
        };
        let Some(key) = lower.strip_prefix(&format!("{section}_")) else {
            continue;
        };
        let Some(current) = entries.get(key) else {
            continue;
        };
        let parsed = match current {
            toml::Value::Integer(_) => value
                .parse::<i64>()
                .map(toml::Value::Integer)
                .with_context(|| format!("CIVITAS_{name} must be a whole number"))?,
            toml::Value::Boolean(_) => value
                .parse::<bool>()
                .map(toml::Value::Boolean)
                .with_context(|| format!("CIVITAS_{name} must be true or false"))?,
            toml::Value::Array(_) => toml::Value::Array(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(|item| toml::Value::String(item.to_string()))
                    .collect(),
            ),
            _ => toml::Value::String(value.to_string()),
        };
        entries.insert(key.to_string(), parsed);
        return Ok(());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn the_template_is_the_defaults() {
        let config = Config::parse("", std::iter::empty()).unwrap();
        assert_eq!(config.rpc.listen.to_string(), "127.0.0.1:26657");
        assert_eq!(config.log.format, LogFormat::Human);
    }

    #[test]
    fn rpc_limits_default_to_the_api_limits_and_are_bounded() {
        let config = Config::parse("", std::iter::empty()).unwrap();
        assert_eq!(
            config.rpc.request_bytes_max,
            civitas_rpc_api::REQUEST_BYTES_MAX
        );
        assert_eq!(
            config.rpc.response_bytes_max,
            civitas_rpc_api::RESPONSE_BYTES_MAX
        );
        assert_eq!(config.rpc.max_connections, 128);
        assert_eq!(config.rpc.max_connections_per_ip, 32);
        assert!(!config.rpc.per_ip_limits_for_loopback);
        assert_eq!(config.rpc.batch_requests_max, 100);
        let environment = [(
            "CIVITAS_RPC_REQUESTS_PER_SECOND_PER_IP".to_string(),
            "7".to_string(),
        )];
        let config = Config::parse("", environment.into_iter()).unwrap();
        assert_eq!(config.rpc.requests_per_second_per_ip, 7);
        let error =
            Config::parse("[rpc]\nbatch_requests_max = 0\n", std::iter::empty()).unwrap_err();
        assert!(
            error.to_string().contains("rpc.batch_requests_max = 0"),
            "{error}"
        );
        let error =
            Config::parse("[rpc]\nrequest_bytes_max = 10\n", std::iter::empty()).unwrap_err();
        assert!(error.to_string().contains("65536"), "{error}");
    }

    #[test]
    fn unknown_keys_and_sections_are_refused_by_name() {
        let error = Config::parse("[rpc]\nlisten_on = \"x\"\n", std::iter::empty()).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("unknown key `listen_on` in [rpc]"),
            "{error}"
        );
        let error = Config::parse("[p3p]\n", std::iter::empty()).unwrap_err();
        assert!(
            error.to_string().contains("unknown section [p3p]"),
            "{error}"
        );
    }

    #[test]
    fn a_bad_address_is_refused() {
        let error =
            Config::parse("[rpc]\nlisten = \"localhost\"\n", std::iter::empty()).unwrap_err();
        assert!(format!("{error:#}").contains("listen"), "{error:#}");
    }

    #[test]
    fn one_port_for_both_servers_is_refused_unless_any_free_port() {
        let same = "[rpc]\nlisten = \"127.0.0.1:9000\"\n[metrics]\nlisten = \"127.0.0.1:9000\"\n";
        let error = Config::parse(same, std::iter::empty()).unwrap_err();
        assert!(error.to_string().contains("different ports"), "{error}");
        let environment = [
            ("CIVITAS_RPC_LISTEN".to_string(), "127.0.0.1:0".to_string()),
            (
                "CIVITAS_METRICS_LISTEN".to_string(),
                "127.0.0.1:0".to_string(),
            ),
        ];
        Config::parse("", environment.into_iter()).unwrap();
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let environment = [
            ("CIVITAS_RPC_LISTEN".to_string(), "0.0.0.0:9000".to_string()),
            (
                "CIVITAS_CONSENSUS_HEARTBEAT_MS".to_string(),
                "250".to_string(),
            ),
            ("CIVITAS_LOG_FORMAT".to_string(), "json".to_string()),
            ("PATH".to_string(), "/bin".to_string()),
        ];
        let config =
            Config::parse("[rpc]\nlisten = \"127.0.0.1:1\"\n", environment.into_iter()).unwrap();
        assert_eq!(config.rpc.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(config.consensus.heartbeat_ms, 250);
        assert_eq!(config.log.format, LogFormat::Json);
    }

    #[test]
    fn p2p_defaults_and_peers_from_the_environment() {
        let config = Config::parse("", std::iter::empty()).unwrap();
        assert_eq!(config.p2p.listen.to_string(), "/ip4/127.0.0.1/tcp/26656");
        assert!(config.p2p.peers.is_empty());
        let peer = "/ip4/127.0.0.1/tcp/1/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
        let environment = [
            (
                "CIVITAS_P2P_PEERS".to_string(),
                format!("{peer}, /ip4/127.0.0.1/tcp/2"),
            ),
            (
                "CIVITAS_P2P_LISTEN".to_string(),
                "/ip4/127.0.0.1/tcp/0".to_string(),
            ),
        ];
        let config = Config::parse("", environment.into_iter()).unwrap();
        assert_eq!(config.p2p.peers.len(), 2);
        assert_eq!(config.p2p.peers[0].to_string(), peer);
        assert_eq!(config.p2p.listen.to_string(), "/ip4/127.0.0.1/tcp/0");
        let error =
            Config::parse("[p2p]\npeers = [\"nonsense\"]\n", std::iter::empty()).unwrap_err();
        assert!(format!("{error:#}").contains("peers"), "{error:#}");
    }

    #[test]
    fn observers_by_network_key_or_peer_id_and_from_the_environment() {
        let key = civitas_types::SigningKey::from_seed(&[9; 32]).public_key();
        let peer = civitas_p2p::identity::peer_id_of(&key).unwrap();
        let text = format!("[p2p]\nobservers = [\"{key}\", \"{peer}\"]\n");
        let config = Config::parse(&text, std::iter::empty()).unwrap();
        assert_eq!(config.p2p.observers, vec![peer, peer]);
        let other = civitas_types::SigningKey::from_seed(&[10; 32]).public_key();
        let environment = [(
            "CIVITAS_P2P_OBSERVERS".to_string(),
            format!("{key}, {other}"),
        )];
        let config = Config::parse("", environment.into_iter()).unwrap();
        assert_eq!(config.p2p.observers.len(), 2);
        assert_eq!(config.p2p.observers[0], peer);
        let error =
            Config::parse("[p2p]\nobservers = [\"nonsense\"]\n", std::iter::empty()).unwrap_err();
        assert!(
            format!("{error:#}").contains("neither a network public key"),
            "{error:#}"
        );
    }
}
