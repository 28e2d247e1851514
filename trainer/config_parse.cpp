// Reading a run config: TOML text -> --set overrides -> unknown-key walk -> every schema key
// read (or defaulted) with type, range and choice checks -> cross-key and file checks.
#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "trainer/config_internal.h"
#include "trainer/config_schema.h"

namespace rlvr::trainer {

namespace {

const char* node_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}

std::string parent_of(const std::string& path) {
  const size_t dot = path.rfind('.');
  return dot == std::string::npos ? "" : path.substr(0, dot);
}

std::string leaf_of(const std::string& path) {
  const size_t dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

// Tables of the schema ("run", "model", "model.init", ...) and the names allowed in each.
struct SchemaShape {
  std::set<std::string> tables;
  std::map<std::string, std::vector<std::string>> children;  // table ("" = root) -> names
  std::vector<std::string> all_paths;
  SchemaShape() {
    auto add_child = [&](const std::string& parent, const std::string& name) {
      auto& c = children[parent];
      if (std::find(c.begin(), c.end(), name) == c.end()) c.push_back(name);
    };
    for (const auto& k : config_schema()) {
      const std::string path(k.path);
      all_paths.push_back(path);
      for (std::string p = parent_of(path), child = path; !p.empty() || !child.empty();) {
        add_child(p, leaf_of(child));
        if (p.empty()) break;
        tables.insert(p);
        child = p;
        p = parent_of(p);
      }
    }
    add_child("rewards", "verifiers");
    all_paths.push_back(std::string(kVerifiersPath));
    children["rewards.verifiers[]"] = {"name", "weight", "options"};
  }
};

const SchemaShape& shape() {
  static const SchemaShape s;
  return s;
}

nlohmann::json toml_to_json(const toml::node& n) {
  if (auto t = n.as_table()) {
    nlohmann::json j = nlohmann::json::object();
    for (auto&& [k, v] : *t) j[std::string(k.str())] = toml_to_json(v);
    return j;
  }
  if (auto a = n.as_array()) {
    nlohmann::json j = nlohmann::json::array();
    for (auto&& v : *a) j.push_back(toml_to_json(v));
    return j;
  }
  if (auto s = n.as_string()) return s->get();
  if (auto i = n.as_integer()) return i->get();
  if (auto f = n.as_floating_point()) return f->get();
  if (auto b = n.as_boolean()) return b->get();
  std::ostringstream os;
  n.visit([&](auto&& v) { os << v; });  // dates and times travel as their TOML text
  return os.str();
}

class Loader {
 public:
  Loader(toml::table root, std::string source) : root_(std::move(root)), source_(std::move(source)) {}

  void apply_override(const std::string& assignment);
  void apply_verifier_override(const std::string& key, const std::string& text);
  RunConfig load(const LoadOptions& options);

 private:
  std::string where(const toml::source_region& r, const std::string& path) const;
  std::string where_node(const toml::node& n, const std::string& path) const { return where(n.source(), path); }
  void check_unknown(const toml::table& t, const std::string& prefix) const;
  void check_verifier_tables(const toml::node& n) const;
  void read_key(const KeySpec& spec, RunConfig& cfg) const;
  void assign(const KeySpec& spec, const toml::node& n, const std::string& at, RunConfig& cfg) const;
  void read_verifiers(RunConfig& cfg) const;

  toml::table root_;
  std::string source_;
  std::set<std::string> overridden_;
};

std::string Loader::where(const toml::source_region& r, const std::string& path) const {
  for (std::string p = path; !p.empty(); p = parent_of(p))
    if (overridden_.count(p) || overridden_.count(p.substr(0, p.find('[')))) return "--set";
  if (!r.begin) return source_;
  return cat(source_, ":", r.begin.line, ":", r.begin.column);
}

namespace {

// The node a --set value stands for: TOML, except that a string key takes an unquoted value
// literally (paths, names) and a bare word that is not TOML is a string (so the type check names it).
toml::table parse_set_value(const std::string& key, const std::string& text, bool string_key) {
  toml::table parsed;
  const bool quoted = !text.empty() && (text[0] == '"' || text[0] == '\'');
  if (string_key && !quoted) {
    parsed.insert("v", text);
    return parsed;
  }
  try {
    parsed = toml::parse("v = " + text, std::string_view("--set"));
  } catch (const toml::parse_error& e) {
    if (quoted || text.empty() || std::string("[{").find(text[0]) != std::string::npos)
      RLVR_CONFIG_FAIL("--set", key, "invalid TOML value '", text, "': ", e.description());
    parsed = toml::table{};
    parsed.insert("v", text);
  }
  return parsed;
}

// Sets dotted path (relative to table) to value, creating tables on the way.
void set_path(toml::table* table, const std::string& path, const toml::node& value, const std::string& key) {
  for (size_t start = 0;;) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) {
      value.visit([&](auto&& node) { table->insert_or_assign(part, node); });
      return;
    }
    toml::node* next = table->get(part);
    if (!next) next = &table->insert_or_assign(part, toml::table{}).first->second;
    if (!next->is_table())
      RLVR_CONFIG_FAIL("--set", key, "'", part, "' is ", node_type_name(*next), ", not a table");
    table = next->as_table();
    start = dot + 1;
  }
}

}  // namespace

