// Evaluation of expression trees: exact rational arithmetic with overflow checks, and complex
// double evaluation at deterministic pseudo-random points for symbolic equivalence.
#include <algorithm>
#include <climits>
#include <cmath>
#include <numeric>

#include "rewards/verifiers/math_expr.h"

namespace rlvr::rewards::math {
namespace {

constexpr double kMaxSeriesTerms = 10000;

std::optional<Rational> make(__int128 num, __int128 den) {
  if (den == 0) return std::nullopt;
  if (den < 0) num = -num, den = -den;
  __int128 a = num < 0 ? -num : num, b = den;
  while (b != 0) {
    __int128 r = a % b;
    a = b;
    b = r;
  }
  if (a > 1) num /= a, den /= a;
  constexpr __int128 kMax = INT64_MAX;
  if (num > kMax || num < -kMax || den > kMax) return std::nullopt;
  return Rational{static_cast<int64_t>(num), static_cast<int64_t>(den)};
}

std::optional<Rational> add(Rational a, Rational b) {
  return make(static_cast<__int128>(a.num) * b.den + static_cast<__int128>(b.num) * a.den,
              static_cast<__int128>(a.den) * b.den);
}
std::optional<Rational> mul(Rational a, Rational b) {
  return make(static_cast<__int128>(a.num) * b.num, static_cast<__int128>(a.den) * b.den);
}

std::optional<Rational> power(Rational base, Rational exponent) {
  if (exponent.den != 1 || exponent.num > 64 || exponent.num < -64) return std::nullopt;
  int64_t e = exponent.num;
  if (e < 0) {
    auto inv = make(base.den, base.num);
    if (!inv) return std::nullopt;
    base = *inv;
    e = -e;
  }
  Rational result{1, 1};
  for (int64_t i = 0; i < e; ++i) {
    auto r = mul(result, base);
    if (!r) return std::nullopt;
    result = *r;
  }
  return result;
}

std::optional<Rational> exact_at(const ExprTree& t, int id, WorkBudget& budget) {
  const Node& n = t.nodes[id];
  if (!budget.spend()) return std::nullopt;
  switch (n.kind) {
    case NodeKind::Number:
      return n.exact;
    case NodeKind::Add:
    case NodeKind::Mul: {
      Rational acc = n.kind == NodeKind::Add ? Rational{0, 1} : Rational{1, 1};
      for (int k : n.kids) {
        auto v = exact_at(t, k, budget);
        if (!v) return std::nullopt;
        auto r = n.kind == NodeKind::Add ? add(acc, *v) : mul(acc, *v);
        if (!r) return std::nullopt;
        acc = *r;
      }
      return acc;
    }
    case NodeKind::Neg: {
      auto v = exact_at(t, n.kids[0], budget);
      if (!v) return std::nullopt;
      return Rational{-v->num, v->den};
    }
    case NodeKind::Inv: {
      auto v = exact_at(t, n.kids[0], budget);
      if (!v) return std::nullopt;
      return make(v->den, v->num);
    }
    case NodeKind::Pow: {
      auto b = exact_at(t, n.kids[0], budget);
      auto e = b ? exact_at(t, n.kids[1], budget) : std::nullopt;
      if (!b || !e) return std::nullopt;
      return power(*b, *e);
    }
    case NodeKind::Abs: {
      auto v = exact_at(t, n.kids[0], budget);
      if (!v) return std::nullopt;
      return Rational{v->num < 0 ? -v->num : v->num, v->den};
    }
    case NodeKind::Factorial: {
      auto v = exact_at(t, n.kids[0], budget);
      if (!v || v->den != 1 || v->num < 0 || v->num > 20) return std::nullopt;
      int64_t f = 1;
      for (int64_t i = 2; i <= v->num; ++i) f *= i;
      return Rational{f, 1};
    }
    default:
      return std::nullopt;
  }
}

Complex apply_function(const std::string& f, Complex x) {
  if (f == "sin") return std::sin(x);
  if (f == "cos") return std::cos(x);
  if (f == "tan") return std::tan(x);
  if (f == "sec") return 1.0 / std::cos(x);
  if (f == "csc") return 1.0 / std::sin(x);
  if (f == "cot") return 1.0 / std::tan(x);
  if (f == "arcsin") return std::asin(x);
  if (f == "arccos") return std::acos(x);
  if (f == "arctan") return std::atan(x);
  if (f == "sinh") return std::sinh(x);
  if (f == "cosh") return std::cosh(x);
  if (f == "tanh") return std::tanh(x);
  if (f == "ln" || f == "log") return std::log(x);
  if (f == "lg") return std::log10(x);
  if (f == "exp") return std::exp(x);
  if (f == "sgn") return x.real() > 0 ? 1.0 : x.real() < 0 ? -1.0 : 0.0;
  return x;  // max, min, det of one argument
}

bool finite(Complex z) { return std::isfinite(z.real()) && std::isfinite(z.imag()); }

Complex value_at(const ExprTree& t, int id, const std::map<std::string, Complex>& values, WorkBudget& budget);

// The value of node id; infinite_input tells whether a child's value was not finite.
Complex node_value(const ExprTree& t, int id, const std::map<std::string, Complex>& values, WorkBudget& budget,
                   bool& infinite_input) {
  const Node& n = t.nodes[id];
  const double nan = std::nan("");
  auto value_of = [&](int kid) {
    Complex v = value_at(t, kid, values, budget);
    infinite_input |= !finite(v);
    return v;
  };
  switch (n.kind) {
    case NodeKind::Number:
      return n.approx;
    case NodeKind::Symbol: {
      auto it = values.find(n.name);
      return it == values.end() ? Complex(nan) : it->second;
    }
    case NodeKind::Pi:
      return M_PI;
    case NodeKind::E:
      return M_E;
    case NodeKind::ImagUnit:
      return Complex(0.0, 1.0);
    case NodeKind::Infinity:
      return HUGE_VAL;
    case NodeKind::Add: {
      Complex acc = 0.0;
      for (int k : n.kids) acc += value_of(k);
      return acc;
    }
    case NodeKind::Mul: {
      Complex acc = 1.0;
      for (int k : n.kids) acc *= value_of(k);
      return acc;
    }
    case NodeKind::Neg:
      return -value_of(n.kids[0]);
    case NodeKind::Inv: {
      Complex v = value_of(n.kids[0]);
      return v == 0.0 ? Complex(nan) : 1.0 / v;
    }
    case NodeKind::Pow: {
      Complex b = value_of(n.kids[0]), e = value_of(n.kids[1]);
      if (std::abs(e) > 1e4) return nan;  // 10^{10^{10}}: no meaningful value
      if (b.imag() == 0 && e.imag() == 0 && (b.real() >= 0 || e.real() == std::round(e.real())))
        return std::pow(b.real(), e.real());
      if (b.imag() == 0) b = Complex(b.real(), 0.0);  // -1 - 0i is on the other side of the branch cut
      return std::pow(b, e);
    }
    case NodeKind::Func:
      return apply_function(n.name, value_of(n.kids[0]));
    case NodeKind::Factorial: {
      Complex v = value_of(n.kids[0]);
      if (v.imag() != 0 || v.real() < 0 || v.real() > 170) return nan;
      return std::tgamma(v.real() + 1);
    }
    case NodeKind::Abs:
      return std::abs(value_of(n.kids[0]));
    case NodeKind::Sum:
    case NodeKind::Prod: {
      // Integer bounds, at most kMaxSeriesTerms terms; the budget counts every term.
      Complex lo = value_of(n.kids[0]), hi = value_of(n.kids[1]);
      if (lo.imag() != 0 || hi.imag() != 0 || lo.real() != std::round(lo.real()) ||
          hi.real() != std::round(hi.real()) || hi.real() - lo.real() >= kMaxSeriesTerms)
        return nan;
      std::map<std::string, Complex> at = values;
      Complex acc = n.kind == NodeKind::Sum ? 0.0 : 1.0;
      for (double k = lo.real(); k <= hi.real(); ++k) {
        at[n.name] = k;
        Complex term = value_at(t, n.kids[2], at, budget);
        infinite_input |= !finite(term);
        acc = n.kind == NodeKind::Sum ? acc + term : acc * term;
      }
      return acc;
    }
    case NodeKind::Binom: {
      Complex a = value_of(n.kids[0]), b = value_of(n.kids[1]);
      if (a.imag() != 0 || b.imag() != 0 || a.real() > 170) return nan;
      return std::tgamma(a.real() + 1) / (std::tgamma(b.real() + 1) * std::tgamma(a.real() - b.real() + 1));
    }
  }
  return nan;
}

// Only \infty is infinite: a finite computation that overflows (10^{400}, 200!) has no value.
Complex value_at(const ExprTree& t, int id, const std::map<std::string, Complex>& values, WorkBudget& budget) {
  if (!budget.spend()) return std::nan("");
  bool infinite_input = false;
  Complex v = node_value(t, id, values, budget, infinite_input);
  if (!finite(v) && !infinite_input && t.nodes[id].kind != NodeKind::Infinity) return std::nan("");
  return v;
}

// +1 or -1 for a real infinity (complex arithmetic may leave a NaN imaginary part beside it).
int infinity_sign(Complex z) {
  if (!std::isinf(z.real()) || !(z.imag() == 0 || std::isnan(z.imag()))) return 0;
  return z.real() > 0 ? 1 : -1;
}

thread_local WorkBudget* current_budget = nullptr;

}  // namespace

std::optional<Rational> evaluate_exact(const ExprTree& tree) { return exact_at(tree, tree.root, work_budget()); }

Complex evaluate(const ExprTree& tree, const std::map<std::string, Complex>& values) {
  return value_at(tree, tree.root, values, work_budget());
}

WorkBudget& work_budget() {
  if (current_budget != nullptr) return *current_budget;
  thread_local WorkBudget unlimited(LONG_MAX);
  return unlimited;
}

WorkBudgetScope::WorkBudgetScope(long limit) : budget_(limit), previous_(current_budget) { current_budget = &budget_; }
WorkBudgetScope::~WorkBudgetScope() { current_budget = previous_; }

bool close_enough(Complex a, Complex b, double rel_tol) {
  double diff = std::abs(a - b);
  return diff <= rel_tol * std::max(std::abs(a), std::abs(b)) || diff <= 1e-12;
}

std::map<std::string, Complex> test_point(const std::vector<std::string>& symbols, int point) {
  std::map<std::string, Complex> values;
  for (const std::string& name : symbols) {
    // A hash of the name and the point index picks a value in [0.6, 2.4): away from 0 and 1,
    // where many wrong answers coincide with right ones, and the same for every caller.
    uint64_t h = 1469598103934665603ull ^ static_cast<uint64_t>(point + 1) * 0x9E3779B97F4A7C15ull;
    for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    h ^= h >> 29;
    values[name] = 0.6 + 1.8 * static_cast<double>(h % 1000003) / 1000003.0;
  }
  return values;
}

bool expressions_equal(const ExprTree& a, const ExprTree& b, double rel_tol, Rational scale_a, Rational scale_b) {
  auto scaled = [](std::optional<Rational> v, Rational scale) { return v ? mul(*v, scale) : std::nullopt; };
  auto ea = scaled(evaluate_exact(a), scale_a);
  if (ea) {
    auto eb = scaled(evaluate_exact(b), scale_b);
    // Integers compare exactly (12000023 is not 12000024 at any tolerance); other rationals
    // that differ may still agree within the tolerance (33.3 vs 100/3 at 1e-2).
    if (eb && (*ea == *eb || (ea->den == 1 && eb->den == 1))) return *ea == *eb;
  }
  std::vector<std::string> names = a.symbols();
  for (const std::string& s : b.symbols()) names.push_back(s);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  const int points = names.empty() ? 1 : kTestPoints;
  int compared = 0;
  for (int p = 0; p < points; ++p) {
    auto values = test_point(names, p);
    Complex va = evaluate(a, values) * (static_cast<double>(scale_a.num) / static_cast<double>(scale_a.den));
    Complex vb = evaluate(b, values) * (static_cast<double>(scale_b.num) / static_cast<double>(scale_b.den));
    if (int sa = infinity_sign(va), sb = infinity_sign(vb); sa != 0 || sb != 0) {
      if (sa != sb) return false;
      ++compared;
      continue;
    }
    if (!finite(va) || !finite(vb)) continue;
    if (!close_enough(va, vb, rel_tol)) return false;
    ++compared;
  }
  return compared > 0;
}

bool rounds_to(Rational v, const DecimalLiteral& d) {
  // |v - d| <= 10^-decimals / 2, in integers: 2 * 10^decimals * |v.num * d.den - d.num * v.den| <= v.den * d.den.
  __int128 diff = static_cast<__int128>(v.num) * d.value.den - static_cast<__int128>(d.value.num) * v.den;
  __int128 bound = static_cast<__int128>(v.den) * d.value.den;
  if (diff < 0) diff = -diff;
  for (int k = 0; k < d.decimals; ++k)
    if (__builtin_mul_overflow(diff, 10, &diff)) return false;
  return !__builtin_mul_overflow(diff, 2, &diff) && diff <= bound;
}

}  // namespace rlvr::rewards::math
