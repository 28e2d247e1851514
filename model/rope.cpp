// RoPE parameters of a config (see rope.h). The YaRN frequencies follow transformers'
// float32 arithmetic step by step (each product and sum rounded to float).
#include "model/rope.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "kernels/ops_rope.h"

namespace rlvr::model {

namespace {

// YaRN's magnitude correction for a context `scale` times the original.
double yarn_mscale(double scale, double mscale) { return scale <= 1.0 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0; }

// The rotary dimension (as a real number) that turns num_rotations times over the original context.
double correction_dim(double num_rotations, int dim, double base, double original_context) {
  return double(dim) * std::log(original_context / (num_rotations * 2.0 * std::numbers::pi)) / (2.0 * std::log(base));
}

RopeParams yarn(const ModelConfig& cfg, int dim, bool interleaved) {
  const RopeScaling& y = cfg.rope_scaling;
  const double base = cfg.rope_theta, factor = y.factor;
  const double original = y.original_max_position_embeddings ? y.original_max_position_embeddings
                                                             : cfg.max_position_embeddings;
  double attention_factor = y.attention_factor;
  if (attention_factor == 0.0)
    attention_factor = y.mscale != 0.0 && y.mscale_all_dim != 0.0
                           ? yarn_mscale(factor, y.mscale) / yarn_mscale(factor, y.mscale_all_dim)
                           : yarn_mscale(factor, 1.0);
  double low = correction_dim(y.beta_fast, dim, base, original), high = correction_dim(y.beta_slow, dim, base, original);
  if (y.truncate) low = std::floor(low), high = std::ceil(high);
  low = std::max(low, 0.0);
  high = std::min(high, double(dim - 1));
  if (low == high) high += 0.001;  // transformers: prevents a division by zero
  RopeParams p{dim, std::vector<float>(size_t(dim / 2)), float(attention_factor), interleaved};
  const float base_f = float(base), factor_f = float(factor), low_f = float(low), span_f = float(high - low);
  for (int i = 0; i < dim / 2; ++i) {
    const float exponent = float(2 * i) / float(dim);
    const float pos_freq = float(std::pow(double(base_f), double(exponent)));
    const float extrapolation = 1.0f / pos_freq;
    const float interpolation = 1.0f / (factor_f * pos_freq);
    const float ramp = std::clamp((float(i) - low_f) / span_f, 0.0f, 1.0f);
    const float extrapolation_weight = 1.0f - ramp;
    const float a = interpolation * (1.0f - extrapolation_weight), b = extrapolation * extrapolation_weight;
    p.inv_freq[size_t(i)] = a + b;
  }
  return p;
}

}  // namespace

RopeParams rope_params(const ModelConfig& cfg, int rotary_dim, bool interleaved) {
  if (cfg.rope_scaling.is_yarn()) return yarn(cfg, rotary_dim, interleaved);
  return RopeParams{rotary_dim, rope_inv_freq(rotary_dim, cfg.rope_theta), 1.0f, interleaved};
}

float mla_softmax_scale(const ModelConfig& cfg) {
  double scale = 1.0 / std::sqrt(double(cfg.qk_head_dim()));
  const RopeScaling& y = cfg.rope_scaling;
  if (y.is_yarn() && y.mscale_all_dim != 0.0) {
    const double m = yarn_mscale(y.factor, y.mscale_all_dim);
    scale *= m * m;
  }
  return float(scale);
}

}  // namespace rlvr::model
