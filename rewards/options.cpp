// Verifier option reading (see options.h).
#include "rewards/options.h"

namespace rlvr::rewards {
namespace {
const nlohmann::json kEmpty = nlohmann::json::object();
}

OptionReader::OptionReader(const nlohmann::json& options, std::string owner)
    : options_(options.is_null() ? kEmpty : options), owner_(std::move(owner)) {
  RLVR_OPTION_CHECK(options_.is_object(), "", "options of verifier '", owner_, "' must be a table, got ",
             options_.type_name());
}

const nlohmann::json* OptionReader::find(const std::string& key) {
  read_.insert(key);
  auto it = options_.find(key);
  return it == options_.end() ? nullptr : &*it;
}

double OptionReader::number(const std::string& key, double fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (v->is_string()) {  // from `rlvr verify --option key=value`
    try {
      size_t used = 0;
      double x = std::stod(v->get<std::string>(), &used);
      if (used == v->get<std::string>().size()) return x;
    } catch (const std::logic_error&) {
    }
  }
  RLVR_OPTION_CHECK(v->is_number(), key, "option '", key, "' of verifier '", owner_, "' must be a number, got ",
             v->dump());
  return v->get<double>();
}

long OptionReader::integer(const std::string& key, long fallback) {
  double x = number(key, static_cast<double>(fallback));
  RLVR_OPTION_CHECK(x == static_cast<double>(static_cast<long>(x)), key, "option '", key, "' of verifier '",
             owner_, "' must be an integer, got ", x);
  return static_cast<long>(x);
}

bool OptionReader::flag(const std::string& key, bool fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (v->is_string() && (*v == "true" || *v == "false")) return *v == "true";
  RLVR_OPTION_CHECK(v->is_boolean(), key, "option '", key, "' of verifier '", owner_, "' must be true or false, got ",
             v->dump());
  return v->get<bool>();
}

std::string OptionReader::string(const std::string& key, const std::string& fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  RLVR_OPTION_CHECK(v->is_string(), key, "option '", key, "' of verifier '", owner_, "' must be a string, got ",
             v->dump());
  return v->get<std::string>();
}

std::vector<std::string> OptionReader::strings(const std::string& key) {
  const nlohmann::json* v = find(key);
  if (!v) return {};
  std::vector<std::string> out;
  if (v->is_string()) {
    // "a,b" from the command line is a list of two.
    std::string s = v->get<std::string>();
    for (size_t start = 0, comma; start <= s.size(); start = comma + 1) {
      comma = s.find(',', start);
      if (comma == std::string::npos) comma = s.size();
      if (comma > start) out.push_back(s.substr(start, comma - start));
    }
    return out;
  }
  RLVR_OPTION_CHECK(v->is_array(), key, "option '", key, "' of verifier '", owner_,
             "' must be a list of strings, got ", v->dump());
  for (const auto& e : *v) {
    RLVR_OPTION_CHECK(e.is_string(), key, "option '", key, "' of verifier '", owner_,
               "' must be a list of strings, got element ", e.dump());
    out.push_back(e.get<std::string>());
  }
  return out;
}

void OptionReader::reject_unknown() const {
  std::string known;
  for (const std::string& k : read_) known += (known.empty() ? "" : ", ") + k;
  for (auto it = options_.begin(); it != options_.end(); ++it)
    RLVR_OPTION_CHECK(read_.count(it.key()) > 0, it.key(), "unknown option '", it.key(), "' for verifier '", owner_,
                      "' (known: ", known, ")");
}

}  // namespace rlvr::rewards
