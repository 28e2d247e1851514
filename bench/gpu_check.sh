#!/usr/bin/env bash
# The one command a GPU session runs, from the repository root, on a fresh machine (an H200 with
# 16 cores and no network): configure with CUDA and build only the binaries it runs (kernels for
# sm_90a), run the GPU tests (the CPU-vs-CUDA op table, the CUDA errors, ModelCuda.*,
# TrainRun.OnCudaTracksTheCpu, NCCL at world size 1), compute-sanitizer memcheck over the kernel
# GPU tests when the toolkit has it, then the benchmarks (bench_gpu_gemm; bench_gpu_train on the
# 489 M-parameter MoE, and its PyTorch peer when torch is there and time is left), and print a
# short table last. Without a GPU every GPU step reports "skipped: no device" (a dry run).
#
# Every step has a time cap, and the whole run a deadline (RLVR_GPU_DEADLINE_S, default 540 s,
# build included) so that it ends inside one 10-minute device call: a step that would start with
# too little time left reports "skipped: out of time" instead. Full logs go to $OUT (the device
# tool's output folder) or build-gpu/logs.
# Env: RLVR_GPU_BUILD=auto (build here, else the bundle) | build | bundle (binaries bench/gpu_bundle.sh
#      packed into build-gpu-bundle/, carried by the device tool); RLVR_GPU_BUILD_DIR (build-gpu);
#      RLVR_GPU_BUILD_CAP_S (300: configure, then build); RLVR_GPU_MEMCHECK=0 skips compute-sanitizer; RLVR_GPU_TRAIN_PRESET (moe489m; small|fill);
#      RLVR_GPU_PEER=0 skips the PyTorch peer.
set -uo pipefail
cd "$(dirname "$0")/.."
deadline=${RLVR_GPU_DEADLINE_S:-540}
build_dir=${RLVR_GPU_BUILD_DIR:-build-gpu}
logs=${OUT:-$build_dir/logs}
mkdir -p "$logs"
export PATH=/usr/local/cuda/bin:$PATH
rows=()
row() { rows+=("| $1 | $2 |"); }
status=0

# ---- the device ---------------------------------------------------------------------------
gpu=""
if command -v nvidia-smi > /dev/null &&
   nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$logs/nvidia-smi.txt" 2>&1; then
  gpu=$(head -1 "$logs/nvidia-smi.txt")
  cuda_version=$(nvidia-smi 2> /dev/null | grep -oE 'CUDA Version: [0-9.]+' | head -1)
  row device "$gpu, $cuda_version, nvcc $(nvcc --version 2> /dev/null | grep -oE 'release [0-9.]+' | cut -d' ' -f2), $(date -u +%Y-%m-%d)"
else
  row device "none (no nvidia-smi or no GPU): a dry run, every GPU step skipped"
fi
no_device() { [[ -z $gpu ]]; }

# Runs a step under timeout min(cap, time left - 10 s); sets step_rc (124: timed out).
step_rc=0
run_capped() {
  local cap=$1 log=$2
  shift 2
  local left=$((deadline - SECONDS - 10))
  ((left < cap)) && cap=$left
  if ((cap < 15)); then
    step_rc=125
    return
  fi
  timeout "$cap" "$@" > "$log" 2>&1
  step_rc=$?
}
# "N passed, N failed, N skipped" from a gtest log.
gtest_counts() {
  local p f s
  p=$(grep -oE '^\[  PASSED  \] [0-9]+' "$1" | grep -oE '[0-9]+$')
  f=$(grep -oE '^\[  FAILED  \] [0-9]+' "$1" | grep -oE '[0-9]+$')
  s=$(grep -oE '^\[  SKIPPED \] [0-9]+' "$1" | grep -oE '[0-9]+$')
  echo "${p:-0} passed, ${f:-0} failed, ${s:-0} skipped"
}

