// Allocation, naming, initialization and loading of the model's parameters.
#include "model/weights.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "model/param_gather.h"

namespace rlvr::model {

namespace {

// N of a name model.layers.N.*, else -1.
int layer_of_name(const std::string& name) {
  const std::string prefix = "model.layers.";
  if (name.compare(0, prefix.size(), prefix) != 0) return -1;
  const size_t dot = name.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size()) return -1;
  int layer = 0;
  for (size_t i = prefix.size(); i < dot; ++i) {
    if (name[i] < '0' || name[i] > '9' || layer > 1000000) return -1;
    layer = layer * 10 + (name[i] - '0');
  }
  return layer;
}

Tensor zeros(Shape s) { return Tensor::zeros(std::move(s), DType::F32); }
Param zero_param(Shape s) { return Param{zeros(std::move(s)), Tensor()}; }
ParamRef ref(std::string name, Param& p, bool trainable = true) {
  return ParamRef{std::move(name), &p.value, &p.grad, nullptr, trainable};
}

void alloc_linear(LinearWeight& l, int64_t out, int64_t in) { l.weight = zeros({out, in}); }

void alloc_mlp(MlpWeights& m, int64_t hidden, int64_t inter) {
  alloc_linear(m.gate, inter, hidden);
  alloc_linear(m.up, inter, hidden);
  alloc_linear(m.down, hidden, inter);
}

void alloc_attention(LayerWeights& L, const ModelConfig& cfg) {
  const int64_t C = cfg.hidden_size;
  if (!cfg.uses_mla()) {
    alloc_linear(L.attn.q, cfg.q_dim(), C);
    alloc_linear(L.attn.k, cfg.kv_dim(), C);
    alloc_linear(L.attn.v, cfg.kv_dim(), C);
    alloc_linear(L.attn.o, C, cfg.q_dim());
    L.attn.q_norm = zero_param({cfg.head_dim});
    L.attn.k_norm = zero_param({cfg.head_dim});
    return;
  }
  const int64_t H = cfg.num_attention_heads, R = cfg.kv_lora_rank, Rq = cfg.q_lora_rank;
  MlaWeights& m = L.mla;
  if (Rq > 0) {
    alloc_linear(m.q_a, Rq, C);
    m.q_a_norm = zero_param({Rq});
    alloc_linear(m.q_b, H * cfg.qk_head_dim(), Rq);
  } else {
    alloc_linear(m.q, H * cfg.qk_head_dim(), C);
  }
  alloc_linear(m.kv_a, R + cfg.qk_rope_head_dim, C);
  m.kv_a_norm = zero_param({R});
  alloc_linear(m.kv_b, H * (cfg.qk_nope_head_dim + cfg.v_head_dim), R);
  alloc_linear(m.o, C, H * cfg.v_head_dim);
}

void add_linear(std::vector<ParamRef>& out, const std::string& name, LinearWeight& l) {
  out.push_back({name + ".weight", &l.weight, &l.grad, &l.version, true});
  out.back().linear = &l;
}

void add_mlp(std::vector<ParamRef>& out, const std::string& prefix, MlpWeights& m) {
  add_linear(out, prefix + ".gate_proj", m.gate);
  add_linear(out, prefix + ".up_proj", m.up);
  add_linear(out, prefix + ".down_proj", m.down);
}

// Routed expert `expert` of a layer; rank_local when the model holds only a share of them.
void add_routed_expert(std::vector<ParamRef>& out, const std::string& layer, int expert, bool rank_local,
                       MlpWeights& m) {
  add_mlp(out, layer + ".mlp.experts." + std::to_string(expert), m);
  for (size_t i = out.size() - 3; i < out.size(); ++i) {
    out[i].expert = expert;
    out[i].rank_local = rank_local;
  }
}

void add_attention(std::vector<ParamRef>& out, const std::string& p, const ModelConfig& cfg, LayerWeights& L) {
  if (!cfg.uses_mla()) {
    add_linear(out, p + ".q_proj", L.attn.q);
    add_linear(out, p + ".k_proj", L.attn.k);
    add_linear(out, p + ".v_proj", L.attn.v);
    add_linear(out, p + ".o_proj", L.attn.o);
    out.push_back(ref(p + ".q_norm.weight", L.attn.q_norm));
    out.push_back(ref(p + ".k_norm.weight", L.attn.k_norm));
    return;
  }
  MlaWeights& m = L.mla;
  if (cfg.q_lora_rank > 0) {
    add_linear(out, p + ".q_a_proj", m.q_a);
    out.push_back(ref(p + ".q_a_layernorm.weight", m.q_a_norm));
    add_linear(out, p + ".q_b_proj", m.q_b);
  } else {
    add_linear(out, p + ".q_proj", m.q);
  }
  add_linear(out, p + ".kv_a_proj_with_mqa", m.kv_a);
  out.push_back(ref(p + ".kv_a_layernorm.weight", m.kv_a_norm));
  add_linear(out, p + ".kv_b_proj", m.kv_b);
  add_linear(out, p + ".o_proj", m.o);
}

}  // namespace

