#!/usr/bin/env bash
# The API reference checked against reality (tests/openapi/README.md): installs the pinned npm
# packages beside a copy of the tests (in the build tree) and runs one check against the agentd
# binary: run.sh lint|responses|client|browser AGENTD WORKDIR [RESPONSES_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
check="$1" agentd="$2" work="$3"
mkdir -p "$work"
cp "$here"/package.json "$here"/package-lock.json "$here"/redocly.yaml "$here"/*.mjs "$here"/*.ts "$here"/tsconfig.json \
   "$here/../support/agentd_child.mjs" "$work/"
cd "$work"
# One install for the four checks (ctest may start two at once: the lock file keeps them apart).
exec 9>"$work/.install.lock"
flock 9
if ! cmp -s package-lock.json node_modules/.agentd-lock 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.agentd-lock
fi
flock -u 9
node "$check.test.mjs" "$agentd" "${@:4}"
