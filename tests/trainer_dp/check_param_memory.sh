#!/bin/sh
# ZeRO-3 shards memory (tests/CMakeLists.txt, trainer_zero3_memory): a short run of dp_tiny.toml
# widened so that parameters dominate, under `mpirun -np N` (N = 2, 4) with run.shard_params and
# at 4 ranks without it. Every rank reports what it holds between steps and its tensor peak:
#   rank R holds between steps: parameters P B, optimizer state O B (plan X B); tensor peak K B (plan T B)
# With run.shard_params: O equals the plan's `optimizer` within 1% and halves from 2 to 4 ranks,
# P is under 1% of what ZeRO-1 holds, and the peak is within the plan and below ZeRO-1's.
#   check_param_memory.sh RLVR MPIRUN OUT
set -eu
rlvr=$1 mpirun=$2 out=$3
mkdir -p "$out"
run() {  # NAME NP [--set ...]
  name=$1 np=$2
  shift 2
  rm -rf "$out/$name"
  $mpirun --allow-run-as-root --oversubscribe -np $np "$rlvr" train tests/trainer_dp/dp_tiny.toml \
    --run-dir "$out/$name" --set sft.steps=2 --set run.steps=1 --set logging.eval_every=0 \
    --set model.init.hidden_size=256 --set model.init.intermediate_size=512 \
    --set model.init.moe_intermediate_size=256 --set model.init.num_hidden_layers=4 \
    --set model.init.num_experts=8 --set model.init.head_dim=64 --set algorithm.micro_batch_tokens=512 \
    --set precision.train=fp32 --set rollout.precision=fp32 "$@" > "$out/$name.log" 2>&1 ||
    { cat "$out/$name.log"; exit 1; }
  sed -n 's/.*rank \([0-9]*\) holds between steps: parameters \([0-9]*\) B, optimizer state \([0-9]*\) B (plan \([0-9]*\) B); tensor peak \([0-9]*\) B (plan \([0-9]*\) B).*/\1 \2 \3 \4 \5 \6/p' \
    "$out/$name.log" > "$out/$name.held"
  [ "$(wc -l < "$out/$name.held")" -eq "$np" ] || { echo "$name: not every rank reported"; cat "$out/$name.log"; exit 1; }
}
run zero1_np4 4
run zero3_np2 2 --set run.shard_params=true
run zero3_np4 4 --set run.shard_params=true
awk '
  FILENAME ~ /zero1_np4/ { z1_params = $2; if ($5 > z1_peak) z1_peak = $5; next }
  { split(FILENAME, f, "/"); name = f[length(f)]
    printf "%s rank %d: parameters %d B, optimizer %d B (plan %d B), peak %d B (plan %d B)\n", name, $1, $2, $3, $4, $5, $6
    if ($3 < 0.99 * $4 || $3 > 1.01 * $4) { print "  optimizer state is not the plan"; bad = 1 }
    if ($5 > $6) { print "  peak above the plan"; bad = 1 }
    if (name ~ /np2/) np2 = $3; else { np4 = $3; if ($5 > peak4) peak4 = $5 }
    params[name " " $1] = $2 }
  END {
    for (k in params) if (params[k] > 0.01 * z1_params) { print k ": holds " params[k] " B of parameters, ZeRO-1 " z1_params; bad = 1 }
    if (np4 * 2 < 0.98 * np2 || np4 * 2 > 1.02 * np2) { print "optimizer state does not halve: " np2 " -> " np4; bad = 1 }
    if (peak4 >= z1_peak) { print "ZeRO-3 peak " peak4 " not below ZeRO-1 peak " z1_peak; bad = 1 }
    printf "ZeRO-1 at 4 ranks: parameters %d B, peak %d B; ZeRO-3 peak %d B\n", z1_params, z1_peak, peak4
    exit bad }' "$out/zero1_np4.held" "$out/zero3_np2.held" "$out/zero3_np4.held"
