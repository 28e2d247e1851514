#!/usr/bin/env bash
# Sets up, builds and runs the default job: a small MoE trained from scratch on the CPU to add
# two-digit numbers with the answer in \boxed{}: SFT warm-up, then GRPO with FP8 rollout and FP8
# training (configs/default.toml). Extra arguments go to `rlvr train` (e.g. --set run.steps=100).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
run_dir="runs/default-$(date +%Y%m%d-%H%M%S)"
build/cli/rlvr train configs/default.toml --run-dir "$run_dir" "$@"
build/cli/rlvr logs summary "$run_dir"
build/cli/rlvr logs report "$run_dir" -o "$run_dir/report.html"
echo "report: $run_dir/report.html"
