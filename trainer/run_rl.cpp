// One GRPO step of a run (see run_phases.h): rollouts and verdicts become one record per
// sample; the advantages, the update's learner log-probs and the logs all go through them.
#include <utility>

#include "common/error.h"
#include "runlog/fields.h"
#include "trainer/data_parallel.h"
#include "trainer/lr_schedule.h"
#include "trainer/reference_policy.h"
#include "trainer/rollout_gather.h"
#include "trainer/rollout_pipeline.h"
#include "trainer/run_phases.h"
#include "trainer/run_records.h"

namespace rlvr::trainer {

namespace {

// Each sample's group-relative advantage, and whether its group is kept.
void assign_advantages(RolloutBatch& rb, const GrpoConfig& grpo) {
  std::vector<double> rewards;
  for (const SampleRecord& s : rb.samples) rewards.push_back(s.score.reward);
  const Advantages adv = group_advantages(rewards, rb.group_size, grpo);
  for (size_t i = 0; i < rb.samples.size(); ++i) {
    rb.samples[i].advantage = adv.value[i];
    rb.samples[i].kept = adv.kept[i];
  }
}

// What the learner trains on: every kept sample with a completion, less those cut by the length
// limit under overlong_filter (trained[k] is its record).
std::vector<GrpoSample> grpo_samples(RolloutBatch& rb, bool overlong_filter, std::vector<SampleRecord*>& trained) {
  std::vector<GrpoSample> out;
  for (SampleRecord& s : rb.samples) {
    if (!s.kept || s.completion.tokens.empty()) continue;
    if (overlong_filter && s.completion.finish == rollout::FinishReason::Length) continue;
    GrpoSample g;
    g.seq.tokens = s.prompt->prompt_tokens;
    g.seq.prompt_len = int64_t(g.seq.tokens.size());
    g.seq.tokens.insert(g.seq.tokens.end(), s.completion.tokens.begin(), s.completion.tokens.end());
    g.rollout_logp = s.rollout_logprobs();
    g.seq.routes = s.routes;
    g.advantage = s.advantage;
    out.push_back(std::move(g));
    trained.push_back(&s);
  }
  return out;
}

void log_rl_step(RunContext& run, const RolloutBatch& rb, const RlStepMetrics& m) {
  const RunConfig& cfg = run.cfg;
  const int64_t ep_bytes =
      run.experts ? sum_over_ranks(run.dp(), int64_t(run.experts->take_dispatch_bytes())) : 0;  // collective
  if (!run.writer()) return;
  nlohmann::json line = m.to_json();
  if (run.experts) line[runlog::field::kEpDispatchBytes] = ep_bytes;
  if (run.experts || run.param_shards())
    line[runlog::field::kTimeEpGather] = std::exchange(run.expert_gather_s, 0.0);
  line[runlog::field::kStatusCounts] = status_counts(rb, run.service);
  run.metrics.write(line);
  if (cfg.logging.log_rollouts)
    for (const SampleRecord& s : rb.samples)
      run.rollouts.write(rollout_record(m.step, s, run.service, cfg.logging.log_routes));
  if (m.step % cfg.logging.print_every == 0 || m.step == cfg.run.steps)
    run.progress.say(cat("step ", m.step, "/", cfg.run.steps, " | reward ", fixed(m.reward_mean, 3), " | acc ",
                         fixed(m.accuracy, 3), " | kl ", fixed(m.kl(), 4), " | tok/s ", int64_t(m.tokens_per_s),
                         " | eta ", run_eta(run)));
}

// This step's batch: from the pipeline, from a checkpoint's batches in flight, or generated now
// by the policy itself (the synchronous loop).
StepBatch next_batch(RunContext& run, int64_t step) {
  if (run.pipeline) return run.pipeline->take(step);
  if (!run.in_flight.empty()) {
    StepBatch b = std::move(run.in_flight.front());
    run.in_flight.pop_front();
    return b;
  }
  const RunContext::WholePolicy whole = run.whole_policy(run.cfg.rollout.model_precision());
  return generate_step_batch(run, *whole, run.rl_order, step, run.state.rl_step);
}

}  // namespace

void run_rl_step(RunContext& run) {
  const auto t_step = std::chrono::steady_clock::now();
  const RunConfig& cfg = run.cfg;
  TrainState& st = run.state;
  const int64_t step = st.rl_step + 1;
  StepBatch batch = next_batch(run, step);
  RolloutBatch& rb = batch.local;
  const double wait_s = seconds_since(t_step);

  const GrpoUpdateOptions upd{cfg.algorithm.grpo_config(), cfg.algorithm.ppo_epochs, cfg.algorithm.mini_batches,
                              cfg.rollout.sampling, cfg.rollout.max_new_tokens,
                              reference_precision(cfg.algorithm.reference_dtype)};
  assign_advantages(rb, upd.grpo);
  std::vector<SampleRecord*> trained;
  const std::vector<GrpoSample> samples = grpo_samples(rb, cfg.algorithm.overlong_filter, trained);
  const auto t_learn = std::chrono::steady_clock::now();
  run.router_load = {};
  const int64_t opt_base = run.optimizer->steps_taken();
  const int64_t total_opt_steps = cfg.run.steps * upd.epochs * upd.mini_batches;
  auto lr_at = [&](int64_t k) {
    return float(scheduled_lr(cfg.optimizer.lr, opt_base + k, total_opt_steps, cfg.schedule.warmup_steps,
                              cfg.schedule.decay, cfg.schedule.min_lr_ratio));
  };
  const GrpoUpdateResult up =
      grpo_update(run.policy, *run.optimizer, run.reference.get(), samples, upd, run.learner, lr_at);
  run.update_expert_bias();
  if (run.pipeline) run.pipeline->publish(step);
  const double learn_s = seconds_since(t_learn);
  for (size_t k = 0; k < trained.size() && k < up.learner_logp_sum.size(); ++k)
    trained[k]->learner_logprob = up.learner_logp_sum[k];

  st.rl_step = step;
  if (!run.pipeline) st.rl_cursor = run.rl_order.cursor();  // the pipeline's is read at a checkpoint
  st.optimizer_steps = run.optimizer->steps_taken();
  if (run.dp()) rb = gather_rollouts(run.dp(), rb, batch.all_prompts);
  StepTiming timing{seconds_since(t_step), rb.rollout_seconds, rb.reward_seconds, learn_s};
  timing.wait_s = run.pipeline ? wait_s : 0;
  timing.staleness = step - 1 - batch.policy_version;
  timing.stale_batches_dropped = run.pipeline ? run.pipeline->dropped() : 0;
  run.progress.step_done(Progress::kRl);
  log_rl_step(run, rb, rl_step_metrics(step, run.progress.elapsed(), rb, up, lr_at(0), timing));
}

}  // namespace rlvr::trainer
