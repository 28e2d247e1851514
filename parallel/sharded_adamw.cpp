// ZeRO-1 AdamW: reduce-scatter, sharded update, all-gather (see the header).
#include "parallel/sharded_adamw.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>

#include "common/error.h"
#include "kernels/ops.h"

namespace rlvr::parallel {

ShardedAdamW::ShardedAdamW(Communicator& comm, std::vector<ShardedParam> params, AdamWParams hp, ZeroOptions opts)
    : inner_(comm), comm_(comm), params_(std::move(params)), hp_(hp), opts_(opts) {
  std::vector<int64_t> numels;
  for (const ShardedParam& p : params_) {
    RLVR_CHECK(p.value && p.value->defined() && p.value->dtype() == DType::F32, "parallel", "ShardedAdamW: parameter ",
               p.name, " must be a defined F32 tensor");
    numels.push_back(p.value->numel());
    shapes_.push_back(p.value->shape());
  }
  if (!params_.empty()) device_ = params_[0].value->device();
  for (const ShardedParam& p : params_)
    RLVR_CHECK(p.value->device() == device_, "parallel", "ShardedAdamW: parameter ", p.name, " is on ",
               device_name(p.value->device()), ", the first on ", device_name(device_));
  offsets_ = flat_offsets(numels);
  layout_ = make_shard_layout(offsets_.back(), comm_.size(), opts_.align);
  pieces_ = pieces_of_rank(layout_, offsets_, comm_.rank());
  grad_shard_ = Tensor::zeros({layout_.shard}, DType::F32, device_);
  master_ = Tensor::zeros({layout_.shard}, DType::F32, device_);
  m_ = Tensor::zeros({layout_.shard}, DType::BF16, device_);
  v_ = Tensor::zeros({layout_.shard}, DType::BF16, device_);
  // Start from rank 0's weights everywhere.
  if (opts_.shard_params) {
    // Parameter by parameter: no buffer of the whole model is ever held.
    for (const ShardedParam& p : params_)
      collective({p.value}, {p.value}, [&](Communicator& c, const std::vector<void*>& ptr) {
        c.broadcast(ptr[0], size_t(p.value->numel()), CommDType::F32, 0);
      });
    for (const ShardPiece& piece : pieces_)
      master_.slice_rows(piece.shard_offset, piece.shard_offset + piece.count)
          .copy_(params_[piece.param].value->reshape({numels[piece.param]})
                     .slice_rows(piece.param_offset, piece.param_offset + piece.count));
    return;
  }
  // The flat buffer lives as long as the optimizer; its padding stays zero.
  flat_ = Tensor::zeros({layout_.padded()}, DType::F32, device_);
  for (size_t i = 0; i < params_.size(); ++i) flat_piece(i).copy_(params_[i].value->reshape({numels[i]}));
  collective({&flat_}, {&flat_}, [&](Communicator& c, const std::vector<void*>& p) {
    c.broadcast(p[0], size_t(layout_.padded()), CommDType::F32, 0);
  });
  const int64_t begin = layout_.begin(comm_.rank()), n = layout_.real_count(comm_.rank());
  if (n > 0) master_.slice_rows(0, n).copy_(flat_.slice_rows(begin, begin + n));
  gather_into_params();
}

void ShardedAdamW::collective(const std::vector<Tensor*>& in, const std::vector<Tensor*>& out,
                              const std::function<void(Communicator&, const std::vector<void*>&)>& run) {
  std::vector<Tensor*> bufs = in;
  for (Tensor* t : out)
    if (std::find(bufs.begin(), bufs.end(), t) == bufs.end()) bufs.push_back(t);
  std::vector<void*> ptrs;
  if (device_ == Device::CPU || inner_.device_buffers()) {
    for (Tensor* t : bufs) ptrs.push_back(t->raw());
    run(device_ == Device::CPU ? static_cast<Communicator&>(comm_) : inner_, ptrs);
    return;
  }
  // Device buffers over a host backend (MPI, single): through host copies.
  std::vector<Tensor> host;
  for (Tensor* t : bufs) {
    const bool read = std::find(in.begin(), in.end(), t) != in.end();
    host.push_back(read ? t->to(Device::CPU) : Tensor::empty(t->shape(), t->dtype()));
    ptrs.push_back(host.back().raw());
  }
  run(comm_, ptrs);
  for (size_t i = 0; i < bufs.size(); ++i)
    if (std::find(out.begin(), out.end(), bufs[i]) != out.end()) bufs[i]->copy_(host[i]);
}

ParamManifest ShardedAdamW::manifest() const {
  ParamManifest m;
  for (size_t i = 0; i < params_.size(); ++i) m.emplace_back(params_[i].name, offsets_[i + 1] - offsets_[i]);
  return m;
}

Tensor ShardedAdamW::master() const { return master_.slice_rows(0, layout_.real_count(comm_.rank())); }
Tensor ShardedAdamW::exp_avg() const { return m_.slice_rows(0, layout_.real_count(comm_.rank())); }
Tensor ShardedAdamW::exp_avg_sq() const { return v_.slice_rows(0, layout_.real_count(comm_.rank())); }

StepStats ShardedAdamW::step(double extra_sq) {
  // 1. Flatten the gradients (from wherever the parameters live) and reduce-scatter them; ZeRO-3
  // has summed them into grad_shard_ already.
  for (size_t i = 0; i < params_.size() && !opts_.shard_params; ++i) {
    const Tensor* g = params_[i].grad;
    if (!g || !g->defined()) {
      flat_piece(i).zero_();
      continue;
    }
    RLVR_CHECK(g->dtype() == DType::F32 && g->numel() == params_[i].value->numel(), "parallel",
               "ShardedAdamW: gradient of ", params_[i].name, " is ", g->describe(), ", want f32 like ",
               params_[i].value->describe());
    flat_piece(i).copy_(g->reshape({g->numel()}));
  }
  if (!opts_.shard_params)
    collective({&flat_}, {&grad_shard_}, [&](Communicator& c, const std::vector<void*>& p) {
      c.reduce_scatter(p[0], p[1], size_t(layout_.shard), CommDType::F32, ReduceOp::Sum);
    });
  const int64_t n = layout_.real_count(comm_.rank());
  const float inv = opts_.average_grads ? 1.0f / float(comm_.size()) : 1.0f;
  double local_sq = extra_sq;
  Tensor real = grad_shard_.slice_rows(0, n);  // on the GPU: scaled and summed by its kernels
  float* g = device_ == Device::CPU ? grad_shard_.data<float>() : nullptr;
  if (g) {
    for (int64_t i = 0; i < n; ++i) {
      g[i] *= inv;
      local_sq += double(g[i]) * double(g[i]);
    }
  } else if (n > 0) {
    if (inv != 1.0f) scale_inplace(real, inv);
    local_sq += sum_squares(real);
  }
  // 2. Global norm and clipping.
  StepStats stats;
  float sq = float(local_sq);
  comm_.all_reduce(&sq, 1, CommDType::F32, ReduceOp::Sum);
  stats.grad_norm = std::sqrt(sq);
  if (opts_.max_grad_norm > 0 && stats.grad_norm > opts_.max_grad_norm) {
    stats.clip_scale = opts_.max_grad_norm / (stats.grad_norm + 1e-6f);
    if (g)
      for (int64_t i = 0; i < n; ++i) g[i] *= stats.clip_scale;
    else if (n > 0)
      scale_inplace(real, stats.clip_scale);
  }
  // 3. Update this rank's slice, piece by piece (weight decay differs per parameter).
  for (const ShardPiece& p : pieces_) {
    const int64_t a = p.shard_offset, b = a + p.count;
    Tensor w = master_.slice_rows(a, b), m = m_.slice_rows(a, b), v = v_.slice_rows(a, b);
    AdamWParams hp = hp_;
    if (!params_[p.param].decay) hp.weight_decay = 0;
    adamw_step(w, grad_shard_.slice_rows(a, b), m, v, hp);
  }
  ++hp_.step;
  // 4. Everyone gets the new weights (ZeRO-3: when each range is next gathered).
  if (opts_.shard_params)
    grad_shard_.zero_();
  else
    gather_into_params();
  return stats;
}

void ShardedAdamW::for_each_owner(int64_t begin, int64_t end,
                                  const std::function<void(int, int64_t, int64_t, int64_t)>& run) const {
  for (int r = 0; r < layout_.world; ++r) {
    const int64_t a = std::max(begin, layout_.begin(r)), b = std::min(end, layout_.end(r));
    if (a < b) run(r, a - begin, a - layout_.begin(r), b - a);
  }
}

void ShardedAdamW::check_range(const char* what, size_t first, size_t last) const {
  RLVR_CHECK(opts_.shard_params && first <= last && last <= params_.size(), "parallel", "ShardedAdamW::", what,
             ": parameters [", first, ", ", last, ") of ", params_.size(),
             opts_.shard_params ? "" : " (the parameters are not held in shards)");
}

void ShardedAdamW::gather_range(size_t first, size_t last) {
  check_range("gather_range", first, last);
  const int64_t base = offsets_[first], n = offsets_[last] - base;
  if (n == 0) return;
  Tensor buf = Tensor::empty({n}, DType::F32, device_);
  for_each_owner(base, base + n, [&](int r, int64_t at, int64_t from, int64_t count) {
    Tensor piece = buf.slice_rows(at, at + count);
    if (r == comm_.rank()) piece.copy_(master_.slice_rows(from, from + count));
    collective({&piece}, {&piece}, [&](Communicator& c, const std::vector<void*>& p) {
      c.broadcast(p[0], size_t(count), CommDType::F32, r);
    });
  });
  for (size_t i = first; i < last; ++i) {
    *params_[i].value = buf.slice_rows(offsets_[i] - base, offsets_[i + 1] - base).reshape(shapes_[i]);
    if (params_[i].version) ++*params_[i].version;
  }
}

Tensor ShardedAdamW::range_grads(size_t first, size_t last) {
  check_range("range_grads", first, last);
  const int64_t base = offsets_[first];
  Tensor buf = Tensor::zeros({offsets_[last] - base}, DType::F32, device_);
  for (size_t i = first; i < last; ++i)
    *params_[i].grad = buf.slice_rows(offsets_[i] - base, offsets_[i + 1] - base).reshape(shapes_[i]);
  return buf;
}

void ShardedAdamW::reduce_range_grads(size_t first, size_t last, Tensor& grads) {
  check_range("reduce_range_grads", first, last);
  const int64_t base = offsets_[first], n = offsets_[last] - base;
  if (n == 0) return;
  RLVR_CHECK(grads.numel() == n, "parallel", "ShardedAdamW::reduce_range_grads: a buffer of ", grads.numel(),
             " gradients for ", n, " elements");
  for (size_t i = first; i < last; ++i)  // backward accumulated in place, into the buffer's views
    RLVR_CHECK(params_[i].grad->defined() &&
                   params_[i].grad->raw() == static_cast<std::byte*>(grads.raw()) + (offsets_[i] - base) * 4,
               "parallel", "ShardedAdamW: the gradient of ", params_[i].name,
               " is no longer the view range_grads made (replaced by ", params_[i].grad->describe(), ")");
  for_each_owner(base, base + n, [&](int r, int64_t at, int64_t from, int64_t count) {
    Tensor piece = grads.slice_rows(at, at + count);
    collective({&piece}, {&piece}, [&](Communicator& c, const std::vector<void*>& p) {
      c.reduce(p[0], size_t(count), CommDType::F32, ReduceOp::Sum, r);
    });
    if (r != comm_.rank()) return;
    Tensor mine = grad_shard_.slice_rows(from, from + count);
    add_inplace(mine, piece);
  });
}

void ShardedAdamW::zero_grads() {
  if (opts_.shard_params) grad_shard_.zero_();
}

size_t ShardedAdamW::state_bytes() const {
  size_t n = 0;
  for (const Tensor* t : {&master_, &m_, &v_, &grad_shard_, &flat_}) n += t->defined() ? t->nbytes() : 0;
  return n;
}

void ShardedAdamW::gather_into_params() {
  collective({&master_}, {&flat_}, [&](Communicator& c, const std::vector<void*>& p) {
    c.all_gather(p[0], p[1], size_t(layout_.shard), CommDType::F32);
  });
  for (size_t i = 0; i < params_.size(); ++i) {
    params_[i].value->copy_(flat_piece(i).reshape(params_[i].value->shape()));
    if (params_[i].version) ++*params_[i].version;
  }
}

Tensor ShardedAdamW::flat_piece(size_t i) const { return flat_.slice_rows(offsets_[i], offsets_[i + 1]); }

void ShardedAdamW::save(const std::string& dir) const {
  OptimizerShard s;
  s.layout = layout_;
  s.rank = comm_.rank();
  s.step = hp_.step - 1;
  s.params = manifest();
  s.master = master().to(Device::CPU);
  s.exp_avg = exp_avg().to(Device::CPU);
  s.exp_avg_sq = exp_avg_sq().to(Device::CPU);
  save_optimizer_shard(dir, s);
  comm_.barrier();
}

void ShardedAdamW::load(const std::string& dir) {
  const OptimizerShard s = load_optimizer_shard(dir, layout_, comm_.rank(), manifest());
  const int64_t n = layout_.real_count(comm_.rank());
  master_.zero_();
  m_.zero_();
  v_.zero_();
  if (device_ == Device::CPU) {
    std::memcpy(master_.data<float>(), s.master.data<float>(), size_t(n) * 4);
    std::memcpy(m_.data<bf16>(), s.exp_avg.data<bf16>(), size_t(n) * 2);
    std::memcpy(v_.data<bf16>(), s.exp_avg_sq.data<bf16>(), size_t(n) * 2);
  } else if (n > 0) {
    master().copy_(s.master.slice_rows(0, n));
    exp_avg().copy_(s.exp_avg.slice_rows(0, n));
    exp_avg_sq().copy_(s.exp_avg_sq.slice_rows(0, n));
  }
  hp_.step = s.step + 1;
  if (!opts_.shard_params) gather_into_params();
}

}  // namespace rlvr::parallel
