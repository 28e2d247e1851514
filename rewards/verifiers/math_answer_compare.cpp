// Equivalence of structured answers: items by the graders' rules (a label dropped against a
// plain value, an equation in the prediction read by its right side, labelled values matched by
// label), relations, and answer lists as sets; a tuple against a list of its elements; a
// decimal comma against a single number; inequalities in the gold against a set.
#include <algorithm>
#include <cctype>

#include "rewards/verifiers/math_compare.h"

namespace rlvr::rewards::math {
namespace {

Value make_interval(const Value& lo, const Value& hi, bool lo_closed, bool hi_closed) {
  Value v;
  v.kind = Value::Kind::Interval;
  v.elems = {lo, hi};
  v.left_closed = lo_closed;
  v.right_closed = hi_closed;
  return v;
}

// A variable to solve for: "x", "f(x)" (symbols multiplied), not "|z|" or "x^2".
bool is_variable(const Value& v) {
  return is_label(v) && std::all_of(v.expr->nodes.begin(), v.expr->nodes.end(), [](const Node& n) {
           return n.kind == NodeKind::Symbol || n.kind == NodeKind::Mul;
         });
}

// Rewrites an item into a plain value where the relation only names it: "x \in [0,1]",
// "-2 <= x <= 7" (an interval; "1 <= |z| <= 2" is left to relations_match_set).
Item simplify(const Item& item, Why& why) {
  if (item.relations.size() == 1 && item.relations[0] == "in" && is_label(item.parts[0])) {
    why.note("membership -> set");
    return Item{{item.parts[1]}, {}, {}};
  }
  if (item.relations.size() == 2 && is_variable(item.parts[1])) {
    const std::string &r0 = item.relations[0], &r1 = item.relations[1];
    bool up = (r0 == "<" || r0 == "<=") && (r1 == "<" || r1 == "<=");
    bool down = (r0 == ">" || r0 == ">=") && (r1 == ">" || r1 == ">=");
    if (up || down) why.note("double inequality -> interval");
    if (up) return Item{{make_interval(item.parts[0], item.parts[2], r0 == "<=", r1 == "<=")}, {}, {}};
    if (down) return Item{{make_interval(item.parts[2], item.parts[0], r1 == ">=", r0 == ">=")}, {}, {}};
  }
  return item;
}

bool is_computation(const Value& v) { return v.kind == Value::Kind::Expr && v.expr->symbols().empty(); }

bool is_labelled_equation(const Item& item) {
  return item.relations.size() == 1 && item.relations[0] == "=" && is_label(item.parts[0]);
}

// "W(n)" and "W(x)" name the same thing: a one-letter argument of a named function is a dummy.
std::string canonical_label(const std::string& text) {
  size_t n = text.size();
  if (n >= 4 && text[n - 1] == ')' && text[n - 3] == '(' && std::islower(static_cast<unsigned char>(text[n - 2])))
    return text.substr(0, n - 2) + "#)";
  return text;
}

// "x = 1" against "x = 1", or "(a, b) = (1, 2)" against "(b, a) = (2, 1)": values by label.
bool labelled_values_equal(const Item& a, const Item& b, double tol, Why& why) {
  const Value &la = a.parts[0], &lb = b.parts[0], &va = a.parts[1], &vb = b.parts[1];
  if (la.kind != Value::Kind::Tuple || lb.kind != Value::Kind::Tuple) {
    if (canonical_label(la.text) != canonical_label(lb.text)) return false;
    return value_equal(va, vb, tol, why);
  }
  if (la.elems.size() != lb.elems.size() || va.kind != Value::Kind::Tuple || vb.kind != Value::Kind::Tuple ||
      va.elems.size() != la.elems.size() || vb.elems.size() != lb.elems.size())
    return false;
  for (size_t i = 0; i < la.elems.size(); ++i) {
    auto j = std::find_if(lb.elems.begin(), lb.elems.end(), [&](const Value& l) {
      return canonical_label(l.text) == canonical_label(la.elems[i].text);
    });
    if (j == lb.elems.end() || !value_equal(va.elems[i], vb.elems[j - lb.elems.begin()], tol, why)) return false;
  }
  return true;
}

bool item_equal(const Item& raw_a, const Item& raw_b, double tol, Why& why) {
  why.note(raw_a.rewrite);
  why.note(raw_b.rewrite);
  Item a = simplify(raw_a, why), b = simplify(raw_b, why);
  if (a.relations.empty() && b.relations.empty()) return value_equal(a.parts[0], b.parts[0], tol, why);
  if (is_labelled_equation(a) && b.relations.empty()) {
    why.note("label dropped");
    return value_equal(a.parts[1], b.parts[0], tol, why);
  }
  // A labelled value ("x = 5") or a worked equation ("3 + 4 = 7", a left side without symbols)
  // in the prediction against a plain gold is read by its right side, as Math-Verify does; an
  // equation in unknowns ("5x - 7y + 4 = 0") is not a value, nor is one in the gold ("7 = 11a+c").
  if (a.relations.empty() && b.relations.size() == 1 && b.relations[0] == "=" &&
      (is_label(b.parts[0]) || is_computation(b.parts[0]))) {
    why.note(is_label(b.parts[0]) ? "label dropped" : "equation -> right side");
    return value_equal(a.parts[0], b.parts[1], tol, why);
  }
  if (is_labelled_equation(a) && is_labelled_equation(b)) return labelled_values_equal(a, b, tol, why);
  if (b.relations.empty() && relations_match_set({a}, b.parts[0])) {
    why.note("inequality = set at sample points");
    return true;
  }
  if (relations_equivalent(a, b, tol)) {
    why.note("equivalent relations");
    return true;
  }
  return false;
}

bool items_as_sets(const std::vector<Item>& g, const std::vector<Item>& p, double tol, Why& why) {
  return sets_equal(g, p, why, [&](const Item& x, const Item& y) { return item_equal(x, y, tol, why); });
}

// A lone set answer "{1,2,3}" is the list 1, 2, 3.
std::vector<Item> flatten(const Answer& answer) {
  if (answer.items.size() == 1 && answer.items[0].relations.empty() &&
      answer.items[0].parts[0].kind == Value::Kind::Set) {
    std::vector<Item> out;
    for (const Value& v : answer.items[0].parts[0].elems) out.push_back(Item{{v}, {}, {}});
    return out;
  }
  return answer.items;
}

bool all_plain(const std::vector<Item>& items) {
  return std::all_of(items.begin(), items.end(), [](const Item& i) { return i.relations.empty(); });
}

// When one side is all "label = value" and the other has no relations, keep only the values.
void drop_labels_against_plain(std::vector<Item>& labelled, const std::vector<Item>& other, Why& why) {
  bool all_labelled = std::all_of(labelled.begin(), labelled.end(), is_labelled_equation);
  if (!all_labelled || !all_plain(other)) return;
  for (Item& i : labelled) i = Item{{i.parts.back()}, {}, i.rewrite};
  why.note("labels dropped");
}

// The elements of a lone tuple answer "(1, 2)", or nullopt.
const std::vector<Value>* lone_tuple(const std::vector<Item>& items) {
  if (items.size() != 1 || !items[0].relations.empty() || items[0].parts[0].kind != Value::Kind::Tuple) return nullptr;
  return &items[0].parts[0].elems;
}

// A tuple in the gold against a plain list compares in order; a plain list in the gold against
// a tuple compares as sets (Math-Verify reads a bare list as a set).
bool tuple_against_list(const std::vector<Item>& g, const std::vector<Item>& p, double tol, Why& why) {
  if (auto t = lone_tuple(g); t && p.size() == t->size() && all_plain(p)) {
    for (size_t i = 0; i < p.size(); ++i)
      if (!value_equal((*t)[i], p[i].parts[0], tol, why)) return false;
    why.note("list read as the tuple");
    return true;
  }
  if (auto t = lone_tuple(p); t && g.size() == t->size() && all_plain(g)) {
    std::vector<Value> gold_values;
    for (const Item& i : g) gold_values.push_back(i.parts[0]);
    if (!sets_equal(gold_values, *t, why, [&](const Value& x, const Value& y) { return value_equal(x, y, tol, why); }))
      return false;
    why.note("tuple read as a list");
    return true;
  }
  return false;
}

// "1,5" against 1.5: the side with a decimal-comma reading against a single number.
bool decimal_comma_equal(const Answer& gold, const Answer& pred, double tol, Why& why) {
  auto single_number = [](const Answer& a) {
    return a.items.size() == 1 && a.items[0].relations.empty() && a.items[0].parts[0].kind == Value::Kind::Expr;
  };
  auto reading = [](const ExprTree& t) {
    Value v;
    v.kind = Value::Kind::Expr;
    v.expr = t;
    return v;
  };
  bool equal = (pred.decimal_comma && single_number(gold) &&
                value_equal(gold.items[0].parts[0], reading(*pred.decimal_comma), tol, why)) ||
               (gold.decimal_comma && single_number(pred) &&
                value_equal(reading(*gold.decimal_comma), pred.items[0].parts[0], tol, why));
  if (equal) why.note("decimal comma");
  return equal;
}

std::string join_rules(const Why& why) {
  std::string out;
  std::vector<std::string_view> seen;
  for (std::string_view r : why.rules) {
    if (std::find(seen.begin(), seen.end(), r) != seen.end()) continue;
    seen.push_back(r);
    if (!out.empty()) out += "; ";
    out.append(r);
  }
  return out.empty() ? "equal values" : out;
}

}  // namespace

Comparison compare_answers(const Answer& gold, const Answer& pred, double rel_tol) {
  if (!gold.compact.empty() && gold.compact == pred.compact) return {true, "same text", false};
  Why why;
  std::vector<Item> g = flatten(gold), p = flatten(pred);
  bool equal = false;
  if (!g.empty() && !p.empty()) {
    drop_labels_against_plain(g, p, why);
    drop_labels_against_plain(p, g, why);
    equal = attempt(why, [&] { return items_as_sets(g, p, rel_tol, why); }) ||
            attempt(why, [&] { return tuple_against_list(g, p, rel_tol, why); }) ||
            attempt(why, [&] { return decimal_comma_equal(gold, pred, rel_tol, why); });
    // Inequalities in the gold against one set in the prediction, as written (a union is not
    // the list of its intervals here).
    const std::vector<Item>& written = pred.items;
    if (!equal && written.size() == 1 && written[0].relations.empty() && relations_match_set(g, written[0].parts[0])) {
      why.note("inequality = set at sample points");
      equal = true;
    }
  }
  bool out_of_budget = work_budget().exhausted();
  return {equal && !out_of_budget, equal && !out_of_budget ? join_rules(why) : "", out_of_budget};
}

}  // namespace rlvr::rewards::math
