#!/usr/bin/env bash
# Generates a TypeScript client from docs/openrpc.json with @open-rpc/generator,
# compiles it, and calls civitas_status and civitas_getTransaction on a running
# node through it. Prints one JSON line: {"status": …, "transaction": …}.
#   tests/openrpc-client/run.sh http://127.0.0.1:26657 <transaction id>
# Needs Node.js (20 or newer) and npm; installs the pinned packages of
# package-lock.json into node_modules/ (node/tests/openrpc_client.rs runs it).
set -euo pipefail
cd "$(dirname "$0")"
url=$1
id=$2

npm ci --no-audit --no-fund --loglevel=error >&2
rm -rf generated
npx --no-install open-rpc-generator generate -d ../../docs/openrpc.json -o generated \
    -t client -l typescript -n civitas-client >/dev/null 2>&1 \
    || { echo "open-rpc-generator failed on docs/openrpc.json" >&2; exit 1; }
# The generated tsconfig; skipLibCheck: the types of today's Node.js packages
# are not the generator's concern.
npx --no-install tsc -p generated/client/typescript/tsconfig.json --skipLibCheck >&2
node call.js "$url" "$id"
