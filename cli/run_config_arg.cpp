#include "cli/run_config_arg.h"

#include "common/error.h"
#include "rewards/registry.h"

namespace rlvr::cli {

trainer::RunConfig load_run_config_arg(const Args& args, const std::string& usage, bool check_files) {
  RLVR_CHECK(args.positionals().size() == 1, "cli", "expected one config file: ", usage);
  trainer::LoadOptions load;
  load.check_files = check_files;
  load.verifiers = &rewards::verifier_registry();
  return trainer::load_run_config(args.positionals()[0], args.get_all("--set"), load);
}

}  // namespace rlvr::cli
