// A small math expression tree parsed from normalized LaTeX/ASCII ("3\sqrt{13}", "x^2+2*x+1",
// "\frac{9}{4}\pi"), evaluated exactly as a rational where possible and otherwise as a complex
// double at chosen values of its symbols. Parsing is bounded in depth and size: anything beyond
// the bounds (or not math at all) fails to parse and the caller falls back to text comparison.
#pragma once

#include <complex>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rewards/verifiers/work_budget.h"

namespace rlvr::rewards::math {

inline constexpr int kMaxParseDepth = 64;
inline constexpr size_t kMaxNodes = 2048;

// An exact fraction num/den with den > 0, in lowest terms.
struct Rational {
  int64_t num = 0;
  int64_t den = 1;
  bool operator==(const Rational&) const = default;
};

// Pi, E (Euler's number), ImagUnit (i) and Infinity are constants; every other letter is a Symbol.
// Sum and Prod: kids {lower, upper, body}, name the index ("\sum_{k=1}^{10} k^2").
enum class NodeKind {
  Number, Symbol, Pi, E, ImagUnit, Infinity, Add, Mul, Neg, Inv, Pow, Func, Factorial, Abs, Binom, Sum, Prod
};

struct Node {
  NodeKind kind;
  std::vector<int> kids;          // indices into ExprTree::nodes
  std::string name;               // Symbol and Func names
  std::optional<Rational> exact;  // Number: the literal as a fraction, when it fits
  double approx = 0.0;            // Number: the literal as a double
  int decimals = 0;               // Number: digits written after the decimal point ("2.6667": 4)
};

struct ExprTree {
  std::vector<Node> nodes;
  int root = -1;
  bool has_number_literal() const;
  std::vector<std::string> symbols() const;  // sorted, unique; not the index of a sum
};

// A decimal literal at the root ("2.6667", "-0.3333"): its exact value and its digits after the point.
struct DecimalLiteral {
  Rational value;
  int decimals = 0;
};
std::optional<DecimalLiteral> decimal_literal(const ExprTree& tree);

// Parses a whole string as one expression; nullopt when it is not one (or is too big/deep).
std::optional<ExprTree> parse_expression(std::string_view text);

// The exact value when the tree has no symbols and only rational operations on small values.
std::optional<Rational> evaluate_exact(const ExprTree& tree);

using Complex = std::complex<double>;
// The value with each symbol replaced by values[name]; NaN when undefined.
Complex evaluate(const ExprTree& tree, const std::map<std::string, Complex>& values);

bool close_enough(Complex a, Complex b, double rel_tol);

// True when a and b are the same rational, or agree within rel_tol (at several random
// assignments of their symbols, if any). Two integers must be equal exactly. Infinities equal
// the same infinity; an indeterminate value (\infty - \infty, 0/0) equals nothing.
// scale_a and scale_b multiply the values first (1/100 reads "28%" as 0.28).
bool expressions_equal(const ExprTree& a, const ExprTree& b, double rel_tol, Rational scale_a = {1, 1},
                       Rational scale_b = {1, 1});

// Whether the exact value v, rounded to `decimals` places (half away from zero, or either way
// at a tie), is the decimal d: 8/3 is 2.6667 at 4 places.
bool rounds_to(Rational v, const DecimalLiteral& d);

// Values for the symbols at test point `point` (the same for every caller: deterministic).
std::map<std::string, Complex> test_point(const std::vector<std::string>& symbols, int point);
inline constexpr int kTestPoints = 4;

}  // namespace rlvr::rewards::math