ExpertRange ExpertRange::of_rank(int rank, int ranks, int num_experts) {
  RLVR_CHECK(ranks > 0 && num_experts > 0 && num_experts % ranks == 0 && rank >= 0 && rank < ranks, "model",
             "rank ", rank, " of ", ranks, ": ", num_experts, " experts do not split evenly");
  const int per = num_experts / ranks;
  return {rank * per, per};
}

ModelWeights allocate_weights(const ModelConfig& cfg, ExpertRange experts) {
  cfg.validate();
  RLVR_CHECK(experts.first >= 0 && experts.count >= 0 && experts.end(cfg) <= std::max(cfg.num_experts, 0), "model",
             "routed experts [", experts.first, ", ", experts.end(cfg), ") of a model with ", cfg.num_experts);
  ModelWeights w;
  w.experts = experts;
  const int64_t C = cfg.hidden_size, V = cfg.vocab_size;
  w.embed = zero_param({V, C});
  w.final_norm = zero_param({C});
  if (!cfg.tie_word_embeddings) w.lm_head = zero_param({V, C});
  w.layers.resize(size_t(cfg.num_hidden_layers));
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    LayerWeights& L = w.layers[size_t(l)];
    L.input_norm = zero_param({C});
    L.post_attn_norm = zero_param({C});
    alloc_attention(L, cfg);
    L.is_moe = cfg.is_moe_layer(l);
    if (!L.is_moe) {
      alloc_mlp(L.mlp, C, cfg.intermediate_size);
      continue;
    }
    L.moe.router = zero_param({cfg.num_experts, C});
    L.moe.expert_bias = zero_param({cfg.num_experts});
    L.moe.experts.resize(size_t(experts.end(cfg) - experts.first));
    for (auto& e : L.moe.experts) alloc_mlp(e, C, cfg.moe_intermediate_size);
    L.moe.has_shared = cfg.n_shared_experts > 0;
    if (L.moe.has_shared) alloc_mlp(L.moe.shared, C, int64_t(cfg.n_shared_experts) * cfg.moe_intermediate_size);
  }
  return w;
}

std::vector<ParamRef> list_params(const ModelConfig& cfg, ModelWeights& w) {
  std::vector<ParamRef> out;
  out.push_back(ref("model.embed_tokens.weight", w.embed));
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    LayerWeights& L = w.layers[size_t(l)];
    const std::string p = "model.layers." + std::to_string(l);
    out.push_back(ref(p + ".input_layernorm.weight", L.input_norm));
    add_attention(out, p + ".self_attn", cfg, L);
    out.push_back(ref(p + ".post_attention_layernorm.weight", L.post_attn_norm));
    if (!L.is_moe) {
      add_mlp(out, p + ".mlp", L.mlp);
      continue;
    }
    out.push_back(ref(p + ".mlp.gate.weight", L.moe.router));
    if (cfg.uses_expert_bias())
      out.push_back(ref(p + ".mlp.gate.e_score_correction_bias", L.moe.expert_bias, false));
    const bool shard = !w.experts.all(cfg);
    for (size_t e = 0; e < L.moe.experts.size(); ++e)
      add_routed_expert(out, p, w.experts.first + int(e), shard, L.moe.experts[e]);
    if (L.moe.has_shared) add_mlp(out, p + ".mlp.shared_experts", L.moe.shared);
  }
  out.push_back(ref("model.norm.weight", w.final_norm));
  if (!cfg.tie_word_embeddings) out.push_back(ref("lm_head.weight", w.lm_head));
  for (NamedParam& m : w.mtp) out.push_back(ref(m.name, m.param, /*trainable=*/false));
  return out;
}

bool is_mtp_weight(const ModelConfig& cfg, const std::string& name) {
  const int layer = layer_of_name(name);
  return layer >= cfg.num_hidden_layers && layer < cfg.num_hidden_layers + cfg.num_nextn_predict_layers;
}

int param_unit(const std::string& name, const ModelConfig& cfg) {
  const int layer = layer_of_name(name);
  return layer >= 0 && layer < cfg.num_hidden_layers ? layer_unit(layer) : kOuterUnit;
}