void Loader::apply_override(const std::string& assignment) {
  const size_t eq = assignment.find('=');
  RLVR_CHECK(eq != std::string::npos && eq > 0, "config", "--set: expected KEY=VALUE, got '", assignment, "'");
  auto trim = [](std::string s) {
    const size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  const std::string key = trim(assignment.substr(0, eq)), text = trim(assignment.substr(eq + 1));
  const std::string entry_prefix = std::string(kVerifiersPath) + "[";
  if (key.rfind(entry_prefix, 0) == 0) {
    apply_verifier_override(key, text);
    return;
  }
  const KeySpec* spec = find_key(key);
  if (!spec && !shape().tables.count(key) && key != kVerifiersPath)
    RLVR_CONFIG_FAIL("--set", key, "unknown key", suggestion_suffix(key, shape().all_paths));
  const toml::table parsed = parse_set_value(key, text, spec && spec->field.index() == 5);
  set_path(&root_, key, *parsed.get("v"), key);
  overridden_.insert(key);
}

// "rewards.verifiers[N].name|weight|options[.KEY...]=value": one field of a listed verifier.
void Loader::apply_verifier_override(const std::string& key, const std::string& text) {
  const size_t open = kVerifiersPath.size(), close = key.find(']', open);
  const std::string digits = close == std::string::npos ? "" : key.substr(open + 1, close - open - 1);
  if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos ||
      close + 1 >= key.size() || key[close + 1] != '.')
    RLVR_CONFIG_FAIL("--set", key, "expected rewards.verifiers[N].name, .weight or .options.KEY");
  const size_t index = std::stoul(digits);
  const std::string field_path = key.substr(close + 2);
  const std::string field = field_path.substr(0, field_path.find('.'));
  const auto& allowed = shape().children.at("rewards.verifiers[]");
  if (std::find(allowed.begin(), allowed.end(), field) == allowed.end() || (field != "options" && field != field_path))
    RLVR_CONFIG_FAIL("--set", key, "unknown key", suggestion_suffix(field, allowed));
  toml::node* list = root_.at_path(kVerifiersPath).node();
  const size_t count = list && list->is_array() ? list->as_array()->size() : 0;
  if (index >= count) RLVR_CONFIG_FAIL("--set", key, "there is no verifier ", index, " (the config lists ", count, ")");
  toml::table* entry = list->as_array()->get(index)->as_table();
  if (!entry) RLVR_CONFIG_FAIL("--set", key, "the verifier entry is not a table");
  const toml::table parsed = parse_set_value(key, text, field == "name");
  set_path(entry, field_path, *parsed.get("v"), key);
  overridden_.insert(key);
}

