// The memory plan: its parameter counts equal the allocated model's, its activation estimate is
// within 10% of what the forward holds for backward, and a run that does not fit is refused
// naming the largest item and the setting that shrinks it.
#include <gtest/gtest.h>

#include <random>

#include "model/transformer.h"
#include "model/weights.h"
#include "testsupport/small_moe.h"
#include "tests/trainer/run_config_fixtures.h"
#include "tests/trainer/train_run_fixture.h"
#include "trainer/memory_plan.h"

namespace rlvr::trainer {
namespace {

using model::ModelConfig;
using model::Precision;
using TrainRun = testing::TrainRun;

struct PlanModel {
  const char* name;
  ModelConfig cfg;
};

std::vector<PlanModel> models() {
  ModelConfig tied = testsupport::small_moe();
  tied.tie_word_embeddings = true;
  ModelConfig dense = testsupport::small_moe();
  dense.num_experts = 0;
  dense.mlp_only_layers = {};
  ModelConfig plain_q = testsupport::small_deepseek();
  plain_q.q_lora_rank = 0;
  ModelConfig many_experts = testsupport::small_moe();
  many_experts.num_experts = 16;
  many_experts.num_experts_per_tok = 4;
  return {{"moe", testsupport::small_moe()}, {"tied", tied},           {"dense", dense},
          {"deepseek", testsupport::small_deepseek()}, {"deepseek_plain_q", plain_q}, {"many_experts", many_experts}};
}

TEST(MemoryPlan, ParameterCountsEqualTheAllocatedModels) {
  for (const PlanModel& pm : models()) {
    model::Transformer m(pm.cfg);
    const ParamCounts n = count_params(pm.cfg);
    EXPECT_EQ(n.total(), model::count_params(m.config(), m.weights())) << pm.name;
    int64_t routed = 0;
    for (const model::LayerWeights& l : m.weights().layers)
      for (const model::MlpWeights& e : l.moe.experts)
        routed += e.gate.weight.numel() + e.up.weight.numel() + e.down.weight.numel();
    EXPECT_EQ(n.routed_experts, routed) << pm.name;
  }
}

// The forward's own count (model::ForwardCache::activation_bytes) over 4096 random tokens in
// 8 sequences, against the plan's per-token estimate.
TEST(MemoryPlan, ActivationEstimateWithinTenPercentOfTheForwardCache) {
  for (const PlanModel& pm : models()) {
    model::Transformer m(pm.cfg);
    model::init_weights(m.config(), m.weights(), 3, 0.05f);
    std::mt19937 rng(5);
    std::vector<std::vector<int32_t>> seqs(8, std::vector<int32_t>(512));
    for (auto& s : seqs)
      for (int32_t& t : s) t = int32_t(rng() % uint32_t(pm.cfg.vocab_size));
    const model::Batch batch = model::Batch::pack(seqs);
    for (Precision p : {Precision::FP32, Precision::BF16, Precision::FP8}) {
      model::ForwardCache cache;
      m.forward(batch, p, &cache);
      const double measured = double(cache.activation_bytes()) / double(batch.n_tokens());
      const double planned = double(activation_bytes_per_token(pm.cfg, p));
      EXPECT_NEAR(planned / measured, 1.0, 0.10) << pm.name << " " << model::precision_name(p) << ": planned "
                                                 << planned << " B/token, the forward held " << measured;
    }
  }
}

RunConfig plan_config(const std::vector<std::string>& overrides = {}) {
  std::vector<std::string> all = {"model.init.hidden_size=128", "model.init.num_experts=4"};
  all.insert(all.end(), overrides.begin(), overrides.end());
  return testing::parse_text(testing::kMinimal, all);
}

uint64_t item(const MemoryPlan& plan, const std::string& name) {
  for (const MemoryItem& i : plan.items)
    if (i.name == name) return i.bytes;
  return 0;
}

TEST(MemoryPlan, ItemsFollowTheSettings) {
  const MemoryPlan one = memory_plan(plan_config(), 1);
  const std::string line = one.line();
  EXPECT_EQ(line.rfind("memory per rank: experts ", 0), 0u) << line;
  for (const char* name : {" dense ", " optimizer ", " activations ", " kv_cache ", " total "})
    EXPECT_NE(line.find(name), std::string::npos) << name << " in " << line;
  EXPECT_EQ(line.find("reference"), std::string::npos) << "no reference model without kl_coef";
  EXPECT_EQ(line.find("generator"), std::string::npos) << "no generator copy without pipelining";
  EXPECT_GT(item(memory_plan(plan_config({"algorithm.kl_coef=0.01"}), 1), "reference"), 0u);
  EXPECT_GT(item(memory_plan(plan_config({"run.max_staleness=2"}), 1), "generator"), 0u);
  // ZeRO-1 splits the FP32 masters, BF16 moments and summed gradients (12 B a parameter; one
  // process holds the 4 B of moments) and keeps a flat F32 buffer of every parameter; every rank
  // still holds every parameter.
  const MemoryPlan four = memory_plan(plan_config(), 4);
  EXPECT_EQ(item(four, "optimizer"), item(one, "optimizer") * 7 / 4);
  EXPECT_EQ(item(four, "experts"), item(one, "experts"));
  EXPECT_EQ(item(memory_plan(plan_config({"algorithm.micro_batch_tokens=8192"}), 1), "activations"),
            2 * item(one, "activations"));
  EXPECT_EQ(item(memory_plan(plan_config({"rollout.max_batch=16"}), 1), "kv_cache"),
            item(memory_plan(plan_config({"rollout.max_batch=32"}), 1), "kv_cache") / 2);
}

// Expert parallelism: a rank holds 1/ranks of the routed experts with their moments (out of
// ZeRO-1's optimizer item), plus the whole model rollout gathers.
TEST(MemoryPlan, ExpertParallelismSplitsTheExperts) {
  const MemoryPlan one = memory_plan(plan_config({"run.expert_parallel=true"}), 1);
  const MemoryPlan plain = memory_plan(plan_config(), 1);
  EXPECT_EQ(item(one, "gathered"), 0u) << "one rank holds every expert: nothing to gather";
  EXPECT_GT(item(one, "experts"), item(plain, "experts")) << "the experts' moments move to their item";
  EXPECT_LT(item(one, "optimizer"), item(plain, "optimizer"));
  for (int ranks : {2, 4}) {
    const MemoryPlan ep = memory_plan(plan_config({"run.expert_parallel=true", "precision.train=fp32",
                                                   "rollout.precision=fp32"}), ranks);
    const MemoryPlan ep1 = memory_plan(plan_config({"run.expert_parallel=true", "precision.train=fp32",
                                                    "rollout.precision=fp32"}), 1);
    EXPECT_EQ(item(ep, "experts"), item(ep1, "experts") / uint64_t(ranks)) << ranks;
    EXPECT_EQ(item(ep, "optimizer"), item(ep1, "optimizer") * uint64_t(3 + ranks) / uint64_t(ranks)) << ranks;
    EXPECT_GT(item(ep, "gathered"), 0u) << ranks;
  }
}

// ZeRO-3: the optimizer's state is split with no flat buffer, one decoder layer is whole at a time,
// and rollout gathers the whole model; one process has nothing to split.
TEST(MemoryPlan, ShardParamsHoldsOneLayerAndASliceOfTheState) {
  const std::vector<std::string> fp32{"precision.train=fp32", "rollout.precision=fp32", "model.init.num_hidden_layers=6"};
  auto with = [&](std::vector<std::string> sets) {
    sets.insert(sets.end(), fp32.begin(), fp32.end());
    return plan_config(sets);
  };
  const MemoryPlan one = memory_plan(with({}), 1);
  EXPECT_EQ(memory_plan(with({"run.shard_params=true"}), 1).line(), one.line());
  const model::ModelConfig m = with({}).model.init;
  for (int ranks : {2, 4}) {
    const MemoryPlan z1 = memory_plan(with({}), ranks);
    const MemoryPlan z3 = memory_plan(with({"run.shard_params=true"}), ranks);
    EXPECT_EQ(item(z3, "optimizer"), item(one, "optimizer") * 3 / uint64_t(ranks)) << ranks;
    // One MoE layer's experts whole (value, gradient, the buffer its gradient is summed in).
    int64_t layer_experts = 0;
    for (int l = 0; l < m.num_hidden_layers; ++l)
      layer_experts = std::max(layer_experts, count_layer_params(m, l).routed_experts);
    EXPECT_GT(layer_experts, 0);
    EXPECT_EQ(item(z3, "experts"), uint64_t(layer_experts) * 12) << ranks;
    EXPECT_LT(item(z3, "dense"), item(z1, "dense")) << ranks;
    // Every parameter's F32 value (one process holds value and gradient of each: 8 B in fp32).
    EXPECT_EQ(item(z3, "gathered"), (item(one, "experts") + item(one, "dense")) / 2) << ranks;
    EXPECT_EQ(item(z3, "activations"), item(z1, "activations")) << ranks;
  }
  // With expert parallelism the routed experts stay whole on their owner, out of ZeRO.
  const MemoryPlan ep = memory_plan(with({"run.shard_params=true", "run.expert_parallel=true"}), 4);
  EXPECT_EQ(item(ep, "experts"), item(memory_plan(with({"run.expert_parallel=true"}), 4), "experts"));
}

TEST(MemoryPlan, ARunThatDoesNotFitIsRefusedNamingTheLargestItem) {
  const MemoryPlan plan = memory_plan(plan_config({"algorithm.micro_batch_tokens=65536"}), 1);
  EXPECT_EQ(plan.largest().name, "activations");
  EXPECT_NO_THROW(check_memory_fits(plan, plan.total(), "the device"));
  EXPECT_NO_THROW(check_memory_fits(plan, 0, "no limit"));
  try {
    check_memory_fits(plan, plan.total() - 1, "run.device_memory_gb = 0.01");
    FAIL() << "expected a refusal";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("exceeds run.device_memory_gb = 0.01"), std::string::npos) << msg;
    EXPECT_NE(msg.find("the largest item is activations"), std::string::npos) << msg;
    EXPECT_NE(msg.find("algorithm.micro_batch_tokens"), std::string::npos) << msg;
  }
}

// A run reports the most tensor storage it held; on the CPU it is near the plan's total. Measured
// 2026-12-03: this 0.43 MB plan, 0.51 MB held (+18%: small tensors the plan leaves out weigh
// more in a tiny model); the default job 27.1 MiB held against a 26.2 MiB plan (+3%);
// deepseek_tiny 33.5 against 25.5 (+31%: MLA's backward keeps working tensors the plan does not
// count). The bound catches a missing or doubled item, not that gap.
TEST_F(TrainRun, PeakTensorMemoryIsNearThePlan) {
  const RunConfig cfg = config({"run.steps=2"});
  const TrainResult r = run(cfg, "peak");
  const double plan = double(memory_plan(cfg, 1).total());
  EXPECT_GT(r.peak_tensor_bytes, 0u);
  EXPECT_NEAR(double(r.peak_tensor_bytes) / plan, 1.0, 0.35) << r.peak_tensor_bytes << " B held, plan " << plan;
}

TEST(MemoryPlan, BytesReadAsUnits) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.50 KiB");
  EXPECT_EQ(format_bytes(300ull << 20), "300 MiB");
  EXPECT_EQ(format_bytes(uint64_t(9.8 * double(1ull << 30))), "9.80 GiB");
}

}  // namespace
}  // namespace rlvr::trainer
