#!/usr/bin/env bash
# Sets up, builds and runs the default job. Until the GRPO trainer lands (issue 7) the default
# job is a short CPU training run of a small MoE, in bf16, fp8 (DeepSeek-V3 recipe) and fp32,
# on synthetic arithmetic text. Usage: scripts/demo.sh [steps=200]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build/cli/rlvr --version
build/bench/bench_fp8_fidelity "${1:-200}"
