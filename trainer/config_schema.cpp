// The schema table of the run config (see config_schema.h) and the reference table of
// docs/config.md generated from it. To add a key: one line here, the field in run_config.h, the
// docs table regenerated (the test RunConfig.ConfigDocReferenceTableMatchesTheSchema says how).
#include "trainer/config_schema.h"

#include <cmath>
#include <deque>
#include <sstream>
#include <type_traits>

#include "trainer/config_internal.h"

namespace rlvr::trainer {

namespace {

#define FIELD(member) +[](RunConfig& c) -> auto& { return c.member; }

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr Range any{};
constexpr Range at_least(double lo) { return Range{lo, kInf, false, false}; }
constexpr Range above(double lo) { return Range{lo, kInf, true, false}; }
constexpr Range between(double lo, double hi) { return Range{lo, hi, false, false}; }

// A [sandbox] key's default as TOML text: sandbox::SandboxLimits' own, the one source of them.
template <typename T>
std::string_view limit_default(T sandbox::SandboxLimits::*member) {
  static std::deque<std::string> texts;  // owns what the returned views show
  const T value = sandbox::SandboxLimits{}.*member;
  if constexpr (std::is_same_v<T, bool>) return value ? "true" : "false";
  else if constexpr (std::is_same_v<T, double>) return texts.emplace_back(toml_float(value));
  else return texts.emplace_back(std::to_string(value));
}
#define LIMIT(member) FIELD(sandbox.member), limit_default(&sandbox::SandboxLimits::member)

}  // namespace

const std::vector<KeySpec>& config_schema() {
  static const std::vector<KeySpec> schema = {
      // [run]
      {"run.name", FIELD(run.name), "\"rlvr\"", any, "", "run name; the run directory defaults to runs/NAME"},
      {"run.seed", FIELD(run.seed), "0", at_least(0), "", "seed of data order, sampling and dropout-free init"},
      {"run.device", FIELD(run.device), "\"auto\"", any, "auto|cpu|cuda", "where training runs; auto: CUDA when a GPU is present (one process), else the CPU"},
      {"run.steps", FIELD(run.steps), "100", at_least(1), "", "GRPO steps, one rollout batch each"},
      {"run.expert_parallel", FIELD(run.expert_parallel), "false", any, "", "data-parallel runs: each rank trains 1/ranks of every MoE layer's routed experts for all ranks' tokens (all-to-all dispatch, FP8 in precision fp8, BF16 combine) and holds only those (weights, grads, optimizer state); rollout gathers the whole model per step"},
      {"run.shard_params", FIELD(run.shard_params), "false", any, "", "data-parallel runs: ZeRO-3 - the parameters ZeRO-1 updates in slices are held in slices too (F32 values, gradients, FP8/BF16 copies); forward and backward gather one decoder layer at a time and free it after, its gradients summed onto their owners; rollout, evaluation and checkpoints gather the whole model for the occasion"},
      {"run.max_staleness", FIELD(run.max_staleness), "0", between(0, 16), "", "pipelined rollouts: the next steps' batches are generated while the learner trains, by weights at most this many GRPO updates old; 0: generate, score, learn in turn"},
      {"run.staleness_policy", FIELD(run.staleness_policy), "\"wait\"", any, "wait|drop", "wait: a batch waits for the weights exactly max_staleness updates old (reproducible); drop: it starts with the newest weights, and is dropped when older than max_staleness"},
      {"run.device_memory_gb", FIELD(run.device_memory_gb), "0.0", at_least(0), "", "GiB one rank may hold (the memory plan printed at start must fit); 0: the GPU's memory on CUDA, no limit on the CPU"},
      {"run.run_dir", FIELD(run.run_dir), "\"\"", any, "", "run directory; empty: runs/NAME (`--run-dir` overrides)"},
      // [model]
      {"model.path", FIELD(model.path), "\"\"", any, "", "Hugging Face-style directory (config.json, *.safetensors); empty: use [model.init]"},
      {"model.tokenizer", FIELD(model.tokenizer), "\"auto\"", any, "", "auto (model.path/tokenizer.json), char, or a tokenizer.json path"},
      {"model.alphabet", FIELD(model.alphabet), "\"\"", any, "", "characters of the char tokenizer; empty: printable ASCII and newline"},
      // [model.init]: a tiny model from scratch (Qwen3-MoE / DeepSeek-V3 config.json names)
      {"model.init.seed", FIELD(model.init_seed), "0", at_least(0), "", "seed of the weight initialization"},
      {"model.init.std", FIELD(model.init_std), "0.02", above(0), "", "standard deviation of the initial weights"},
      {"model.init.vocab_size", FIELD(model.init.vocab_size), "0", at_least(0), "", "0: the tokenizer's vocabulary size"},
      {"model.init.hidden_size", FIELD(model.init.hidden_size), "64", at_least(1), "", "model width"},
      {"model.init.intermediate_size", FIELD(model.init.intermediate_size), "128", at_least(0), "", "dense MLP width"},
      {"model.init.moe_intermediate_size", FIELD(model.init.moe_intermediate_size), "64", at_least(0), "", "width of each routed expert"},
      {"model.init.num_hidden_layers", FIELD(model.init.num_hidden_layers), "2", at_least(1), "", "transformer layers"},
      {"model.init.num_attention_heads", FIELD(model.init.num_attention_heads), "4", at_least(1), "", "query heads"},
      {"model.init.num_key_value_heads", FIELD(model.init.num_key_value_heads), "2", at_least(1), "", "key/value heads (GQA)"},
      {"model.init.head_dim", FIELD(model.init.head_dim), "16", at_least(2), "", "width of one head (even, for RoPE)"},
      {"model.init.rms_norm_eps", FIELD(model.init.rms_norm_eps), "1e-6", above(0), "", "RMSNorm epsilon"},
      {"model.init.rope_theta", FIELD(model.init.rope_theta), "10000.0", above(0), "", "RoPE base"},
      {"model.init.max_position_embeddings", FIELD(model.init.max_position_embeddings), "1024", at_least(1), "", "context length"},
      {"model.init.tie_word_embeddings", FIELD(model.init.tie_word_embeddings), "false", any, "", "share the embedding and output head"},
      {"model.init.num_experts", FIELD(model.init.num_experts), "4", at_least(0), "", "routed experts per MoE layer; 0: every layer dense"},
      {"model.init.num_experts_per_tok", FIELD(model.init.num_experts_per_tok), "2", at_least(0), "", "experts each token is routed to"},
      {"model.init.norm_topk_prob", FIELD(model.init.norm_topk_prob), "true", any, "", "renormalize the top-k routing weights"},
      {"model.init.decoder_sparse_step", FIELD(model.init.decoder_sparse_step), "1", at_least(1), "", "every k-th layer is MoE"},
      {"model.init.mlp_only_layers", FIELD(model.init.mlp_only_layers), "[]", at_least(0), "", "layers kept dense"},
      {"model.init.first_k_dense_replace", FIELD(model.init.first_k_dense_replace), "0", at_least(0), "", "the first k layers are dense (DeepSeek)"},
      {"model.init.n_shared_experts", FIELD(model.init.n_shared_experts), "0", at_least(0), "", "shared experts per MoE layer (DeepSeek)"},
      {"model.init.scoring_func", FIELD(model.init.scoring_func), "\"softmax\"", any, "softmax|sigmoid", "router scoring"},
      {"model.init.routed_scaling_factor", FIELD(model.init.routed_scaling_factor), "1.0", above(0), "", "scale of the routed experts' sum"},
      {"model.init.expert_bias_update_rate", FIELD(model.init.expert_bias_update_rate), "0.0", at_least(0), "", "aux-loss-free balancing bias step; 0: off"},
      {"model.init.n_group", FIELD(model.init.n_group), "1", at_least(1), "", "expert groups of group-limited routing (DeepSeek-V3); 1: no limit"},
      {"model.init.topk_group", FIELD(model.init.topk_group), "1", at_least(1), "", "groups a token's experts may come from"},
      {"model.init.kv_lora_rank", FIELD(model.init.kv_lora_rank), "0", at_least(0), "", "KV latent width of multi-head latent attention (DeepSeek-V3); 0: grouped-query attention"},
      {"model.init.q_lora_rank", FIELD(model.init.q_lora_rank), "0", at_least(0), "", "MLA query latent width (q_a_proj, q_b_proj); 0: a plain q_proj"},
      {"model.init.qk_nope_head_dim", FIELD(model.init.qk_nope_head_dim), "0", at_least(0), "", "MLA: query/key width per head without RoPE"},
      {"model.init.qk_rope_head_dim", FIELD(model.init.qk_rope_head_dim), "0", at_least(0), "", "MLA: RoPE width per head (even); its key is shared by the heads"},
      {"model.init.v_head_dim", FIELD(model.init.v_head_dim), "0", at_least(0), "", "MLA: value width per head"},
      {"model.init.rope_interleave", FIELD(model.init.rope_interleave), "true", any, "", "MLA: RoPE pairs (2i, 2i+1) as DeepSeek-V3; false: (i, i + D/2)"},
      // [data]
      {"data.train", FIELD(data.train), "", any, "", "training prompts, JSONL (required)"},
      {"data.eval", FIELD(data.eval), "\"\"", any, "", "evaluation prompts, JSONL; empty: hold out from data.train"},
      {"data.eval_fraction", FIELD(data.eval_fraction), "0.0", Range{0, 1, false, true}, "", "fraction of data.train held out for eval (when data.eval is empty)"},
      {"data.eval_size", FIELD(data.eval_size), "0", at_least(0), "", "rows of data.train held out for eval (instead of eval_fraction)"},
      {"data.prompt_template", FIELD(data.prompt_template), "\"{prompt}\"", any, "", "prompt text; {field} is the row's field, {{ and }} are literal braces"},
      {"data.answer_field", FIELD(data.answer_field), "\"answer\"", any, "", "row field with the reference answer; empty: none"},
      {"data.shuffle", FIELD(data.shuffle), "true", any, "", "shuffle the prompts each epoch (seeded by run.seed)"},
      {"data.max_prompt_tokens", FIELD(data.max_prompt_tokens), "512", at_least(1), "", "longer prompts are skipped (and counted)"},
      // [rollout]
      {"rollout.n", FIELD(rollout.n), "8", between(1, 4096), "", "G: samples per prompt"},
      {"rollout.prompts_per_step", FIELD(rollout.prompts_per_step), "8", at_least(1), "", "prompts per rollout batch"},
      {"rollout.temperature", FIELD(rollout.sampling.temperature), "1.0", between(0, 100), "", "sampling temperature; 0: greedy"},
      {"rollout.top_p", FIELD(rollout.sampling.top_p), "1.0", Range{0, 1, true, false}, "", "nucleus sampling; 1: off"},
      {"rollout.top_k", FIELD(rollout.sampling.top_k), "0", at_least(0), "", "top-k sampling; 0: off"},
      {"rollout.max_new_tokens", FIELD(rollout.max_new_tokens), "256", between(1, 1 << 20), "", "completion length limit"},
      {"rollout.max_batch", FIELD(rollout.max_batch), "256", between(1, 1 << 20), "", "sequences decoded together (KV cache slots: memory grows with it)"},
      {"rollout.stop", FIELD(rollout.stop), "[]", any, "", "stop strings (EOS always stops)"},
      {"rollout.keep_stop", FIELD(rollout.keep_stop), "false", any, "", "keep the matched stop string in the completion"},
      {"rollout.precision", FIELD(rollout.precision), "\"fp8\"", any, "fp32|bf16|fp8", "precision of the rollout engine's weights and GEMMs"},
      // [rewards] (and [[rewards.verifiers]], documented below the table)
      {"rewards.workers", FIELD(rewards.workers), "0", at_least(0), "", "verifier threads; 0: one per hardware thread"},
      {"rewards.timeout_s", FIELD(rewards.timeout_s), "10.0", above(0), "", "per-sample verifier timeout (verdict `timeout`)"},
      // [sandbox]: the defaults are sandbox::SandboxLimits'
      {"sandbox.wall_time_s", LIMIT(wall_time_s), above(0), "", "wall-clock seconds per program; its process tree is killed after"},
      {"sandbox.cpu_time_s", LIMIT(cpu_time_s), above(0), "", "CPU seconds per program (RLIMIT_CPU)"},
      {"sandbox.memory_mb", LIMIT(memory_mb), at_least(16), "", "address-space limit (RLIMIT_AS)"},
      {"sandbox.max_processes", LIMIT(max_processes), at_least(1), "", "processes per program (RLIMIT_NPROC)"},
      {"sandbox.max_file_mb", LIMIT(max_file_mb), at_least(0), "", "largest file a program may write (RLIMIT_FSIZE)"},
      {"sandbox.max_open_files", LIMIT(max_open_files), at_least(4), "", "open file descriptors (RLIMIT_NOFILE)"},
      {"sandbox.max_output_bytes", LIMIT(max_output_bytes), at_least(1), "", "stdout and stderr kept, each"},
      {"sandbox.work_dir_mb", LIMIT(work_dir_mb), at_least(1), "", "size of the program's work directory (tmpfs)"},
      {"sandbox.use_namespaces", LIMIT(use_namespaces), any, "", "user, net, pid and mount namespaces where the kernel allows"},
      // [algorithm]: GRPO
      {"algorithm.scale_by_std", FIELD(algorithm.grpo.scale_by_std), "true", any, "", "divide advantages by the group's reward std (false: Dr. GRPO)"},
      {"algorithm.std_eps", FIELD(algorithm.grpo.std_eps), "1e-6", above(0), "", "added to the std before dividing"},
      {"algorithm.dynamic_sampling", FIELD(algorithm.dynamic_sampling), "\"off\"", any, "off|filter|refill", "DAPO dynamic sampling: filter drops groups whose rewards are all equal; refill also draws more prompts until prompts_per_step groups differ (single process)"},
      {"algorithm.dynamic_sampling_max_batches", FIELD(algorithm.dynamic_sampling_max_batches), "4", between(1, 64), "", "refill: at most this many batches of prompts_per_step prompts per step"},
      {"algorithm.overlong_filter", FIELD(algorithm.overlong_filter), "false", any, "", "train on no sample cut by rollout.max_new_tokens (finish \"length\"); it still counts in its group's advantages"},
      {"algorithm.overlong_penalty", FIELD(algorithm.overlong_penalty), "0.0", at_least(0), "", "DAPO's soft overlong penalty: added to the reward, 0 until max_new_tokens - overlong_buffer tokens, then linear to -overlong_penalty at the limit; 0: off"},
      {"algorithm.overlong_buffer", FIELD(algorithm.overlong_buffer), "0", at_least(0), "", "tokens before rollout.max_new_tokens over which the overlong penalty ramps; 0: only at the limit"},
      {"algorithm.clip_low", FIELD(algorithm.grpo.clip_low), "0.2", Range{0, 1, false, true}, "", "ratio clipped below at 1 - clip_low"},
      {"algorithm.clip_high", FIELD(algorithm.grpo.clip_high), "0.28", at_least(0), "", "ratio clipped above at 1 + clip_high (DAPO clip-higher)"},
      {"algorithm.dual_clip", FIELD(algorithm.grpo.dual_clip), "0.0", at_least(0), "", "dual clip: the loss of a negative advantage A is at most -dual_clip * A (a value > 1, e.g. 3); 0: off"},
      {"algorithm.loss_normalizer", FIELD(algorithm.loss_normalizer), "\"tokens\"", any, "tokens|sequences|max_length", "tokens: sum over all tokens / their count (DAPO); sequences: mean per sequence, then over sequences (GRPO); max_length: sum / (sequences x rollout.max_new_tokens), a constant (Dr. GRPO)"},
      {"algorithm.kl_coef", FIELD(algorithm.grpo.kl_coef), "0.0", at_least(0), "", "k3 KL penalty to the frozen reference policy; 0: no reference"},
      {"algorithm.reference_dtype", FIELD(algorithm.reference_dtype), "\"fp32\"", any, "fp32|bf16|fp8", "how the KL reference holds its Linear weights: fp32: F32 masters, log-probs in precision.train (as the policy); bf16 / fp8: only their BF16 copy / FP8 128x128-block copy, log-probs in that precision. Embeddings, output head, norms and routers stay F32"},
      {"algorithm.rollout_correction", FIELD(algorithm.rollout_correction), "\"token_tis\"", any, "none|token_tis|seq_tis|token_mask|seq_mask", "correction for the rollout/learner mismatch by rho = p_learner / p_rollout under the sampling distribution: token_tis min(rho, high) per token; seq_tis min(product of rho, high) per sequence; token_mask drops tokens with rho outside [low, high]; seq_mask drops sequences whose geometric-mean rho is outside"},
      {"algorithm.rollout_correction_low", FIELD(algorithm.grpo.correction_low), "0.5", between(0, 1), "", "mask modes: the lowest ratio kept"},
      {"algorithm.rollout_correction_high", FIELD(algorithm.grpo.correction_high), "2.0", at_least(1), "", "TIS: cap of the weight; mask modes: the highest ratio kept"},
      {"algorithm.ppo_epochs", FIELD(algorithm.ppo_epochs), "1", between(1, 100), "", "passes over each rollout batch"},
      {"algorithm.mini_batches", FIELD(algorithm.mini_batches), "1", at_least(1), "", "optimizer steps per pass (the batch is split)"},
      {"algorithm.micro_batch_tokens", FIELD(algorithm.micro_batch_tokens), "4096", at_least(1), "", "tokens per forward/backward; gradients accumulate"},
      {"algorithm.router_replay", FIELD(algorithm.router_replay), "\"off\"", any, "off|rollout", "rollout: the learner's forwards route each completion token to the experts the rollout chose (gates from the live router's scores, so it keeps its gradient); off: live routing. Either way each step logs route_agreement"},
      // [optimizer]: AdamW
      {"optimizer.lr", FIELD(optimizer.lr), "1e-3", above(0), "", "peak learning rate"},
      {"optimizer.beta1", FIELD(optimizer.beta1), "0.9", Range{0, 1, false, true}, "", "AdamW beta1"},
      {"optimizer.beta2", FIELD(optimizer.beta2), "0.95", Range{0, 1, false, true}, "", "AdamW beta2"},
      {"optimizer.eps", FIELD(optimizer.eps), "1e-8", above(0), "", "AdamW epsilon"},
      {"optimizer.weight_decay", FIELD(optimizer.weight_decay), "0.0", at_least(0), "", "decoupled weight decay"},
      {"optimizer.grad_clip", FIELD(optimizer.grad_clip), "1.0", at_least(0), "", "max global gradient L2 norm; 0: off"},
      // [schedule]
      {"schedule.warmup_steps", FIELD(schedule.warmup_steps), "0", at_least(0), "", "linear LR warm-up, in optimizer steps"},
      {"schedule.decay", FIELD(schedule.decay), "\"constant\"", any, "constant|linear|cosine", "LR decay after warm-up"},
      {"schedule.min_lr_ratio", FIELD(schedule.min_lr_ratio), "0.0", between(0, 1), "", "final LR as a fraction of optimizer.lr"},
      // [precision]
      {"precision.train", FIELD(precision.train), "\"fp8\"", any, "fp32|bf16|fp8", "learner GEMM precision (master weights stay FP32)"},
      // [sft]
      {"sft.steps", FIELD(sft.steps), "0", at_least(0), "", "cross-entropy steps on dataset completions before RL; 0: none"},
      {"sft.lr", FIELD(sft.lr), "1e-3", above(0), "", "SFT learning rate"},
      {"sft.batch_size", FIELD(sft.batch_size), "16", at_least(1), "", "rows per SFT step"},
      {"sft.completion_field", FIELD(sft.completion_field), "\"completion\"", any, "", "row field with the target completion"},
      // [checkpoint]
      {"checkpoint.every", FIELD(checkpoint.every), "0", at_least(0), "", "steps between checkpoints; 0: only at the end"},
      {"checkpoint.keep", FIELD(checkpoint.keep), "2", at_least(0), "", "checkpoints kept; 0: all"},
      {"checkpoint.on_failure", FIELD(checkpoint.on_failure), "\"stop\"", any, "continue|stop", "when writing a checkpoint fails: warn and go on, or stop"},
      // [logging]
      {"logging.eval_every", FIELD(logging.eval_every), "0", at_least(0), "", "steps between evaluations; 0: none"},
      {"logging.eval_n", FIELD(logging.eval_n), "1", at_least(1), "", "samples per eval prompt"},
      {"logging.eval_temperature", FIELD(logging.eval_temperature), "0.0", between(0, 100), "", "eval sampling temperature; 0: greedy"},
      {"logging.log_rollouts", FIELD(logging.log_rollouts), "true", any, "", "write every sample to rollouts.jsonl"},
      {"logging.log_routes", FIELD(logging.log_routes), "false", any, "", "add each sample's expert choices (per token, MoE layer and k) to rollouts.jsonl"},
      {"logging.print_every", FIELD(logging.print_every), "1", at_least(1), "", "steps between progress lines on stderr"},
  };
  return schema;
}

#undef LIMIT
#undef FIELD

const KeySpec* find_key(std::string_view path) {
  for (const auto& k : config_schema())
    if (k.path == path) return &k;
  return nullptr;
}

bool Range::contains(double v) const {
  if (std::isnan(v)) return false;
  if (lo_open ? !(v > lo) : !(v >= lo)) return false;
  if (hi_open ? !(v < hi) : !(v <= hi)) return false;
  return true;
}

std::string Range::describe() const {
  std::ostringstream os;
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi) {
    os << (lo_open ? "(" : "[") << lo << ", " << hi << (hi_open ? ")" : "]");
  } else if (has_lo) {
    os << (lo_open ? "> " : ">= ") << lo;
  } else if (has_hi) {
    os << (hi_open ? "< " : "<= ") << hi;
  }
  return os.str();
}