# ---- binaries: only what this script runs --------------------------------------------------
targets=(test_kernels test_model test_trainer test_parallel bench_gpu_gemm bench_gpu_train)
mode=${RLVR_GPU_BUILD:-auto}
bin=""
if [[ $mode != bundle ]]; then
  start=$SECONDS
  build_cap=${RLVR_GPU_BUILD_CAP_S:-300}
  if run_capped "$build_cap" "$logs/configure.log" cmake -S . -B "$build_dir" -G Ninja -DRLVR_CUDA=ON \
       -DCMAKE_BUILD_TYPE=Release && ((step_rc == 0)) &&
     run_capped "$build_cap" "$logs/build.log" cmake --build "$build_dir" -j"$(nproc)" --target "${targets[@]}" &&
     ((step_rc == 0)); then
    bin=$build_dir
    row build "${targets[*]} in $((SECONDS - start)) s on $(nproc) cores ($build_dir/)"
  else
    echo "--- could not build here (configure.log, build.log):"
    tail -5 "$logs/configure.log"
    [[ -f $logs/build.log ]] && tail -20 "$logs/build.log"
    row build "FAILED after $((SECONDS - start)) s (configure.log, build.log)"
    [[ $mode == build ]] && status=1
  fi
fi
if [[ -z $bin && $mode != build ]]; then
  if [[ -x build-gpu-bundle/bin/test_kernels ]]; then
    # NCCL is not in the bundle: the one PyTorch's wheel carries (nvidia-nccl), else CUDA's.
    nccl_lib=$(python3 -c 'import nvidia.nccl, os; print(os.path.join(list(nvidia.nccl.__path__)[0], "lib"))' 2> /dev/null)
    export LD_LIBRARY_PATH=$PWD/build-gpu-bundle/lib:${nccl_lib:+$nccl_lib:}/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
    bin=build-gpu-bundle
    row build "bundle built at commit $(cat build-gpu-bundle/COMMIT 2> /dev/null || echo '?')"
  else
    row build "no build and no build-gpu-bundle/ (run bench/gpu_bundle.sh here, carry build-gpu-bundle)"
    status=1
  fi
fi
# The bundle keeps every binary in bin/; a build, in tests/ and bench/.
exe() { if [[ -x $bin/bin/$1 ]]; then echo "$bin/bin/$1"; elif [[ -x $bin/tests/$1 ]]; then echo "$bin/tests/$1"; else echo "$bin/bench/$1"; fi; }

# ---- GPU tests: on a GPU a skipped test means the device was not seen, which is a failure ---
kernel_filter='Table/CrossBackend.*:*QuantizeCuda*:*CudaErrors*'
gpu_test() {  # name, binary, filter, cap
  local name=$1 exe_path log="$logs/$2.log"
  exe_path=$(exe "$2")
  if no_device; then row "$name" "skipped: no device"; return; fi
  if [[ -z $bin || ! -x $exe_path ]]; then row "$name" "not built"; status=1; return; fi
  run_capped "$4" "$log" "$exe_path" --gtest_filter="$3"
  case $step_rc in
    125) row "$name" "skipped: out of time" ;;
    124) row "$name" "TIMED OUT after its cap ($(gtest_counts "$log") so far; $2.log)"; status=1 ;;
    *)
      local counts
      counts=$(gtest_counts "$log")
      row "$name" "$counts ($2.log)"
      [[ $step_rc != 0 || $counts == "0 passed"* || $counts != *" 0 failed, 0 skipped" ]] && status=1
      grep -E '^\[  FAILED  \] [A-Za-z]' "$log" | sort -u | head -10 ;;
  esac
}
gpu_test "kernels: op table, quantizers, CUDA errors" test_kernels "$kernel_filter" 90
gpu_test "model: ModelCuda.*" test_model 'ModelCuda.*' 90
gpu_test "trainer: TrainRun.OnCudaTracksTheCpu" test_trainer 'TrainRun.OnCudaTracksTheCpu' 120
gpu_test "parallel: NCCL world 1, host staging, ZeRO on the GPU" test_parallel \
  'NcclWorldOne.*:HostStaged.*:ShardedAdamW.ParametersOnTheGpu*:ParamShards.OnTheGpu*' 90

