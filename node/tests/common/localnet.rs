//! A network of `civitas-node` validators on loopback: homes made by
//! `init`, one genesis by `localnet-genesis`, each node on its own p2p port
//! dialling the others.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use civitas_genesis::GenesisDocument;

use super::{Node, Spawned, command, init, run_to_exit};

/// How long the network may take to reach a height (four processes on two
/// loaded cores; a dead proposer costs a propose timeout per round).
pub const PROGRESS_TIMEOUT: Duration = Duration::from_secs(120);

/// One validator of the test network.
pub struct Member {
    /// Its home.
    pub home: PathBuf,
    /// Its network identity.
    pub peer_id: String,
    /// Its p2p port on loopback.
    pub port: u16,
}

/// The band `free_port` draws from: below the system's ephemeral range
/// (32768 and up), where no `bind(0)` and no outgoing connection of another
/// test ever lands between the check and the node's own bind, and below the
/// localnet lanes (20000 and up).
const FREE_PORTS: std::ops::Range<u16> = 10_000..20_000;

/// A TCP port free now on loopback, never handed out before in this
/// process. The system's own choice (`bind(0)`) is not used: it comes from
/// the ephemeral range, where an outgoing connection of a test running
/// beside this one can take it before the node binds it.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    // A test that panicked holding the lock left the list as it was.
    let mut given = GIVEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let width = u64::from(FREE_PORTS.end - FREE_PORTS.start);
    let mut seed = u64::from(std::process::id()).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ^ u64::from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos(),
        );
    for _ in 0..1_000 {
        // xorshift: a different candidate each attempt, different per process.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let port = FREE_PORTS.start + (seed % width) as u16;
        if !given.contains(&port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            given.push(port);
            return port;
        }
    }
    panic!("no free port in {FREE_PORTS:?} after 1,000 tries");
}

/// A base port for `scripts/localnet.sh` (validator i on base + 10i + 0, 1
/// and 4, the observer as validator 30) whose ports are all free now. The
/// bases lie below the system's ephemeral range (32768 and up), where the
/// other tests' `free_port` nodes and outgoing connections never land, and
/// each `lane` (one per test) has its own windows, so two localnet tests
/// running at once never pick the same ports.
pub fn localnet_base(lane: u16) -> u16 {
    const WINDOW: u16 = 310;
    const WINDOWS_PER_LANE: u16 = 10;
    let seed = u64::from(std::process::id())
        ^ u64::from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos(),
        );
    for attempt in 0..u64::from(WINDOWS_PER_LANE) {
        let window = ((seed + attempt) % u64::from(WINDOWS_PER_LANE)) as u16;
        let base = 20_000 + (lane * WINDOWS_PER_LANE + window) * WINDOW;
        assert!(base + WINDOW < 32_768, "lane {lane} is beyond the range");
        let mut offsets = [0, 10, 20, 30, 300]
            .into_iter()
            .flat_map(|validator| [validator, validator + 1, validator + 4]);
        if offsets.all(|offset| TcpListener::bind(("127.0.0.1", base + offset)).is_ok()) {
            return base;
        }
    }
    panic!("no free localnet window in lane {lane}");
}

/// Four homes and their genesis, in `root`.
pub fn network(root: &Path, count: usize) -> (Vec<Member>, PathBuf, GenesisDocument) {
    let homes: Vec<PathBuf> = (0..count).map(|n| root.join(format!("v{n}"))).collect();
    for home in &homes {
        let output = init(home);
        assert!(output.status.success(), "init: {output:?}");
    }
    let genesis_path = root.join("genesis.json");
    let mut genesis_command = command();
    genesis_command
        .arg("localnet-genesis")
        .arg("--homes")
        .arg(
            homes
                .iter()
                .map(|h| h.display().to_string())
                .collect::<Vec<_>>()
                .join(","),
        )
        .arg("--out")
        .arg(&genesis_path);
    let output = run_to_exit(genesis_command, Duration::from_secs(30));
    assert!(output.status.success(), "localnet-genesis: {output:?}");
    let peers: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(peers.len(), count);
    let members = homes
        .into_iter()
        .zip(peers)
        .map(|(home, peer_id)| Member {
            home,
            peer_id,
            port: free_port(),
        })
        .collect();
    let text = std::fs::read_to_string(&genesis_path).unwrap();
    let genesis = civitas_genesis::from_json(&text).unwrap();
    (members, genesis_path, genesis)
}

/// Starts member `index`, listening on its port and dialling the others.
pub fn start(members: &[Member], index: usize, genesis: &Path) -> Node {
    start_with_env(members, index, genesis, &[])
}

/// [`start`] with more environment (`CIVITAS_P2P_OBSERVERS`, …).
pub fn start_with_env(
    members: &[Member],
    index: usize,
    genesis: &Path,
    environment: &[(String, String)],
) -> Node {
    let others: Vec<&Member> = members
        .iter()
        .enumerate()
        .filter(|(other, _)| *other != index)
        .map(|(_, m)| m)
        .collect();
    spawn(&members[index], &others, genesis, &[], environment).wait_ready()
}

/// Spawns `member`'s node with more `start` arguments and environment,
/// listening on its port and dialling `peers`.
pub fn spawn(
    member: &Member,
    peers: &[&Member],
    genesis: &Path,
    arguments: &[&str],
    environment: &[(String, String)],
) -> Spawned {
    let peers: Vec<String> = peers
        .iter()
        .map(|m| format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", m.port, m.peer_id))
        .collect();
    let mut environment = environment.to_vec();
    environment.extend([
        (
            "CIVITAS_P2P_LISTEN".to_string(),
            format!("/ip4/127.0.0.1/tcp/{}", member.port),
        ),
        ("CIVITAS_P2P_PEERS".to_string(), peers.join(",")),
    ]);
    Spawned::with_args(&member.home, genesis, arguments, &environment)
}

/// (hash, state root) of every height in `heights`, as `node` reports them.
pub fn chain(node: &Node, heights: std::ops::RangeInclusive<u64>) -> Vec<(String, String)> {
    heights
        .map(|height| {
            let block = node.block(height);
            (block.hash, block.state_root)
        })
        .collect()
}

/// Waits until every node in `nodes` has committed `height`.
pub fn all_reach(nodes: &[&Node], height: u64) {
    for node in nodes {
        node.wait_for_height(height, PROGRESS_TIMEOUT);
    }
}
