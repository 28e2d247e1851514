#!/bin/sh
# One data-parallel trainer test case (tests/CMakeLists.txt, trainer_dp_*), run from the
# repository root:
#   run_case.sh ref   RLVR OUT PREC                      one process, the reference run
#   run_case.sh case  RLVR LAUNCH OUT PREC FROM CHECKPOINT COMPARE REF [tolerances...]
#   run_case.sh scratch RLVR LAUNCH OUT PREC COMPARE REF [tolerances...]
# case: OUT starts as a copy of run FROM's checkpoint CHECKPOINT (e.g. sft_step_60) and its logs, is resumed by
# LAUNCH (an mpirun line, or "none" for one process) and compared with run REF by COMPARE.
#   run_case.sh eval  RLVR LAUNCH OUT PREC CHECKPOINT_DIR  rlvr eval of a checkpoint in one process
#                                                        and expert-parallel under LAUNCH: same rollouts
# PREC is fp32 or fp8, with "+ep" for expert parallelism (run.expert_parallel = true) and/or
# "+zero3" for parameters held in slices (run.shard_params = true), in that order.
set -eu
cfg=tests/trainer_dp/dp_tiny.toml
# PREC's suffixes as --set options in $extra; the precision itself in $prec.
split_prec() {
  prec=$1 extra=""
  case $prec in *+zero3) prec=${prec%+zero3} extra="--set run.shard_params=true" ;; esac
  case $prec in *+ep) prec=${prec%+ep} extra="$extra --set run.expert_parallel=true" ;; esac
}
mode=$1; shift
if [ "$mode" = eval ]; then
  rlvr=$1 launch=$2 out=$3 prec=$4 ckpt=$5
  rm -rf "$out"
  set -- --checkpoint "$ckpt" --set precision.train=$prec --set rollout.precision=$prec
  "$rlvr" eval $cfg --run-dir "$out/one" "$@"
  $launch "$rlvr" eval $cfg --run-dir "$out/ep" "$@" --set run.expert_parallel=true
  exec cmp "$out/one/rollouts.jsonl" "$out/ep/rollouts.jsonl"
fi
if [ "$mode" = ref ]; then
  rlvr=$1 out=$2 prec=$3
  rm -rf "$out"
  exec "$rlvr" train $cfg --run-dir "$out" --set precision.train=$prec --set rollout.precision=$prec
fi
if [ "$mode" = scratch ]; then
  rlvr=$1 launch=$2 out=$3 compare=$5 ref=$6
  split_prec "$4"
  shift 6
  rm -rf "$out"
  $launch "$rlvr" train $cfg --run-dir "$out" --set precision.train=$prec --set rollout.precision=$prec $extra
  exec "$compare" "$ref" "$out" "$@"
fi
rlvr=$1 launch=$2 out=$3 from=$5 checkpoint=$6 compare=$7 ref=$8
split_prec "$4"
shift 8
rm -rf "$out"
mkdir -p "$out/checkpoints"
cp -r "$from/checkpoints/$checkpoint" "$out/checkpoints/"
cp "$from/metrics.jsonl" "$out/"
[ -f "$from/rollouts.jsonl" ] && cp "$from/rollouts.jsonl" "$out/"
[ -d "$from/reference" ] && cp -r "$from/reference" "$out/"
[ "$launch" = none ] && launch=""
$launch "$rlvr" train $cfg --run-dir "$out" --resume --set precision.train=$prec --set rollout.precision=$prec $extra
exec "$compare" "$ref" "$out" "$@"