# ---- compute-sanitizer memcheck over the kernel GPU tests (each allocation its own) ---------
if [[ ${RLVR_GPU_MEMCHECK:-1} == 0 ]]; then
  row memcheck "skipped (RLVR_GPU_MEMCHECK=0)"
elif no_device; then
  row memcheck "skipped: no device"
elif ! command -v compute-sanitizer > /dev/null; then
  row memcheck "compute-sanitizer not in the toolkit"
else
  RLVR_CUDA_CACHE=0 run_capped 120 "$logs/memcheck.log" compute-sanitizer --tool memcheck --error-exitcode 3 \
    "$(exe test_kernels)" --gtest_filter="$kernel_filter"
  case $step_rc in
    0) row memcheck "clean ($(gtest_counts "$logs/memcheck.log"))" ;;
    124) row memcheck "incomplete: over its 120 s cap, no error before (memcheck.log)" ;;
    125) row memcheck "skipped: out of time" ;;
    *)
      # Seen on gVisor machines of this workplace: the sanitizer refuses the device outright.
      if grep -q 'Device not supported' "$logs/memcheck.log"; then
        row memcheck "not possible here: compute-sanitizer says 'Device not supported' (memcheck.log)"
      else
        row memcheck "FAILED: $(grep -m1 -E 'ERROR SUMMARY|Invalid|FAILED' "$logs/memcheck.log")"; status=1
      fi ;;
  esac
fi

# ---- benchmarks ----------------------------------------------------------------------------
bench() {  # name, cap, log, command...
  local name=$1 cap=$2 log=$3
  shift 3
  if no_device; then row "$name" "skipped: no device"; return 1; fi
  if [[ -z $bin || ! -x $1 ]]; then row "$name" "not built"; status=1; return 1; fi
  run_capped "$cap" "$log" "$@"
  case $step_rc in
    0) row "$name" "done ($(basename "$log"))"; return 0 ;;
    125) row "$name" "skipped: out of time"; return 1 ;;
    *) row "$name" "FAILED, exit $step_rc ($(basename "$log"))"; status=1; return 1 ;;
  esac
}
if bench bench_gpu_gemm 90 "$logs/bench_gpu_gemm.log" "$(exe bench_gpu_gemm)" \
     --benchmark_out="$logs/bench_gpu_gemm.json" --benchmark_out_format=json; then
  grep -E '^device:' "$logs/bench_gpu_gemm.log"
  sed -n '/^| kernel /,$p' "$logs/bench_gpu_gemm.log"
fi
preset=${RLVR_GPU_TRAIN_PRESET:-moe489m}
if bench "bench_gpu_train --preset $preset" 150 "$logs/bench_gpu_train.log" "$(exe bench_gpu_train)" \
     --preset "$preset" --export /tmp/rlvr_peer; then
  sed -n '/^device:/p; /^| what /,$p' "$logs/bench_gpu_train.log"
  if [[ ${RLVR_GPU_PEER:-1} == 0 ]]; then
    row "torch peer" "skipped (RLVR_GPU_PEER=0)"
  elif ! python3 -c 'import torch, transformers' 2> /dev/null; then
    row "torch peer" "skipped: torch or transformers missing"
  elif bench "torch peer (eager, bf16)" 150 "$logs/peer_torch.log" "$(command -v python3)" \
         bench/peers/torch_train_step.py /tmp/rlvr_peer; then
    sed -n '/^device:/p; /^| peer /,$p' "$logs/peer_torch.log"
  fi
elif no_device; then
  row "torch peer" "skipped: no device"
fi

echo
echo "| gpu_check ($((SECONDS)) s) | result |"
echo "| --- | --- |"
printf '%s\n' "${rows[@]}"
exit $status
