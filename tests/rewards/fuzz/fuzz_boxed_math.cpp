// libFuzzer target for boxed_math: the input is graded as a completion against fixed gold
// answers and against itself (as gold), with every extraction fallback on, and parsed as one
// expression; nothing may crash, hang or trip a sanitizer. Built by scripts/fuzz_rewards.sh
// (clang only; not part of the CMake build). Its corpus is replayed by test_fuzz_corpus.cpp.
#include <cstddef>
#include <cstdint>
#include <string>

#include "rewards/verifiers/boxed_math.h"
#include "rewards/verifiers/math_expr.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rlvr::rewards;
  static const BoxedMathVerifier grader(
      parse_boxed_math_options({{"fallback", {"answer_is", "whole", "last_math", "last_number"}}}));
  const std::string input(reinterpret_cast<const char*>(data), size);
  for (const char* gold : {"5", "\\frac{1}{2}", "(1,2)", "x^2+1", "[0,1)"}) grader.grade(gold, input);
  grader.grade(input, input);
  grader.grade(input, "\\boxed{5}");
  if (auto tree = math::parse_expression(input)) {
    math::evaluate_exact(*tree);
    math::evaluate(*tree, math::test_point(tree->symbols(), 0));
  }
  return 0;
}
