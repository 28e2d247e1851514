// Reading a verifier's options (a JSON object converted from its TOML table) with defaults,
// type checks and an error naming any key the verifier does not know. Every problem with an
// option is an OptionError that names the option, so a run config can point at its line.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace rlvr::rewards {

// A bad verifier option: option() is its key ("" when the options as a whole are wrong), which
// may be absent from the options when a required one is missing; problem() is the message
// without the component and the source location.
class OptionError : public Error {
 public:
  OptionError(std::string option, std::string problem, const char* file, int line)
      : Error("rewards", problem, file, line), option_(std::move(option)), problem_(std::move(problem)) {}
  const std::string& option() const { return option_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string option_, problem_;
};

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

// Throw rlvr::rewards::OptionError for option `key` (when cond is false); the remaining arguments
// are streamed into the message.
#define RLVR_OPTION_FAIL(key, ...) \
  throw ::rlvr::rewards::OptionError(key, ::rlvr::cat(__VA_ARGS__), __FILE__, __LINE__)
#define RLVR_OPTION_CHECK(cond, key, ...)         \
  do {                                            \
    if (!(cond)) RLVR_OPTION_FAIL(key, __VA_ARGS__); \
  } while (0)
