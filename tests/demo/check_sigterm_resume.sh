#!/usr/bin/env bash
# A real SIGTERM in the middle of `rlvr train` (GRPO phase): the run finishes its step, writes a
# checkpoint, exits with 130; `--resume` then continues so that metrics.jsonl and rollouts.jsonl
# equal those of an uninterrupted run line for line (time fields aside).
# Usage: check_sigterm_resume.sh RLVR_BINARY SOURCE_DIR
set -euo pipefail
rlvr="$1"
cd "$2"
tmp="$(mktemp -d /tmp/rlvr-sigterm-XXXXXX)"
pid=""
trap '[[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
args=(train tests/trainer_dp/dp_tiny.toml --set run.steps=40 --set checkpoint.every=0 --set logging.eval_every=20)

"$rlvr" "${args[@]}" --run-dir "$tmp/full" 2> "$tmp/full.log"

"$rlvr" "${args[@]}" --run-dir "$tmp/cut" 2> "$tmp/cut.log" &
pid=$!
rl_lines() { grep -c '"phase":"rl"' "$tmp/cut/metrics.jsonl" 2> /dev/null || true; }
for _ in $(seq 1 1200); do
  [[ $(rl_lines) -ge 5 ]] && break
  kill -0 "$pid" 2> /dev/null || { echo "FAIL: the run ended before it could be interrupted"; exit 1; }
  sleep 0.05
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
cut_at=$(rl_lines)
echo "SIGTERM after $cut_at GRPO steps: exit code $rc"
[[ $rc == 130 ]] || { echo "FAIL: expected exit code 130"; cat "$tmp/cut.log"; exit 1; }
[[ $cut_at -lt 40 ]] || { echo "FAIL: the run was not interrupted"; exit 1; }
ls "$tmp/cut/checkpoints" | grep -q '^rl_step_' || { echo "FAIL: no checkpoint written on SIGTERM"; exit 1; }
grep -q "interrupted; continue with" "$tmp/cut.log" || { echo "FAIL: no resume hint"; exit 1; }

"$rlvr" "${args[@]}" --run-dir "$tmp/cut" --resume 2> "$tmp/resume.log"

python3 - "$tmp/full" "$tmp/cut" <<'PY'
import json, sys
timing = {"time_s", "tokens_per_s", "rollout_tokens_per_s", "time_rollout_s", "time_reward_s", "time_learner_s"}
for name in ("metrics.jsonl", "rollouts.jsonl"):
    def rows(d):
        with open(f"{d}/{name}") as f:
            return [{k: v for k, v in json.loads(l).items() if k not in timing} for l in f if l.strip()]
    a, b = rows(sys.argv[1]), rows(sys.argv[2])
    if len(a) != len(b):
        sys.exit(f"FAIL: {name}: {len(b)} lines after the resume, {len(a)} uninterrupted")
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            sys.exit(f"FAIL: {name} line {i + 1} differs:\n{json.dumps(x)[:400]}\n{json.dumps(y)[:400]}")
    print(f"{name}: {len(a)} lines equal")
PY
