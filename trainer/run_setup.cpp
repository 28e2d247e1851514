// Building a run (see run_context.h): communicator, device, tokenizer and data, the policy,
// the reward service, expert parallelism and the learner's options.
#include <algorithm>
#include <chrono>
#include <thread>

#include "common/error.h"
#include "kernels/device_choice.h"
#include "model/expert_balance.h"
#include "parallel/expert_shards.h"
#include "parallel/launch_env.h"
#include "trainer/data_parallel.h"
#include "trainer/policy_setup.h"
#include "trainer/rollout_batch.h"
#include "trainer/rollout_pipeline.h"
#include "trainer/run_context.h"

namespace rlvr::trainer {

namespace {

rewards::RewardServiceConfig reward_service_config(const RunConfig& cfg) {
  const int workers = int(cfg.rewards.workers > 0 ? cfg.rewards.workers : std::max(1u, std::thread::hardware_concurrency()));
  return {workers, cfg.rewards.timeout_s};
}

// run.device: auto is CUDA when a GPU is there.
Device train_device(const RunConfig& cfg) {
  return resolve_device(cfg.run.device, "config", cat(cfg.where("run.device"), ": run.device"));
}

void check_divisible(int64_t n, int world, const char* key) {
  RLVR_CHECK(n % world == 0, "trainer", key, " = ", n, " does not split evenly over ", world,
             " data-parallel ranks: use a multiple of ", world);
}

}  // namespace

RunContext::RunContext(const RunConfig& config, std::string dir, std::ostream* progress_out)
    : comm(parallel::make_communicator()), host_comm(*comm), cfg(config), run_dir(std::move(dir)),
      tokenizer(make_tokenizer(cfg)), data(load_datasets(cfg, *tokenizer)), policy(make_policy(cfg, *tokenizer, comm->rank(), comm->size())),
      service(reward_verifier_specs(cfg), reward_service_config(cfg)),
      sft_order(int64_t(data.train.size()), step_seed(uint64_t(cfg.run.seed), 1, 0), cfg.data.shuffle),
      rl_order(int64_t(data.train.size()), step_seed(uint64_t(cfg.run.seed), 2, 0), cfg.data.shuffle),
      progress(progress_out, !multi_rank(comm.get()) || comm->rank() == 0) {
  check_divisible(cfg.rollout.prompts_per_step, comm->size(), "rollout.prompts_per_step");
  if (cfg.sft.steps > 0) check_divisible(cfg.sft.batch_size, comm->size(), "sft.batch_size");
  // Refill decides per batch whether to draw more prompts, which ranks would have to agree on.
  RLVR_CHECK(!cfg.algorithm.refill() || comm->size() == 1, "config", cfg.where("algorithm.dynamic_sampling"),
             ": algorithm.dynamic_sampling = \"refill\" runs in one process only; under a launcher of ",
             comm->size(), " ranks use \"filter\"");
  device = train_device(cfg);
  // One GPU per rank on a node (NCCL has already picked LOCAL_RANK's; MPI ranks pick it here).
  if (device == Device::CUDA && dp()) select_cuda_device(parallel::discover_launch_env().local_rank);
  policy.to(device);
  // A checkpoint may have more embedding rows than its tokenizer has tokens: never sample them.
  policy.limit_output_vocab(int(tokenizer->vocab_size()));
  policy_params = model::count_params(policy.config(), policy.weights());
  policy_active_params = model::count_active_params(policy.config(), policy.weights());
  learner.comm = dp();
  if (cfg.run.expert_parallel) {
    // The raw communicator: device tensors go straight to NCCL, host ones are staged for it.
    experts = std::make_unique<parallel::ExpertParallelExperts>(*comm, policy.config());
    learner.routed_experts = experts.get();
  }
  learner.precision = cfg.precision.train_precision();
  learner.micro_batch_tokens = cfg.algorithm.micro_batch_tokens;
  learner.replay_routes = cfg.algorithm.router_replay == "rollout";
  if (cfg.model.init.expert_bias_update_rate > 0) learner.router_load = &router_load;
  state.seed = uint64_t(cfg.run.seed);
  state.phase = cfg.sft.steps > 0 ? "sft" : "rl";
}

RunContext::~RunContext() = default;

RunContext::WholePolicy RunContext::whole_policy(model::Precision keep) {
  WholePolicy whole{nullptr, &policy};
  parallel::ParamShards* shards = param_shards();
  if (!shards && policy.weights().experts.all(policy.config())) return whole;
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<model::Transformer> dense;  // ZeRO-3: every unit gathered into a copy first
  if (shards) {
    dense = std::make_unique<model::Transformer>(policy.config(), shards->whole_copy(keep));
    dense->limit_output_vocab(policy.output_vocab());
  }
  whole.gathered = std::make_unique<model::Transformer>(parallel::gather_experts(dense ? *dense : policy, *comm, keep));
  whole.model = whole.gathered.get();
  expert_gather_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return whole;
}

parallel::Communicator* RunContext::dp() const { return multi_rank(comm.get()) ? &host_comm : nullptr; }

RunContext::WholeParams RunContext::whole_params() {
  if (param_shards()) param_shards()->acquire_all();
  return WholeParams{param_shards()};
}

RunContext::WholeParams::~WholeParams() {
  if (shards) shards->release_all();
}

void RunContext::make_optimizer() {
  OptimizerConfig oc = cfg.optimizer;
  if (state.phase == "sft") oc.lr = float(cfg.sft.lr);
  drop_optimizer();
  optimizer = std::make_unique<AdamW>(policy.params(), oc, dp(), cfg.run.shard_params && dp() ? &policy : nullptr);
}

void RunContext::drop_optimizer() {
  if (!optimizer) return;
  optimizer->unshard_params();
  optimizer.reset();
}

void RunContext::update_expert_bias() {
  sum_router_load(dp(), policy.config(), router_load);
  model::update_expert_bias(policy, router_load, cfg.model.init.expert_bias_update_rate);
}

}  // namespace rlvr::trainer
