#!/usr/bin/env bash
# On a GPU machine: configure with the CUDA backend, build the kernel tests and the GPU
# benchmark, run the CPU-vs-CUDA tests (under compute-sanitizer too when it is installed), then
# the benchmark, whose table is printed last. Logs go to $OUT (or build-gpu/) when set.
# Usage: bench/gpu_check.sh [build dir, default build-gpu]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-gpu}
logs=${OUT:-$build}
mkdir -p "$logs"

nvidia-smi --query-gpu=name,driver_version,clocks.sm,power.limit --format=csv,noheader || true
cmake -S . -B "$build" -G Ninja -DRLVR_CUDA=ON -DCMAKE_BUILD_TYPE=Release > "$logs/configure.log"
cmake --build "$build" --target test_kernels bench_gpu_gemm -j"$(nproc)" > "$logs/build.log" 2>&1 ||
  { tail -40 "$logs/build.log"; exit 1; }

gpu_tests='CrossBackend*:QuantizeCuda*:CudaErrors*'
status=0
"$build/tests/test_kernels" --gtest_filter="$gpu_tests" > "$logs/gpu_tests.log" 2>&1 || status=$?
grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$logs/gpu_tests.log" | sort | uniq -c | sort -rn | head -40
if command -v compute-sanitizer > /dev/null; then
  compute-sanitizer --tool memcheck --error-exitcode 3 "$build/tests/test_kernels" --gtest_filter="$gpu_tests" \
    > "$logs/memcheck.log" 2>&1 && echo "compute-sanitizer memcheck: clean" ||
    { echo "compute-sanitizer memcheck: FAILED (see $logs/memcheck.log)"; tail -20 "$logs/memcheck.log"; status=1; }
fi

"$build/bench/bench_gpu_gemm" --benchmark_out="$logs/bench_gpu_gemm.json" --benchmark_out_format=json \
  > "$logs/bench_gpu_gemm.log" 2>&1 || status=$?
grep -E '^device:' "$logs/bench_gpu_gemm.log" || true
sed -n '/^| kernel /,$p' "$logs/bench_gpu_gemm.log"
exit $status
