// Relations: two single relations agree when lhs - rhs differ by a constant factor (a positive
// one for inequalities), and inequalities in one variable match a set of reals ("1 <= |z| <= 3/2"
// against [-3/2, -1] U [1, 3/2]) when membership agrees at sample points: the set's endpoints,
// points just inside and outside them, the midpoints between them and a fixed spread of points.
#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "rewards/verifiers/math_compare.h"

namespace rlvr::rewards::math {
namespace {

// Points in every sample, for boundaries the set's endpoints do not show.
constexpr double kSpread[] = {-1e6, -97.5, -10.5, -3.7, -1.3, -0.6, 0.0, 0.45, 1.25, 2.9, 7.7, 42.5, 1e6};

double tolerance(double a, double b) {
  if (std::isinf(a) || std::isinf(b)) return 0.0;
  return 1e-9 * std::max({1.0, std::abs(a), std::abs(b)});
}

// The real value of e at x (the one symbol set to x), or nullopt when not real.
std::optional<double> real_at(const ExprTree& e, const std::string& symbol, double x) {
  Complex z = evaluate(e, {{symbol, Complex(x, 0.0)}});
  if (std::isnan(z.real()) || std::abs(z.imag()) > 1e-9 * std::max(1.0, std::abs(z.real()))) return std::nullopt;
  return z.real();
}

bool holds(const std::string& rel, double l, double r) {
  double eps = tolerance(l, r);
  if (rel == "<") return l < r - eps;
  if (rel == "<=") return l <= r + eps;
  if (rel == ">") return l > r + eps;
  if (rel == ">=") return l >= r - eps;
  if (rel == "=") return std::abs(l - r) <= eps;
  if (rel == "!=") return std::abs(l - r) > eps;
  return false;
}

// Whether every relation of the chain holds at x.
bool chain_holds(const Item& item, const std::string& symbol, double x) {
  for (size_t r = 0; r < item.relations.size(); ++r) {
    auto l = real_at(*item.parts[r].expr, symbol, x), h = real_at(*item.parts[r + 1].expr, symbol, x);
    if (!l || !h || !holds(item.relations[r], *l, *h)) return false;
  }
  return true;
}

std::optional<double> constant(const Value& v) {
  if (v.kind != Value::Kind::Expr || !v.expr->symbols().empty()) return std::nullopt;
  Complex z = evaluate(*v.expr, {});
  if (std::isnan(z.real()) || std::abs(z.imag()) > 1e-12) return std::nullopt;
  return z.real();
}

bool contains(const Value& set, double x) {
  if (set.kind == Value::Kind::Expr) {
    auto c = constant(set);
    return c && std::abs(*c - x) <= tolerance(*c, x);
  }
  if (set.kind == Value::Kind::Set)
    return std::any_of(set.elems.begin(), set.elems.end(), [&](const Value& e) { return contains(e, x); });
  auto lo = constant(set.elems[0]), hi = constant(set.elems[1]);
  if (!lo || !hi) return false;
  bool closed_lo = set.kind == Value::Kind::Interval && set.left_closed;
  bool closed_hi = set.kind == Value::Kind::Interval && set.right_closed;
  return holds(closed_lo ? "<=" : "<", *lo, x) && holds(closed_hi ? "<=" : "<", x, *hi);
}

void collect_endpoints(const Value& v, std::set<double>& out) {
  if (auto c = constant(v); c && std::isfinite(*c)) out.insert(*c);
  for (const Value& e : v.elems) collect_endpoints(e, out);
}

// The one symbol of inequality items whose parts are all expressions, or nullopt.
std::optional<std::string> single_symbol(const std::vector<Item>& items) {
  std::set<std::string> names;
  for (const Item& item : items) {
    auto has = [&](const char* rel) {
      return std::find(item.relations.begin(), item.relations.end(), rel) != item.relations.end();
    };
    if (item.relations.empty() || has("in") || has("approx")) return std::nullopt;
    for (const Value& p : item.parts) {
      if (p.kind != Value::Kind::Expr) return std::nullopt;
      for (const std::string& s : p.expr->symbols()) names.insert(s);
    }
  }
  if (names.size() != 1) return std::nullopt;
  return *names.begin();
}

// f = lhs - rhs of a one-relation item at a test point, oriented so that "<"/"<=" hold when f < 0.
std::optional<Complex> relation_value(const Item& item, const std::map<std::string, Complex>& at) {
  const Value &l = item.parts[0], &r = item.parts[1];
  if (l.kind != Value::Kind::Expr || r.kind != Value::Kind::Expr) return std::nullopt;
  Complex f = evaluate(*l.expr, at) - evaluate(*r.expr, at);
  const std::string& rel = item.relations[0];
  return (rel == ">" || rel == ">=") ? -f : f;
}

}  // namespace

bool relations_equivalent(const Item& a, const Item& b, double tol) {
  auto strictness = [](const std::string& r) { return r == "<" || r == ">" ? 1 : r == "=" ? 0 : r == "!=" ? 3 : 2; };
  if (a.relations.size() != 1 || b.relations.size() != 1) return false;
  if (strictness(a.relations[0]) != strictness(b.relations[0])) return false;
  std::vector<std::string> names;
  for (const Item* it : {&a, &b})
    for (const Value& v : it->parts)
      if (v.kind == Value::Kind::Expr)
        for (auto& s : v.expr->symbols()) names.push_back(s);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::optional<Complex> ratio;
  for (int p = 0; p < kTestPoints; ++p) {
    auto at = test_point(names, p);
    auto fa = relation_value(a, at), fb = relation_value(b, at);
    if (!fa || !fb) return false;
    if (std::abs(*fb) < 1e-12 || std::abs(*fa) < 1e-12) {
      if (std::abs(*fb) < 1e-12 && std::abs(*fa) < 1e-12) continue;
      return false;
    }
    Complex r = *fa / *fb;
    if (!ratio) ratio = r;
    else if (!close_enough(*ratio, r, std::max(tol, 1e-9))) return false;
  }
  if (!ratio) return false;
  return a.relations[0] == "=" || a.relations[0] == "!=" || ratio->real() > 0;
}

bool relations_match_set(const std::vector<Item>& gold, const Value& pred) {
  auto symbol = single_symbol(gold);
  if (!symbol || !is_set_like(pred)) return false;
  std::set<double> ends;
  collect_endpoints(pred, ends);
  std::vector<double> points(std::begin(kSpread), std::end(kSpread));
  for (auto it = ends.begin(); it != ends.end(); ++it) {
    double e = *it, delta = 1e-7 * std::max(1.0, std::abs(e));
    points.insert(points.end(), {e, e - delta, e + delta});
    if (auto next = std::next(it); next != ends.end()) points.push_back((e + *next) / 2);
  }
  bool any_inside = false;
  for (double x : points) {
    if (!work_budget().spend()) return false;
    bool in_gold =
        std::any_of(gold.begin(), gold.end(), [&](const Item& item) { return chain_holds(item, *symbol, x); });
    if (in_gold != contains(pred, x)) return false;
    any_inside |= in_gold;
  }
  return any_inside;
}

}  // namespace rlvr::rewards::math
