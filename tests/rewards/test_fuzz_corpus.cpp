// Replays the libFuzzer corpus of boxed_math (tests/rewards/fuzz/corpus, grown by
// scripts/fuzz_rewards.sh) through the same calls as the fuzz target: every input must get a
// verdict without crashing, so inputs that once broke the parsers stay fixed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "rewards/verifiers/boxed_math.h"
#include "rewards/verifiers/math_expr.h"

namespace rlvr::rewards {
namespace {

TEST(FuzzCorpus, EveryInputGetsAVerdict) {
  const std::filesystem::path dir = std::filesystem::path(RLVR_SOURCE_DIR) / "tests/rewards/fuzz/corpus";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  const BoxedMathVerifier grader(
      parse_boxed_math_options({{"fallback", {"answer_is", "whole", "last_math", "last_number"}}}));
  int inputs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string input = buffer.str();
    for (const char* gold : {"5", "\\frac{1}{2}", "(1,2)", "x^2+1", "[0,1)"})
      EXPECT_FALSE(grader.grade(gold, input).status.empty()) << entry.path();
    EXPECT_FALSE(grader.grade(input, input).status.empty()) << entry.path();
    EXPECT_FALSE(grader.grade(input, "\\boxed{5}").status.empty()) << entry.path();
    if (auto tree = math::parse_expression(input)) {
      math::evaluate_exact(*tree);
      math::evaluate(*tree, math::test_point(tree->symbols(), 0));
    }
    ++inputs;
  }
  EXPECT_GE(inputs, 20);
}

}  // namespace
}  // namespace rlvr::rewards
