#!/usr/bin/env bash
# A local network: N validators of one demo genesis on loopback, each in its
# own home under ./localnet (or $CIVITAS_LOCALNET) with its log (node.log)
# beside it. Validator i (from 0) listens on p2p 26656+10i, JSON-RPC
# 26657+10i and metrics 26660+10i, and dials all the others
# ($CIVITAS_LOCALNET_PORT moves the base 26656).
#
#   scripts/localnet.sh 4         creates the homes and genesis (first time), starts 4 validators
#   scripts/localnet.sh example   the same with the example network's genesis (genesis/README.md):
#                                 four collectivities, built by genesis/example.sh with the
#                                 homes' keys, starting now, chain id civitas-example-localnet
#   scripts/localnet.sh observer  starts the network's observer (home obs/: a full node the
#                                 validators admit, that never signs), p2p 26956, RPC 26957,
#                                 metrics 26960
#   scripts/localnet.sh stop      stops them all (SIGTERM, then waits)
#
# Running it again with the same N continues the same chain; delete the
# directory to start afresh. Builds civitas-node and civitas first (honours
# CARGO_TARGET_DIR), unless $CIVITAS_NODE_BIN names a binary to run (and
# $CIVITAS_BIN the civitas binary, for `example`).
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT="${CIVITAS_LOCALNET:-localnet}"
BASE="${CIVITAS_LOCALNET_PORT:-26656}"
BIN="${CIVITAS_NODE_BIN:-${CARGO_TARGET_DIR:-target}/debug/civitas-node}"
CLI_BIN="${CIVITAS_BIN:-${CARGO_TARGET_DIR:-target}/debug/civitas}"

usage() {
    echo "usage: $0 N (1 to 20 validators) | $0 example | $0 observer | $0 stop" >&2
    exit 2
}

stop() {
    local found=0
    for pidfile in "$ROOT"/v*/node.pid "$ROOT"/obs/node.pid; do
        [ -f "$pidfile" ] || continue
        found=1
        local pid
        pid="$(cat "$pidfile")"
        if kill -TERM "$pid" 2>/dev/null; then
            for _ in $(seq 1 300); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            echo "stopped $(dirname "$pidfile") (pid $pid)"
        fi
        rm -f "$pidfile"
    done
    [ "$found" = 1 ] || echo "no localnet validator is running in $ROOT"
}

# port OFFSET I: validator I's p2p (0), JSON-RPC (1) or metrics (4) port; the
# observer is validator 30.
port() { echo $((BASE + $1 + 10 * $2)); }

# create COUNT KIND: the homes, the genesis (the demo's, or the example
# network's for KIND example) and the peers file.
create() {
    local count="$1" kind="$2" homes=()
    mkdir -p "$ROOT"
    : >"$ROOT/validator_keys"
    for i in $(seq 0 $((count - 1))); do
        # init prints "consensus key HEX" and "network key HEX".
        "$BIN" init --home "$ROOT/v$i" |
            awk '$2 == "key" && $1 == "consensus" { c = $3 } $2 == "key" && $1 == "network" { n = $3 }
                 END { print c, n }' >>"$ROOT/validator_keys"
        homes+=("$ROOT/v$i")
    done
    local list
    list="$(IFS=,; echo "${homes[*]}")"
    # Writes the demo genesis and prints the homes' peer ids.
    "$BIN" localnet-genesis --homes "$list" --out "$ROOT/genesis.json" >"$ROOT/peers"
    if [ "$kind" = example ]; then
        # The example network with these homes' keys, starting now.
        CIVITAS_BIN="$CLI_BIN" GENESIS_TIME="$(date +%s%3N)" CHAIN_ID=civitas-example-localnet \
            genesis/example.sh "$ROOT/validator_keys" "$ROOT/genesis.json" >/dev/null
    fi
    echo "$kind" >"$ROOT/kind"
    # The observer's home exists from the start, so the validators admit it.
    "$BIN" init --home "$ROOT/obs" | awk '$1 == "network" && $2 == "key" { print $3 }' >"$ROOT/observer_key"
    echo "created $count validator homes, an observer home and $ROOT/genesis.json ($kind genesis)"
}

