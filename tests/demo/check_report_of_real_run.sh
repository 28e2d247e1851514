#!/usr/bin/env bash
# A small real run of the default config (20 SFT + 4 GRPO steps), then its `rlvr logs` report
# loaded in headless Chromium (test_runlog's ReportInChromium.RunDirFromEnvironment), and
# `rlvr logs summary` / `show` on it. Usage: check_report_of_real_run.sh RLVR TEST_RUNLOG SOURCE_DIR
set -euo pipefail
rlvr="$1" test_runlog="$2"
cd "$3"
tmp="$(mktemp -d /tmp/rlvr-report-check-XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
"$rlvr" train configs/default.toml --run-dir "$tmp/run" --set sft.steps=20 --set run.steps=4 \
  --set logging.eval_every=2 2>/dev/null
"$rlvr" logs summary "$tmp/run" | grep -q "steps"
"$rlvr" logs show "$tmp/run" --step 4 --limit 2 | grep -q "boxed_math"
RLVR_REPORT_RUN_DIR="$tmp/run" "$test_runlog" --gtest_filter='ReportInChromium.RunDirFromEnvironment'
