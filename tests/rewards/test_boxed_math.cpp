// boxed_math: extraction and equivalence on a table of cases, and hostile completions that
// must get a verdict quickly (megabytes, thousands of boxes, deep nesting, huge exponents).
#include <gtest/gtest.h>

#include <chrono>

#include "rewards/registry.h"
#include "rewards/verifiers/boxed_math.h"

namespace rlvr::rewards {
namespace {

struct Case {
  std::string gold, completion, status;
};

TEST(BoxedMath, Table) {
  const BoxedMathVerifier grader{BoxedMathOptions{}};
  const std::vector<Case> cases = {
      // extraction
      {"5", "so \\boxed{5}.", "correct"},
      {"5", "\\boxed 5 is it", "correct"},
      {"5", "\\fbox{5}", "correct"},
      {"5", "first \\boxed{4}, no wait, \\boxed{5}", "correct"},
      {"5", "The answer is 5", "no_answer"},
      {"5", "", "no_answer"},
      {"\\frac{1}{2}", "\\boxed{\\frac{1}{2}", "correct"},  // unbalanced: the rest of the text
      {"-2, 1", "\\boxed{-2} and \\boxed{1}", "correct"},
      {"$\\boxed{7}$", "\\boxed{7}", "correct"},  // gold wrapped and boxed
      // normalization
      {"\\frac{1}{2}", "\\boxed{\\dfrac12}", "correct"},
      {"\\frac{1}{2}", "\\boxed{\\tfrac{1}{2}}", "correct"},
      {"\\frac{1}{2}", "\\boxed{0.5}", "correct"},
      {"90", "\\boxed{90^\\circ}", "correct"},
      {"25", "\\boxed{25\\%}", "correct"},
      {"1000", "\\boxed{\\$1,000.00}", "correct"},
      {"12", "\\boxed{12 \\text{ cm}}", "correct"},
      {"\\left( 3, \\frac{\\pi}{2} \\right)", "\\boxed{(3,\\pi/2)}", "correct"},
      {"10", "\\boxed{10.}", "correct"},
      {"\\text{(C)}", "\\boxed{C}", "correct"},
      // numbers
      {"918\\frac{1}{2}", "\\boxed{918.5}", "correct"},
      {"-7/2", "\\boxed{-3\\frac12}", "correct"},
      {"250", "\\boxed{2.5\\times10^2}", "correct"},
      {"150", "\\boxed{1500E-1}", "correct"},
      {"5", "\\boxed{5.001}", "wrong"},
      {"\\frac{100}{3}", "\\boxed{33.3}", "wrong"},
      {"4.123105625617661", "\\boxed{\\sqrt{17}}", "correct"},
      {"3\\sqrt{13}", "\\boxed{\\sqrt{117}}", "correct"},
      {"2\\sqrt{2}", "\\boxed{\\sqrt{6}}", "wrong"},
      // algebra
      {"x^2+2x+1", "\\boxed{(x+1)^2}", "correct"},
      {"x^2+2x+1", "\\boxed{(x+1)^3}", "wrong"},
      {"\\frac{x+2}{7}", "\\boxed{\\frac{x}{7}+\\frac27}", "correct"},
      {"\\sin^2 x + \\cos^2 x", "\\boxed{1}", "correct"},
      // structures
      {"x = 5", "\\boxed{5}", "correct"},
      {"7 = 11a+c", "\\boxed{11a+c}", "wrong"},
      {"(1,2)", "\\boxed{(1, 2)}", "correct"},
      {"(1,2)", "\\boxed{(2, 1)}", "wrong"},
      {"\\{1,2\\}", "\\boxed{\\{2,1\\}}", "correct"},
      {"[0,1)", "\\boxed{[0,1)}", "correct"},
      {"[0,1)", "\\boxed{[0,1]}", "wrong"},
      {"(-\\infty, 2) \\cup (3, \\infty)", "\\boxed{(3,\\infty)\\cup(-\\infty,2)}", "correct"},
      {"1 \\pm \\sqrt{19}", "\\boxed{1+\\sqrt{19}, 1-\\sqrt{19}}", "correct"},
      {"1 \\pm \\sqrt{19}", "\\boxed{1+\\sqrt{19}}", "wrong"},
      {"x \\ge 5", "\\boxed{5 \\le x}", "correct"},
      {"x < 1", "\\boxed{x > -1}", "wrong"},
      {"2x+4y-3=0", "\\boxed{y=-\\frac{1}{2}x+\\frac{3}{4}}", "correct"},
      {"\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\boxed{\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}}", "correct"},
      {"\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\boxed{\\begin{pmatrix}1&2\\\\3&5\\end{pmatrix}}", "wrong"},
      {"\\text{Evelyn}", "\\boxed{\\text{Evelyn}}", "correct"},
      {"\\text{Evelyn}", "\\boxed{\\text{Bob}}", "wrong"},
  };
  for (const Case& c : cases) {
    Verdict v = grader.grade(c.gold, c.completion);
    EXPECT_EQ(v.status, c.status) << "gold '" << c.gold << "' completion '" << c.completion << "': " << v.detail;
    EXPECT_EQ(v.reward, c.status == "correct" ? 1.0 : 0.0);
  }
}

TEST(BoxedMath, Fallbacks) {
  auto grader = verifier_registry().create("boxed_math", {{"fallback", {"answer_is", "last_number"}}});
  struct FallbackCase { std::string completion, status; };
  for (const FallbackCase& c : std::vector<FallbackCase>{{"The answer is 42.", "correct"},
                                                        {"so we get 40 + 2 = 42", "correct"},
                                                        {"Final Answer: The final answer is $42$. I hope", "correct"},
                                                        {"no digits here", "no_answer"}}) {
    Verdict v = grader->verify({"", c.completion, {{"answer", "42"}}});
    EXPECT_EQ(v.status, c.status) << c.completion << ": " << v.detail;
  }
  auto tolerant = verifier_registry().create("boxed_math", {{"rel_tol", 1e-2}});
  EXPECT_EQ(tolerant->verify({"", "\\boxed{33.3}", {{"answer", "\\frac{100}{3}"}}}).status, "correct");
}

TEST(BoxedMath, HostileCompletionsGetQuickVerdicts) {
  const BoxedMathVerifier grader{BoxedMathOptions{}};
  std::string many_boxes;
  for (int i = 0; i < 20000; ++i) many_boxes += "\\boxed{" + std::to_string(i) + "} and ";
  std::string unbalanced;
  for (int i = 0; i < 50000; ++i) unbalanced += "\\boxed{{";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"megabytes of text", std::string(4 << 20, 'a') + "\\boxed{5}"},
      {"thousands of boxes", many_boxes},
      {"unbalanced braces", unbalanced},
      {"deep nesting", "\\boxed{" + std::string(100000, '(') + "5" + std::string(100000, ')') + "}"},
      {"deep braces", "\\boxed{" + std::string(1000, '{') + "5" + std::string(1000, '}') + "}"},
      {"huge exponent", "\\boxed{10^{10^{10}}}"},
      {"huge power tower", "\\boxed{" + [] { std::string s; for (int i = 0; i < 60; ++i) s += "9^{"; s += "9"; for (int i = 0; i < 60; ++i) s += "}"; return s; }() + "}"},
      {"long digits", "\\boxed{" + std::string(3000, '9') + "}"},
      {"NUL bytes", std::string("\\boxed{5\0\0}", 11)},
      {"invalid UTF-8", "\\boxed{\xff\xfe\xc3}"},
      {"nested fractions", "\\boxed{" + [] { std::string s; for (int i = 0; i < 500; ++i) s += "\\frac{1}{"; s += "2"; for (int i = 0; i < 500; ++i) s += "}"; return s; }() + "}"},
      {"many factorials", "\\boxed{5" + std::string(2000, '!') + "}"},
  };
  for (const auto& [name, completion] : cases) {
    auto start = std::chrono::steady_clock::now();
    Verdict v = grader.grade("5", completion);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    EXPECT_FALSE(v.status.empty()) << name;
    EXPECT_LE(v.detail.size(), 400u) << name;
    // Generous bound (sanitizer builds, a loaded machine): a hang would take forever.
    EXPECT_LT(ms, 5000) << name;
  }
  EXPECT_EQ(grader.grade("5", std::string(4 << 20, 'a') + "\\boxed{5}").status, "correct");
  EXPECT_EQ(grader.grade("10^{10^{10}}", "\\boxed{10^{10^{10}}}").status, "correct");  // textually equal
  EXPECT_EQ(grader.grade("5", "\\boxed{10^{10^{10}}}").status, "wrong");
}

}  // namespace
}  // namespace rlvr::rewards
