// Parsing of subcommand arguments; every mistake is an rlvr::Error that names the flag.
#include "cli/args.h"

#include <algorithm>

#include "common/error.h"

namespace rlvr::cli {

Args::Args(const std::vector<std::string>& argv, const std::vector<std::string>& known_flags,
           const std::vector<std::string>& switches) {
  auto known = [&](const std::string& f) {
    return std::find(known_flags.begin(), known_flags.end(), f) != known_flags.end();
  };
  auto is_switch = [&](const std::string& f) {
    return std::find(switches.begin(), switches.end(), f) != switches.end();
  };
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      positionals_.push_back(a);
      continue;
    }
    std::string flag = a, value;
    bool inline_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      flag = a.substr(0, eq);
      value = a.substr(eq + 1);
      inline_value = true;
    }
    if (is_switch(flag)) {
      RLVR_CHECK(!inline_value, "cli", "switch takes no value: ", flag);
      values_[flag].push_back("true");
      continue;
    }
    RLVR_CHECK(known(flag), "cli", "unknown option: ", flag);
    if (!inline_value) {
      RLVR_CHECK(i + 1 < argv.size(), "cli", "option needs a value: ", flag);
      value = argv[++i];
    }
    values_[flag].push_back(value);
  }
}

std::optional<std::string> Args::get(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

std::string Args::get_or(const std::string& flag, const std::string& fallback) const {
  return get(flag).value_or(fallback);
}

std::vector<std::string> Args::get_all(const std::string& flag) const {
  auto it = values_.find(flag);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Args::require(const std::string& flag) const {
  auto v = get(flag);
  RLVR_CHECK(v.has_value(), "cli", "missing required option: ", flag);
  return *v;
}

long Args::get_int(const std::string& flag, long fallback) const {
  auto v = get(flag);
  if (!v) return fallback;
  try {
    size_t used = 0;
    long x = std::stol(*v, &used);
    RLVR_CHECK(used == v->size(), "cli", "expected an integer: ", flag, " = '", *v, "'");
    return x;
  } catch (const std::logic_error&) {
    RLVR_FAIL("cli", "expected an integer", flag, " = '", *v, "'");
  }
}

double Args::get_double(const std::string& flag, double fallback) const {
  auto v = get(flag);
  if (!v) return fallback;
  try {
    size_t used = 0;
    double x = std::stod(*v, &used);
    RLVR_CHECK(used == v->size(), "cli", "expected a number: ", flag, " = '", *v, "'");
    return x;
  } catch (const std::logic_error&) {
    RLVR_FAIL("cli", "expected a number", flag, " = '", *v, "'");
  }
}

}  // namespace rlvr::cli
