// The verifier registry: factories by name (Envoy style). Built-ins are registered explicitly,
// one line each, in builtin_verifiers.cpp; registering a name twice throws; names list sorted;
// a test can swap a factory and restore it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rewards/verifier.h"

namespace rlvr::rewards {

using VerifierFactory = std::function<std::unique_ptr<Verifier>(const nlohmann::json& options)>;

// One entry of a run's verifier list: [[rewards.verifiers]] name, weight, options.
// name "external" (or options.command set) selects an external-process verifier.
struct VerifierSpec {
  std::string name;
  double weight = 1.0;
  nlohmann::json options = nlohmann::json::object();
};

// Reads {"name": ..., "weight": ..., "options": {...}}; errors name the offending field.
VerifierSpec spec_from_json(const nlohmann::json& j);

class Registry {
 public:
  void add(const std::string& name, VerifierFactory factory);  // throws when name is taken
  // Replaces a factory and returns the previous one (for tests); throws when name is unknown.
  VerifierFactory swap(const std::string& name, VerifierFactory factory);
  bool contains(const std::string& name) const;
  std::vector<std::string> names() const;  // sorted
  // Throws naming the unknown verifier and listing the known ones; options errors name the key.
  std::unique_ptr<Verifier> create(const std::string& name, const nlohmann::json& options) const;
  std::unique_ptr<Verifier> create(const VerifierSpec& spec) const { return create(spec.name, spec.options); }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, VerifierFactory> factories_;
};

// The process-wide registry with every built-in verifier registered.
Registry& verifier_registry();

// Registers the built-ins (boxed_math, format, external, ...) into r. Defined in builtin_verifiers.cpp.
void register_builtin_verifiers(Registry& r);

}  // namespace rlvr::rewards
