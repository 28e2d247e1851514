#!/usr/bin/env bash
# The one command a GPU session runs, from the repository root of a clean checkout: build with
# -DRLVR_CUDA=ON (or, where this machine cannot build, use the binaries bench/gpu_bundle.sh packed
# into build-gpu-bundle/ and the device tool carried), run the CPU-vs-CUDA tests (kernels, the whole
# model, a training run, NCCL at world size 1), compute-sanitizer memcheck over the kernel tests when installed, the GPU
# benchmark, `rlvr generate` and `rlvr train` end to end on CUDA, and print a short table last.
# Full logs go to $OUT (the device tool's output folder) or build-gpu/.
# Usage: bench/gpu_check.sh    env RLVR_GPU_BUILD=auto (default: build, else bundle) | build | bundle,
#        RLVR_GPU_MEMCHECK=0 skips compute-sanitizer, RLVR_GPU_TRAIN_PRESET=small|fill (default fill).
# A whole run (build on 16 cores, tests, memcheck, benchmarks, end to end) may outlast one 10-minute
# device call: split it with these switches.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=${OUT:-build-gpu}
mkdir -p "$logs"
mode=${RLVR_GPU_BUILD:-auto}
export PATH=/usr/local/cuda/bin:$PATH
rows=()
row() { rows+=("| $1 | $2 |"); }
status=0

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.limit --format=csv,noheader \
  > "$logs/nvidia-smi.txt" 2>&1 || echo "nvidia-smi failed or missing" > "$logs/nvidia-smi.txt"
row device "$(head -1 "$logs/nvidia-smi.txt")"

# ---- binaries: build here when the toolchain and Debian packages are present, else the bundle --
tests="" bench="" bin=""
if [[ $mode != bundle ]]; then
  start=$SECONDS
  if cmake -S . -B build-gpu -G Ninja -DRLVR_CUDA=ON -DCMAKE_BUILD_TYPE=Release > "$logs/configure.log" 2>&1 &&
     cmake --build build-gpu --target test_kernels test_model test_trainer test_parallel rlvr bench_gpu_gemm bench_gpu_train \
       bench_parallel -j"$(nproc)" > "$logs/build.log" 2>&1; then
    # Only configured when MPI is installed: optional.
    cmake --build build-gpu --target dp_compare_metrics >> "$logs/build.log" 2>&1 || true
    tests=build-gpu/tests/test_kernels bench=build-gpu/bench/bench_gpu_gemm bin=build-gpu/tests
    row build "built here in $((SECONDS - start)) s (build-gpu/)"
  else
    echo "--- could not build here (configure.log / build.log):"
    tail -5 "$logs/configure.log"
    [[ -f $logs/build.log ]] && tail -20 "$logs/build.log"
    [[ $mode == build ]] && exit 1
  fi
fi
if [[ -z $tests ]]; then
  if [[ ! -x build-gpu-bundle/bin/test_kernels ]]; then
    echo "no build-gpu-bundle/ either: run bench/gpu_bundle.sh on the development machine and carry build-gpu-bundle"
    exit 2
  fi
  export LD_LIBRARY_PATH=$PWD/build-gpu-bundle/lib:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
  tests=build-gpu-bundle/bin/test_kernels bench=build-gpu-bundle/bin/bench_gpu_gemm bin=build-gpu-bundle/bin
  row build "bundle built at commit $(cat build-gpu-bundle/COMMIT 2> /dev/null || echo '?'), tree at $(git rev-parse HEAD 2> /dev/null || echo '?')"
fi

# ---- CPU-vs-CUDA tests (a skip here means the GPU was not seen: that counts as a failure) ---
gpu_tests='*CrossBackend*:*QuantizeCuda*:*CudaErrors*'  # the table's tests are Table/CrossBackend.*
timeout 600 "$tests" --gtest_filter="$gpu_tests" > "$logs/gpu_tests.log" 2>&1 || status=1
count() { grep -oE "^\[  $1 +\] [0-9]+" "$logs/gpu_tests.log" | grep -oE '[0-9]+$' | head -1; }
passed=$(count PASSED) failed=$(count FAILED) skipped=$(count SKIPPED)
row "gpu tests" "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped (log: gpu_tests.log)"
[[ ${skipped:-0} != 0 ]] && status=1
grep -E '^\[  FAILED  \] [A-Za-z]' "$logs/gpu_tests.log" | sort -u | head -20 | while read -r line; do echo "$line"; done

