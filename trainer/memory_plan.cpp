#include "trainer/memory_plan.h"

#include <algorithm>
#include <cstdio>

#include "common/error.h"
#include "kernels/device_choice.h"
#include "kernels/gemm.h"
#include "kernels/tensor.h"
#include "model/config.h"
#include "trainer/policy_setup.h"

namespace rlvr::trainer {

namespace {

using model::ModelConfig;
using model::Precision;

constexpr uint64_t kF32 = 4;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Bytes a LinearCache holds for `rows` inputs of `width` features, quantized per 128-row tile.
double linear_input_bytes(double rows, int64_t width, Precision p) {
  switch (p) {
    case Precision::FP32: return rows * double(width) * 4;
    case Precision::BF16: return rows * double(width) * 2;
    case Precision::FP8: return rows * double(width) + double(ceil_div(int64_t(rows + 0.5), 128)) * double(width) * 4;
  }
  return 0;
}

// An MLP's cache for `rows` rows (gate and up inputs, the SwiGLU inputs g and u).
double mlp_bytes(double rows, int64_t C, int64_t inter, Precision p) {
  return 2 * linear_input_bytes(rows, C, p) + rows * double(2 * inter) * kF32;
}

double attention_bytes(double T, const ModelConfig& c, Precision p) {
  const int64_t C = c.hidden_size, H = c.num_attention_heads;
  if (!c.uses_mla()) {
    const int64_t q = c.q_dim(), kv = c.kv_dim(), Hkv = c.num_key_value_heads;
    // q_raw, k_raw, q, k, v, out; q/k rstd and lse per head
    const double tensors = double(2 * q + 2 * kv + kv + q) + double(H + Hkv + H);
    return linear_input_bytes(T, C, p) + linear_input_bytes(T, q, p) + T * tensors * kF32;
  }
  const int64_t Rq = c.q_lora_rank, R = c.kv_lora_rank, dn = c.qk_nope_head_dim, dr = c.qk_rope_head_dim;
  const int64_t dv = c.v_head_dim, Da = std::max<int64_t>(c.qk_head_dim(), dv);
  double n = linear_input_bytes(T, C, p) + linear_input_bytes(T, R, p) + linear_input_bytes(T, H * dv, p);
  if (Rq > 0) n += linear_input_bytes(T, Rq, p) + T * double(Rq + 1) * kF32;  // q_a and its rstd
  // c and its rstd, q, kv, the RoPE key, out, lse
  return n + T * double(R + 1 + H * Da + H * (dn + dv) + dr + H * Da + H) * kF32;
}

double moe_bytes(double T, const ModelConfig& c, Precision p) {
  const int64_t C = c.hidden_size, E = c.num_experts, k = c.num_experts_per_tok, I = c.moe_intermediate_size;
  // The routed rows spread evenly: E experts of T*k/E rows, each quantized by its own tiles.
  const double rows_per_expert = T * double(k) / double(E);
  double n = double(E) * mlp_bytes(rows_per_expert, C, I, p);
  n += T * double(C + 2 * k + E) * kF32 + T * double(k) * double(C) * kF32;  // h, gates + ids, scores; expert_out
  if (c.n_shared_experts > 0) n += mlp_bytes(T, C, int64_t(c.n_shared_experts) * I, p);
  return n;
}

// The Linear weights' cached copies per parameter: FP8 (fprop, with `f32_copies` also its F32
// dequantized values, which dgrad reads too; else the transposed copy dgrad reads when training
// in FP8) and BF16.
double linear_copy_bytes(Precision train, Precision rollout, bool f32_copies) {
  const double fp8_copy = 1 + 4.0 / (128 * 128);
  double n = 0;
  if (train == Precision::FP8 || rollout == Precision::FP8) n += fp8_copy + (f32_copies ? double(kF32) : 0.0);
  if (train == Precision::FP8 && !f32_copies) n += fp8_copy;
  if (train == Precision::BF16 || rollout == Precision::BF16) n += 2;
  return n;
}

// A forward-only Linear reduced to precision p's copy (LinearWeight::keep_only), per parameter:
// its F32 values, its BF16 copy, or its FP8 blocks with a scale per 128x128 block.
double kept_linear_bytes(Precision p) {
  switch (p) {
    case Precision::FP32: return kF32;
    case Precision::BF16: return 2;
    case Precision::FP8: return 1 + 4.0 / (128 * 128);
  }
  return 0;
}

// The KL reference (trainer/reference_policy.h): F32 non-Linear parameters, and its Linears as
// algorithm.reference_dtype keeps them (fp32: the masters and the copies precision.train reads).
double reference_bytes(const ParamCounts& n, const std::string& dtype, Precision train, bool f32_copies) {
  const double linear = double(n.routed_experts + n.dense_linear);
  const Precision p = model::parse_precision(dtype);
  if (p == Precision::FP32) return double(n.total()) * kF32 + linear * linear_copy_bytes(train, train, f32_copies);
  return double(n.other) * kF32 + linear * kept_linear_bytes(p);
}

// The embeddings, output head and final norm.
int64_t outer_params(const ModelConfig& c) {
  return int64_t(c.vocab_size) * c.hidden_size * (c.tie_word_embeddings ? 1 : 2) + c.hidden_size;
}

std::string size_with_unit(double v, const char* unit) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, unit);
  return buf;
}

}  // namespace

