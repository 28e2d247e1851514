// boxed_math work bounds, checked by counting rather than timing: extraction and parsing read
// inputs capped in size (answer bytes, list items, expression nodes and depth, digits), and the
// comparison spends a step budget (work_budget.h: 100,000 steps, about 4 ms on one core) after
// which it answers "unequal" and says so. Pathological inputs - deep nesting, huge exponents,
// 10^6-digit numbers, long chains, permuted lists of formulas - must stay inside those bounds.
#include <gtest/gtest.h>

#include "rewards/verifiers/answer_extraction.h"
#include "rewards/verifiers/boxed_math.h"
#include "rewards/verifiers/latex_normalize.h"
#include "rewards/verifiers/math_answer.h"

namespace rlvr::rewards {
namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string nested(const std::string& open, const std::string& inner, const std::string& close, int depth) {
  return repeat(open, depth) + inner + repeat(close, depth);
}

// n formulas in one variable, in order or reversed: equal as sets, costly to match pairwise.
std::string formulas(int n, bool reversed) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    int k = reversed ? n - 1 - i : i;
    out += (i ? ", " : "") + std::string("\\sin(x)^2+\\sqrt{x+") + std::to_string(k) + "}";
  }
  return out;
}

TEST(BoxedMathWorkBounds, BudgetRefusesPastItsLimitAndScopesNest) {
  math::WorkBudget budget(10);
  EXPECT_TRUE(budget.spend(6));
  EXPECT_FALSE(budget.spend(5));  // would pass the limit
  EXPECT_TRUE(budget.exhausted());
  EXPECT_FALSE(budget.spend(1));  // and stays refused
  EXPECT_EQ(budget.used(), 6);
  {
    math::WorkBudgetScope outer(100);
    math::work_budget().spend(3);
    {
      math::WorkBudgetScope inner(5);
      EXPECT_FALSE(math::work_budget().spend(6));
    }
    EXPECT_EQ(&math::work_budget(), &outer.budget());
    EXPECT_EQ(outer.budget().used(), 3);
  }
}

struct Hostile {
  std::string name, gold, completion, status, detail;  // detail: a substring the verdict must carry
};

TEST(BoxedMathWorkBounds, PathologicalInputsGetClearVerdictsWithinTheBounds) {
  const BoxedMathVerifier grader{BoxedMathOptions{}};
  const std::string too_long = "no usable \\boxed{} answer (empty, or over 2000 bytes)";
  const std::vector<Hostile> cases = {
      {"10^6-digit number", "5", "\\boxed{" + std::string(1000000, '7') + "}", "no_answer", too_long},
      {"1,900-digit number", "5", "\\boxed{" + std::string(1900, '7') + "}", "wrong", "not equal"},
      {"1,900-digit numbers equal", std::string(1900, '7'), "\\boxed{" + std::string(1900, '7') + "}", "correct",
       "same text"},
      {"10^4 nested braces", "5", "\\boxed{" + nested("{", "5", "}", 10000) + "}", "no_answer", too_long},
      {"900 nested braces", "5", "\\boxed{" + nested("{", "5", "}", 900) + "}", "wrong", "not equal"},
      {"900 nested parentheses", "5", "\\boxed{" + nested("(", "5", ")", 900) + "}", "wrong", "not equal"},
      {"150 nested fractions", "2", "\\boxed{" + nested("\\frac{1}{", "2", "}", 150) + "}", "wrong", "not equal"},
      {"huge exponent", "5", "\\boxed{2^{10^{10}}}", "wrong", "not equal"},
      {"overflow is not infinity", "\\infty", "\\boxed{10^{400}}", "wrong", "not equal"},
      {"power tower", "5", "\\boxed{" + nested("9^{", "9", "}", 300) + "}", "wrong", "not equal"},
      {"many factorials", "5", "\\boxed{5" + std::string(1900, '!') + "}", "wrong", "not equal"},
      {"equation chain of 40", "2", "\\boxed{x = " + repeat("1+1 = ", 40) + "2}", "correct", "equation chain"},
      {"equation chain of 300", "2", "\\boxed{x = " + repeat("1+1 = ", 300) + "2}", "wrong", "not equal"},  // past 64
      {"long inequality chain", "x < 2", "\\boxed{" + repeat("x < ", 400) + "2}", "wrong", "not equal"},
      {"many \\pm signs", "2", "\\boxed{" + repeat("1\\pm ", 300) + "1}", "wrong", "not equal"},
      {"permuted formulas", formulas(64, false), "\\boxed{" + formulas(64, true) + "}", "wrong",
       "work budget exhausted"},
      {"few permuted formulas", formulas(8, false), "\\boxed{" + formulas(8, true) + "}", "correct", "equal after"},
  };
  for (const Hostile& c : cases) {
    Verdict v = grader.grade(c.gold, c.completion);
    EXPECT_EQ(v.status, c.status) << c.name << ": " << v.detail;
    EXPECT_NE(v.detail.find(c.detail), std::string::npos) << c.name << ": " << v.detail;
    EXPECT_LE(v.detail.size(), 400u) << c.name;

    // The same work counted: inputs capped, comparison steps within the budget.
    auto extracted = math::extract_answer(c.completion, BoxedMathOptions{}.extract);
    if (!extracted) continue;
    EXPECT_LE(extracted->answer.size(), math::ExtractOptions{}.max_answer_bytes) << c.name;
    math::WorkBudgetScope scope;
    math::Answer gold = math::parse_answer(c.gold), pred = math::parse_answer(extracted->answer);
    for (const math::Answer* a : {&gold, &pred}) {
      EXPECT_LE(a->normalized.size(), math::kMaxAnswerBytes) << c.name;
      EXPECT_LE(a->items.size(), 64u) << c.name;
      for (const math::Item& item : a->items)
        for (const math::Value& part : item.parts) {
          if (part.expr) {
            EXPECT_LE(part.expr->nodes.size(), math::kMaxNodes) << c.name;
          }
        }
    }
    math::Comparison result = math::compare_answers(gold, pred, 1e-6);
    EXPECT_LE(scope.budget().used(), math::kWorkBudgetSteps) << c.name;
    EXPECT_EQ(result.out_of_budget, c.detail == "work budget exhausted") << c.name;
  }
}

}  // namespace
}  // namespace rlvr::rewards