void Loader::check_unknown(const toml::table& t, const std::string& prefix) const {
  for (auto&& [k, node] : t) {
    const std::string name(k.str());
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    if (path == kVerifiersPath) {
      check_verifier_tables(node);
    } else if (shape().tables.count(path)) {
      if (!node.is_table())
        RLVR_CONFIG_FAIL(where_node(node, path), path, "expected a table, got ", node_type_name(node));
      check_unknown(*node.as_table(), path);
    } else if (!find_key(path)) {
      const auto it = shape().children.find(prefix);
      std::string hint = it == shape().children.end() ? "" : did_you_mean(name, it->second);
      if (hint.empty()) {  // the right name in the wrong table?
        for (const auto& p : shape().all_paths)
          if (leaf_of(p) == name) {
            hint = p;
            break;
          }
      }
      RLVR_CONFIG_FAIL(where(k.source(), path), path, prefix.empty() ? "unknown table" : "unknown key",
                       hint.empty() ? "" : " (did you mean '" + hint + "'?)");
    }
  }
}

void Loader::check_verifier_tables(const toml::node& n) const {
  const std::string path(kVerifiersPath);
  const toml::array* list = n.as_array();
  if (!list)
    RLVR_CONFIG_FAIL(where_node(n, path), path, "expected an array of tables ([[rewards.verifiers]]), got ",
                     node_type_name(n));
  for (size_t i = 0; i < list->size(); ++i) {
    const toml::node& entry = *list->get(i);
    const std::string entry_path = cat(path, "[", i, "]");
    if (!entry.is_table())
      RLVR_CONFIG_FAIL(where_node(entry, entry_path), entry_path, "expected a table, got ", node_type_name(entry));
    for (auto&& [k, v] : *entry.as_table()) {
      const std::string name(k.str());
      const auto& allowed = shape().children.at("rewards.verifiers[]");
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
        RLVR_CONFIG_FAIL(where(k.source(), entry_path), entry_path + "." + name, "unknown key",
                         suggestion_suffix(name, allowed), " (verifier options go in its options table)");
    }
  }
}

void Loader::read_key(const KeySpec& spec, RunConfig& cfg) const {
  const std::string path(spec.path);
  const toml::node* n = root_.at_path(spec.path).node();
  if (n) {
    const std::string at = where_node(*n, path);
    assign(spec, *n, at, cfg);
    cfg.origin[path] = at;
    return;
  }
  if (spec.default_toml.empty()) {
    const std::string parent = parent_of(path);
    const toml::node* table = root_.at_path(parent).node();
    RLVR_CONFIG_FAIL(table ? where_node(*table, parent) : source_, path, "missing required key");
  }
  const toml::table parsed = toml::parse("v = " + std::string(spec.default_toml), std::string_view("schema"));
  assign(spec, *parsed.get("v"), "schema", cfg);
  cfg.origin[path] = "default";
}