ParamCounts count_layer_params(const ModelConfig& c, int l) {
  ParamCounts n;
  const int64_t C = c.hidden_size, H = c.num_attention_heads;
  n.other = 2 * C;  // the layer's two norms
  if (!c.uses_mla()) {
    n.dense_linear += 2 * c.q_dim() * C + 2 * c.kv_dim() * C;
    n.other += 2 * int64_t(c.head_dim);  // q/k norms
  } else {
    const int64_t Rq = c.q_lora_rank, R = c.kv_lora_rank, dq = c.qk_head_dim();
    n.dense_linear += Rq > 0 ? Rq * C + H * dq * Rq : H * dq * C;
    n.other += Rq > 0 ? Rq : 0;
    n.dense_linear += (R + c.qk_rope_head_dim) * C + H * (c.qk_nope_head_dim + c.v_head_dim) * R + C * H * c.v_head_dim;
    n.other += R;
  }
  if (!c.is_moe_layer(l)) {
    n.dense_linear += 3 * C * c.intermediate_size;
    return n;
  }
  const int64_t E = c.num_experts, I = c.moe_intermediate_size;
  n.routed_experts += E * 3 * C * I;
  n.other += E * C;  // the router (the E floats of the selection bias are no parameter)
  n.dense_linear += 3 * C * I * c.n_shared_experts;
  return n;
}

ParamCounts count_params(const ModelConfig& c) {
  ParamCounts n;
  n.other = outer_params(c);
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const ParamCounts layer = count_layer_params(c, l);
    n.routed_experts += layer.routed_experts;
    n.dense_linear += layer.dense_linear;
    n.other += layer.other;
  }
  return n;
}

uint64_t activation_bytes_per_token(const ModelConfig& c, Precision precision) {
  return uint64_t(0.5 + [&] {
    const double T = 4096;  // tokens of one micro-batch: the FP8 tiles' rounding is then negligible
    double n = T * double(c.hidden_size + 1) * kF32;  // x_final and its rstd
    for (int l = 0; l < c.num_hidden_layers; ++l) {
      n += T * double(2 * c.hidden_size + 2) * kF32;  // x_in, x_mid and the norms' rstd
      n += attention_bytes(T, c, precision);
      n += c.is_moe_layer(l) ? moe_bytes(T, c, precision) : mlp_bytes(T, c.hidden_size, c.intermediate_size, precision);
    }
    return n / T;
  }());
}

uint64_t MemoryPlan::total() const {
  uint64_t n = 0;
  for (const MemoryItem& i : items) n += i.bytes;
  return n;
}

const MemoryItem& MemoryPlan::largest() const {
  RLVR_CHECK(!items.empty(), "trainer", "an empty memory plan");
  return *std::max_element(items.begin(), items.end(),
                           [](const MemoryItem& a, const MemoryItem& b) { return a.bytes < b.bytes; });
}

uint64_t MemoryPlan::bytes_of(const std::string& name) const {
  for (const MemoryItem& i : items)
    if (i.name == name) return i.bytes;
  return 0;
}

std::string MemoryPlan::line() const {
  std::string s = "memory per rank:";
  for (const MemoryItem& i : items) s += " " + i.name + " " + format_bytes(i.bytes) + ",";
  return s + " total " + format_bytes(total());
}