void add_mtp_weight(const ModelConfig& cfg, ModelWeights& w, const std::string& name, const Shape& shape) {
  RLVR_CHECK(is_mtp_weight(cfg, name), "model", "'", name, "' is not a weight of the ", cfg.num_nextn_predict_layers,
             " multi-token-prediction layers after layer ", cfg.num_hidden_layers - 1);
  w.mtp.push_back({name, zero_param(shape)});
}

void init_weights(const ModelConfig& cfg, ModelWeights& w, uint64_t seed, float std) {
  std::mt19937_64 rng(seed);
  const float out_std = std / std::sqrt(2.0f * float(cfg.num_hidden_layers));
  // A share of the experts: the others' three matrices each draw from a fresh distribution, as
  // they would if held (the draws a normal distribution consumes do not depend on its std).
  const auto drop_experts = [&](int n) {
    for (int64_t m = 0; m < int64_t(n) * 3; ++m) {
      std::normal_distribution<float> nd(0.0f, 1.0f);
      for (int64_t i = 0; i < int64_t(cfg.hidden_size) * cfg.moe_intermediate_size; ++i) nd(rng);
    }
  };
  bool in_experts = false;
  for (ParamRef& p : list_params(cfg, w)) {
    if ((p.expert >= 0) != in_experts) {
      in_experts = !in_experts;
      drop_experts(in_experts ? w.experts.first : cfg.num_experts - w.experts.end(cfg));
    }
    float* d = p.value->data<float>();
    const int64_t n = p.value->numel();
    const bool is_norm = p.name.find("norm") != std::string::npos;
    if (is_norm) {
      for (int64_t i = 0; i < n; ++i) d[i] = 1.0f;
    } else if (!p.trainable) {
      for (int64_t i = 0; i < n; ++i) d[i] = 0.0f;
    } else {
      const bool is_output = p.name.find("o_proj") != std::string::npos || p.name.find("down_proj") != std::string::npos;
      std::normal_distribution<float> nd(0.0f, is_output ? out_std : std);
      for (int64_t i = 0; i < n; ++i) d[i] = nd(rng);
    }
    if (p.version) ++*p.version;
  }
}

void load_weights(const ModelConfig& cfg, ModelWeights& w, const TensorSource& source) {
  for (ParamRef& p : list_params(cfg, w)) {
    Tensor t = source(p.name, p.value->shape());
    RLVR_CHECK(t.shape() == p.value->shape(), "model", "weight has the wrong shape: ", p.name, ": ", t.describe(),
               ", expected ", shape_str(p.value->shape()));
    // Widening BF16 is exact; anything else (FP8 without its scale) would be a silent cast.
    RLVR_CHECK(t.dtype() == DType::F32 || t.dtype() == DType::BF16, "model", "weight '", p.name, "' is ",
               t.describe(), ": parameters load from F32 or BF16 values (an FP8 weight through its scale)");
    *p.value = t.dtype() == DType::F32 ? t : t.to(DType::F32);
    if (p.version) ++*p.version;
  }
}

int64_t count_params(const ModelConfig& cfg, ModelWeights& w) {
  int64_t n = 0;
  for (const ParamRef& p : list_params(cfg, w)) n += p.trainable ? p.value->numel() : 0;
  return n;
}

void keep_only(LayerWeights& L, Precision p, bool routed_experts) {
  if (p == Precision::FP32) return;
  auto keep = [p](LinearWeight& w) {
    if (w.weight.defined()) w.keep_only(p);
  };
  auto keep_mlp = [&](MlpWeights& m) {
    for (LinearWeight* w : {&m.gate, &m.up, &m.down}) keep(*w);
  };
  for (LinearWeight* w : {&L.attn.q, &L.attn.k, &L.attn.v, &L.attn.o, &L.mla.q, &L.mla.q_a, &L.mla.q_b, &L.mla.kv_a,
                          &L.mla.kv_b, &L.mla.o})
    keep(*w);
  keep_mlp(L.mlp);
  keep_mlp(L.moe.shared);
  if (routed_experts)
    for (MlpWeights& e : L.moe.experts) keep_mlp(e);
}

int64_t count_active_params(const ModelConfig& cfg, ModelWeights& w) {
  int64_t n = 0;
  for (const ParamRef& p : list_params(cfg, w)) {
    if (!p.trainable) continue;
    const bool routed = p.name.find(".mlp.experts.") != std::string::npos;
    n += routed ? p.value->numel() * cfg.num_experts_per_tok / cfg.num_experts : p.value->numel();
  }
  return n;
}

}  // namespace rlvr::model

