// How a run config's verifier entries become the specs the reward service constructs.
#include "rewards/verifiers/code_tests.h"
#include "trainer/run_config.h"

namespace rlvr::trainer {

std::vector<rewards::VerifierSpec> reward_verifier_specs(const RunConfig& cfg) {
  std::vector<rewards::VerifierSpec> specs;
  for (const VerifierEntry& v : cfg.rewards.verifiers)
    specs.push_back({v.name, v.weight, v.name == "code_tests" ? rewards::with_sandbox_limits(v.options, cfg.sandbox)
                                                              : v.options});
  return specs;
}

}  // namespace rlvr::trainer
