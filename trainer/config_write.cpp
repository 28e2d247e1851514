// Writing the resolved run config as TOML (every schema key, in schema order) and comparing
// two configs key by key. parse(to_toml(cfg)) gives back the same values.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "model/atomic_file.h"
#include "trainer/config_internal.h"
#include "trainer/config_schema.h"

namespace rlvr::trainer {

namespace {

template <typename F>
std::string shortest_float(F v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string bare_or_quoted_key(const std::string& k) {
  const bool bare = !k.empty() && k.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
                                      std::string::npos;
  return bare ? k : toml_string(k);
}

std::string json_to_inline_toml(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      std::string s = "{";
      for (auto it = j.begin(); it != j.end(); ++it)
        s += (s.size() > 1 ? ", " : " ") + bare_or_quoted_key(it.key()) + " = " + json_to_inline_toml(it.value());
      return s + (s.size() > 1 ? " }" : "}");
    }
    case nlohmann::json::value_t::array: {
      std::string s = "[";
      for (size_t i = 0; i < j.size(); ++i) s += (i ? ", " : "") + json_to_inline_toml(j[i]);
      return s + "]";
    }
    case nlohmann::json::value_t::string: return toml_string(j.get<std::string>());
    case nlohmann::json::value_t::boolean: return j.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return j.dump();
    case nlohmann::json::value_t::number_float: return toml_float(j.get<double>());
    default: RLVR_FAIL("config", "a verifier option has no TOML form", j.dump());
  }
}

std::string format_value(const FieldRef& field, const RunConfig& cfg) {
  RunConfig& c = const_cast<RunConfig&>(cfg);  // FieldRef reaches fields through a mutable ref; only read here
  return std::visit(
      [&](auto get) -> std::string {
        const auto& v = get(c);
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, int64_t>) return std::to_string(v);
        else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) return toml_float(v);
        else if constexpr (std::is_same_v<T, std::string>) return toml_string(v);
        else {
          std::string s = "[";
          for (size_t i = 0; i < v.size(); ++i) {
            if (i) s += ", ";
            if constexpr (std::is_same_v<T, std::vector<std::string>>) s += toml_string(v[i]);
            else s += std::to_string(v[i]);
          }
          return s + "]";
        }
      },
      field);
}

std::string table_of(std::string_view path) { return std::string(path.substr(0, path.rfind('.'))); }

void write_verifiers(std::ostringstream& os, const RunConfig& cfg) {
  for (const auto& v : cfg.rewards.verifiers) {
    os << "\n[[rewards.verifiers]]\nname = " << toml_string(v.name) << "\nweight = " << toml_float(v.weight)
       << "\noptions = " << json_to_inline_toml(v.options) << "\n";
  }
}

}  // namespace

std::string toml_float(double v) { return shortest_float(v); }
std::string toml_float(float v) { return shortest_float(v); }

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string RunConfig::to_toml() const {
  std::ostringstream os;
  os << "# The resolved run config: every key with its value, defaults filled in (written by rlvr).\n";
  std::string current;
  for (const auto& k : config_schema()) {
    if (!model.from_scratch() && k.path.starts_with("model.init.")) continue;
    const std::string table = table_of(k.path);
    if (table != current) {
      if (current == "rewards") write_verifiers(os, *this);
      os << "\n[" << table << "]\n";
      current = table;
    }
    os << k.path.substr(k.path.rfind('.') + 1) << " = " << format_value(k.field, *this) << "\n";
  }
  if (current == "rewards") write_verifiers(os, *this);
  return os.str();
}

void RunConfig::write_resolved(const std::string& path) const { write_file_atomic(path, to_toml()); }

bool same_values(const RunConfig& a, const RunConfig& b) {
  RunConfig& ma = const_cast<RunConfig&>(a);  // read-only access through FieldRef
  RunConfig& mb = const_cast<RunConfig&>(b);
  for (const auto& k : config_schema()) {
    const bool equal = std::visit([&](auto get) { return get(ma) == get(mb); }, k.field);
    if (!equal) return false;
  }
  if (a.rewards.verifiers.size() != b.rewards.verifiers.size()) return false;
  for (size_t i = 0; i < a.rewards.verifiers.size(); ++i) {
    const auto &x = a.rewards.verifiers[i], &y = b.rewards.verifiers[i];
    if (x.name != y.name || x.weight != y.weight || x.options != y.options) return false;
  }
  return true;
}

}  // namespace rlvr::trainer
