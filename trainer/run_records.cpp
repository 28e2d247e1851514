#include "trainer/run_records.h"

#include <cmath>
#include <cstdio>

namespace rlvr::trainer {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string sci(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1e", v);
  return buf;
}

nlohmann::json sft_metrics(int64_t step, double time_s, const SftStepResult& r, double lr, double tokens_per_s) {
  return {{"step", step},   {"phase", "sft"}, {"time_s", time_s},           {"loss", r.loss},
          {"lr", lr},       {"grad_norm", r.grad_norm}, {"tokens", r.tokens}, {"tokens_per_s", tokens_per_s}};
}

nlohmann::json status_counts(const RolloutBatch& rb, const rewards::RewardService& service) {
  nlohmann::json counts = nlohmann::json::object();
  const auto& verifiers = service.verifiers();
  for (const auto& s : rb.scores)
    for (size_t v = 0; v < s.verdicts.size() && v < verifiers.size(); ++v) {
      auto& c = counts[verifiers[v].name][s.verdicts[v].status];
      c = c.is_null() ? 1 : c.get<int64_t>() + 1;
    }
  return counts;
}

namespace {

struct RewardSummary {
  double mean = 0, std = 0, response_len = 0;
  int64_t tokens = 0;
};

RewardSummary summarize(const RolloutBatch& rb) {
  RewardSummary s;
  const double n = double(std::max<size_t>(rb.scores.size(), 1));
  for (const auto& sc : rb.scores) s.mean += sc.reward;
  s.mean /= n;
  for (const auto& sc : rb.scores) s.std += (sc.reward - s.mean) * (sc.reward - s.mean);
  s.std = std::sqrt(s.std / n);
  for (const auto& c : rb.samples) s.tokens += int64_t(c.tokens.size());
  s.response_len = double(s.tokens) / n;
  return s;
}

}  // namespace

nlohmann::json rl_metrics(int64_t step, double time_s, const RolloutBatch& rb, const Advantages& adv,
                          const GrpoUpdateResult& up, double lr, const StepTiming& timing) {
  const RewardSummary rs = summarize(rb);
  const double tokens = double(std::max<int64_t>(up.stats.tokens, 1));
  return {{"step", step},
          {"phase", "rl"},
          {"time_s", time_s},
          {"loss", up.loss},
          {"lr", lr},
          {"grad_norm", up.grad_norm},
          {"optimizer_steps", up.optimizer_steps},
          {"reward_mean", rs.mean},
          {"reward_std", rs.std},
          {"accuracy", accuracy(rb)},
          {"kl", up.stats.kl_sum / tokens},
          {"clip_frac", double(up.stats.clipped_tokens) / tokens},
          {"ratio_mean", up.stats.ratio_sum / tokens},
          {"tis_weight_mean", up.stats.tis_weight_sum / tokens},
          {"entropy", up.entropy},
          {"response_len_mean", rs.response_len},
          {"tokens_per_s", double(rs.tokens) / std::max(timing.step_s, 1e-9)},
          {"rollout_tokens_per_s", double(rs.tokens) / std::max(timing.rollout_s, 1e-9)},
          {"mismatch_mean", up.mismatch_mean},
          {"mismatch_max", up.mismatch_max},
          {"groups_dropped", adv.dropped_groups},
          {"samples_trained", up.learner_logp_sum.size()},
          {"time_rollout_s", timing.rollout_s},
          {"time_reward_s", timing.reward_s},
          {"time_learner_s", timing.learner_s}};
}

nlohmann::json eval_metrics(int64_t step, double time_s, const RolloutBatch& rb) {
  const RewardSummary rs = summarize(rb);
  return {{"step", step},
          {"phase", "eval"},
          {"time_s", time_s},
          {"eval_accuracy", accuracy(rb)},
          {"eval_reward_mean", rs.mean},
          {"eval_samples", rb.scores.size()},
          {"eval_response_len_mean", rs.response_len},
          {"time_rollout_s", rb.rollout_seconds},
          {"time_reward_s", rb.reward_seconds}};
}

nlohmann::json rollout_record(int64_t step, const RolloutBatch& rb, size_t i, const rewards::RewardService& service,
                              double advantage, double learner_logp_sum) {
  const Example& ex = rb.prompt_of(i);
  const auto& c = rb.samples[i];
  nlohmann::json verdicts = nlohmann::json::array();
  const auto& verifiers = service.verifiers();
  for (size_t v = 0; v < rb.scores[i].verdicts.size() && v < verifiers.size(); ++v) {
    const auto& d = rb.scores[i].verdicts[v];
    verdicts.push_back({{"verifier", verifiers[v].name},
                        {"weight", verifiers[v].weight},
                        {"reward", d.reward},
                        {"status", d.status},
                        {"detail", d.detail}});
  }
  double rollout_sum = 0;
  for (float l : c.logprobs) rollout_sum += l;
  nlohmann::json j = {{"step", step},
                      {"prompt_id", ex.id},
                      {"sample_index", c.sample_index},
                      {"prompt", ex.prompt},
                      {"completion", c.text},
                      {"answer", ex.answer},
                      {"verdicts", std::move(verdicts)},
                      {"reward", rb.scores[i].reward},
                      {"advantage", advantage},
                      {"prompt_tokens", ex.prompt_tokens.size()},
                      {"completion_tokens", c.tokens.size()},
                      {"finish_reason", rollout::finish_reason_name(c.finish)},
                      {"rollout_logprob", rollout_sum},
                      {"learner_logprob", nullptr}};
  if (std::isfinite(learner_logp_sum)) j["learner_logprob"] = learner_logp_sum;
  return j;
}

}  // namespace rlvr::trainer
