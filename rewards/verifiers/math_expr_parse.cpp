// Recursive-descent parser for math expressions: sums, products (explicit, implicit and mixed
// numbers), unary signs, powers, factorials, \frac, \sqrt, \binom, |abs|, functions, symbols.
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <numeric>
#include <set>

#include "rewards/verifiers/math_expr.h"

namespace rlvr::rewards::math {
namespace {

struct ParseFail {};

bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_function_name(std::string_view n) {
  static constexpr std::array<std::string_view, 20> kFuncs = {
      "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh",
      "tanh", "log", "ln", "exp", "lg", "sgn", "max", "min", "det"};
  return std::find(kFuncs.begin(), kFuncs.end(), n) != kFuncs.end();
}

// Parses a decimal literal into an exact fraction when it has at most 18 significant digits.
std::optional<Rational> decimal_to_rational(std::string_view digits_before, std::string_view digits_after,
                                            int exp10) {
  std::string all = std::string(digits_before) + std::string(digits_after);
  size_t first = all.find_first_not_of('0');
  if (first == std::string::npos) return Rational{0, 1};
  if (all.size() - first > 18) return std::nullopt;
  int64_t num = std::stoll(all.substr(first));
  int scale = exp10 - static_cast<int>(digits_after.size());
  int64_t den = 1;
  for (; scale > 0; --scale)
    if (__builtin_mul_overflow(num, 10, &num)) return std::nullopt;
  for (; scale < 0; ++scale)
    if (__builtin_mul_overflow(den, 10, &den)) return std::nullopt;
  int64_t g = std::gcd(num, den);
  return Rational{num / g, den / g};
}

class Parser {
 public:
  explicit Parser(std::string_view s, ExprTree& tree) : s_(s), t_(tree) {}

  int parse_all() {
    int root = parse_sum();
    skip_spaces();
    if (pos_ != s_.size()) throw ParseFail{};
    return root;
  }

 private:
  struct DepthGuard {
    explicit DepthGuard(int& d) : d_(d) {
      if (++d_ > kMaxParseDepth) throw ParseFail{};
    }
    ~DepthGuard() { --d_; }
    int& d_;
  };

  int add(Node n) {
    if (t_.nodes.size() >= kMaxNodes || !budget_.spend()) throw ParseFail{};
    t_.nodes.push_back(std::move(n));
    return static_cast<int>(t_.nodes.size()) - 1;
  }
  int add(NodeKind k, std::vector<int> kids = {}, std::string name = {}) {
    Node n{k, std::move(kids), std::move(name), std::nullopt, 0.0};
    return add(std::move(n));
  }
  int number(double v, std::optional<Rational> exact, int decimals = 0) {
    Node n{NodeKind::Number, {}, {}, exact, v, decimals};
    return add(std::move(n));
  }

  void skip_spaces() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  char peek() {
    skip_spaces();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  bool accept(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!accept(c)) throw ParseFail{};
  }
  // The name of the command at pos_ ("frac" for "\frac"), without consuming it.
  std::string_view command_at() {
    skip_spaces();
    if (pos_ + 1 >= s_.size() || s_[pos_] != '\\' || !is_alpha(s_[pos_ + 1])) return {};
    size_t k = pos_ + 1;
    while (k < s_.size() && is_alpha(s_[k])) ++k;
    return s_.substr(pos_ + 1, k - pos_ - 1);
  }

  int parse_sum() {
    DepthGuard g(depth_);
    std::vector<int> terms{parse_product()};
    for (;;) {
      if (accept('+')) {
        terms.push_back(parse_product());
      } else if (peek() == '-') {
        ++pos_;
        terms.push_back(add(NodeKind::Neg, {parse_product()}));
      } else {
        break;
      }
    }
    return terms.size() == 1 ? terms[0] : add(NodeKind::Add, std::move(terms));
  }

  // Whether the next character starts a factor multiplied implicitly ("2x", "(a)(b)").
  bool starts_implicit_factor() {
    char c = peek();
    if (is_digit(c) || is_alpha(c) || c == '(' || c == '{' || c == '.') return true;
    if (c == '\\') {
      std::string_view cmd = command_at();
      return !cmd.empty() && cmd != "in" && cmd != "cup" && cmd != "approx" && cmd != "pm" &&
             cmd != "mp" && cmd != "end" && cmd != "to" && cmd != "cap" && cmd != "setminus";
    }
    return false;
  }

