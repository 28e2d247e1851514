// Multi-head latent attention as a block: its backward against central finite differences (the
// input and every weight), with q-LoRA or a plain q_proj, interleaved or rotate_half RoPE, YaRN,
// values narrower or wider than the query/key heads, over two packed sequences.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "model/mla.h"

using namespace rlvr;
using namespace rlvr::model;

namespace {

struct MlaCase {
  const char* name;
  int q_lora_rank, v_head_dim;
  bool interleave, yarn;
};
void PrintTo(const MlaCase& c, std::ostream* os) { *os << c.name; }

ModelConfig block_config(const MlaCase& mc) {
  ModelConfig c;
  c.vocab_size = 8;
  c.hidden_size = 12;
  c.num_hidden_layers = 1;
  c.intermediate_size = 8;
  c.num_attention_heads = 3;
  c.num_key_value_heads = 3;
  c.q_lora_rank = mc.q_lora_rank;
  c.kv_lora_rank = 6;
  c.qk_nope_head_dim = 4;
  c.qk_rope_head_dim = 4;
  c.v_head_dim = mc.v_head_dim;
  c.rope_interleave = mc.interleave;
  c.max_position_embeddings = 64;
  if (mc.yarn) {
    c.rope_scaling.type = "yarn";
    c.rope_scaling.factor = 8.0;
    c.rope_scaling.original_max_position_embeddings = 8;
    c.rope_scaling.mscale = 0.9;
    c.rope_scaling.mscale_all_dim = 0.6;
  }
  return c;
}

Tensor random(Shape s, std::mt19937& rng, float scale) {
  std::normal_distribution<float> nd(0.0f, scale);
  std::vector<float> v(size_t(shape_numel(s)));
  for (float& x : v) x = nd(rng);
  return Tensor::from_floats(std::move(s), v);
}

// Every parameter of the block, named, for the finite differences.
std::vector<std::pair<const char*, Tensor*>> block_params(MlaWeights& w, const ModelConfig& c) {
  std::vector<std::pair<const char*, Tensor*>> p = {{"kv_a", &w.kv_a.weight},        {"kv_a_norm", &w.kv_a_norm.value},
                                                    {"kv_b", &w.kv_b.weight},        {"o", &w.o.weight}};
  if (c.q_lora_rank > 0) {
    p.push_back({"q_a", &w.q_a.weight});
    p.push_back({"q_a_norm", &w.q_a_norm.value});
    p.push_back({"q_b", &w.q_b.weight});
  } else {
    p.push_back({"q", &w.q.weight});
  }
  return p;
}

Tensor& grad_of(MlaWeights& w, Tensor* value) {
  for (LinearWeight* l : {&w.q, &w.q_a, &w.q_b, &w.kv_a, &w.kv_b, &w.o})
    if (&l->weight == value) return l->grad;
  return value == &w.kv_a_norm.value ? w.kv_a_norm.grad : w.q_a_norm.grad;
}

void bump_versions(MlaWeights& w) {
  for (LinearWeight* l : {&w.q, &w.q_a, &w.q_b, &w.kv_a, &w.kv_b, &w.o}) ++l->version;
}

}  // namespace

class MlaBlockGradCheck : public ::testing::TestWithParam<MlaCase> {};

TEST_P(MlaBlockGradCheck, InputAndWeightsMatchFiniteDifferences) {
  const ModelConfig cfg = block_config(GetParam());
  ModelWeights all = allocate_weights(cfg);
  MlaWeights& w = all.layers[0].mla;
  std::mt19937 rng(17);
  for (auto& [name, t] : block_params(w, cfg)) {
    const bool norm = std::string(name).find("norm") != std::string::npos;
    *t = random(t->shape(), rng, norm ? 0.2f : 0.4f);
    if (norm)
      for (int64_t i = 0; i < t->numel(); ++i) t->data<float>()[i] += 1.0f;
  }
  bump_versions(w);
  const Batch batch = Batch::pack({{1, 2, 3, 4, 5, 6}, {7, 0, 1}});
  const int64_t T = batch.n_tokens(), C = cfg.hidden_size;
  Tensor h = random({T, C}, rng, 1.0f);
  const Tensor r = random({T, C}, rng, 1.0f);
  const Gemms gemms(Precision::FP32);
  auto loss = [&] {
    Tensor y;
    mla_forward(y, h, w, cfg, batch, gemms, nullptr);
    double s = 0;
    for (int64_t i = 0; i < y.numel(); ++i) s += double(y.data<float>()[i]) * r.data<float>()[i];
    return s;
  };
  MlaCache cache;
  Tensor y, dh;
  mla_forward(y, h, w, cfg, batch, gemms, &cache);
  mla_backward(dh, r, w, cfg, batch, cache);

  int checked = 0;
  auto check = [&](const char* name, Tensor& value, const Tensor& grad, bool linear) {
    ASSERT_TRUE(grad.defined()) << name << " got no gradient";
    for (int64_t i = 0; i < value.numel(); i += std::max<int64_t>(1, value.numel() / 11)) {
      float* v = value.data<float>() + i;
      const float orig = *v, eps = 2e-3f * std::max(1.0f, std::fabs(orig));
      *v = orig + eps;
      if (linear) bump_versions(w);
      const double lp = loss();
      *v = orig - eps;
      if (linear) bump_versions(w);
      const double lm = loss();
      *v = orig;
      if (linear) bump_versions(w);
      const double fd = (lp - lm) / (2.0 * eps), an = grad.data<float>()[i];
      EXPECT_NEAR(an, fd, 2e-3 + 1e-2 * std::fabs(an)) << name << "[" << i << "]";
      ++checked;
    }
  };
  check("h", h, dh, false);
  for (auto& [name, t] : block_params(w, cfg)) {
    const bool linear = std::string(name).find("norm") == std::string::npos;
    check(name, *t, grad_of(w, t), linear);
  }
  EXPECT_GT(checked, 60);
}

INSTANTIATE_TEST_SUITE_P(Variants, MlaBlockGradCheck,
                         ::testing::Values(MlaCase{"qlora_interleaved", 5, 6, true, false},
                                           MlaCase{"plain_q_rotate_half", 0, 6, false, false},
                                           MlaCase{"qlora_yarn_wide_values", 5, 10, true, true},
                                           MlaCase{"plain_q_yarn", 0, 3, false, true}),
                         [](const auto& info) { return std::string(info.param.name); });
