// `rlvr eval run.toml [--checkpoint DIR|NAME] [--data FILE] [--run-dir DIR] [--set KEY=VALUE ...]`:
// the evaluation set through generation and the verifiers, no training; prints the summary.
#include <iostream>

#include "cli/args.h"
#include "cli/run_config_arg.h"
#include "cli/commands.h"
#include "runlog/summary.h"
#include "trainer/eval_run.h"
#include "trainer/run_config.h"

namespace rlvr::cli {

int cmd_eval(const std::vector<std::string>& argv) {
  const Args args(argv, {"--set", "--checkpoint", "--data", "--run-dir"});
  const trainer::RunConfig cfg =
      load_run_config_arg(args, "rlvr eval run.toml [--checkpoint DIR|NAME] [--data FILE] [--run-dir DIR]");
  trainer::EvalOptions opt;
  opt.checkpoint = args.get_or("--checkpoint", "");
  opt.data = args.get_or("--data", "");
  opt.run_dir = args.get_or("--run-dir", "");
  opt.progress = &std::cerr;
  const trainer::EvalResult r = trainer::evaluate(cfg, opt);
  if (r.rank != 0) return 0;  // data parallel: rank 0 speaks for all
  runlog::print_summary(runlog::summarize(r.run_dir), std::cout);
  std::cerr << "eval: accuracy " << r.accuracy << " on " << r.samples << " samples at step " << r.step << " -> "
            << r.run_dir << "\n";
  return 0;
}

}  // namespace rlvr::cli
