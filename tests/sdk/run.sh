#!/usr/bin/env bash
# Installs the pinned OpenAI SDK beside a copy of the test (in the build tree) and runs it
# against the agentd binary given as $1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$2"
mkdir -p "$work"
cp "$here/package.json" "$here/openai_sdk.test.mjs" "$here/../support/agentd_child.mjs" "$work/"
cd "$work"
[ -d node_modules/openai ] || npm install --no-audit --no-fund --loglevel=error
node openai_sdk.test.mjs "$1"
