// A small command-line parser for subcommands: --flag value, --flag=value, switches, positionals.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rlvr::cli {

class Args {
 public:
  // switches: flags that take no value (e.g. "--json"); every other --flag takes one value.
  Args(const std::vector<std::string>& argv, const std::vector<std::string>& known_flags,
       const std::vector<std::string>& switches = {});

  bool has(const std::string& flag) const { return values_.count(flag) > 0; }
  std::optional<std::string> get(const std::string& flag) const;
  std::string get_or(const std::string& flag, const std::string& fallback) const;
  std::vector<std::string> get_all(const std::string& flag) const;  // a repeated flag
  std::string require(const std::string& flag) const;
  long get_int(const std::string& flag, long fallback) const;
  double get_double(const std::string& flag, double fallback) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
};

}  // namespace rlvr::cli
