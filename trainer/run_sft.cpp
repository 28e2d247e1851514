// One SFT step of a run (see run_phases.h).
#include "trainer/data_parallel.h"
#include "trainer/lr_schedule.h"
#include "trainer/run_phases.h"
#include "trainer/run_records.h"

namespace rlvr::trainer {

std::string run_eta(const RunContext& run) {
  return run.progress.eta(run.cfg.sft.steps - run.state.sft_step, run.cfg.run.steps - run.state.rl_step);
}

void run_sft_step(RunContext& run) {
  const auto t_step = std::chrono::steady_clock::now();
  const RunConfig& cfg = run.cfg;
  const std::vector<int64_t> all = run.sft_order.next(cfg.sft.batch_size);
  const RankShare share = rank_share(int64_t(all.size()), run.dp());
  std::vector<TrainSequence> batch;
  for (int64_t k = share.begin; k < share.end; ++k) {
    const Example& ex = run.data.train[size_t(all[size_t(k)])];
    TrainSequence s;
    s.tokens = ex.prompt_tokens;
    s.tokens.insert(s.tokens.end(), ex.completion_tokens.begin(), ex.completion_tokens.end());
    s.prompt_len = int64_t(ex.prompt_tokens.size());
    batch.push_back(std::move(s));
  }
  const float lr = float(scheduled_lr(cfg.sft.lr, run.state.sft_step, cfg.sft.steps, cfg.schedule.warmup_steps,
                                      cfg.schedule.decay, cfg.schedule.min_lr_ratio));
  run.router_load = {};
  const SftStepResult r = sft_step(run.policy, *run.optimizer, batch, lr, run.learner);
  run.update_expert_bias();
  TrainState& st = run.state;
  ++st.sft_step;
  st.sft_cursor = run.sft_order.cursor();
  st.optimizer_steps = run.optimizer->steps_taken();
  const double secs = seconds_since(t_step);
  run.progress.step_done(Progress::kSft);
  if (run.writer())
    run.metrics.write(sft_metrics(st.sft_step, run.progress.elapsed(), r, lr, double(r.tokens) / std::max(secs, 1e-9)));
  if (st.sft_step % cfg.logging.print_every == 0 || st.sft_step == cfg.sft.steps)
    run.progress.say(cat("sft ", st.sft_step, "/", cfg.sft.steps, " | loss ", fixed(r.loss, 4), " | lr ", sci(lr),
                         " | eta ", run_eta(run)));
}

}  // namespace rlvr::trainer
