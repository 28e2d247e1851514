// The learner's updates: SFT cross-entropy steps and GRPO policy updates on the FP8 (or bf16,
// fp32) training path, over micro-batches of packed sequences with gradient accumulation.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "kernels/op_params.h"
#include "parallel/communicator.h"
#include "model/transformer.h"
#include "trainer/grpo.h"
#include "trainer/optimizer.h"

namespace rlvr::trainer {

// A prompt followed by its completion; the loss covers the completion tokens only.
struct TrainSequence {
  std::vector<int32_t> tokens;
  int64_t prompt_len = 0;
  // The rollout's expert choices for each completion token (rollout::Completion::routes,
  // [completion_len][MoE layers][k] flat); empty: none, every token routes live.
  std::vector<uint16_t> routes;
  int64_t completion_len() const { return int64_t(tokens.size()) - prompt_len; }
};

// Groups of indices whose sequences hold at most max_tokens tokens together (a longer sequence
// gets a group of its own), in order.
std::vector<std::vector<size_t>> pack_micro_batches(const std::vector<TrainSequence>& seqs,
                                                    const std::vector<size_t>& order, int64_t max_tokens);

struct LearnerOptions {
  model::Precision precision = model::Precision::FP8;
  int64_t micro_batch_tokens = 4096;
  model::RouterStats* router_load = nullptr;  // when set, every training forward's load is added
  // Data parallel (more than one rank): the sequences passed are this rank's block of the
  // global batch, in rank order; loss normalizers, mini-batch cuts and reported statistics
  // are global, so every rank takes the step one process would take on the whole batch.
  parallel::Communicator* comm = nullptr;
  // Expert parallelism (parallel::ExpertParallelExperts over comm): every MoE layer exchanges
  // tokens among all ranks, so in each pass every rank runs as many micro-batches as the
  // busiest one (the others run one-token micro-batches with zero gradient).
  model::RoutedExperts* routed_experts = nullptr;
  // Router replay: completion tokens with TrainSequence::routes take the rollout's experts.
  bool replay_routes = false;
};

// How often the learner's live routing chose the rollout's experts: (completion token, MoE
// layer) pairs with a rollout record, and those whose live top-k set equalled it.
struct RouteAgreement {
  int64_t records = 0, matches = 0;
  double fraction() const;  // matches / records; NaN without records
};

struct SftStepResult {
  double loss = 0, grad_norm = 0;
  int64_t tokens = 0;  // completion tokens trained on
};
// One optimizer step of mean cross-entropy over every completion token of the (global) batch.
SftStepResult sft_step(model::Transformer& model, AdamW& optimizer, const std::vector<TrainSequence>& batch,
                       float lr, const LearnerOptions& opt);

// Log-probabilities of each sequence's completion tokens (no gradient); entropy_sum, when set,
// receives each sequence's summed per-token entropy of the policy; agreement, when set, adds
// the routing agreement of the sequences with routes; sampling_logp, when set, receives the
// log-probabilities under the sampling distribution `sampling` (model::sampling_logprobs).
std::vector<std::vector<float>> completion_logprobs(model::Transformer& model, const std::vector<TrainSequence>& seqs,
                                                    const LearnerOptions& opt, std::vector<double>* entropy_sum = nullptr,
                                                    RouteAgreement* agreement = nullptr,
                                                    const SamplingParams* sampling = nullptr,
                                                    std::vector<std::vector<float>>* sampling_logp = nullptr);

// True when the sampler reports the plain softmax's log-probs (temperature 1 or greedy, no top-k
// or top-p), so the learner's own log-probs are the rollout policy's without recomputing.
bool plain_sampling(const SamplingParams& sampling);

struct GrpoSample {
  TrainSequence seq;
  std::vector<float> rollout_logp;  // the sampler's per-token log-probs
  float advantage = 0;
};

struct GrpoUpdateOptions {
  GrpoConfig grpo;
  int64_t epochs = 1;        // passes over the batch
  int64_t mini_batches = 1;  // optimizer steps per pass
  SamplingParams sampling;   // the rollout's: the rollout correction compares log-probs under it
  int64_t max_new_tokens = 0;  // the max_length loss normalizer's length
  // The precision of the KL reference's log-probs (algorithm.reference_dtype); nullopt: the learner's.
  std::optional<model::Precision> reference_precision;
};

struct GrpoUpdateResult {
  double loss = 0;            // mean over the optimizer steps
  double grad_norm = 0;       // mean over the optimizer steps
  PolicyLossStats stats;      // summed over every step
  int64_t optimizer_steps = 0;
  double entropy = 0;         // mean per-token entropy of the policy before the update
  double mismatch_mean = 0, mismatch_max = 0;  // |learner - rollout| log-prob per token
  RouteAgreement route_agreement;              // of the forwards that gave logp_old, all ranks
  std::vector<double> learner_logp_sum;        // per (local) sample, before the update (sampling distribution)
};

// The GRPO update over one rollout batch. ref (may be null unless grpo.kl_coef > 0) is the
// frozen reference policy; lr_at(k) gives the learning rate of the k-th optimizer step of this call.
GrpoUpdateResult grpo_update(model::Transformer& model, AdamW& optimizer, model::Transformer* ref,
                             const std::vector<GrpoSample>& samples, const GrpoUpdateOptions& upd,
                             const LearnerOptions& opt, const std::function<float(int64_t)>& lr_at);

}  // namespace rlvr::trainer