std::string format_bytes(uint64_t bytes) {
  const double b = double(bytes);
  if (bytes < 1024) return std::to_string(bytes) + " B";
  if (b < 1024.0 * 1024) return size_with_unit(b / 1024, "KiB");
  if (b < 1024.0 * 1024 * 1024) return size_with_unit(b / (1024.0 * 1024), "MiB");
  return size_with_unit(b / (1024.0 * 1024 * 1024), "GiB");
}

MemoryPlan memory_plan(const RunConfig& cfg, const ModelConfig& m, int ranks) {
  const Precision train = cfg.precision.train_precision(), rollout = cfg.rollout.model_precision();
  const ParamCounts n = count_params(m);
  ranks = std::max(1, ranks);
  // On the CPU without AMX, the FP8 GEMMs keep each weight copy's dequantized values too.
  const bool f32_copies = resolve_device(cfg.run.device, "config", "run.device") != Device::CUDA &&
                          cpu_fp8_gemm_reads_dequantized();
  // Expert parallelism over ep ranks: a rank holds 1/ep of the routed experts, with their moments
  // (outside ZeRO-1), and rolls out on a whole model gathered for it, whose rollout copies are
  // its own; the shard keeps the training copies only. ZeRO-3 (run.shard_params over several
  // ranks) likewise: between uses it holds no parameter ZeRO-1 updates, in use one layer's.
  const int ep = cfg.run.expert_parallel ? ranks : 1;
  const bool zero3 = cfg.run.shard_params && ranks > 1;
  const double copies = ep > 1 || zero3 ? linear_copy_bytes(train, train, f32_copies) : linear_copy_bytes(train, rollout, f32_copies);
  // F32 value and gradient of every parameter, the cached low-precision copies of the Linears'.
  const double per_linear = 2 * kF32 + copies;
  const double expert_moments = cfg.run.expert_parallel ? 4 : 0;  // counted here, not under optimizer
  // ZeRO-3's largest unit: one decoder layer whole (values, gradients, copies) and the buffer its
  // gradients are summed in, beside the embedding, final norm and head (values and gradients).
  ParamCounts unit;
  for (int l = 0; l < m.num_hidden_layers; ++l) {
    const ParamCounts c = count_layer_params(m, l);
    if (c.total() > unit.total()) unit = c;
  }
  const int64_t outer = outer_params(m);
  MemoryPlan plan;
  const double experts = cfg.run.expert_parallel ? double(n.routed_experts) / ep * (per_linear + expert_moments)
                         : zero3                 ? double(unit.routed_experts) * (per_linear + kF32)
                                                 : double(n.routed_experts) * per_linear;
  plan.items.push_back({"experts", uint64_t(experts),
                        cfg.run.expert_parallel ? "more expert-parallel ranks (run.expert_parallel)"
                        : zero3                 ? "model.moe_intermediate_size or num_experts"
                                                : "model.moe_intermediate_size or num_experts (or run.shard_params)"});
  const double dense = zero3 ? double(unit.dense_linear) * (per_linear + kF32) + double(unit.other + outer) * 3 * kF32
                             : double(n.dense_linear) * per_linear + double(n.other) * 2 * kF32;
  plan.items.push_back({"dense", uint64_t(dense),
                        zero3 ? "model size (hidden_size, layers)" : "run.shard_params = true (or the model size)"});
  // ZeRO-1 over several ranks: FP32 masters, BF16 moments and the summed gradient, each a 1/ranks
  // slice, and (not ZeRO-3) the flat FP32 buffer of every such parameter. One process: the moments.
  const int64_t zero1 = n.total() - (cfg.run.expert_parallel ? n.routed_experts : 0);
  const double optimizer = ranks == 1 ? double(zero1) * 4 : double(zero1) * 12 / ranks + (zero3 ? 0.0 : double(zero1) * kF32);
  plan.items.push_back({"optimizer", uint64_t(optimizer),
                        zero3 ? "more data-parallel ranks (ZeRO splits the state)"
                              : "run.shard_params = true (drops the flat buffer) or more data-parallel ranks"});
  const int64_t T = cfg.algorithm.micro_batch_tokens;
  const uint64_t logits = uint64_t(2 * T) * uint64_t(m.vocab_size) * kF32;  // logits and their gradient
  plan.items.push_back({"activations", uint64_t(T) * activation_bytes_per_token(m, train) + logits,
                        "algorithm.micro_batch_tokens"});
  const int64_t len = std::min<int64_t>(cfg.data.max_prompt_tokens + cfg.rollout.max_new_tokens, m.max_position_embeddings);
  const int64_t slots = std::min<int64_t>(cfg.rollout.max_batch, cfg.rollout.prompts_per_step * cfg.rollout.n);
  const int64_t kv_width = m.uses_mla() ? m.kv_lora_rank + m.qk_rope_head_dim : 2 * m.kv_dim();
  // The whole model rollout decodes on: what this rank does not hold, its Linears as the
  // rollout's copies alone (fp32: their values), and while it is gathered one unit in F32.
  if (zero3 || ep > 1) {
    const double linear = double(n.routed_experts + n.dense_linear);
    const double gathered = rollout == Precision::FP32
                                ? (zero3 ? double(n.total()) * kF32 : double(n.routed_experts) * (ep - 1) / ep * kF32)
                                : linear * kept_linear_bytes(rollout) +
                                      (zero3 ? double(n.other + unit.total()) : double(unit.routed_experts)) * kF32;
    plan.items.push_back({"gathered", uint64_t(gathered),
                          zero3 ? "model size (the rollout decodes on a whole copy)"
                                : "model size (num_experts, moe_intermediate_size)"});
  }
  plan.items.push_back({"kv_cache", uint64_t(slots * len) * uint64_t(kv_width) * m.num_hidden_layers * kF32,
                        "rollout.max_batch"});
  const double values = double(n.total()) * kF32;
  if (cfg.run.max_staleness > 0) {
    // The generator's policy (values and its rollout copies) and the published weights it may
    // still need: up to max_staleness + 1 versions.
    const double gen = values + double(n.routed_experts + n.dense_linear) * linear_copy_bytes(rollout, rollout, f32_copies);
    plan.items.push_back({"generator", uint64_t(gen + values * double(cfg.run.max_staleness + 1)), "run.max_staleness"});
  }
  if (cfg.algorithm.grpo.kl_coef > 0)
    plan.items.push_back({"reference", uint64_t(reference_bytes(n, cfg.algorithm.reference_dtype, train, f32_copies)),
                          cfg.algorithm.reference_dtype == "fp8" ? "algorithm.kl_coef = 0 (no reference model)"
                                                                  : "algorithm.reference_dtype = \"fp8\" (or kl_coef = 0)"});
  return plan;
}

