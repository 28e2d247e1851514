#!/usr/bin/env bash
# A checkpoint write that fails part-way through a file (RLIMIT_FSIZE, the way a full disk fails
# a write): with checkpoint.on_failure = "continue" the run warns and finishes; with "stop" it
# stops with the error. Either way no checkpoint directory is left for --resume to pick.
# Usage: check_checkpoint_write_failure.sh RLVR_BINARY SOURCE_DIR
set -euo pipefail
rlvr="$1"
cd "$2"
tmp="$(mktemp -d /tmp/rlvr-ckptfail-XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
# 300 KiB per file: the logs fit, model.safetensors (545 KB) does not. SIGXFSZ ignored, so the
# write returns EFBIG instead of killing the process.
limited() { (trap '' XFSZ; ulimit -f 300; "$rlvr" "$@"); }
args=(train tests/trainer_dp/dp_tiny.toml --set run.steps=4 --set checkpoint.every=2 --set logging.eval_every=0
      --set sft.steps=4)

limited "${args[@]}" --set checkpoint.on_failure='"continue"' --run-dir "$tmp/go_on" 2> "$tmp/go_on.log" ||
  { echo "FAIL: on_failure=continue did not finish"; cat "$tmp/go_on.log"; exit 1; }
grep -qi "checkpoint" "$tmp/go_on.log" && grep -qi "too large" "$tmp/go_on.log" ||
  { echo "FAIL: no warning naming the failed checkpoint write"; cat "$tmp/go_on.log"; exit 1; }
[[ $(grep -c '"phase":"rl"' "$tmp/go_on/metrics.jsonl") == 4 ]] || { echo "FAIL: the run did not go on"; exit 1; }

rc=0
limited "${args[@]}" --set checkpoint.on_failure='"stop"' --run-dir "$tmp/stop" 2> "$tmp/stop.log" || rc=$?
[[ $rc != 0 ]] || { echo "FAIL: on_failure=stop went on"; exit 1; }
grep -qi "too large" "$tmp/stop.log" || { echo "FAIL: the error does not say why"; cat "$tmp/stop.log"; exit 1; }

for d in go_on stop; do
  if ls "$tmp/$d/checkpoints" 2> /dev/null | grep -Eq '^(sft_|rl_)?step_'; then
    echo "FAIL: $d left a checkpoint that --resume would pick"; exit 1
  fi
done
echo "checkpoint write failures: continue warned and finished, stop stopped; no partial checkpoint"
echo "continue: $(grep -i -m1 'checkpoint' "$tmp/go_on.log")"
echo "stop: $(tail -1 "$tmp/stop.log")"
