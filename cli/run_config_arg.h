// The run config of `rlvr train|eval|validate`: the one positional argument, `--set KEY=VALUE`
// overrides, verifier options checked against the built-in registry.
#pragma once

#include <string>

#include "cli/args.h"
#include "trainer/run_config.h"

namespace rlvr::cli {

// `usage` is the command line shown when the config file is missing or doubled.
trainer::RunConfig load_run_config_arg(const Args& args, const std::string& usage, bool check_files = true);

}  // namespace rlvr::cli
