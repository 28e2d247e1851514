#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh -DRLVR_WERROR=ON
cd build && ctest --output-on-failure -j "$(nproc)" --timeout 900
