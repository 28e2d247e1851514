// `rlvr train run.toml [--run-dir DIR] [--set a.b=value ...] [--resume | --resume-from CHECKPOINT]`:
// runs SFT (when configured) and GRPO, writing the run directory; progress lines go to stderr.
#include <iostream>
#include <string>

#include "cli/args.h"
#include "cli/run_config_arg.h"
#include "cli/commands.h"
#include "trainer/run_config.h"
#include "trainer/train_run.h"

namespace rlvr::cli {

int cmd_train(const std::vector<std::string>& argv) {
  const Args args(argv, {"--set", "--run-dir", "--resume-from"}, {"--resume"});
  const trainer::RunConfig cfg = load_run_config_arg(
      args, "rlvr train run.toml [--run-dir DIR] [--set KEY=VALUE ...] [--resume | --resume-from CHECKPOINT]");
  trainer::TrainOptions opt;
  opt.run_dir = args.get_or("--run-dir", "");
  opt.resume = args.has("--resume");
  opt.resume_from = args.get_or("--resume-from", "");
  opt.progress = &std::cerr;
  const trainer::TrainResult r = trainer::train(cfg, opt);
  if (r.rank != 0) return r.interrupted ? 130 : 0;  // data parallel: rank 0 speaks for all
  if (r.interrupted) {
    std::cerr << "interrupted; continue with: rlvr train " << args.positionals()[0] << " --run-dir " << r.run_dir
              << " --resume\n";
    return 130;
  }
  std::cerr << "done: " << r.sft_steps << " SFT + " << r.rl_steps << " GRPO steps in " << r.run_dir;
  if (r.first_eval_accuracy >= 0)
    std::cerr << "; eval accuracy " << r.first_eval_accuracy << " -> " << r.last_eval_accuracy;
  std::cerr << "\n";
  return 0;
}

}  // namespace rlvr::cli
