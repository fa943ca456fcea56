#!/usr/bin/env bash
# The whole test suite, as CI runs it: system packages, formatting, architecture,
# lints, then every test. Honours CARGO_TARGET_DIR. Ends with the runner's summary.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh

echo "== format"
cargo fmt --all -- --check

echo "== architecture"
python3 scripts/check-architecture.py --self-test
python3 scripts/check-architecture.py

echo "== clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --locked --no-fail-fast
else
    echo "(cargo-nextest not found; using cargo test)"
    cargo test --workspace --all-targets --locked --no-fail-fast 2>&1 | tee /tmp/civitas-test-$$.log
    # awk, not bc: awk is in every Debian base system, bc is not.
    passed=$(grep -E '^test result:' /tmp/civitas-test-$$.log | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{ s += $1 } END { print s + 0 }')
    failed=$(grep -E '^test result:' /tmp/civitas-test-$$.log | sed -E 's/.* ([0-9]+) failed.*/\1/' | awk '{ s += $1 } END { print s + 0 }')
    rm -f /tmp/civitas-test-$$.log
    echo "tests: ${passed} passed, ${failed} failed"
    [ "${failed}" -eq 0 ]
fi
