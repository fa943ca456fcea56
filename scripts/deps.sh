#!/usr/bin/env bash
# Installs the system packages Civitas needs to build and test, only those missing.
# Idempotent: on a machine that has everything it changes nothing and prints one line.
#   - clang + libclang-dev: bindgen in rocksdb's build (crates/ledger)
#   - python3: scripts/check-architecture.py
#   - a C/C++ toolchain (g++, make): the bundled RocksDB
#   - Node.js and npm: the client generated from docs/openrpc.json (tests/openrpc-client)
set -euo pipefail

missing=()
command -v clang >/dev/null 2>&1 || missing+=(clang)
# bindgen loads libclang.so at build time; find it whichever version is installed.
if ! ls /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/x86_64-linux-gnu/libclang*.so* >/dev/null 2>&1; then
    missing+=(libclang-dev)
fi
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ! command -v cargo >/dev/null 2>&1; then
    echo "deps: cargo is not installed. Install Rust $(grep -m1 rust-version Cargo.toml | cut -d'"' -f2) or newer (https://rustup.rs) and run this again." >&2
    exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: system packages present"
    exit 0
fi

echo "deps: installing missing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "deps: not root and no sudo; install these packages and run again: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: installed ${missing[*]}"
