#!/bin/sh
# Expert parallelism shards memory (tests/CMakeLists.txt, trainer_ep_expert_memory): a short
# run of dp_tiny.toml under `mpirun -np N` (N = 1, 2, 4) with run.expert_parallel = true, in
# PREC; every rank reports what its routed experts hold (values, gradients, copies, moments),
# which must equal the memory plan's `experts` item and fall as 1/N from the one-rank figure.
#   check_expert_memory.sh RLVR MPIRUN OUT PREC
set -eu
rlvr=$1 mpirun=$2 out=$3 prec=$4
mkdir -p "$out"
one=""
for np in 1 2 4; do
  rm -rf "$out/np$np"
  $mpirun --allow-run-as-root --oversubscribe -np $np "$rlvr" train tests/trainer_dp/dp_tiny.toml \
    --run-dir "$out/np$np" --set sft.steps=2 --set run.steps=1 --set run.expert_parallel=true \
    --set precision.train=$prec --set rollout.precision=$prec --set logging.eval_every=0 > "$out/np$np.log" 2>&1 ||
    { cat "$out/np$np.log"; exit 1; }
  # "routed experts held by rank R: HELD B (plan PLAN B)" from every rank (lines may interleave)
  sed -n 's/.*routed experts held by rank \([0-9]*\): \([0-9]*\) B (plan \([0-9]*\) B).*/\1 \2 \3/p' \
    "$out/np$np.log" > "$out/np$np.held"
  # FP8 copies: the plan counts block scales per element (4/128^2 B), tensors per whole 128x128
  # block, which in these 64x64 experts is a few hundred bytes more: 1%.
  awk -v np=$np -v one="$one" '
    { printf "np %d rank %d: %d B held, plan %d B\n", np, $1, $2, $3
      if ($2 < 0.99 * $3 || $2 > 1.01 * $3) { print "  not the plan"; bad = 1 }
      if (one != "" && ($2 * np < 0.999 * one || $2 * np > 1.001 * one)) { print "  not 1/" np " of " one " B"; bad = 1 }
      n++ }
    END { if (n != np) { print "np " np ": " n " ranks reported"; bad = 1 } exit bad }' "$out/np$np.held" ||
    { cat "$out/np$np.log"; exit 1; }
  [ -n "$one" ] || one=$(awk '{print $2; exit}' "$out/np$np.held")
done