MemoryPlan memory_plan(const RunConfig& cfg, int ranks) {
  if (!cfg.model.from_scratch()) return memory_plan(cfg, ModelConfig::load(cfg.model.path + "/config.json"), ranks);
  ModelConfig m = cfg.model.init;
  if (m.vocab_size == 0) m.vocab_size = int(make_tokenizer(cfg)->vocab_size());
  return memory_plan(cfg, m, ranks);
}

uint64_t configured_memory_limit(const RunConfig& cfg, std::string& what) {
  if (cfg.run.device_memory_gb <= 0) return 0;
  what = cat("run.device_memory_gb = ", cfg.run.device_memory_gb);
  return uint64_t(cfg.run.device_memory_gb * 1024 * 1024 * 1024);
}

uint64_t device_memory_limit(const RunConfig& cfg, std::string& what) {
  if (const uint64_t set = configured_memory_limit(cfg, what)) return set;
  if (resolve_device(cfg.run.device, "config", "run.device") != Device::CUDA) return 0;
  what = "the GPU's memory";
  return cuda_device_memory_bytes();
}

void check_memory_fits(const MemoryPlan& plan, uint64_t device_bytes, const std::string& device) {
  if (device_bytes == 0 || plan.total() <= device_bytes) return;
  const MemoryItem& big = plan.largest();
  RLVR_FAIL("trainer", "the run does not fit its device",
            cat(plan.line(), " exceeds ", device, " (", format_bytes(device_bytes), "); the largest item is ", big.name,
                " (", format_bytes(big.bytes), "): shrink it with ", big.shrink));
}

}  // namespace rlvr::trainer
