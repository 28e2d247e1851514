#include "trainer/eval_run.h"

#include <filesystem>

#include "common/error.h"
#include "trainer/checkpoint.h"
#include "trainer/run_phases.h"
#include "trainer/train_run.h"

namespace fs = std::filesystem;

namespace rlvr::trainer {

EvalResult evaluate(RunConfig cfg, const EvalOptions& opt) {
  const std::string trained_in = resolve_run_dir(cfg, {});
  const std::string checkpoint = opt.checkpoint.empty() ? "" : find_checkpoint(trained_in, opt.checkpoint);
  const std::string name = checkpoint.empty() ? "init" : fs::path(checkpoint).filename().string();
  const std::string run_dir = opt.run_dir.empty() ? (fs::path(trained_in) / ("eval_" + name)).string() : opt.run_dir;
  RLVR_CHECK(!fs::exists(fs::path(run_dir) / "metrics.jsonl"), "trainer", "the directory ", run_dir,
             " already holds an evaluation: pass another --run-dir");
  cfg.sft.steps = 0;  // no completions needed: the rows are prompts and answers
  if (!opt.data.empty()) cfg.data.eval = opt.data;
  RunContext run(cfg, run_dir, opt.progress);
  RLVR_CHECK(!run.data.eval.empty(), "trainer", "rlvr eval: no evaluation prompts (set data.eval or --data)");
  if (!checkpoint.empty()) {
    load_checkpoint(checkpoint, run.policy, nullptr);
    run.state.rl_step = read_train_state(checkpoint).rl_step;
  }
  if (run.writer()) {
    fs::create_directories(run_dir);
    run.cfg.write_resolved((fs::path(run_dir) / "config.toml").string());
    run.metrics = JsonlLog((fs::path(run_dir) / "metrics.jsonl").string());
    run.rollouts = JsonlLog((fs::path(run_dir) / "rollouts.jsonl").string());
  }
  run.progress.say(cat("eval of ", checkpoint.empty() ? std::string("the config's model") : checkpoint, " on ",
                       run.data.eval.size(), " prompts x ", cfg.logging.eval_n, " samples -> ", run_dir));
  run.progress.start(0);
  EvalResult r;
  r.run_dir = run_dir;
  r.accuracy = run_evaluation(run, /*log_samples=*/true);
  r.samples = int64_t(run.data.eval.size()) * cfg.logging.eval_n;
  r.step = run.state.rl_step;
  r.rank = run.comm->rank();
  return r;
}

}  // namespace rlvr::trainer
