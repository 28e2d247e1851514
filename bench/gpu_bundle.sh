#!/usr/bin/env bash
# On the development machine (Debian, nvcc 13): builds the binaries bench/gpu_check.sh runs with
# -DRLVR_CUDA=ON and packs them, stripped, with the shared libraries they need that a bare GPU
# image lacks (OpenBLAS, gtest, benchmark, ...) into build-gpu-bundle/, for machines where
# bench/gpu_check.sh cannot build (no Debian -dev packages, no registry). The CUDA runtime and
# cuBLASLt are not packed: the GPU machine's own /usr/local/cuda provides them; nor is NCCL (218 MB,
# over the device tool's 64 MiB): gpu_check.sh finds the one of the GPU image's PyTorch.
# Usage: bench/gpu_bundle.sh [build dir, default build-gpu] [jobs, default 2]; then carry
# build-gpu-bundle with the device tool (run's `carry: ["build-gpu-bundle"]`).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-gpu}
jobs=${2:-2}
bundle=build-gpu-bundle

cmake -S . -B "$build" -G Ninja -DRLVR_CUDA=ON -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" --target test_kernels test_model test_trainer test_parallel bench_gpu_gemm bench_gpu_train -j"$jobs"

rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib"
cp "$build/tests/test_kernels" "$build/tests/test_model" "$build/tests/test_trainer" "$build/tests/test_parallel" \
   "$build/bench/bench_gpu_gemm" "$build/bench/bench_gpu_train" "$bundle/bin/"
strip "$bundle/bin/"*

# Every resolved library except the C/C++ runtime (the GPU image has newer ones), CUDA's and NCCL.
skip='^(linux-vdso|ld-linux|libc\.|libm\.|libdl\.|librt\.|libpthread\.|libgcc_s\.|libstdc\+\+\.|libcuda\.|libcudart\.|libcublas|libnvidia|libnccl)'
for exe in "$bundle/bin/"*; do
  ldd "$exe" | awk '$3 ~ /^\// {print $1, $3}' | while read -r name path; do
    if ! [[ $name =~ $skip ]]; then cp -L -n "$path" "$bundle/lib/$name"; fi
  done
done
strip --strip-unneeded "$bundle/lib/"* 2> /dev/null || true
git rev-parse HEAD > "$bundle/COMMIT"
du -sh "$bundle"
ls "$bundle/lib"
