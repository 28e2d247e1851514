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

// BF16 zeros shaped like each parameter's value, on its device.
std::vector<Tensor> zero_moments(const std::vector<model::ParamRef>& params) {
  std::vector<Tensor> out;
  for (const model::ParamRef& p : params) out.push_back(Tensor::zeros(p.value->shape(), DType::BF16, p.value->device()));
  return out;
}

}  // namespace

AdamW::AdamW(std::vector<model::ParamRef> params, OptimizerConfig cfg, parallel::Communicator* comm,
             model::Transformer* shard_params_of)
    : cfg_(cfg) {
  const bool sharded = comm && comm->size() > 1;
  for (model::ParamRef& p : params)
    if (p.trainable) (sharded && p.rank_local ? local_ : params_).push_back(p);
  if (sharded) {
    local_m_ = zero_moments(local_);
    local_v_ = zero_moments(local_);
    rank_ = comm->rank();
    comm_ = comm;
    std::vector<parallel::ShardedParam> sp;
    for (model::ParamRef& p : params_) sp.push_back({p.name, p.value, p.grad, p.version, decays(p)});
    // Not averaged: the learner divides by global token/sample counts, so the sum is the mean.
    sharded_ = std::make_unique<parallel::ShardedAdamW>(*comm, std::move(sp), adamw_params(cfg_, cfg_.lr, 1),
                                                    parallel::ZeroOptions{.average_grads = false,
                                                                      .max_grad_norm = cfg_.grad_clip,
                                                                      .shard_params = shard_params_of != nullptr});
    if (shard_params_of) param_shards_ = std::make_unique<parallel::ParamShards>(*shard_params_of, *sharded_);
    return;
  }
  m_ = zero_moments(params_);
  v_ = zero_moments(params_);
}

AdamW::~AdamW() = default;

void AdamW::unshard_params() {
  if (!param_shards_) return;
  param_shards_->restore();
  param_shards_.reset();
}

size_t AdamW::state_bytes() const {
  if (sharded_) return sharded_->state_bytes();
  size_t n = 0;
  for (size_t i = 0; i < m_.size(); ++i)
    if (params_[i].expert < 0) n += m_[i].nbytes() + v_[i].nbytes();
  return n;
}

size_t AdamW::expert_state_bytes() const {
  size_t n = 0;
  for (size_t i = 0; i < local_m_.size(); ++i) n += local_m_[i].nbytes() + local_v_[i].nbytes();
  for (size_t i = 0; i < m_.size(); ++i)
    if (params_[i].expert >= 0) n += m_[i].nbytes() + v_[i].nbytes();
  return n;
}

parallel::ParamManifest AdamW::manifest() const {
  if (sharded_) return sharded_->manifest();
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

void AdamW::update(std::vector<model::ParamRef>& params, std::vector<Tensor>& m, std::vector<Tensor>& v,
                   const AdamWParams& ap, float clip) {
  for (size_t i = 0; i < params.size(); ++i) {
    model::ParamRef& p = params[i];
    if (!p.grad->defined()) continue;
    if (clip != 1.0f) scale_inplace(*p.grad, clip);
    AdamWParams pp = ap;
    if (!decays(p)) pp.weight_decay = 0.0f;
    adamw_step(*p.value, *p.grad, m[i], v[i], pp);
    if (p.version) ++*p.version;
  }
}

double AdamW::step(float lr) {
  if (sharded_) {
    ++step_;
    if (param_shards_) param_shards_->release_all();  // the last units' gradients handed over
    sharded_->hyper() = adamw_params(cfg_, lr, step_);
    if (local_.empty()) return sharded_->step().grad_norm;
    std::vector<const Tensor*> grads;
    for (const model::ParamRef& p : local_)
      if (p.grad->defined()) grads.push_back(p.grad);
    const parallel::StepStats st = sharded_->step(sum_squares(grads));
    update(local_, local_m_, local_v_, adamw_params(cfg_, lr, step_), st.clip_scale);
    return st.grad_norm;
  }
  const double norm = global_grad_norm(params_);
  const float clip = (cfg_.grad_clip > 0 && norm > cfg_.grad_clip) ? float(cfg_.grad_clip / norm) : 1.0f;
  ++step_;
  update(params_, m_, v_, adamw_params(cfg_, lr, step_), clip);
  return norm;
}

std::vector<std::pair<std::string, Tensor*>> AdamW::state() {
  std::vector<model::ParamRef>& params = sharded_ ? local_ : params_;
  std::vector<Tensor>& m = sharded_ ? local_m_ : m_;
  std::vector<Tensor>& v = sharded_ ? local_v_ : v_;
  std::vector<std::pair<std::string, Tensor*>> out;
  for (size_t i = 0; i < params.size(); ++i) {
    out.emplace_back(params[i].name + ".exp_avg", &m[i]);
    out.emplace_back(params[i].name + ".exp_avg_sq", &v[i]);
  }
  return out;
}

}  // namespace rlvr::trainer
