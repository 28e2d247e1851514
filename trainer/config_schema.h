// The one table of every run-config key: path, the field it fills, default, allowed range or
// choices and a one-line doc. Parsing, --set, the resolved-config writer and the reference
// table of docs/config.md are all driven by it, so they cannot disagree.
#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "trainer/run_config.h"

namespace rlvr::trainer {

// A reference to one field of a RunConfig; the alternative decides the key's TOML type.
using FieldRef = std::variant<bool& (*)(RunConfig&), int& (*)(RunConfig&), int64_t& (*)(RunConfig&),
                              float& (*)(RunConfig&), double& (*)(RunConfig&), std::string& (*)(RunConfig&),
                              std::vector<std::string>& (*)(RunConfig&), std::vector<int>& (*)(RunConfig&)>;

// Allowed numeric interval (for lists of integers: of each element).
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false, hi_open = false;
  bool contains(double v) const;
  std::string describe() const;  // "[0, 1)", ">= 1", ...; empty when unbounded
};

struct KeySpec {
  std::string_view path;          // "rollout.temperature"
  FieldRef field;
  std::string_view default_toml;  // a TOML value; empty: the key is required
  Range range;
  std::string_view choices;       // "cpu|cuda|auto" for strings; empty: any string
  std::string_view doc;
};

const std::vector<KeySpec>& config_schema();
const KeySpec* find_key(std::string_view path);

// The keys of one [[rewards.verifiers]] entry, documented for the reference table.
inline constexpr std::string_view kVerifiersPath = "rewards.verifiers";

// "a float", "an integer", "a list of strings", ...
std::string type_name(const FieldRef& field);

// The reference table of docs/config.md (markdown), generated from the schema.
std::string config_reference_markdown();

}  // namespace rlvr::trainer
