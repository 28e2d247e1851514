// Private to trainer/: everything a run holds between steps. Built by the constructor
// (run_setup.cpp: communicator, device, tokenizer, data, policy, verifiers, expert parallelism,
// learner options), then shared by the run loop (train_run.cpp) and its phases (sft_step.cpp,
// rl_step.cpp, evaluation.cpp). Under a launcher of several ranks it is data parallel: each
// rank rolls out, scores and trains on its block of every batch, the optimizer is ZeRO-1, and
// rank 0 alone writes the logs.
#pragma once

#include <deque>
#include <memory>
#include <ostream>
#include <string>

#include "model/transformer.h"
#include "parallel/communicator.h"
#include "parallel/ep_experts.h"
#include "parallel/host_staged.h"
#include "rewards/reward_service.h"
#include "trainer/checkpoint.h"
#include "trainer/data_order.h"
#include "trainer/dataset.h"
#include "trainer/jsonl_log.h"
#include "trainer/learner.h"
#include "trainer/optimizer.h"
#include "trainer/progress.h"
#include "trainer/run_config.h"
#include "trainer/step_batch.h"

namespace rlvr::trainer {

class RolloutPipeline;  // trainer/rollout_pipeline.h

struct RunContext {
  RunContext(const RunConfig& cfg, std::string run_dir, std::ostream* progress_out);
  ~RunContext();

  std::unique_ptr<parallel::Communicator> comm;        // first: MPI starts before anything else
  mutable parallel::HostStagedCommunicator host_comm;  // comm with host buffers (staged for NCCL)
  RunConfig cfg;
  std::string run_dir;
  Device device = Device::CPU;
  std::unique_ptr<Tokenizer> tokenizer;
  Datasets data;
  model::Transformer policy;
  int64_t policy_params = 0, policy_active_params = 0;  // what this rank's policy holds when whole
  std::unique_ptr<model::Transformer> reference;  // the KL penalty's frozen policy
  rewards::RewardService service;
  std::unique_ptr<parallel::ExpertParallelExperts> experts;  // run.expert_parallel
  LearnerOptions learner;
  model::RouterStats router_load;  // the current step's expert loads (aux-loss-free balancing)
  std::unique_ptr<AdamW> optimizer;
  DataOrder sft_order, rl_order;
  TrainState state;
  JsonlLog metrics, rollouts;  // rank 0 only
  Progress progress;
  std::deque<StepBatch> in_flight;            // batches a checkpoint held, trained first on resume
  std::unique_ptr<RolloutPipeline> pipeline;  // run.max_staleness > 0, during the GRPO phase

  // The policy with every routed expert, for rollout, evaluation, the pipeline's published weights
  // and the reference: the policy itself, or, when expert parallelism gave this rank a share of
  // the experts or run.shard_params holds the parameters in slices, a whole copy gathered for as
  // long as the holder lives (collective: every rank gathers at the same point;
  // parallel/expert_shards.h, parallel/param_shards.h). keep: a gathered copy holds its Linears
  // only as that precision's copies (the rollout's, for generation and evaluation; fp32 for the
  // pipeline's published weights and the reference, which read the F32 values). The gather's
  // time adds to expert_gather_s.
  struct WholePolicy {
    std::unique_ptr<model::Transformer> gathered;
    model::Transformer* model = nullptr;
    model::Transformer& operator*() const { return *model; }
  };
  WholePolicy whole_policy(model::Precision keep = model::Precision::FP32);
  double expert_gather_s = 0;  // seconds whole_policy() spent gathering, since the last take

  // ZeRO-3's units of the policy (run.shard_params over several ranks, while an optimizer exists);
  // null otherwise.
  parallel::ParamShards* param_shards() const { return optimizer ? optimizer->param_shards() : nullptr; }
  // Every parameter whole in the policy itself while the holder lives (run.shard_params; collective
  // at both ends): to write or read a checkpoint.
  struct WholeParams {
    parallel::ParamShards* shards = nullptr;
    explicit WholeParams(parallel::ParamShards* s) : shards(s) {}
    WholeParams(const WholeParams&) = delete;
    ~WholeParams();
  };
  WholeParams whole_params();

  // The communicator every data-parallel helper uses (host buffers, whatever the backend); null
  // in one process.
  parallel::Communicator* dp() const;
  bool writer() const { return !dp() || dp()->rank() == 0; }
  // The optimizer for the current phase (SFT's learning rate, or RL's), with fresh moments.
  void make_optimizer();
  // Collective under run.shard_params: the optimizer goes, the policy keeps every parameter whole.
  void drop_optimizer();
  // The expert-bias update of aux-loss-free balancing from router_load, summed over ranks.
  void update_expert_bias();
};

}  // namespace rlvr::trainer
