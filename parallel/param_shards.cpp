// ZeRO-3's parameter units (see the header).
#include "parallel/param_shards.h"

#include <map>
#include <string>

#include "common/error.h"

namespace rlvr::parallel {

ParamShards::ParamShards(model::Transformer& model, ShardedAdamW& opt)
    : model_(model), opt_(opt), units_(size_t(model.config().num_hidden_layers) + 1) {
  RLVR_CHECK(opt.shards_params(), "parallel", "ParamShards: the optimizer was not made with shard_params");
  std::map<std::string, model::ParamRef> refs;
  for (const model::ParamRef& p : model.params()) refs.emplace(p.name, p);
  for (size_t i = 0; i < opt.size(); ++i) {
    const auto it = refs.find(opt.param(i).name);
    RLVR_CHECK(it != refs.end() && it->second.value == opt.param(i).value, "parallel", "ParamShards: ",
               opt.param(i).name, " is not a parameter of the model");
    linear_.push_back(it->second.linear);
    Unit& u = units_[size_t(model::param_unit(opt.param(i).name, model.config()))];
    u.params.push_back(i);
    if (!u.ranges.empty() && u.ranges.back().last == i)
      ++u.ranges.back().last;
    else
      u.ranges.push_back({i, i + 1});
  }
  for (size_t i = 0; i < opt.size(); ++i) free_param(i);
  model_.set_param_gather(this);
}

ParamShards::~ParamShards() {
  if (model_.param_gather() == this) model_.set_param_gather(nullptr);
}

void ParamShards::free_param(size_t i) {
  if (linear_[i]) return linear_[i]->release();
  *opt_.param(i).value = Tensor();
  *opt_.param(i).grad = Tensor();
}

void ParamShards::acquire(int unit, bool with_grads) {
  RLVR_CHECK(unit >= 0 && size_t(unit) < units_.size(), "parallel", "ParamShards: no unit ", unit);
  Unit& u = units_[size_t(unit)];
  if (!u.held)
    for (const Range& r : u.ranges) opt_.gather_range(r.first, r.last);
  u.held = true;
  if (!with_grads || !u.grads.empty()) return;
  for (const Range& r : u.ranges) u.grads.push_back(opt_.range_grads(r.first, r.last));
}

void ParamShards::release(int unit, bool with_grads) {
  RLVR_CHECK(unit >= 0 && size_t(unit) < units_.size(), "parallel", "ParamShards: no unit ", unit);
  Unit& u = units_[size_t(unit)];
  RLVR_CHECK(with_grads || u.grads.empty(), "parallel", "ParamShards: unit ", unit,
             " released without its gradients, which backward has not handed over");
  if (!u.held) return;
  for (size_t k = 0; k < u.grads.size(); ++k) opt_.reduce_range_grads(u.ranges[k].first, u.ranges[k].last, u.grads[k]);
  for (size_t i : u.params) free_param(i);
  u.held = false;
  u.grads.clear();
}

void ParamShards::zero_grads() {
  opt_.zero_grads();
  for (Unit& u : units_)
    for (Tensor& g : u.grads) g.zero_();
}

void ParamShards::acquire_all() {
  for (size_t u = 0; u < units_.size(); ++u) acquire(int(u), false);
}

void ParamShards::release_all() {
  for (size_t u = 0; u < units_.size(); ++u) release(int(u), !units_[u].grads.empty());
}

model::ModelWeights ParamShards::whole_copy(model::Precision keep) {
  model::ModelWeights& from = model_.weights();
  const bool all_experts = from.experts.all(model_.config());  // else this rank's share: the gather's to read
  model::ModelWeights w = from;  // tensors shared; the released units' filled in below
  for (size_t u = 0; u < units_.size(); ++u) {
    const bool held = units_[u].held;
    acquire(int(u), false);
    if (u == size_t(model::kOuterUnit)) {
      w.embed = from.embed;
      w.final_norm = from.final_norm;
      w.lm_head = from.lm_head;
    } else {
      w.layers[u - 1] = from.layers[u - 1];
      model::keep_only(w.layers[u - 1], keep, all_experts);
    }
    if (!held) release(int(u), false);
  }
  return w;
}

void ParamShards::restore() {
  acquire_all();
  model_.set_param_gather(nullptr);
  for (Unit& u : units_) {  // the model owns them now
    u.held = false;
    u.grads.clear();
  }
}

}  // namespace rlvr::parallel
