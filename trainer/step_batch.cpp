#include "trainer/step_batch.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "trainer/data_parallel.h"
#include "trainer/rollout_gather.h"
#include "trainer/run_context.h"

namespace rlvr::trainer {

namespace {

std::vector<const Example*> local_prompts(const RunContext& run, const std::vector<const Example*>& all) {
  const RankShare share = rank_share(int64_t(all.size()), run.dp());
  return {all.begin() + share.begin, all.begin() + share.end};
}

}  // namespace

StepBatch generate_step_batch(RunContext& run, model::Transformer& generator, DataOrder& order, int64_t step,
                              int64_t policy_version) {
  const RunConfig& cfg = run.cfg;
  StepBatch b;
  b.step = step;
  b.policy_version = policy_version;
  for (int64_t i : order.next(cfg.rollout.prompts_per_step)) b.all_prompts.push_back(&run.data.train[size_t(i)]);
  const RankShare share = rank_share(int64_t(b.all_prompts.size()), run.dp());
  // Expert choices feed route_agreement (every RL step), router replay and their logs.
  const RolloutRequest req{int(cfg.rollout.n), cfg.rollout.sampling, step_seed(run.state.seed, 3, step), share.begin,
                           policy_version, generator.config().n_moe_layers() > 0};
  b.local = collect_rollouts(generator, *run.tokenizer, run.service, cfg, local_prompts(run, b.all_prompts), req);
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
