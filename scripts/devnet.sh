#!/usr/bin/env bash
# The quick start: installs the system packages that are missing, builds
# civitas-node, and runs a one-validator demo chain (civitas-node devnet) in
# ./devnet (or $CIVITAS_DEVNET_HOME), printing what to try next. Ctrl-C stops
# it; running it again continues the same chain; delete the home to start afresh.
# Honours CARGO_TARGET_DIR. Extra arguments go to `civitas-node devnet`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh

echo "== building civitas-node (the first build compiles RocksDB's C++: allow 10 to 20 minutes on 2 cores)"
cargo build --locked --workspace --bins

exec "${CARGO_TARGET_DIR:-target}/debug/civitas-node" devnet --home "${CIVITAS_DEVNET_HOME:-devnet}" "$@"
