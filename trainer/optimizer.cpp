// AdamW with BF16 moments over a model's parameters.
#include "trainer/optimizer.h"

#include <cmath>

namespace rlvr::trainer {

AdamW::AdamW(std::vector<model::ParamRef> params, OptimizerConfig cfg) : cfg_(cfg) {
  for (model::ParamRef& p : params) {
    if (!p.trainable) continue;
    params_.push_back(p);
    m_.push_back(Tensor::zeros(p.value->shape(), DType::BF16));
    v_.push_back(Tensor::zeros(p.value->shape(), DType::BF16));
  }
}

double global_grad_norm(const std::vector<model::ParamRef>& params) {
  double s = 0;
  for (const model::ParamRef& p : params) {
    if (!p.trainable || !p.grad->defined()) continue;
    const float* g = p.grad->data<float>();
    for (int64_t i = 0, n = p.grad->numel(); i < n; ++i) s += double(g[i]) * g[i];
  }
  return std::sqrt(s);
}

double AdamW::step(float lr) {
  const double norm = global_grad_norm(params_);
  const float clip = (cfg_.grad_clip > 0 && norm > cfg_.grad_clip) ? float(cfg_.grad_clip / norm) : 1.0f;
  ++step_;
  AdamWParams ap;
  ap.lr = lr;
  ap.beta1 = cfg_.beta1;
  ap.beta2 = cfg_.beta2;
  ap.eps = cfg_.eps;
  ap.weight_decay = cfg_.weight_decay;
  ap.step = step_;
  for (size_t i = 0; i < params_.size(); ++i) {
    model::ParamRef& p = params_[i];
    if (!p.grad->defined()) continue;
    if (clip != 1.0f) {
      float* g = p.grad->data<float>();
      for (int64_t j = 0, n = p.grad->numel(); j < n; ++j) g[j] *= clip;
    }
    // Norm weights and biases are conventionally not decayed.
    AdamWParams pp = ap;
    if (p.value->ndim() == 1) pp.weight_decay = 0.0f;
    adamw_step(*p.value, *p.grad, m_[i], v_[i], pp);
    if (p.version) ++*p.version;
  }
  return norm;
}

std::vector<std::pair<std::string, Tensor*>> AdamW::state() {
  std::vector<std::pair<std::string, Tensor*>> out;
  for (size_t i = 0; i < params_.size(); ++i) {
    out.emplace_back(params_[i].name + ".exp_avg", &m_[i]);
    out.emplace_back(params_[i].name + ".exp_avg_sq", &v_[i]);
  }
  return out;
}

}  // namespace rlvr::trainer
