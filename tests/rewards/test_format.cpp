// The format verifier's rules, one table.
#include <gtest/gtest.h>

#include "rewards/registry.h"

namespace rlvr::rewards {
namespace {

TEST(Format, Rules) {
  struct Case { nlohmann::json options; std::string completion; double reward; std::string detail; };
  const std::vector<Case> cases = {
      {{}, "<think>reason</think> so \\boxed{4}", 1.0, "format ok"},
      {{}, "  \n<think>reason</think>\\boxed{4}", 1.0, "format ok"},
      {{}, "reason</think> \\boxed{4}", 0.0, "does not start with <think>"},
      {{}, "<think>reason \\boxed{4}", 0.0, "no </think>"},
      {{}, "<think>a</think><think>b</think>\\boxed{1}", 0.0, "more than one <think> block"},
      {{}, "<think>\\boxed{4}</think> done", 0.0, "no \\boxed{} after </think>"},
      {{{"require_think", false}}, "just \\boxed{4}", 1.0, "format ok"},
      {{{"require_think", false}, {"require_boxed", false}, {"pattern", "^Answer: [0-9]+$"}}, "Answer: 42", 1.0, "format ok"},
      {{{"require_think", false}, {"require_boxed", false}, {"pattern", "^Answer: [0-9]+$"}}, "Answer: x", 0.0, "no match for pattern"},
      {{{"max_bytes", 10}}, "<think></think>\\boxed{1}", 0.0, "completion longer than max_bytes (10)"},
  };
  for (const Case& c : cases) {
    Verdict v = verifier_registry().create("format", c.options)->verify({"", c.completion, {}});
    EXPECT_EQ(v.reward, c.reward) << c.completion;
    EXPECT_EQ(v.detail, c.detail) << c.completion;
  }
}

TEST(Format, HugeCompletionWithPattern) {
  auto v = verifier_registry().create("format", {{"require_think", false}, {"require_boxed", false}, {"pattern", "(a|b)*c"}});
  EXPECT_EQ(v->verify({"", std::string(1 << 20, 'a'), {}}).reward, 0.0);
}

}  // namespace
}  // namespace rlvr::rewards
