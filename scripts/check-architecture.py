#!/usr/bin/env python3
"""Checks the dependency direction of docs/architecture.md from `cargo metadata`.

Rules:
1. Layers: a workspace crate depends only on workspace crates of a lower layer.
2. Pure crates (types, civic, consensus, keys, state-tree, genesis, verify) have no I/O runtime,
   database, network or RPC library, and no source of ambient randomness
   (rand, getrandom), anywhere in their (normal and build) dependency tree.
3. Heavy dependencies have one home: rocksdb only in the ledger, libp2p only in
   p2p, jsonrpsee only in rpc-api and the binaries.
Every workspace crate must appear in LAYERS, so a new crate is placed deliberately.
Run `scripts/check-architecture.py --self-test` to check that the checker catches
violations.
"""
import json
import subprocess
import sys

LAYERS = {
    "civitas-types": 0,
    "civitas-civic": 1,
    "civitas-consensus": 1,
    "civitas-keys": 1,
    "civitas-state-tree": 1,
    "civitas-genesis": 2,
    "civitas-verify": 2,
    "civitas-ledger": 2,
    "civitas-mempool": 2,
    "civitas-engine": 3,
    "civitas-p2p": 3,
    "civitas-rpc-api": 3,
    "civitas-demo": 3,
    "civitas-sim": 4,
    "civitas-audit": 4,
    "civitas-node": 5,
    "civitas-cli": 5,
}
PURE = {
    "civitas-types", "civitas-civic", "civitas-consensus", "civitas-keys", "civitas-state-tree",
    "civitas-genesis", "civitas-verify", "civitas-engine", "civitas-demo", "civitas-audit",
}
FORBIDDEN_IN_PURE = (
    "tokio", "mio", "rocksdb", "librocksdb-sys", "libp2p", "jsonrpsee", "hyper", "socket2",
    # Seeds and entropy are arguments: a pure crate never draws its own.
    "rand", "getrandom",
)
HOMES = {
    "rocksdb": {"civitas-ledger"},
    "libp2p": {"civitas-p2p"},
    "jsonrpsee": {"civitas-rpc-api", "civitas-node", "civitas-cli"},
}


def forbidden(name):
    return any(name == f or name.startswith(f + "-") for f in FORBIDDEN_IN_PURE)


def check(metadata):
    errors = []
    packages = {p["id"]: p for p in metadata["packages"]}
    members = {packages[i]["name"]: i for i in metadata["workspace_members"]}
    nodes = {n["id"]: n for n in metadata["resolve"]["nodes"]}

    def runtime_deps(node_id):
        for dep in nodes[node_id]["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            if kinds & {None, "build"}:
                yield dep["pkg"]

    for name, pkg_id in sorted(members.items()):
        if name not in LAYERS:
            errors.append(f"{name}: not in the layer map; place it in scripts/check-architecture.py and docs/architecture.md")
            continue
        for dep_id in runtime_deps(pkg_id):
            dep = packages[dep_id]["name"]
            if dep in members and LAYERS.get(dep, 99) >= LAYERS[name]:
                errors.append(f"{name} (layer {LAYERS[name]}) depends on {dep} (layer {LAYERS.get(dep)}): lower layers never depend on higher ones")
            for heavy, homes in HOMES.items():
                if (dep == heavy or dep.startswith(heavy + "-")) and name not in homes:
                    errors.append(f"{name} depends on {dep} directly; only {sorted(homes)} may")
        if name in PURE:
            seen, stack = set(), [pkg_id]
            while stack:
                current = stack.pop()
                for dep_id in runtime_deps(current):
                    if dep_id in seen:
                        continue
                    seen.add(dep_id)
                    dep = packages[dep_id]["name"]
                    if forbidden(dep):
                        errors.append(f"{name} is a pure crate but depends (through {packages[current]['name']}) on {dep}")
                    stack.append(dep_id)
    return errors


def synthetic(edges):
    """Metadata for a made-up workspace: edges = {crate: [deps]}."""
    names = set(edges) | {d for deps in edges.values() for d in deps}
    members = [n for n in names if n.startswith("civitas-")]
    return {
        "packages": [{"id": n, "name": n} for n in names],
        "workspace_members": members,
        "resolve": {"nodes": [
            {"id": n, "deps": [{"pkg": d, "dep_kinds": [{"kind": None}]} for d in edges.get(n, [])]}
            for n in names
        ]},
    }


def self_test():
    good = synthetic({"civitas-types": ["sha2"], "civitas-ledger": ["civitas-types", "rocksdb"]})
    assert check(good) == [], check(good)
    cases = {
        "upward": {"civitas-types": ["civitas-ledger"], "civitas-ledger": []},
        "pure tokio": {"civitas-consensus": ["helper"], "helper": ["tokio"]},
        "pure randomness": {"civitas-keys": ["bip39"], "bip39": ["rand"]},
        "keys on civic (same layer)": {"civitas-keys": ["civitas-civic"], "civitas-civic": []},
        "rocksdb home": {"civitas-mempool": ["rocksdb"]},
        "unknown crate": {"civitas-new": []},
    }
    for label, edges in cases.items():
        assert check(synthetic(edges)), f"self-test: {label} not caught"
    print("check-architecture: self-test passed")


def main():
    if "--self-test" in sys.argv:
        self_test()
        return
    raw = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked"],
        check=True, capture_output=True, text=True,
    ).stdout
    errors = check(json.loads(raw))
    if errors:
        print("check-architecture: dependency direction violated:", file=sys.stderr)
        for error in errors:
            print("  " + error, file=sys.stderr)
        sys.exit(1)
    print("check-architecture: dependency direction holds")


if __name__ == "__main__":
    main()
