#!/usr/bin/env bash
# Installs, from Debian 12 packages, everything agentd needs to build, run and test.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git curl
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libsqlitecpp-dev libgtest-dev libssl-dev libjemalloc-dev
  libpoppler-cpp-dev libzip-dev libpugixml-dev
  libcairo2-dev libpng-dev fonts-dejavu-core espeak-ng
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
  wrk openssl
  chromium  # the /docs page in a real browser (tests/openapi)
  clang-14 libclang-rt-14-dev llvm-14
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm run the OpenAI SDK compatibility test; a machine that already has them (from
# NodeSource, say, whose nodejs conflicts with Debian's npm) keeps its own.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
