#include "trainer/run_records.h"

#include <cmath>
#include <cstdio>

#include "runlog/fields.h"

namespace rlvr::trainer {

namespace f = runlog::field;

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
  return {{f::kStep, step}, {f::kPhase, f::kPhaseSft}, {f::kTime, time_s},         {f::kLoss, r.loss},
          {f::kLr, lr},     {f::kGradNorm, r.grad_norm}, {f::kTokens, r.tokens}, {f::kTokensPerS, tokens_per_s}};
}

nlohmann::json status_counts(const RolloutBatch& rb, const rewards::RewardService& service) {
  nlohmann::json counts = nlohmann::json::object();
  const auto& verifiers = service.verifiers();
  for (const SampleRecord& s : rb.samples)
    for (size_t v = 0; v < s.score.verdicts.size() && v < verifiers.size(); ++v) {
      auto& c = counts[verifiers[v].name][s.score.verdicts[v].status];
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
  const double n = double(std::max<size_t>(rb.samples.size(), 1));
  for (const SampleRecord& r : rb.samples) s.mean += r.score.reward;
  s.mean /= n;
  for (const SampleRecord& r : rb.samples) s.std += (r.score.reward - s.mean) * (r.score.reward - s.mean);
  s.std = std::sqrt(s.std / n);
  for (const SampleRecord& r : rb.samples) s.tokens += int64_t(r.completion.tokens.size());
  s.response_len = double(s.tokens) / n;
  return s;
}

// A metric that may be undefined (NaN): JSON null then.
nlohmann::json nullable(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

// Groups whose samples were all dropped (their rewards were all equal).
int dropped_groups(const RolloutBatch& rb) {
  int n = 0;
  for (size_t g = 0; g < rb.prompts.size(); ++g) {
    bool dropped = true;
    for (size_t i = g * size_t(rb.group_size); i < (g + 1) * size_t(rb.group_size); ++i) dropped &= !rb.samples[i].kept;
    n += dropped && rb.group_size > 0;
  }
  return n;
}

}  // namespace

RlStepMetrics rl_step_metrics(int64_t step, double time_s, const RolloutBatch& rb, const GrpoUpdateResult& up,
                              double lr, const StepTiming& timing) {
  const RewardSummary rs = summarize(rb);
  RlStepMetrics m;
  m.step = step;
  m.time_s = time_s;
  m.lr = lr;
  m.update = up;
  m.reward_mean = rs.mean;
  m.reward_std = rs.std;
  m.accuracy = accuracy(rb);
  m.response_len_mean = rs.response_len;
  m.tokens_per_s = double(rs.tokens) / std::max(timing.step_s, 1e-9);
  m.rollout_tokens_per_s = double(rs.tokens) / std::max(timing.rollout_s, 1e-9);
  m.groups_dropped = dropped_groups(rb);
  m.prompts_drawn = rb.prompts.size();
  for (const SampleRecord& r : rb.samples) m.samples_trained += r.trained();
  m.timing = timing;
  return m;
}

double RlStepMetrics::kl() const { return update.stats.kl_sum / double(std::max<int64_t>(update.stats.tokens, 1)); }

nlohmann::json RlStepMetrics::to_json() const {
  const PolicyLossStats& st = update.stats;
  const double tokens = double(std::max<int64_t>(st.tokens, 1));
  const double rollout_tokens = double(std::max<int64_t>(st.rollout_tokens, 1));
  return {{f::kStep, step},
          {f::kPhase, f::kPhaseRl},
          {f::kTime, time_s},
          {f::kLoss, update.loss},
          {f::kLr, lr},
          {f::kGradNorm, update.grad_norm},
          {f::kOptimizerSteps, update.optimizer_steps},
          {f::kRewardMean, reward_mean},
          {f::kRewardStd, reward_std},
          {f::kAccuracy, accuracy},
          {f::kKl, kl()},
          {f::kClipFrac, double(st.clipped_tokens) / tokens},
          {f::kRatioMean, st.ratio_sum / tokens},
          {f::kTisWeightMean, st.tis_weight_sum / tokens},
          {f::kEntropy, update.entropy},
          {f::kResponseLenMean, response_len_mean},
          {f::kTokensPerS, tokens_per_s},
          {f::kRolloutTokensPerS, rollout_tokens_per_s},
          {f::kMismatchMean, update.mismatch_mean},
          {f::kMismatchMax, update.mismatch_max},
          {f::kRouteAgreement, nullable(update.route_agreement.fraction())},
          {f::kRolloutKl, st.rollout_kl_sum / rollout_tokens},
          {f::kRolloutRatioOutside, double(st.ratio_outside) / rollout_tokens},
          {f::kRolloutRatioMax, st.ratio_max},
          {f::kRolloutMaskedFrac, double(st.masked_tokens) / rollout_tokens},
          {f::kGroupsDropped, groups_dropped},
          {f::kPromptsDrawn, prompts_drawn},
          {f::kSamplesTrained, samples_trained},
          {f::kTimeRollout, timing.rollout_s},
          {f::kTimeReward, timing.reward_s},
          {f::kTimeLearner, timing.learner_s},
          {f::kTimeWait, timing.wait_s},
          {f::kStaleness, timing.staleness},
          {f::kStaleBatchesDropped, timing.stale_batches_dropped}};
}

nlohmann::json eval_metrics(int64_t step, double time_s, const RolloutBatch& rb) {
  const RewardSummary rs = summarize(rb);
  return {{f::kStep, step},
          {f::kPhase, f::kPhaseEval},
          {f::kTime, time_s},
          {f::kEvalAccuracy, accuracy(rb)},
          {f::kEvalRewardMean, rs.mean},
          {f::kEvalSamples, rb.samples.size()},
          {f::kEvalResponseLenMean, rs.response_len},
          {f::kTimeRollout, rb.rollout_seconds},
          {f::kTimeReward, rb.reward_seconds}};
}

nlohmann::json rollout_record(int64_t step, const SampleRecord& s, const rewards::RewardService& service,
                              bool with_routes) {
  const Example& ex = *s.prompt;
  const rollout::Completion& c = s.completion;
  nlohmann::json verdicts = nlohmann::json::array();
  const auto& verifiers = service.verifiers();
  for (size_t v = 0; v < s.score.verdicts.size() && v < verifiers.size(); ++v) {
    const auto& d = s.score.verdicts[v];
    verdicts.push_back({{f::kVerifier, verifiers[v].name},
                        {f::kWeight, verifiers[v].weight},
                        {f::kReward, d.reward},
                        {f::kStatus, d.status},
                        {f::kDetail, d.detail}});
  }
  nlohmann::json j = {{f::kStep, step},
                      {f::kPromptId, ex.id},
                      {f::kSampleIndex, c.sample_index},
                      {f::kPrompt, ex.prompt},
                      {f::kCompletion, c.text},
                      {f::kAnswer, ex.answer},
                      {f::kVerdicts, std::move(verdicts)},
                      {f::kReward, s.score.reward},
                      {f::kAdvantage, double(s.advantage)},
                      {f::kPromptTokens, ex.prompt_tokens.size()},
                      {f::kCompletionTokens, c.tokens.size()},
                      {f::kFinishReason, rollout::finish_reason_name(c.finish)},
                      {f::kRolloutLogprob, s.rollout_logprob()},
                      {f::kLearnerLogprob, nullptr},
                      {f::kPolicyVersion, s.policy_version}};
  if (std::isfinite(s.learner_logprob)) j[f::kLearnerLogprob] = s.learner_logprob;
  if (with_routes && !c.tokens.empty()) {
    const size_t per_token = s.routes.size() / c.tokens.size();
    nlohmann::json routes = nlohmann::json::array();
    for (size_t t = 0; t < c.tokens.size() && per_token > 0; ++t)
      routes.push_back(std::vector<uint16_t>(s.routes.begin() + long(t * per_token),
                                             s.routes.begin() + long((t + 1) * per_token)));
    j[f::kRoutes] = std::move(routes);
  }
  return j;
}

}  // namespace rlvr::trainer
