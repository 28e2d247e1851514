// Evaluation during a run (see run_phases.h).
#include "runlog/fields.h"
#include "trainer/data_parallel.h"
#include "trainer/rollout_gather.h"
#include "trainer/run_phases.h"
#include "trainer/run_records.h"

namespace rlvr::trainer {

double run_evaluation(RunContext& run, bool log_samples) {
  const RunConfig& cfg = run.cfg;
  std::vector<const Example*> all_prompts;
  for (const Example& e : run.data.eval) all_prompts.push_back(&e);
  const RankShare share = rank_share(int64_t(all_prompts.size()), run.dp());
  const std::vector<const Example*> prompts(all_prompts.begin() + share.begin, all_prompts.begin() + share.end);
  SamplingParams sp = cfg.rollout.sampling;
  sp.temperature = float(cfg.logging.eval_temperature);
  const RolloutRequest req{int(cfg.logging.eval_n), sp, step_seed(run.state.seed, 4, run.state.rl_step), share.begin,
                           /*policy_version=*/run.state.rl_step};
  RolloutBatch rb;
  rb.group_size = req.group_size;
  {
    // Collective: before any rank may skip.
    const RunContext::WholePolicy whole = run.whole_policy(cfg.rollout.model_precision());
    if (!prompts.empty()) rb = collect_rollouts(*whole, *run.tokenizer, run.service, cfg, prompts, req);
  }
  if (run.dp()) rb = gather_rollouts(run.dp(), rb, all_prompts);
  const double acc = accuracy(rb);
  nlohmann::json m = eval_metrics(run.state.rl_step, run.progress.elapsed(), rb);
  m[runlog::field::kStatusCounts] = status_counts(rb, run.service);
  if (run.writer()) {
    run.metrics.write(m);
    if (log_samples)
      for (const SampleRecord& s : rb.samples) run.rollouts.write(rollout_record(run.state.rl_step, s, run.service));
  }
  run.progress.say(cat("eval at step ", run.state.rl_step, ": accuracy ", fixed(acc, 3), " on ", rb.samples.size(),
                       " samples"));
  return acc;
}

}  // namespace rlvr::trainer