  int parse_product() {
    DepthGuard g(depth_);
    std::vector<int> factors{parse_unary()};
    for (;;) {
      if (accept('*')) {
        factors.push_back(parse_unary());
      } else if (peek() == '/' || peek() == ':') {
        ++pos_;
        factors.push_back(add(NodeKind::Inv, {parse_unary()}));
      } else if (starts_implicit_factor()) {
        // "918\frac{1}{2}" is a mixed number 918 + 1/2, and "-3\frac12" is -(3 + 1/2).
        int whole = factors.back();
        bool negated = t_.nodes[whole].kind == NodeKind::Neg;
        if (negated) whole = t_.nodes[whole].kids[0];
        const Node& prev = t_.nodes[whole];
        bool prev_integer = prev.kind == NodeKind::Number && prev.exact && prev.exact->den == 1 &&
                            prev.exact->num >= 0;
        int next = parse_power();
        if (prev_integer && factors.size() == 1 && is_numeric_fraction(next)) {
          int mixed = add(NodeKind::Add, {whole, next});
          factors[0] = negated ? add(NodeKind::Neg, {mixed}) : mixed;
        } else {
          factors.push_back(next);
        }
      } else {
        break;
      }
    }
    return factors.size() == 1 ? factors[0] : add(NodeKind::Mul, std::move(factors));
  }

  bool is_numeric_fraction(int id) const {
    const Node& n = t_.nodes[id];
    if (n.kind != NodeKind::Mul || n.name != "frac" || n.kids.size() != 2) return false;
    const Node& a = t_.nodes[n.kids[0]];
    const Node& b = t_.nodes[t_.nodes[n.kids[1]].kids[0]];
    return a.kind == NodeKind::Number && b.kind == NodeKind::Number;
  }

  int parse_unary() {
    DepthGuard g(depth_);
    if (accept('-')) return add(NodeKind::Neg, {parse_unary()});
    if (accept('+')) return parse_unary();
    return parse_power();
  }

  int parse_power() {
    DepthGuard g(depth_);
    int base = parse_postfix(parse_primary());
    if (accept('^')) {
      int exponent = peek() == '{' ? parse_group() : parse_exponent_atom();
      return parse_postfix(add(NodeKind::Pow, {base, exponent}));
    }
    return base;
  }

  // A brace-less exponent or argument: "x^2" takes one digit, "\frac12" one character each.
  int parse_exponent_atom() {
    char c = peek();
    if (is_digit(c)) {
      ++pos_;
      return number(c - '0', Rational{c - '0', 1});
    }
    if (c == '-') {
      ++pos_;
      return add(NodeKind::Neg, {parse_exponent_atom()});
    }
    return parse_primary();
  }

  int parse_postfix(int id) {
    while (pos_ < s_.size() && s_[pos_] == '!' && (pos_ + 1 >= s_.size() || s_[pos_ + 1] != '=')) {
      ++pos_;
      id = add(NodeKind::Factorial, {id});
    }
    return id;
  }

  int parse_group() {
    DepthGuard g(depth_);
    expect('{');
    int inner = parse_sum();
    expect('}');
    return inner;
  }

  int parse_argument() { return peek() == '{' ? parse_group() : parse_exponent_atom(); }

  int parse_number() {
    size_t start = pos_;
    while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    std::string_view before = s_.substr(start, pos_ - start), after;
    if (pos_ < s_.size() && s_[pos_] == '.' && pos_ + 1 < s_.size() && is_digit(s_[pos_ + 1])) {
      size_t a = ++pos_;
      while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
      after = s_.substr(a, pos_ - a);
    }
    if (before.empty() && after.empty()) throw ParseFail{};
    int exp10 = 0;
    // Scientific notation "1500E-1": only when digits follow the e.
    if (pos_ + 1 < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      size_t k = pos_ + 1;
      bool neg = false;
      if (s_[k] == '-' || s_[k] == '+') neg = s_[k++] == '-';
      size_t d = k;
      while (k < s_.size() && is_digit(s_[k]) && k - d < 4) ++k;
      if (k > d && (k >= s_.size() || !is_digit(s_[k]))) {
        exp10 = std::stoi(std::string(s_.substr(d, k - d))) * (neg ? -1 : 1);
        pos_ = k;
      }
    }
    std::string text = std::string(before.empty() ? "0" : before) + "." + std::string(after) + "e" +
                       std::to_string(exp10);
    int decimals = exp10 == 0 ? static_cast<int>(after.size()) : 0;
    return number(std::strtod(text.c_str(), nullptr), decimal_to_rational(before, after, exp10), decimals);
  }

