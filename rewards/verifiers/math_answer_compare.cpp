// Equivalence of structured answers: values by shape, relation chains by the graders' rules
// (labels dropped, equations up to a constant factor, inequalities up to a positive factor),
// and answer lists as sets.
#include <algorithm>

#include "rewards/verifiers/math_answer.h"

namespace rlvr::rewards::math {
namespace {

bool value_equal(const Value& a, const Value& b, double tol);

bool lists_equal_in_order(const std::vector<Value>& a, const std::vector<Value>& b, double tol) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!value_equal(a[i], b[i], tol)) return false;
  return true;
}

template <typename T, typename Eq>
bool sets_equal(const std::vector<T>& a, const std::vector<T>& b, Eq eq) {
  if (a.empty() || b.empty()) return a.empty() && b.empty();
  auto covered = [&](const std::vector<T>& xs, const std::vector<T>& ys) {
    return std::all_of(xs.begin(), xs.end(), [&](const T& x) {
      return std::any_of(ys.begin(), ys.end(), [&](const T& y) { return eq(x, y); });
    });
  };
  return covered(a, b) && covered(b, a);
}

bool value_equal(const Value& a, const Value& b, double tol) {
  using K = Value::Kind;
  if (a.kind == K::Text || b.kind == K::Text) return a.text == b.text;
  if (a.kind == K::Expr && b.kind == K::Expr) return expressions_equal(*a.expr, *b.expr, tol);
  // "(a, b)" is both a pair and an open interval.
  auto as_open_pair = [](const Value& v) {
    return v.kind == K::Tuple || (v.kind == K::Interval && !v.left_closed && !v.right_closed);
  };
  if (as_open_pair(a) && as_open_pair(b)) return lists_equal_in_order(a.elems, b.elems, tol);
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case K::Interval:
      return a.left_closed == b.left_closed && a.right_closed == b.right_closed &&
             lists_equal_in_order(a.elems, b.elems, tol);
    case K::Set:
      return sets_equal(a.elems, b.elems, [tol](const Value& x, const Value& y) { return value_equal(x, y, tol); });
    case K::Matrix:
      return a.cols == b.cols && lists_equal_in_order(a.elems, b.elems, tol);
    default:
      return false;
  }
}

// A label names the answer instead of being part of it: "x", "a_{37}", "f(x)", "(p,q)",
// "\frac{NO}{BO}" - an expression without number literals.
bool is_label(const Value& v) {
  if (v.kind == Value::Kind::Expr) return !v.expr->has_number_literal() && !v.expr->symbols().empty();
  if (v.kind == Value::Kind::Tuple)
    return std::all_of(v.elems.begin(), v.elems.end(), [](const Value& e) { return is_label(e); });
  return false;
}

bool all_relations_are(const Item& item, std::string_view rel) {
  return !item.relations.empty() &&
         std::all_of(item.relations.begin(), item.relations.end(), [&](const std::string& r) { return r == rel; });
}

bool is_labelled_equation(const Item& item) {
  return all_relations_are(item, "=") && is_label(item.parts[0]);
}

Value make_interval(const Value& lo, const Value& hi, bool lo_closed, bool hi_closed) {
  Value v;
  v.kind = Value::Kind::Interval;
  v.elems = {lo, hi};
  v.left_closed = lo_closed;
  v.right_closed = hi_closed;
  return v;
}

// Rewrites an item into a plain value where the relation only names it: "x \in [0,1]",
// "-2 <= x <= 7" (an interval), "x = 5" (when the other side is plain).
Item simplify(const Item& item) {
  if (item.relations.size() == 1 && item.relations[0] == "in" && is_label(item.parts[0]))
    return Item{{item.parts[1]}, {}};
  if (item.relations.size() == 2 && is_label(item.parts[1])) {
    const std::string &r0 = item.relations[0], &r1 = item.relations[1];
    bool up = (r0 == "<" || r0 == "<=") && (r1 == "<" || r1 == "<=");
    bool down = (r0 == ">" || r0 == ">=") && (r1 == ">" || r1 == ">=");
    if (up) return Item{{make_interval(item.parts[0], item.parts[2], r0 == "<=", r1 == "<=")}, {}};
    if (down) return Item{{make_interval(item.parts[2], item.parts[0], r1 == ">=", r0 == ">=")}, {}};
  }
  return item;
}

// f = lhs - rhs of a one-relation item at a test point, oriented so that "<"/"<=" hold when f < 0.
std::optional<Complex> relation_value(const Item& item, const std::map<std::string, Complex>& at) {
  const Value &l = item.parts[0], &r = item.parts[1];
  if (l.kind != Value::Kind::Expr || r.kind != Value::Kind::Expr) return std::nullopt;
  Complex f = evaluate(*l.expr, at) - evaluate(*r.expr, at);
  const std::string& rel = item.relations[0];
  return (rel == ">" || rel == ">=") ? -f : f;
}

// Two single relations agree when lhs-rhs differ by a constant factor (positive for inequalities).
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

bool item_equal(const Item& raw_a, const Item& raw_b, double tol) {
  Item a = simplify(raw_a), b = simplify(raw_b);
  if (a.relations.empty() && b.relations.empty()) return value_equal(a.parts[0], b.parts[0], tol);
  // "a \approx b": either side may be the answer.
  for (auto [x, y] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
    const Item& other = *y;  // (clang 14 cannot capture a structured binding)
    if (all_relations_are(*x, "approx"))
      return std::any_of(x->parts.begin(), x->parts.end(),
                         [&](const Value& part) { return item_equal(Item{{part}, {}}, other, tol); });
  }
  for (auto [x, y] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
    if (is_labelled_equation(*x) && y->relations.empty()) return value_equal(x->parts.back(), y->parts[0], tol);
  }
  if (is_labelled_equation(a) && is_labelled_equation(b) && a.parts[0].text == b.parts[0].text)
    return value_equal(a.parts.back(), b.parts.back(), tol);
  return relations_equivalent(a, b, tol);
}

// A lone set answer "{1,2,3}" is the list 1, 2, 3.
std::vector<Item> flatten(const Answer& answer) {
  if (answer.items.size() == 1 && answer.items[0].relations.empty() &&
      answer.items[0].parts[0].kind == Value::Kind::Set) {
    std::vector<Item> out;
    for (const Value& v : answer.items[0].parts[0].elems) out.push_back(Item{{v}, {}});
    return out;
  }
  return answer.items;
}

// When one side is all "label = value" and the other has no relations, keep only the values.
void drop_labels_against_plain(std::vector<Item>& labelled, const std::vector<Item>& other) {
  bool all_labelled = std::all_of(labelled.begin(), labelled.end(), is_labelled_equation);
  bool other_plain = std::all_of(other.begin(), other.end(), [](const Item& i) { return i.relations.empty(); });
  if (!all_labelled || !other_plain) return;
  for (Item& i : labelled) i = Item{{i.parts.back()}, {}};
}

}  // namespace

bool answers_equal(const Answer& gold, const Answer& pred, double rel_tol) {
  if (!gold.compact.empty() && gold.compact == pred.compact) return true;
  std::vector<Item> g = flatten(gold), p = flatten(pred);
  if (g.empty() || p.empty()) return false;
  drop_labels_against_plain(g, p);
  drop_labels_against_plain(p, g);
  return sets_equal(g, p, [rel_tol](const Item& x, const Item& y) { return item_equal(x, y, rel_tol); });
}

}  // namespace rlvr::rewards::math
