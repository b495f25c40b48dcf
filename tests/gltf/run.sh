#!/usr/bin/env bash
# Installs the pinned Khronos glTF validator beside a copy of the test (in the build tree) and
# validates the GLB files that the agentd binary given as $1 generates.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$2"
mkdir -p "$work"
cp "$here/package.json" "$here/glb_validator.test.mjs" "$here/../support/agentd_child.mjs" "$work/"
cd "$work"
[ -d node_modules/gltf-validator ] || npm install --no-audit --no-fund --loglevel=error
node glb_validator.test.mjs "$1"