  int parse_symbol_suffix(std::string name) {
    // Primes are part of the name: f', y''.
    while (pos_ < s_.size() && s_[pos_] == '\'') name += s_[pos_++];
    // Subscripts become part of the name: a_3, a_{37}, x_1.
    if (pos_ < s_.size() && s_[pos_] == '_') {
      ++pos_;
      if (pos_ < s_.size() && s_[pos_] == '{') {
        size_t close = s_.find('}', pos_);
        if (close == std::string_view::npos || close - pos_ > 32) throw ParseFail{};
        name.append("_").append(s_.substr(pos_ + 1, close - pos_ - 1));
        pos_ = close + 1;
      } else if (pos_ < s_.size()) {
        name += "_";
        name += s_[pos_++];
      }
    }
    return add(NodeKind::Symbol, {}, std::move(name));
  }

  // Whether the next token is a function name ("\cos", "cos"): it starts a new factor rather
  // than continuing a brace-less argument ("2\sin x \cos x" is 2 sin(x) cos(x)).
  bool at_function() {
    if (std::string_view cmd = command_at(); !cmd.empty()) return is_function_name(cmd);
    size_t k = pos_;
    while (k < s_.size() && is_alpha(s_[k])) ++k;
    return k > pos_ && is_function_name(s_.substr(pos_, k - pos_));
  }

  int parse_function(std::string name) {
    int base = -1;  // \log_2 8
    if (name == "log" && accept('_')) base = parse_argument();
    int power = -1;
    if (accept('^')) power = parse_argument();  // \sin^2 x
    int arg;
    if (peek() == '(' || peek() == '{') {
      arg = parse_primary();
    } else {
      // A brace-less argument is an implicit product: "\sin 2x" is sin(2x).
      std::vector<int> factors{parse_power()};
      while (peek() != '(' && starts_implicit_factor() && !at_function()) factors.push_back(parse_power());
      arg = factors.size() == 1 ? factors[0] : add(NodeKind::Mul, std::move(factors));
    }
    int f = add(NodeKind::Func, {arg}, base < 0 ? std::move(name) : "ln");
    if (base >= 0) f = add(NodeKind::Mul, {f, add(NodeKind::Inv, {add(NodeKind::Func, {base}, "ln")})});
    return power < 0 ? f : add(NodeKind::Pow, {f, power});
  }

  // "\sum_{k=1}^{10} k^2": the index, its bounds, then one product as the body.
  int parse_series(NodeKind kind) {
    expect('_');
    expect('{');
    skip_spaces();
    size_t start = pos_;
    while (pos_ < s_.size() && is_alpha(s_[pos_])) ++pos_;
    if (pos_ == start || pos_ - start > 8) throw ParseFail{};
    std::string index(s_.substr(start, pos_ - start));
    expect('=');
    int lower = parse_sum();
    expect('}');
    expect('^');
    int upper = parse_argument();
    int body = parse_product();
    return add(Node{kind, {lower, upper, body}, std::move(index), std::nullopt, 0.0});
  }

