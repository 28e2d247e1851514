#!/usr/bin/env bash
# The one command a GPU session runs, from the repository root of a clean checkout: build with
# -DRLVR_CUDA=ON (or, where this machine cannot build, use the binaries bench/gpu_bundle.sh packed
# into build-gpu-bundle/ and the device tool carried), run the CPU-vs-CUDA tests, compute-sanitizer
# memcheck over them when installed, the GPU benchmark, and print a short table last.
# Full logs go to $OUT (the device tool's output folder) or build-gpu/.
# Usage: bench/gpu_check.sh    env RLVR_GPU_BUILD=auto (default: build, else bundle) | build | bundle
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
tests="" bench=""
if [[ $mode != bundle ]]; then
  start=$SECONDS
  if cmake -S . -B build-gpu -G Ninja -DRLVR_CUDA=ON -DCMAKE_BUILD_TYPE=Release > "$logs/configure.log" 2>&1 &&
     cmake --build build-gpu --target test_kernels bench_gpu_gemm -j"$(nproc)" > "$logs/build.log" 2>&1; then
    tests=build-gpu/tests/test_kernels bench=build-gpu/bench/bench_gpu_gemm
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
  tests=build-gpu-bundle/bin/test_kernels bench=build-gpu-bundle/bin/bench_gpu_gemm
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

# ---- compute-sanitizer memcheck over the same tests -----------------------------------------
if command -v compute-sanitizer > /dev/null; then
  if timeout 900 compute-sanitizer --tool memcheck --error-exitcode 3 "$tests" --gtest_filter="$gpu_tests" \
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
