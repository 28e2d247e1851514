#include "trainer/step_batch.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "trainer/data_parallel.h"
#include "trainer/grpo.h"
#include "trainer/rollout_gather.h"
#include "trainer/run_context.h"

namespace rlvr::trainer {

namespace {

std::vector<const Example*> local_prompts(const RunContext& run, const std::vector<const Example*>& all) {
  const RankShare share = rank_share(int64_t(all.size()), run.dp());
  return {all.begin() + share.begin, all.begin() + share.end};
}

// DAPO's soft overlong penalty, added to each sample's reward.
void add_overlong_penalty(RolloutBatch& rb, const RunConfig& cfg) {
  const AlgorithmSection& a = cfg.algorithm;
  if (a.overlong_penalty <= 0) return;
  for (SampleRecord& s : rb.samples)
    s.score.reward += overlong_penalty(int64_t(s.completion.tokens.size()), cfg.rollout.max_new_tokens,
                                       a.overlong_buffer, a.overlong_penalty);
}

// Groups whose rewards are not all equal (the ones that carry a learning signal).
int64_t informative_groups(const RolloutBatch& rb) {
  std::vector<double> rewards;
  for (const SampleRecord& s : rb.samples) rewards.push_back(s.score.reward);
  int64_t n = 0;
  const size_t g = size_t(rb.group_size);
  for (size_t first = 0; first + g <= rewards.size(); first += g)
    n += !rewards_all_equal(std::span<const double>(rewards).subspan(first, g));
  return n;
}

// Appends a batch generated after `into` (the same step): its groups follow, times add up.
void append_batch(RolloutBatch& into, RolloutBatch&& more) {
  into.prompts.insert(into.prompts.end(), more.prompts.begin(), more.prompts.end());
  for (SampleRecord& s : more.samples) into.samples.push_back(std::move(s));
  into.gen.prefill_tokens += more.gen.prefill_tokens;
  into.gen.decode_tokens += more.gen.decode_tokens;
  into.gen.decode_steps += more.gen.decode_steps;
  into.gen.prefill_seconds += more.gen.prefill_seconds;
  into.gen.decode_seconds += more.gen.decode_seconds;
  into.rollout_seconds += more.rollout_seconds;
  into.reward_seconds += more.reward_seconds;
}

}  // namespace

StepBatch generate_step_batch(RunContext& run, model::Transformer& generator, DataOrder& order, int64_t step,
                              int64_t policy_version) {
  const RunConfig& cfg = run.cfg;
  const int64_t per_batch = cfg.rollout.prompts_per_step;
  // Refill (one process): more batches of prompts until prompts_per_step groups have differing
  // rewards or the bound is reached. Their prompts continue the step's indices, so each sample
  // keeps its own sampling stream under the step's seed.
  const int64_t max_batches = cfg.algorithm.refill() ? cfg.algorithm.dynamic_sampling_max_batches : 1;
  StepBatch b;
  b.step = step;
  b.policy_version = policy_version;
  // Expert choices feed route_agreement (every RL step), router replay and their logs.
  const bool record_routes = generator.config().n_moe_layers() > 0;
  int64_t informative = 0;
  for (int64_t k = 0; k < max_batches && (k == 0 || informative < per_batch); ++k) {
    std::vector<const Example*> drawn;
    for (int64_t i : order.next(per_batch)) drawn.push_back(&run.data.train[size_t(i)]);
    const RankShare share = rank_share(int64_t(drawn.size()), run.dp());
    const RolloutRequest req{int(cfg.rollout.n), cfg.rollout.sampling, step_seed(run.state.seed, 3, step),
                             int64_t(b.all_prompts.size()) + share.begin, policy_version, record_routes};
    RolloutBatch rb = collect_rollouts(generator, *run.tokenizer, run.service, cfg, local_prompts(run, drawn), req);
    add_overlong_penalty(rb, cfg);
    informative += informative_groups(rb);
    b.all_prompts.insert(b.all_prompts.end(), drawn.begin(), drawn.end());
    if (k == 0) b.local = std::move(rb);
    else append_batch(b.local, std::move(rb));
  }
  return b;
}

std::string encode_step_batches(const RunContext& run, const std::deque<StepBatch>& batches) {
  nlohmann::json doc = nlohmann::json::array();
  for (const StepBatch& b : batches) {
    std::vector<int64_t> prompts;
    for (const Example* e : b.all_prompts) prompts.push_back(int64_t(e - run.data.train.data()));
    doc.push_back({{"step", b.step}, {"policy_version", b.policy_version}, {"prompts", prompts},
                   {"batch", batch_to_json(b.local)}});
  }
  const std::vector<uint8_t> bytes = nlohmann::json::to_cbor(doc);
  return std::string(bytes.begin(), bytes.end());
}

std::deque<StepBatch> decode_step_batches(const RunContext& run, const std::string& bytes, const std::string& source) {
  std::deque<StepBatch> out;
  try {
    for (const auto& d : nlohmann::json::from_cbor(bytes)) {
      StepBatch b;
      b.step = d.at("step").get<int64_t>();
      b.policy_version = d.at("policy_version").get<int64_t>();
      for (int64_t i : d.at("prompts").get<std::vector<int64_t>>()) {
        RLVR_CHECK(i >= 0 && i < int64_t(run.data.train.size()), "checkpoint", source, ": prompt ", i,
                   " is not one of the ", run.data.train.size(), " training examples (another dataset?)");
        b.all_prompts.push_back(&run.data.train[size_t(i)]);
      }
      b.local = batch_from_json(d.at("batch"), local_prompts(run, b.all_prompts), 0, int(run.cfg.rollout.n));
      out.push_back(std::move(b));
    }
  } catch (const nlohmann::json::exception& e) {
    RLVR_FAIL("checkpoint", cat(source, ": unreadable batches in flight: ", e.what()));
  }
  return out;
}

}  // namespace rlvr::trainer
