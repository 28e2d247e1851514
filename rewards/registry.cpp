// Verifier registry (see registry.h).
#include "rewards/registry.h"

#include "common/error.h"

namespace rlvr::rewards {

VerifierSpec spec_from_json(const nlohmann::json& j) {
  RLVR_CHECK(j.is_object(), "rewards", "a verifier spec must be a table, got ", j.dump());
  VerifierSpec spec;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key == "name") {
      RLVR_CHECK(it->is_string(), "rewards", "verifier field 'name' must be a string, got ", it->dump());
      spec.name = it->get<std::string>();
    } else if (key == "weight") {
      RLVR_CHECK(it->is_number(), "rewards", "verifier field 'weight' must be a number, got ", it->dump());
      spec.weight = it->get<double>();
    } else if (key == "options") {
      RLVR_CHECK(it->is_object(), "rewards", "verifier field 'options' must be a table, got ", it->dump());
      spec.options = *it;
    } else {
      RLVR_FAIL("rewards", "unknown verifier field", "'", key, "' (expected name, weight, options)");
    }
  }
  RLVR_CHECK(!spec.name.empty(), "rewards", "a verifier spec needs a 'name'");
  return spec;
}

void Registry::add(const std::string& name, VerifierFactory factory) {
  std::lock_guard lock(mutex_);
  RLVR_CHECK(!name.empty() && factory, "rewards", "a verifier needs a name and a factory");
  RLVR_CHECK(factories_.count(name) == 0, "rewards", "verifier '", name, "' is registered twice");
  factories_[name] = std::move(factory);
}

VerifierFactory Registry::swap(const std::string& name, VerifierFactory factory) {
  std::lock_guard lock(mutex_);
  auto it = factories_.find(name);
  RLVR_CHECK(it != factories_.end(), "rewards", "cannot swap unknown verifier '", name, "'");
  std::swap(it->second, factory);
  return factory;
}

bool Registry::contains(const std::string& name) const {
  std::lock_guard lock(mutex_);
  return factories_.count(name) > 0;
}

std::vector<std::string> Registry::names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, f] : factories_) out.push_back(name);
  return out;  // std::map keeps them sorted
}

std::unique_ptr<Verifier> Registry::create(const std::string& name, const nlohmann::json& options) const {
  VerifierFactory factory;
  {
    std::lock_guard lock(mutex_);
    auto it = factories_.find(name);
    if (it == factories_.end()) {
      std::string known;
      for (const auto& [n, f] : factories_) known += (known.empty() ? "" : ", ") + n;
      RLVR_FAIL("rewards", "unknown verifier", "'", name, "' (known: ", known, ")");
    }
    factory = it->second;
  }
  return factory(options);
}

Registry& verifier_registry() {
  static Registry* registry = [] {
    auto* r = new Registry;
    register_builtin_verifiers(*r);
    return r;
  }();
  return *registry;
}

}  // namespace rlvr::rewards