  int parse_command() {
    std::string_view cmd = command_at();
    if (cmd.empty()) throw ParseFail{};
    pos_ += cmd.size() + 1;
    if (cmd == "frac") {
      int num = parse_argument();
      int den = parse_argument();
      Node n{NodeKind::Mul, {num, add(NodeKind::Inv, {den})}, "frac", std::nullopt, 0.0};
      return add(std::move(n));
    }
    if (cmd == "sqrt") {
      int index = -1;
      if (accept('[')) {
        index = parse_sum();
        expect(']');
      }
      int radicand = parse_argument();
      int half = index < 0 ? number(0.5, Rational{1, 2}) : add(NodeKind::Inv, {index});
      return add(NodeKind::Pow, {radicand, half});
    }
    if (cmd == "binom") {
      int n = parse_argument();
      int k = parse_argument();
      return add(NodeKind::Binom, {n, k});
    }
    if (cmd == "sum" || cmd == "prod") return parse_series(cmd == "sum" ? NodeKind::Sum : NodeKind::Prod);
    if (cmd == "pi") return add(NodeKind::Pi);
    if (cmd == "infty" || cmd == "infinity") return add(NodeKind::Infinity);
    if (cmd == "imath") return add(NodeKind::ImagUnit);
    if (is_function_name(cmd)) return parse_function(std::string(cmd));
    if (cmd == "in" || cmd == "cup" || cmd == "pm" || cmd == "mp" || cmd == "approx" || cmd == "begin" ||
        cmd == "end" || cmd == "to" || cmd == "cap" || cmd == "setminus")
      throw ParseFail{};
    // Any other command (\alpha, \theta, \overline, ...) is a symbol of that name.
    return parse_symbol_suffix(std::string("\\").append(cmd));
  }

  int parse_primary() {
    DepthGuard g(depth_);
    char c = peek();
    if (is_digit(c) || c == '.') return parse_number();
    if (c == '(' || c == '[') {
      ++pos_;
      int inner = parse_sum();
      expect(c == '(' ? ')' : ']');
      return inner;
    }
    if (c == '{') return parse_group();
    if (c == '|') {
      ++pos_;
      int inner = parse_sum();
      expect('|');
      return add(NodeKind::Abs, {inner});
    }
    if (c == '\\') return parse_command();
    if (is_alpha(c)) {
      size_t k = pos_;
      while (k < s_.size() && is_alpha(s_[k])) ++k;
      std::string_view word = s_.substr(pos_, k - pos_);
      for (std::string_view f : {"sqrt", "pi"}) {
        if (word == f) {
          pos_ = k;
          if (f == "pi") return add(NodeKind::Pi);
          int radicand = parse_primary();
          return add(NodeKind::Pow, {radicand, number(0.5, Rational{1, 2})});
        }
      }
      if (is_function_name(word) && word != "det") {
        pos_ = k;
        return parse_function(std::string(word));
      }
      ++pos_;  // one letter is one symbol: "xy" is x*y
      // e and i (or I) are the constants unless a subscript or prime makes them a name.
      bool bare = pos_ >= s_.size() || (s_[pos_] != '_' && s_[pos_] != '\'');
      if (bare && c == 'e') return add(NodeKind::E);
      if (bare && (c == 'i' || c == 'I')) return add(NodeKind::ImagUnit);
      return parse_symbol_suffix(std::string(1, c));
    }
    throw ParseFail{};
  }

  std::string_view s_;
  ExprTree& t_;
  WorkBudget& budget_ = work_budget();
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

std::optional<ExprTree> parse_expression(std::string_view text) {
  if (text.empty() || text.size() > 4096) return std::nullopt;
  ExprTree tree;
  try {
    Parser p(text, tree);
    tree.root = p.parse_all();
  } catch (const ParseFail&) {
    return std::nullopt;
  }
  return tree;
}

std::optional<DecimalLiteral> decimal_literal(const ExprTree& tree) {
  const Node* n = &tree.nodes[tree.root];
  bool negative = n->kind == NodeKind::Neg;
  if (negative) n = &tree.nodes[n->kids[0]];
  if (n->kind != NodeKind::Number || !n->exact || n->decimals == 0) return std::nullopt;
  Rational v = *n->exact;
  if (negative) v.num = -v.num;
  return DecimalLiteral{v, n->decimals};
}

bool ExprTree::has_number_literal() const {
  return std::any_of(nodes.begin(), nodes.end(), [](const Node& n) { return n.kind == NodeKind::Number; });
}

std::vector<std::string> ExprTree::symbols() const {
  std::set<std::string> names, indices;
  for (const Node& n : nodes) {
    if (n.kind == NodeKind::Symbol) names.insert(n.name);
    if (n.kind == NodeKind::Sum || n.kind == NodeKind::Prod) indices.insert(n.name);
  }
  std::vector<std::string> out;
  for (const std::string& s : names)
    if (!indices.count(s)) out.push_back(s);
  return out;
}

}  // namespace rlvr::rewards::math
