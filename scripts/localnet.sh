#!/usr/bin/env bash
# A local network: N validators of one demo genesis on loopback, each in its
# own home under ./localnet (or $CIVITAS_LOCALNET) with its log (node.log)
# beside it. Validator i (from 0) listens on p2p 26656+10i, JSON-RPC
# 26657+10i and metrics 26660+10i, and dials all the others.
#
#   scripts/localnet.sh 4      creates the homes and genesis (first time), starts 4 validators
#   scripts/localnet.sh stop   stops them (SIGTERM, then waits)
#
# Running it again with the same N continues the same chain; delete the
# directory to start afresh. Builds civitas-node first (honours CARGO_TARGET_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT="${CIVITAS_LOCALNET:-localnet}"
BIN="${CARGO_TARGET_DIR:-target}/debug/civitas-node"

usage() {
    echo "usage: $0 N (1 to 20 validators) | $0 stop" >&2
    exit 2
}

stop() {
    local found=0
    for pidfile in "$ROOT"/v*/node.pid; do
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

port() { echo $(($1 + 10 * $2)); }

create() {
    local count="$1" homes=()
    mkdir -p "$ROOT"
    for i in $(seq 0 $((count - 1))); do
        "$BIN" init --home "$ROOT/v$i" >/dev/null
        homes+=("$ROOT/v$i")
    done
    local list
    list="$(IFS=,; echo "${homes[*]}")"
    "$BIN" localnet-genesis --homes "$list" --out "$ROOT/genesis.json" >"$ROOT/peers"
    echo "created $count validator homes and $ROOT/genesis.json"
}

peers_of() {
    local self="$1" i=0 peers=()
    while read -r peer; do
        [ "$i" = "$self" ] || peers+=("/ip4/127.0.0.1/tcp/$(port 26656 "$i")/p2p/$peer")
        i=$((i + 1))
    done <"$ROOT/peers"
    (IFS=,; echo "${peers[*]}")
}

start() {
    local count="$1"
    if [ ! -f "$ROOT/genesis.json" ]; then
        create "$count"
    elif [ "$(wc -l <"$ROOT/peers")" != "$count" ]; then
        echo "$ROOT holds a network of $(wc -l <"$ROOT/peers") validators: run with that number, or delete $ROOT" >&2
        exit 1
    fi
    for i in $(seq 0 $((count - 1))); do
        local home="$ROOT/v$i"
        if [ -f "$home/node.pid" ] && kill -0 "$(cat "$home/node.pid")" 2>/dev/null; then
            echo "v$i is already running (pid $(cat "$home/node.pid"))"
            continue
        fi
        CIVITAS_P2P_LISTEN="/ip4/127.0.0.1/tcp/$(port 26656 "$i")" \
        CIVITAS_P2P_PEERS="$(peers_of "$i")" \
        CIVITAS_RPC_LISTEN="127.0.0.1:$(port 26657 "$i")" \
        CIVITAS_METRICS_LISTEN="127.0.0.1:$(port 26660 "$i")" \
            nohup "$BIN" start --home "$home" --genesis "$ROOT/genesis.json" >>"$home/node.log" 2>&1 &
        echo $! >"$home/node.pid"
    done
    sleep 2
    for i in $(seq 0 $((count - 1))); do
        local pid
        pid="$(cat "$ROOT/v$i/node.pid")"
        if kill -0 "$pid" 2>/dev/null; then
            echo "v$i  JSON-RPC http://127.0.0.1:$(port 26657 "$i")  metrics http://127.0.0.1:$(port 26660 "$i")/metrics  log $ROOT/v$i/node.log"
        else
            echo "v$i exited: see $ROOT/v$i/node.log" >&2
        fi
    done
    echo "stop with: $0 stop"
}

case "${1:-}" in
    stop) stop ;;
    '' | *[!0-9]*) usage ;;
    *)
        [ "$1" -ge 1 ] && [ "$1" -le 20 ] || usage
        cargo build --locked --workspace --bins >&2
        start "$1"
        ;;
esac