# ---- the whole model and a short training run, CUDA against the CPU ---------------------------
for t in "test_model:*ModelCuda*" "test_trainer:*TrainRun.OnCuda*:*TrainRun.Cuda*" "test_parallel:NcclWorldOne.*:HostStaged.*:ShardedAdamW.*"; do
  exe=${t%%:*} filter=${t#*:}
  [[ -x $bin/$exe ]] || { row "$exe" "not built"; status=1; continue; }
  timeout 600 "$bin/$exe" --gtest_filter="$filter" > "$logs/$exe.log" 2>&1 || status=1
  p=$(grep -oE '^\[  PASSED  \] [0-9]+' "$logs/$exe.log" | grep -oE '[0-9]+$')
  f=$(grep -oE '^\[  FAILED  \] [0-9]+' "$logs/$exe.log" | grep -oE '[0-9]+$')
  s=$(grep -oE '^\[  SKIPPED \] [0-9]+' "$logs/$exe.log" | grep -oE '[0-9]+$')
  row "$exe $filter" "${p:-0} passed, ${f:-0} failed, ${s:-0} skipped (log: $exe.log)"
  grep -E '^\[  FAILED  \] [A-Za-z]' "$logs/$exe.log" | sort -u | head -10
done

# ---- learner step and decode, ours (fp8, bf16) and PyTorch's (bf16 eager) on the same weights --
train_bench=$(dirname "$bench")/bench_gpu_train
if [[ -x $train_bench ]]; then
  preset=${RLVR_GPU_TRAIN_PRESET:-fill}
  timeout 600 "$train_bench" --preset "$preset" --export /tmp/rlvr_peer > "$logs/bench_gpu_train.log" 2>&1 ||
    { status=1; row bench_gpu_train "FAILED (bench_gpu_train.log)"; }
  sed -n '/^device:/p; /^| what /,$p' "$logs/bench_gpu_train.log"
  if python3 -c 'import torch, transformers' 2> /dev/null; then
    timeout 600 python3 bench/peers/torch_train_step.py /tmp/rlvr_peer > "$logs/peer_torch.log" 2>&1 ||
      { status=1; row "torch peer" "FAILED (peer_torch.log)"; }
    sed -n '/^device:/p; /^| peer /,$p' "$logs/peer_torch.log"
  else
    row "torch peer" "torch or transformers missing"
  fi
fi

# ---- NCCL at world size 1: all-to-all dispatch and all-reduce on device buffers ----------------
dist_bench=$(dirname "$bench")/bench_parallel
if [[ -x $dist_bench ]]; then
  timeout 300 "$dist_bench" --backend=nccl --benchmark_filter='AllToAll|AllReduce' > "$logs/bench_parallel_nccl.log" 2>&1 ||
    { status=1; row "bench_parallel nccl" "FAILED (bench_parallel_nccl.log)"; }
  grep -E '^(communicator|BM_)' "$logs/bench_parallel_nccl.log"
fi

# ---- end to end: rlvr generate and rlvr train on CUDA ----------------------------------------
rlvr=$bin/rlvr
[[ -x $rlvr ]] || rlvr=$(dirname "$bin")/cli/rlvr
if [[ -x $rlvr ]]; then
  for i in 1 2 3 4; do echo "{\"prompt_tokens\": [$i, 17, 42, 99, 7]}"; done > "$logs/prompts.jsonl"
  if timeout 300 "$rlvr" generate --model data/hf_fixtures/qwen3_moe_tiny --input "$logs/prompts.jsonl" \
       --n 8 --max-new-tokens 32 --device cuda --output "$logs/generate.jsonl" > "$logs/generate.log" 2>&1; then
    row "rlvr generate --device cuda" "$(tail -1 "$logs/generate.log")"
  else
    row "rlvr generate --device cuda" "FAILED (generate.log)"; status=1
  fi
  start=$SECONDS
  if timeout 600 "$rlvr" train configs/default.toml --run-dir "$logs/train_cuda" --set run.device=cuda \
       --set logging.log_rollouts=false > "$logs/train_cuda.log" 2>&1; then
    row "rlvr train default.toml on cuda" "$((SECONDS - start)) s: $(grep -E '^done' "$logs/train_cuda.log" | tail -1)"
  else
    row "rlvr train default.toml on cuda" "FAILED after $((SECONDS - start)) s (train_cuda.log)"; status=1
  fi
fi

# ---- data parallel on the GPU: 2 MPI ranks sharing this GPU (NCCL wants one GPU per rank) ----
compare=$bin/dp_compare_metrics
[[ -x $compare ]] || compare=$(dirname "$bin")/tests/dp_compare_metrics
if [[ -x $rlvr ]] && command -v mpirun > /dev/null; then
  dp_set=(--set run.device=cuda --set precision.train=fp32 --set rollout.precision=fp32 --set logging.log_rollouts=false)
  timeout 300 "$rlvr" train tests/trainer_dp/dp_tiny.toml --run-dir "$logs/dp1_cuda" "${dp_set[@]}" > "$logs/dp1_cuda.log" 2>&1 &&
  RLVR_COMM_BACKEND=mpi timeout 300 mpirun --allow-run-as-root --oversubscribe -np 2 "$rlvr" train tests/trainer_dp/dp_tiny.toml \
    --run-dir "$logs/dp2_cuda" "${dp_set[@]}" > "$logs/dp2_cuda.log" 2>&1
  if [[ $? == 0 && -x $compare ]]; then
    # SFT from scratch over 2 ranks: the bounds of trainer_dp_np2_from_scratch_fp32.
    if "$compare" "$logs/dp1_cuda" "$logs/dp2_cuda" --rel 3e-2 --abs 1e-9 --tight-steps 0 --rel-after 10 \
         --abs-after 0.15 > "$logs/dp_cuda_compare.log" 2>&1; then
      row "rlvr train 2 ranks on cuda" "matches 1 rank: $(tail -1 "$logs/dp_cuda_compare.log")"
    else
      row "rlvr train 2 ranks on cuda" "DIFFERS from 1 rank (dp_cuda_compare.log)"; status=1
    fi
  else
    row "rlvr train 2 ranks on cuda" "FAILED (dp1_cuda.log, dp2_cuda.log) or no dp_compare_metrics"; status=1
  fi
fi

# ---- compute-sanitizer memcheck over the same tests -----------------------------------------
if [[ ${RLVR_GPU_MEMCHECK:-1} == 0 ]]; then
  row memcheck "skipped (RLVR_GPU_MEMCHECK=0)"
elif command -v compute-sanitizer > /dev/null; then
  if RLVR_CUDA_CACHE=0 timeout 900 compute-sanitizer --tool memcheck --error-exitcode 3 "$tests" --gtest_filter="$gpu_tests" \
       > "$logs/memcheck.log" 2>&1; then
    row memcheck clean
  else
    row memcheck "FAILED: $(grep -m1 -E 'ERROR SUMMARY|Invalid' "$logs/memcheck.log")"
    status=1
  fi
else
  row memcheck "compute-sanitizer not installed"
fi

# ---- benchmark: its own table, then ours -----------------------------------------------------
if [[ -x $bench ]]; then
  timeout 600 "$bench" --benchmark_out="$logs/bench_gpu_gemm.json" --benchmark_out_format=json \
    > "$logs/bench_gpu_gemm.log" 2>&1 || { status=1; row bench "FAILED (bench_gpu_gemm.log)"; }
  grep -E '^device:' "$logs/bench_gpu_gemm.log"
  sed -n '/^| kernel /,$p' "$logs/bench_gpu_gemm.log"
fi

echo
echo "| gpu_check | result |"
echo "| --- | --- |"
printf '%s\n' "${rows[@]}"
exit $status
