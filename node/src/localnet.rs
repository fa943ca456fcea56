//! `civitas-node localnet-genesis` (hidden, for `scripts/localnet.sh` and
//! tests): one demo genesis for several homes made by `init`, each validator
//! run by a collectivity of its own, and the peer id of each home printed
//! (one line per home, in order) so the script can tell each node where the
//! others are.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use civitas_types::PublicKey;

use crate::driver::now_ms;
use crate::home::{Home, load_key};

/// Writes the genesis of `homes` to `out`; returns each home's peer id.
pub fn genesis(homes: &[PathBuf], out: &Path) -> Result<Vec<String>> {
    let mut validators: Vec<(PublicKey, PublicKey)> = Vec::with_capacity(homes.len());
    let mut peers = Vec::with_capacity(homes.len());
    for root in homes {
        let home = Home::new(root.clone());
        let consensus = load_key(&home.consensus_key())?.public_key();
        let network = load_key(&home.network_key())?.public_key();
        let peer = civitas_p2p::identity::peer_id_of(&network)
            .map_err(|e| anyhow!("{}: {e}", root.display()))?;
        validators.push((consensus, network));
        peers.push(peer.to_string());
    }
    let document = civitas_demo::genesis_for(&validators, now_ms())?;
    fs::write(out, civitas_genesis::to_json(&document))
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(peers)
}