observer_key() {
    [ -f "$ROOT/observer_key" ] && cat "$ROOT/observer_key"
}

launch() {
    local home="$1" p2p="$2" rpc="$3" metrics="$4" peers="$5" observers="$6"
    CIVITAS_P2P_LISTEN="/ip4/127.0.0.1/tcp/$p2p" \
    CIVITAS_P2P_PEERS="$peers" \
    CIVITAS_P2P_OBSERVERS="$observers" \
    CIVITAS_RPC_LISTEN="127.0.0.1:$rpc" \
    CIVITAS_METRICS_LISTEN="127.0.0.1:$metrics" \
        nohup "$BIN" start --home "$home" --genesis "$ROOT/genesis.json" >>"$home/node.log" 2>&1 &
    echo $! >"$home/node.pid"
}

running() {
    [ -f "$1/node.pid" ] && kill -0 "$(cat "$1/node.pid")" 2>/dev/null
}

start_observer() {
    local home="$ROOT/obs"
    if [ ! -d "$home" ]; then
        echo "$ROOT has no observer home: start a network first ($0 4)" >&2
        exit 1
    fi
    if running "$home"; then
        echo "the observer is already running (pid $(cat "$home/node.pid"))"
        return
    fi
    launch "$home" "$(port 0 30)" "$(port 1 30)" "$(port 4 30)" "$(peers_of -1)" ""
    sleep 2
    if running "$home"; then
        echo "observer  JSON-RPC http://127.0.0.1:$(port 1 30)  metrics http://127.0.0.1:$(port 4 30)/metrics  log $home/node.log"
    else
        echo "the observer exited: see $home/node.log" >&2
    fi
}

peers_of() {
    local self="$1" i=0 peers=()
    while read -r peer; do
        [ "$i" = "$self" ] || peers+=("/ip4/127.0.0.1/tcp/$(port 0 "$i")/p2p/$peer")
        i=$((i + 1))
    done <"$ROOT/peers"
    (IFS=,; echo "${peers[*]}")
}

# start COUNT KIND (demo or example)
start() {
    local count="$1" kind="$2"
    if [ ! -f "$ROOT/genesis.json" ]; then
        create "$count" "$kind"
    elif [ "$(cat "$ROOT/kind" 2>/dev/null || echo demo)" != "$kind" ]; then
        echo "$ROOT holds a network of the $(cat "$ROOT/kind" 2>/dev/null || echo demo) genesis: run it as it was started, or delete $ROOT" >&2
        exit 1
    elif [ "$(wc -l <"$ROOT/peers")" != "$count" ]; then
        echo "$ROOT holds a network of $(wc -l <"$ROOT/peers") validators: run with that number, or delete $ROOT" >&2
        exit 1
    fi
    for i in $(seq 0 $((count - 1))); do
        local home="$ROOT/v$i"
        if running "$home"; then
            echo "v$i is already running (pid $(cat "$home/node.pid"))"
            continue
        fi
        launch "$home" "$(port 0 "$i")" "$(port 1 "$i")" "$(port 4 "$i")" \
            "$(peers_of "$i")" "$(observer_key || true)"
    done
    sleep 2
    for i in $(seq 0 $((count - 1))); do
        local pid
        pid="$(cat "$ROOT/v$i/node.pid")"
        if kill -0 "$pid" 2>/dev/null; then
            echo "v$i  JSON-RPC http://127.0.0.1:$(port 1 "$i")  metrics http://127.0.0.1:$(port 4 "$i")/metrics  log $ROOT/v$i/node.log"
        else
            echo "v$i exited: see $ROOT/v$i/node.log" >&2
        fi
    done
    echo "an observer: $0 observer; stop with: $0 stop"
}

build() {
    [ -n "${CIVITAS_NODE_BIN:-}" ] || cargo build --locked --workspace --bins >&2
}

case "${1:-}" in
    stop) stop ;;
    observer)
        build
        start_observer
        ;;
    example)
        build
        start 4 example
        ;;
    '' | *[!0-9]*) usage ;;
    *)
        [ "$1" -ge 1 ] && [ "$1" -le 20 ] || usage
        build
        start "$1" demo
        ;;
esac