std::string type_name(const FieldRef& field) {
  static const char* names[] = {"a boolean", "an integer", "an integer", "a float", "a float", "a string",
                                "a list of strings", "a list of integers"};
  return names[field.index()];
}

namespace {

std::string short_type(const FieldRef& field) {
  static const char* names[] = {"bool", "int", "int", "float", "float", "string", "[string]", "[int]"};
  return names[field.index()];
}

// Escapes the pipe so a cell stays one cell.
std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}

}  // namespace

std::string config_reference_markdown() {
  std::ostringstream os;
  os << "| key | type | default | allowed | meaning |\n| --- | --- | --- | --- | --- |\n";
  for (const auto& k : config_schema()) {
    std::string allowed = !k.choices.empty() ? std::string(k.choices) : k.range.describe();
    if (k.field.index() == 5 || k.field.index() == 6 || k.field.index() == 0) allowed = std::string(k.choices);
    os << "| `" << k.path << "` | " << short_type(k.field) << " | "
       << (k.default_toml.empty() ? std::string("required") : cat("`", cell(k.default_toml), "`")) << " | "
       << cell(allowed) << " | " << cell(k.doc) << " |\n";
  }
  os << "| `rewards.verifiers[].name` | string | required | a registered verifier | one `[[rewards.verifiers]]` table per verifier (at least one) |\n"
     << "| `rewards.verifiers[].weight` | float | `1.0` | any | the sample's reward is the weighted sum of the verdicts |\n"
     << "| `rewards.verifiers[].options` | table | `{}` | per verifier | passed to the verifier's factory |\n";
  return os.str();
}

}  // namespace rlvr::trainer
