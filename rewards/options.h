// Reading a verifier's options (a JSON object converted from its TOML table) with defaults,
// type checks and an error naming any key the verifier does not know.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rlvr::rewards {

class OptionReader {
 public:
  // owner names the verifier in error messages, e.g. "boxed_math".
  OptionReader(const nlohmann::json& options, std::string owner);

  double number(const std::string& key, double fallback);
  long integer(const std::string& key, long fallback);
  bool flag(const std::string& key, bool fallback);
  std::string string(const std::string& key, const std::string& fallback);
  std::vector<std::string> strings(const std::string& key);  // an array of strings (or one string)
  bool has(const std::string& key) const { return options_.contains(key); }

  // Throws when the options hold a key nobody asked for. Call after reading every option.
  void reject_unknown() const;

 private:
  const nlohmann::json* find(const std::string& key);
  const nlohmann::json& options_;
  std::string owner_;
  std::set<std::string> read_;
};

}  // namespace rlvr::rewards