void Loader::assign(const KeySpec& spec, const toml::node& n, const std::string& at, RunConfig& cfg) const {
  const std::string path(spec.path);
  auto wrong_type = [&](const toml::node& got, const std::string& p, const std::string& want) {
    std::string shown;
    if (auto s = got.as_string()) shown = " '" + s->get() + "'";
    RLVR_CONFIG_FAIL(where_node(got, p), p, "expected ", want, ", got ", node_type_name(got), shown);
  };
  auto ranged = [&](double v, const std::string& p, const toml::node& node) {
    if (!spec.range.contains(v))
      RLVR_CONFIG_FAIL(where_node(node, p), p, "value out of range: ", v, " (allowed: ", spec.range.describe(), ")");
  };
  auto integer = [&](const toml::node& node, const std::string& p, int64_t lo, int64_t hi) -> int64_t {
    if (!node.is_integer()) wrong_type(node, p, "an integer");
    const int64_t v = node.as_integer()->get();
    ranged(double(v), p, node);
    if (v < lo || v > hi) RLVR_CONFIG_FAIL(where_node(node, p), p, "value out of range: ", v, " (too large)");
    return v;
  };
  auto floating = [&](const toml::node& node) -> double {
    double v = 0;
    if (auto f = node.as_floating_point()) v = f->get();
    else if (auto i = node.as_integer()) v = double(i->get());
    else wrong_type(node, path, "a float");
    ranged(v, path, node);
    return v;
  };
  std::visit(
      [&](auto field) {
        auto& out = field(cfg);
        using T = std::decay_t<decltype(out)>;
        if constexpr (std::is_same_v<T, bool>) {
          if (!n.is_boolean()) wrong_type(n, path, "a boolean");
          out = n.as_boolean()->get();
        } else if constexpr (std::is_same_v<T, int>) {
          out = int(integer(n, path, INT_MIN, INT_MAX));
        } else if constexpr (std::is_same_v<T, int64_t>) {
          out = integer(n, path, INT64_MIN, INT64_MAX);
        } else if constexpr (std::is_same_v<T, float>) {
          const double v = floating(n);
          if (std::isfinite(v) && std::fabs(v) > 3.0e38)
            RLVR_CONFIG_FAIL(at, path, "value out of range: ", v, " (too large for a float)");
          out = float(v);
        } else if constexpr (std::is_same_v<T, double>) {
          out = floating(n);
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (!n.is_string()) wrong_type(n, path, "a string");
          out = n.as_string()->get();
          if (!spec.choices.empty()) {
            std::vector<std::string> choices;
            std::stringstream ss{std::string(spec.choices)};
            for (std::string c; std::getline(ss, c, '|');) choices.push_back(c);
            if (std::find(choices.begin(), choices.end(), out) == choices.end())
              RLVR_CONFIG_FAIL(at, path, "'", out, "' is not one of ", spec.choices, suggestion_suffix(out, choices));
          }
        } else {
          if (!n.is_array()) wrong_type(n, path, type_name(spec.field));
          out.clear();
          const toml::array& list = *n.as_array();
          for (size_t i = 0; i < list.size(); ++i) {
            const toml::node& e = *list.get(i);
            const std::string p = cat(path, "[", i, "]");
            if constexpr (std::is_same_v<T, std::vector<std::string>>) {
              if (!e.is_string()) wrong_type(e, p, "a string");
              out.push_back(e.as_string()->get());
            } else {
              out.push_back(int(integer(e, p, INT_MIN, INT_MAX)));
            }
          }
        }
      },
      spec.field);
}

void Loader::read_verifiers(RunConfig& cfg) const {
  const std::string path(kVerifiersPath);
  const toml::node* n = root_.at_path(path).node();
  if (!n || n->as_array()->empty()) {
    const toml::node* table = root_.get("rewards");
    RLVR_CONFIG_FAIL(n ? where_node(*n, path) : table ? where_node(*table, "rewards") : source_, path,
                     "missing required key: list at least one verifier as a [[rewards.verifiers]] table with a name");
  }
  const toml::array& list = *n->as_array();
  for (size_t i = 0; i < list.size(); ++i) {
    const toml::table& t = *list.get(i)->as_table();
    const std::string entry = cat(path, "[", i, "]");
    VerifierEntry v;
    const toml::node* name = t.get("name");
    if (!name) RLVR_CONFIG_FAIL(where_node(t, entry), entry + ".name", "missing required key");
    if (!name->is_string() || name->as_string()->get().empty())
      RLVR_CONFIG_FAIL(where_node(*name, entry + ".name"), entry + ".name", "expected a verifier name (a non-empty string), got ",
                       node_type_name(*name));
    v.name = name->as_string()->get();
    cfg.origin[entry + ".name"] = where_node(*name, entry + ".name");
    if (const toml::node* w = t.get("weight")) {
      if (auto f = w->as_floating_point()) v.weight = f->get();
      else if (auto k = w->as_integer()) v.weight = double(k->get());
      else RLVR_CONFIG_FAIL(where_node(*w, entry + ".weight"), entry + ".weight", "expected a float, got ", node_type_name(*w));
      if (!std::isfinite(v.weight))
        RLVR_CONFIG_FAIL(where_node(*w, entry + ".weight"), entry + ".weight", "value out of range: ", v.weight, " (must be finite)");
      cfg.origin[entry + ".weight"] = where_node(*w, entry + ".weight");
    }
    if (const toml::node* o = t.get("options")) {
      if (!o->is_table())
        RLVR_CONFIG_FAIL(where_node(*o, entry + ".options"), entry + ".options", "expected a table, got ", node_type_name(*o));
      v.options = toml_to_json(*o);
      cfg.origin[entry + ".options"] = where_node(*o, entry + ".options");
      for (auto&& [k, option] : *o->as_table()) {
        const std::string key = entry + ".options." + std::string(k.str());
        cfg.origin[key] = where_node(option, key);
      }
    }
    cfg.origin[entry] = where_node(t, entry);
    cfg.rewards.verifiers.push_back(std::move(v));
  }
}

