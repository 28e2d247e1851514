#!/usr/bin/env bash
# Fuzzes boxed_math (extraction, LaTeX normalization, the answer and expression parsers) with
# libFuzzer + ASan/UBSan. Needs clang (Debian: apt-get install clang). New inputs that reach new
# code are added to tests/rewards/fuzz/corpus, which test_rewards replays on every run.
# Usage: scripts/fuzz_rewards.sh [SECONDS (default 60)] [extra libFuzzer flags]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
command -v clang++ >/dev/null || { echo "fuzz_rewards: clang++ not found (apt-get install clang)" >&2; exit 1; }
mkdir -p build/fuzz
sources=(tests/rewards/fuzz/fuzz_boxed_math.cpp rewards/options.cpp rewards/verifiers/boxed_math.cpp
         rewards/verifiers/answer_extraction.cpp rewards/verifiers/latex_normalize.cpp
         rewards/verifiers/math_answer_parse.cpp rewards/verifiers/math_answer_compare.cpp
         rewards/verifiers/math_value_compare.cpp rewards/verifiers/math_relation_compare.cpp
         rewards/verifiers/multiple_choice.cpp rewards/verifiers/math_expr_parse.cpp
         rewards/verifiers/math_expr_eval.cpp)
binary=build/fuzz/fuzz_boxed_math
if [ ! -x "$binary" ] || [ -n "$(find "${sources[@]}" rewards/verifiers/*.h -newer "$binary")" ]; then
  echo "fuzz_rewards: building $binary"
  clang++ -std=c++20 -O1 -g -I. -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    "${sources[@]}" -o "$binary"
fi
# Hostile inputs are up to 64 KiB; each must finish within 2 s (a hang is a failure).
"$binary" -max_total_time="$seconds" -max_len=65536 -timeout=2 -rss_limit_mb=2048 \
  -dict=tests/rewards/fuzz/latex.dict "$@" tests/rewards/fuzz/corpus
