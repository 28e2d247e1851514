// ZeRO-1 AdamW: reduce-scatter, sharded update, all-gather (see the header).
#include "dist/sharded_adamw.h"

#include <cmath>
#include <cstring>

#include "common/error.h"

namespace rlvr::dist {

namespace {

// Runs a collective on host tensors whatever the backend: device backends (NCCL) get device
// copies, staged in (make) and out (back); host backends use the host tensor itself.
struct Staged {
  Communicator& comm;
  Tensor host;
  Tensor dev;
  Staged(Communicator& c, Tensor t) : comm(c), host(std::move(t)) {
    dev = comm.device_buffers() ? host.to(Device::CUDA) : host;
  }
  void* ptr() { return dev.raw(); }
  void back() {
    if (comm.device_buffers()) std::memcpy(host.raw(), dev.to(Device::CPU).raw(), host.nbytes());
  }
};

}  // namespace

ShardedAdamW::ShardedAdamW(Communicator& comm, std::vector<ShardedParam> params, AdamWParams hp, ZeroOptions opts)
    : comm_(comm), params_(std::move(params)), hp_(hp), opts_(opts) {
  std::vector<int64_t> numels;
  for (const ShardedParam& p : params_) {
    RLVR_CHECK(p.value && p.value->defined() && p.value->dtype() == DType::F32 && p.value->is_cpu(), "dist",
               "ShardedAdamW: parameter ", p.name, " must be a defined F32 CPU tensor");
    numels.push_back(p.value->numel());
  }
  offsets_ = flat_offsets(numels);
  layout_ = make_shard_layout(offsets_.back(), comm_.size(), opts_.align);
  pieces_ = pieces_of_rank(layout_, offsets_, comm_.rank());
  // Start from rank 0's weights everywhere. The flat buffers live as long as the optimizer;
  // their padding stays zero.
  flat_ = Tensor::zeros({layout_.padded()}, DType::F32);
  grad_shard_ = Tensor::zeros({layout_.shard}, DType::F32);
  float* f = flat_.data<float>();
  for (size_t i = 0; i < params_.size(); ++i)
    std::memcpy(f + offsets_[i], params_[i].value->data<float>(), size_t(numels[i]) * 4);
  Staged flat(comm_, flat_);
  comm_.broadcast(flat.ptr(), size_t(layout_.padded()), CommDType::F32, 0);
  flat.back();
  master_ = Tensor::zeros({layout_.shard}, DType::F32);
  std::memcpy(master_.data<float>(), f + layout_.begin(comm_.rank()), size_t(layout_.real_count(comm_.rank())) * 4);
  m_ = Tensor::zeros({layout_.shard}, DType::BF16);
  v_ = Tensor::zeros({layout_.shard}, DType::BF16);
  gather_into_params();
}

ParamManifest ShardedAdamW::manifest() const {
  ParamManifest m;
  for (const ShardedParam& p : params_) m.emplace_back(p.name, p.value->numel());
  return m;
}

Tensor ShardedAdamW::master() const { return master_.slice_rows(0, layout_.real_count(comm_.rank())); }
Tensor ShardedAdamW::exp_avg() const { return m_.slice_rows(0, layout_.real_count(comm_.rank())); }
Tensor ShardedAdamW::exp_avg_sq() const { return v_.slice_rows(0, layout_.real_count(comm_.rank())); }

StepStats ShardedAdamW::step() {
  // 1. Flatten the gradients and reduce-scatter them.
  float* f = flat_.data<float>();
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor* g = params_[i].grad;
    if (!g || !g->defined()) {
      std::memset(f + offsets_[i], 0, params_[i].value->nbytes());
      continue;
    }
    RLVR_CHECK(g->dtype() == DType::F32 && g->is_cpu() && g->numel() == params_[i].value->numel(), "dist",
               "ShardedAdamW: gradient of ", params_[i].name, " is ", g->describe(), ", want f32 like ",
               params_[i].value->describe());
    std::memcpy(f + offsets_[i], g->data<float>(), g->nbytes());
  }
  Staged flat(comm_, flat_), shard(comm_, grad_shard_);
  comm_.reduce_scatter(flat.ptr(), shard.ptr(), size_t(layout_.shard), CommDType::F32, ReduceOp::Sum);
  shard.back();
  float* g = shard.host.data<float>();
  const int64_t n = layout_.real_count(comm_.rank());
  const float inv = opts_.average_grads ? 1.0f / float(comm_.size()) : 1.0f;
  double local_sq = 0;
  for (int64_t i = 0; i < n; ++i) {
    g[i] *= inv;
    local_sq += double(g[i]) * double(g[i]);
  }
  // 2. Global norm and clipping.
  StepStats stats;
  Staged sq(comm_, Tensor::from_floats({1}, {float(local_sq)}));
  comm_.all_reduce(sq.ptr(), 1, CommDType::F32, ReduceOp::Sum);
  sq.back();
  stats.grad_norm = std::sqrt(sq.host.data<float>()[0]);
  if (opts_.max_grad_norm > 0 && stats.grad_norm > opts_.max_grad_norm) {
    stats.clip_scale = opts_.max_grad_norm / (stats.grad_norm + 1e-6f);
    for (int64_t i = 0; i < n; ++i) g[i] *= stats.clip_scale;
  }
  // 3. Update this rank's slice, piece by piece (weight decay differs per parameter).
  for (const ShardPiece& p : pieces_) {
    const int64_t a = p.shard_offset, b = a + p.count;
    Tensor w = master_.slice_rows(a, b), m = m_.slice_rows(a, b), v = v_.slice_rows(a, b);
    AdamWParams hp = hp_;
    if (!params_[p.param].decay) hp.weight_decay = 0;
    adamw_step(w, shard.host.slice_rows(a, b), m, v, hp);
  }
  ++hp_.step;
  // 4. Everyone gets the new weights.
  gather_into_params();
  return stats;
}

void ShardedAdamW::gather_into_params() {
  Staged mine(comm_, master_), flat(comm_, flat_);
  comm_.all_gather(mine.ptr(), flat.ptr(), size_t(layout_.shard), CommDType::F32);
  flat.back();
  const float* f = flat_.data<float>();
  for (size_t i = 0; i < params_.size(); ++i) {
    std::memcpy(params_[i].value->data<float>(), f + offsets_[i], params_[i].value->nbytes());
    if (params_[i].version) ++*params_[i].version;
  }
}

void ShardedAdamW::save(const std::string& dir) const {
  OptimizerShard s;
  s.layout = layout_;
  s.rank = comm_.rank();
  s.step = hp_.step - 1;
  s.params = manifest();
  s.master = master();
  s.exp_avg = exp_avg();
  s.exp_avg_sq = exp_avg_sq();
  save_optimizer_shard(dir, s);
  comm_.barrier();
}

void ShardedAdamW::load(const std::string& dir) {
  const OptimizerShard s = load_optimizer_shard(dir, layout_, comm_.rank(), manifest());
  const int64_t n = layout_.real_count(comm_.rank());
  master_.zero_();
  m_.zero_();
  v_.zero_();
  std::memcpy(master_.data<float>(), s.master.data<float>(), size_t(n) * 4);
  std::memcpy(m_.data<bf16>(), s.exp_avg.data<bf16>(), size_t(n) * 2);
  std::memcpy(v_.data<bf16>(), s.exp_avg_sq.data<bf16>(), size_t(n) * 2);
  hp_.step = s.step + 1;
  gather_into_params();
}

}  // namespace rlvr::dist
