// boxed_math equivalence classes, one table per class: each row is a gold answer, a boxed
// prediction and the expected verdict, covering the forms the issue lists (integers to matrices,
// the tolerance, gold answers wrapped in $...$ or given as a whole solution).
#include <gtest/gtest.h>

#include "rewards/verifiers/boxed_math.h"

namespace rlvr::rewards {
namespace {

struct Case {
  std::string gold, pred;  // pred is boxed by the test
  bool equal;
};

void check_class(const std::string& name, const std::vector<Case>& cases, BoxedMathOptions options = {}) {
  const BoxedMathVerifier grader{options};
  for (const Case& c : cases) {
    Verdict v = grader.grade(c.gold, "so the answer is $\\boxed{" + c.pred + "}$.");
    EXPECT_EQ(v.status, c.equal ? status::kCorrect : status::kWrong)
        << name << ": gold '" << c.gold << "' pred '" << c.pred << "': " << v.detail;
  }
}

TEST(BoxedMathClasses, Integers) {
  check_class("integers", {{"42", "42", true}, {"42", "042", true}, {"42", "-42", false}, {"42", "42.0", true},
                           {"1000000", "1\\,000\\,000", true}, {"1000000", "1{,}000{,}000", true},
                           {"1000000", "10^6", true}, {"1234567", "1,234,567", true}, {"12000023", "12000024", false},
                           {"-7", "- 7", true}, {"7", "\\mathbf{7}", true}});
}

TEST(BoxedMathClasses, Decimals) {
  // "2,5" against a single number is a decimal comma (issue #18: where it cannot be a tuple).
  check_class("decimals", {{"0.5", ".5", true}, {"3.14", "3.140", true}, {"0.333", "\\frac13", false},
                           {"2.5", "2,5", true}, {"0.1", "0.10000001", true}, {"0.1", "0.1001", false}});
}

TEST(BoxedMathClasses, Fractions) {
  check_class("fractions", {{"\\frac{3}{4}", "3/4", true}, {"\\frac{3}{4}", "\\frac34", true},
                            {"\\frac{3}{4}", "\\dfrac{6}{8}", true}, {"\\frac{3}{4}", "0.75", true},
                            {"\\frac{3}{4}", "\\frac{4}{3}", false}, {"-\\frac{1}{2}", "\\frac{-1}{2}", true},
                            {"\\frac{1}{2}", "\\left(\\frac{1}{2}\\right)", true}, {"\\tfrac{7}{2}", "3.5", true}});
}

TEST(BoxedMathClasses, MixedNumbers) {
  check_class("mixed numbers", {{"2\\frac{1}{3}", "\\frac{7}{3}", true}, {"2\\frac{1}{3}", "2 \\frac{1}{3}", true},
                                {"2\\frac{1}{3}", "\\frac{2}{3}", false}, {"-1\\frac{1}{2}", "-1.5", true},
                                {"7\\frac12", "7.5", true}});
}

TEST(BoxedMathClasses, ScientificNotation) {
  check_class("scientific", {{"0.00032", "3.2 \\times 10^{-4}", true}, {"6.02\\times10^{23}", "6.02e23", true},
                             {"0.01", "1e-3", false}, {"1500", "1.5 \\cdot 10^3", true}, {"150", "1.5E2", true}});
}

TEST(BoxedMathClasses, Roots) {
  check_class("roots", {{"2\\sqrt{2}", "\\sqrt{8}", true}, {"3", "\\sqrt[3]{27}", true},
                        {"\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}\\sqrt3", true}, {"\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", true},
                        {"\\sqrt{2}", "1.41421356", true}, {"\\sqrt{2}", "1.41", false}, {"2\\sqrt{3}", "3\\sqrt{2}", false}});
}

TEST(BoxedMathClasses, Pi) {
  check_class("pi", {{"2\\pi", "\\pi \\cdot 2", true}, {"\\frac{\\pi}{4}", "0.25\\pi", true}, {"\\pi", "3.14", false},
                     {"2\\pi", "6.283185307", true}, {"\\frac{3\\pi}{2}", "\\frac32\\pi", true}, {"\\pi", "\\pi^2", false}});
}

TEST(BoxedMathClasses, Powers) {
  check_class("powers", {{"2^{10}", "1024", true}, {"2^{10}", "2^{11}", false}, {"x^{3}", "x\\cdot x\\cdot x", true},
                         {"4^{-1/2}", "\\frac12", true}, {"(-2)^3", "-8", true}, {"10^{100}", "10^{100}", true}});
}

TEST(BoxedMathClasses, Expressions) {
  check_class("expressions", {{"\\frac{x^2-1}{x-1}", "x+1", true}, {"a^2-b^2", "(a-b)(a+b)", true},
                              {"2\\sin x \\cos x", "\\sin(2x)", true}, {"x^2+1", "x^2-1", false},
                              {"\\frac{1}{x}+\\frac{1}{y}", "\\frac{x+y}{xy}", true}, {"3x", "x3", true},
                              {"\\ln(e^2)", "2\\ln e", true}, {"n(n+1)/2", "\\frac{n^2+n}{2}", true},
                              {"2x", "2y", false}, {"\\sin(2x)", "\\sin 2x", true}, {"\\sin(2x)", "2\\sin x", false},
                              {"\\log_2 8", "3", true}, {"\\log_{3} x", "\\frac{\\ln x}{\\ln 3}", true}});
}

TEST(BoxedMathClasses, Equations) {
  check_class("equations", {{"y = 2x + 3", "y = 3 + 2x", true}, {"x = 5", "x = 6", false}, {"k=45", "45", true},
                            {"45", "k = 45", true}, {"y=2x+3", "2x - y + 3 = 0", true}, {"y=2x+3", "y=2x-3", false},
                            {"x^2+y^2=4", "2x^2+2y^2=8", true}});
}

TEST(BoxedMathClasses, Tuples) {
  check_class("tuples", {{"(1, -2)", "\\left(1,-2\\right)", true}, {"(1,2,3)", "(1,2)", false},
                         {"(\\frac12, 3)", "(0.5, 3)", true}, {"(1,2)", "(2,1)", false}, {"(x,y)=(1,2)", "(1,2)", true}});
}

TEST(BoxedMathClasses, Intervals) {
  check_class("intervals", {{"(-\\infty, 3]", "(-\\infty,3]", true}, {"(-\\infty, 3]", "(-\\infty,3)", false},
                            {"[2, 5)", "x \\in [2,5)", true}, {"[2,5)", "2 \\le x < 5", true},
                            {"\\left[0, 1\\right]", "[0,1]", true}, {"[0,1]", "[0,2]", false},
                            {"(-\\infty,-1)\\cup(1,\\infty)", "(1,\\infty)\\cup(-\\infty,-1)", true}});
}

TEST(BoxedMathClasses, Sets) {
  check_class("sets", {{"\\{1, 2, 3\\}", "\\{3,2,1\\}", true}, {"\\{1,2\\}", "\\{1,2,3\\}", false},
                       {"\\{-1, 1\\}", "1, -1", true}, {"\\{\\frac12\\}", "\\{0.5\\}", true}});
}

TEST(BoxedMathClasses, MultipleAnswers) {
  check_class("multiple answers", {{"2, -3", "-3, 2", true}, {"2, -3", "2", false}, {"2, -3", "x=2, x=-3", true},
                                   {"2, -3", "2 \\text{ and } -3", true}, {"\\pm 2", "2, -2", true},
                                   {"1, 2", "1, 2, 3", false}});
}

TEST(BoxedMathClasses, Matrices) {
  check_class("matrices", {{"\\begin{pmatrix} \\frac12 & 0 \\\\ 0 & 1 \\end{pmatrix}", "\\begin{bmatrix}0.5&0\\\\0&1\\end{bmatrix}", true},
                           {"\\begin{pmatrix} 1 & 0 \\\\ 0 & 1 \\end{pmatrix}", "\\begin{pmatrix}0&1\\\\1&0\\end{pmatrix}", false},
                           {"\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}", true},
                           {"\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}1&2\\end{pmatrix}", false}});
}

TEST(BoxedMathClasses, Units) {
  check_class("units", {{"5", "5\\text{ inches}", true}, {"18.90", "\\$18.9", true}, {"50", "50\\%", true},
                        {"30", "30^{\\circ}", true}, {"12", "12 \\mbox{cm}^2", true}, {"5", "5.", true},
                        {"\\text{(B)}", "B", true}, {"\\text{(B)}", "C", false}, {"3", "3 \\text{ apples}", true},
                        {"3", "4 \\text{ apples}", false}, {"\\text{Monday}", "\\textbf{Monday}", true}});
}

TEST(BoxedMathClasses, Tolerance) {
  check_class("default 1e-6", {{"\\pi", "3.1415926", true}, {"\\pi", "3.1416", false}, {"1000000", "1000000.5", true},
                               {"\\frac{100}{3}", "33.33", false}});
  BoxedMathOptions loose;
  loose.rel_tol = 1e-3;
  check_class("rel_tol 1e-3", {{"\\pi", "3.1416", true}, {"\\frac{100}{3}", "33.33", true}, {"\\pi", "3.2", false},
                               {"100", "101", false}}, loose);
  BoxedMathOptions exact;
  exact.rel_tol = 0;
  check_class("rel_tol 0", {{"\\frac12", "0.5", true}, {"\\pi", "3.1415926", false}}, exact);
}

TEST(BoxedMathClasses, GoldForms) {
  check_class("gold forms", {{"$\\frac{1}{2}$", "0.5", true}, {"\\(x = 3\\)", "3", true},
                             {"We find $x=4$, so the answer is $\\boxed{12}$.", "12", true},
                             {"We find $x=4$, so the answer is $\\boxed{12}$.", "4", false},
                             {"Natalia sold 48/2 = <<48/2=24>>24 clips.\n#### 72", "72", true},
                             {"Natalia sold 48/2 = <<48/2=24>>24 clips.\n#### 1,072", "1072", true}});
}

}  // namespace
}  // namespace rlvr::rewards