RunConfig Loader::load(const LoadOptions& options) {
  check_unknown(root_, "");
  RunConfig cfg;
  cfg.source = source_;
  for (const auto& spec : config_schema()) read_key(spec, cfg);
  read_verifiers(cfg);
  for (const char* table : {"model", "model.init", "rewards", "data"})
    if (const toml::node* n = root_.at_path(table).node()) cfg.origin[table] = where_node(*n, table);
  check_consistency(cfg, options);
  if (options.check_files) check_files(cfg);
  return cfg;
}

RunConfig parse_with(const std::string& text, const std::string& source, const std::vector<std::string>& overrides,
                     const LoadOptions& options) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(source));
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    RLVR_FAIL("config", cat(source, ":", b.line, ":", b.column, ": invalid TOML"), e.description());
  }
  Loader loader(std::move(root), source);
  for (const auto& o : overrides) loader.apply_override(o);
  return loader.load(options);
}

}  // namespace

std::string RunConfig::where(const std::string& key) const {
  auto it = origin.find(key);
  if (it == origin.end() || it->second == "default") return source;
  return it->second;
}

RunConfig parse_run_config(const std::string& toml_text, const std::string& source_name,
                           const std::vector<std::string>& overrides, const LoadOptions& options) {
  return parse_with(toml_text, source_name, overrides, options);
}

RunConfig load_run_config(const std::string& path, const std::vector<std::string>& overrides,
                          const LoadOptions& options) {
  std::error_code ec;
  RLVR_CHECK(std::filesystem::is_regular_file(path, ec), "config",
             cat(path, ": the config file does not exist or is not a file"));
  std::ifstream in(path, std::ios::binary);
  RLVR_CHECK(in.good(), "config", cat(path, ": cannot open the config file"));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_with(text.str(), path, overrides, options);
}

GrpoConfig AlgorithmSection::grpo_config() const {
  GrpoConfig g = grpo;
  g.rollout_correction = parse_rollout_correction(rollout_correction);
  g.loss_normalizer = parse_loss_normalizer(loss_normalizer);
  g.drop_uniform_groups = dynamic_sampling != "off";
  return g;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  // Optimal string alignment distance: edits and adjacent transpositions ("cdua" -> "cuda") cost 1.
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i)
      for (size_t j = 1; j <= b.size(); ++j) {
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    return d[a.size()][b.size()];
  };
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    const size_t d = distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  const size_t limit = std::max<size_t>(2, std::max(word.size(), best.size()) / 3);
  return best_d <= limit && best_d < word.size() ? best : "";
}

std::string suggestion_suffix(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string s = did_you_mean(word, candidates);
  return s.empty() ? "" : " (did you mean '" + s + "'?)";
}

}  // namespace rlvr::trainer
