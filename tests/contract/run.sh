#!/usr/bin/env bash
# The API against its own OpenAPI document: schemathesis (pinned in requirements.txt, in the
# project's one Python environment) drives a fresh demo server with an admin token, with a fixed
# seed and number of examples, and fails on any finding. Paths that would end the caller's own
# session (sign-out, password changes, disabling users, revoking devices) are left out so the
# token stays valid for the whole run.
#
# One worker: schemathesis's workers are threads, and CPython 3.11's parser keeps its recursion
# depth per interpreter, so two threads describing a strategy at once (hypothesis parses lambdas'
# source) can fail with "AST constructor recursion depth mismatch" (CPython gh-106905), which
# failed a CI run once.
#
# Environment: YIWANG_SERVER_BIN (the server binary), VENV (the Python environment), and
# optionally SEED, MAX_EXAMPLES, CONTRACT_OUT (where the log is kept).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${YIWANG_SERVER_BIN:?set YIWANG_SERVER_BIN to the yiwang-server binary}
venv=${VENV:?set VENV to the Python environment}
seed=${SEED:-20261202}
examples=${MAX_EXAMPLES:-20}
out=${CONTRACT_OUT:-target-e2e/contract}
mkdir -p "$out"
out=$(cd "$out" && pwd)
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" demo --data-dir "$dir/data" --listen "127.0.0.1:$port" >"$out/server.log" 2>&1 &
srv=$!
cleanup() {
  kill "$srv" 2>/dev/null || true
  wait "$srv" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 900); do
  curl -sf -o /dev/null "$base/healthz" && break
  kill -0 "$srv" 2>/dev/null || { echo "contract: the demo server exited"; tail -20 "$out/server.log"; exit 1; }
  sleep 0.5
done
token=$(curl -sf -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"demo","device_id":"contract","device_name":"schemathesis"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
echo "contract: schemathesis against $base (seed $seed, $examples examples per operation)"
# From the throwaway folder: schemathesis keeps a cache (`.schemathesis/`) where it runs.
cd "$dir"
PYTHONPATH="$here" "$venv/bin/schemathesis" --no-color --config-file "$here/schemathesis.toml" run "$base/api/v1/openapi.json" \
  -H "Authorization: Bearer $token" --seed "$seed" --max-examples "$examples" --workers 1 \
  --exclude-path /api/v1/auth/logout --exclude-path /api/v1/auth/password \
  --exclude-path-regex '^/api/v1/admin/users/\{id\}/(disable|password)$' \
  --exclude-path-regex '^/api/v1/admin/users/\{id\}/devices/\{device_id\}/revoke$' \
  2>&1 | tee "$out/schemathesis.log"
