// The field names of a run directory's two logs: written by trainer/run_records.cpp, read by
// runlog/. docs/logs.md documents each one.
#pragma once

namespace rlvr::runlog::field {

// metrics.jsonl: one line per SFT step, GRPO step and evaluation.
inline constexpr const char* kStep = "step";
inline constexpr const char* kPhase = "phase";  // one of the phases below
inline constexpr const char* kTime = "time_s";
inline constexpr const char* kLoss = "loss";
inline constexpr const char* kLr = "lr";
inline constexpr const char* kGradNorm = "grad_norm";
inline constexpr const char* kTokens = "tokens";
inline constexpr const char* kTokensPerS = "tokens_per_s";
inline constexpr const char* kOptimizerSteps = "optimizer_steps";
inline constexpr const char* kRewardMean = "reward_mean";
inline constexpr const char* kRewardStd = "reward_std";
inline constexpr const char* kAccuracy = "accuracy";
inline constexpr const char* kKl = "kl";
inline constexpr const char* kClipFrac = "clip_frac";
inline constexpr const char* kRatioMean = "ratio_mean";
inline constexpr const char* kTisWeightMean = "tis_weight_mean";
inline constexpr const char* kEntropy = "entropy";
inline constexpr const char* kResponseLenMean = "response_len_mean";
inline constexpr const char* kRolloutTokensPerS = "rollout_tokens_per_s";
inline constexpr const char* kMismatchMean = "mismatch_mean";
inline constexpr const char* kMismatchMax = "mismatch_max";
inline constexpr const char* kRouteAgreement = "route_agreement";  // learner's live top-k = rollout's
inline constexpr const char* kRolloutKl = "rollout_kl";  // k3 KL(rollout || learner) per token
inline constexpr const char* kRolloutRatioOutside = "rollout_ratio_outside";  // fraction outside [0.5, 2]
inline constexpr const char* kRolloutRatioMax = "rollout_ratio_max";
inline constexpr const char* kRolloutMaskedFrac = "rollout_masked_frac";  // mask modes: tokens weighted 0
inline constexpr const char* kGroupsDropped = "groups_dropped";
inline constexpr const char* kPromptsDrawn = "prompts_drawn";  // dynamic_sampling "refill": > prompts_per_step
inline constexpr const char* kSamplesTrained = "samples_trained";
inline constexpr const char* kTimeRollout = "time_rollout_s";
inline constexpr const char* kTimeReward = "time_reward_s";
inline constexpr const char* kTimeLearner = "time_learner_s";
inline constexpr const char* kTimeWait = "time_wait_s";  // pipelined rollouts: learner waiting
inline constexpr const char* kStaleness = "staleness";   // GRPO updates the batch's weights lag
inline constexpr const char* kStaleBatchesDropped = "stale_batches_dropped";  // so far, staleness_policy "drop"
inline constexpr const char* kEpDispatchBytes = "ep_dispatch_bytes";
inline constexpr const char* kTimeEpGather = "time_ep_gather_s";  // expert parallelism, ZeRO-3: gathering whole models
inline constexpr const char* kStatusCounts = "status_counts";  // verifier -> status -> count
inline constexpr const char* kEvalAccuracy = "eval_accuracy";
inline constexpr const char* kEvalRewardMean = "eval_reward_mean";
inline constexpr const char* kEvalSamples = "eval_samples";
inline constexpr const char* kEvalResponseLenMean = "eval_response_len_mean";

inline constexpr const char* kPhaseSft = "sft";
inline constexpr const char* kPhaseRl = "rl";
inline constexpr const char* kPhaseEval = "eval";

// rollouts.jsonl: one line per sample (kStep as above).
inline constexpr const char* kPromptId = "prompt_id";
inline constexpr const char* kSampleIndex = "sample_index";
inline constexpr const char* kPrompt = "prompt";
inline constexpr const char* kCompletion = "completion";
inline constexpr const char* kAnswer = "answer";
inline constexpr const char* kVerdicts = "verdicts";  // objects with the five fields below
inline constexpr const char* kVerifier = "verifier";
inline constexpr const char* kWeight = "weight";
inline constexpr const char* kReward = "reward";
inline constexpr const char* kStatus = "status";
inline constexpr const char* kDetail = "detail";
inline constexpr const char* kAdvantage = "advantage";
inline constexpr const char* kPromptTokens = "prompt_tokens";
inline constexpr const char* kCompletionTokens = "completion_tokens";
inline constexpr const char* kFinishReason = "finish_reason";
inline constexpr const char* kRolloutLogprob = "rollout_logprob";
inline constexpr const char* kLearnerLogprob = "learner_logprob";
inline constexpr const char* kPolicyVersion = "policy_version";  // GRPO updates of the generating weights
inline constexpr const char* kRoutes = "routes";  // logging.log_routes: per token, MoE layer x k expert ids

}  // namespace rlvr::runlog::field
