// AdamW with BF16 moments over a model's parameters.
#include "trainer/optimizer.h"

#include <cmath>

#include "kernels/ops.h"

namespace rlvr::trainer {

namespace {

AdamWParams adamw_params(const OptimizerConfig& c, float lr, int64_t step) {
  AdamWParams ap;
  ap.lr = lr;
  ap.beta1 = c.beta1;
  ap.beta2 = c.beta2;
  ap.eps = c.eps;
  ap.weight_decay = c.weight_decay;
  ap.step = step;
  return ap;
}

// Norm weights and biases are conventionally not decayed.
bool decays(const model::ParamRef& p) { return p.value->ndim() != 1; }

}  // namespace

AdamW::AdamW(std::vector<model::ParamRef> params, OptimizerConfig cfg, parallel::Communicator* comm) : cfg_(cfg) {
  for (model::ParamRef& p : params)
    if (p.trainable) params_.push_back(p);
  if (comm && comm->size() > 1) {
    rank_ = comm->rank();
    comm_ = comm;
    std::vector<parallel::ShardedParam> sp;
    for (model::ParamRef& p : params_) sp.push_back({p.name, p.value, p.grad, p.version, decays(p)});
    // Not averaged: the learner divides by global token/sample counts, so the sum is the mean.
    sharded_ = std::make_unique<parallel::ShardedAdamW>(*comm, std::move(sp), adamw_params(cfg_, cfg_.lr, 1),
                                                    parallel::ZeroOptions{.average_grads = false,
                                                                      .max_grad_norm = cfg_.grad_clip});
    return;
  }
  for (model::ParamRef& p : params_) {
    m_.push_back(Tensor::zeros(p.value->shape(), DType::BF16, p.value->device()));
    v_.push_back(Tensor::zeros(p.value->shape(), DType::BF16, p.value->device()));
  }
}

parallel::ParamManifest AdamW::manifest() const {
  parallel::ParamManifest m;
  for (const model::ParamRef& p : params_) m.emplace_back(p.name, p.value->numel());
  return m;
}

double global_grad_norm(const std::vector<model::ParamRef>& params) {
  std::vector<const Tensor*> grads;  // one reduction (and on a GPU one copy) for them all
  for (const model::ParamRef& p : params)
    if (p.trainable && p.grad->defined()) grads.push_back(p.grad);
  return std::sqrt(sum_squares(grads));
}

double AdamW::step(float lr) {
  if (sharded_) {
    ++step_;
    sharded_->hyper() = adamw_params(cfg_, lr, step_);
    return sharded_->step().grad_norm;
  }
  const double norm = global_grad_norm(params_);
  const float clip = (cfg_.grad_clip > 0 && norm > cfg_.grad_clip) ? float(cfg_.grad_clip / norm) : 1.0f;
  ++step_;
  const AdamWParams ap = adamw_params(cfg_, lr, step_);
  for (size_t i = 0; i < params_.size(); ++i) {
    model::ParamRef& p = params_[i];
    if (!p.grad->defined()) continue;
    if (clip != 1.0f) scale_inplace(*p.grad, clip);
    AdamWParams pp = ap;
    if (!decays(p)) pp.weight_decay = 0.0f;
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
