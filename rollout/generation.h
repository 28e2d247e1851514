// The rollout engine: G sampled completions per prompt from a model, on token ids, with a KV
// cache shared by each prompt's samples and continuous batching over a fixed number of slots.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "kernels/ops_sampling.h"
#include "model/config.h"
#include "model/transformer.h"

namespace rlvr::rollout {

enum class FinishReason { Stop, Eos, Length, Error };
const char* finish_reason_name(FinishReason r);  // "stop", "eos", "length", "error"

// Text of a token sequence (a tokenizer's decode); the engine itself works on token ids.
using Detokenizer = std::function<std::string(std::span<const int32_t>)>;

struct Completion;

struct GenerationParams {
  int n = 1;                       // samples per prompt (G)
  int max_new_tokens = 256;        // also capped by the context (max_position_embeddings)
  SamplingParams sampling;         // temperature (0 = greedy), top_k, top_p, seed
  std::vector<int32_t> eos_ids;    // any of these ends a sample (kept in its tokens, not its text)
  std::vector<std::string> stop_strings;  // need a detokenizer
  bool keep_stop_string = false;   // keep the matched stop string at the end of the text
  int max_batch = 64;              // KV slots: sequences decoded together
  model::Precision precision = model::Precision::FP32;
  // Index of prompts[0] in a larger batch split across data-parallel ranks: sampling streams
  // use the global index (see generate), Completion::prompt_index stays local.
  int64_t first_prompt_index = 0;
  // Called with each sample as it ends (its text final), on the generating thread, while the
  // others are still decoded: how rewards are scored as samples finish.
  std::function<void(const Completion&)> on_finish;
  // Keep each token's expert choices (Completion::routes), for router replay and its logs; costs
  // MoE layers x k x 2 bytes per token.
  bool record_routes = false;
};

struct Completion {
  int prompt_index = 0, sample_index = 0;
  std::vector<int32_t> tokens;   // generated ids (EOS included when it ended the sample)
  std::vector<float> logprobs;   // sampling log-probability of each token (see sample_tokens)
  // With top-k / top-p (temperature > 0): each token's log-probability under the filtered,
  // renormalized distribution it was drawn from (sampling_logprobs); empty otherwise (logprobs).
  std::vector<float> sampling_logprobs;
  std::string text;              // with a detokenizer: the text, cut at a stop string
  FinishReason finish = FinishReason::Length;
  // With record_routes: per token, per MoE layer, the k experts (in routing order) of the
  // position whose logits drew it (the prompt's last token, then the previous generated token):
  // [tokens.size()][MoE layers][k], flat.
  std::vector<uint16_t> routes;
};

struct GenerationStats {
  int64_t prefill_tokens = 0, decode_tokens = 0, decode_steps = 0;
  double prefill_seconds = 0, decode_seconds = 0;  // model forward time (sampling included in decode)
};

// Throws rlvr::Error starting with `name` (e.g. "prompt 3" or "in.jsonl:7") for an empty prompt,
// a token outside the vocabulary or a prompt that leaves no room in the context.
void validate_prompt(const model::ModelConfig& cfg, std::span<const int32_t> prompt, const std::string& name);

// Throws rlvr::Error naming the prompt and the parameter for bad input (empty prompt, a token
// outside the vocabulary, a prompt that fills the context, n < 1, top_p outside (0, 1], ...).
void validate_generation(const model::ModelConfig& cfg, const std::vector<std::vector<int32_t>>& prompts,
                         const GenerationParams& params, bool have_detokenizer);

// Completions ordered by (prompt_index, sample_index). Sample (p, s) draws its t-th token from
// Philox stream (p << 32 | s), counter t, so the same seed gives the same completions whatever
// max_batch is (p counts from params.first_prompt_index). A sample whose logits have no finite
// value ends with FinishReason::Error.
std::vector<Completion> generate(model::Transformer& model, const std::vector<std::vector<int32_t>>& prompts,
                                 const GenerationParams& params, const Detokenizer& detokenize = {},
                                 GenerationStats* stats = nullptr);

}  // namespace rlvr::rollout
