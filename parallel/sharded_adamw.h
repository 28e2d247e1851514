// ZeRO-1 AdamW for data-parallel training: every rank holds the full model and computes full
// gradients on its own data; the optimizer state is split. One step:
//   1. gradients flattened and reduce-scattered (FP32 sum, then averaged over ranks): each rank
//      gets the summed gradient of its slice only;
//   2. optional clipping by the global gradient norm (one all_reduce of a scalar);
//   3. the rank's slice of the FP32 master weights updated with BF16 moments (kernels/ops_adamw.h);
//   4. the new master slices all-gathered and written back into every parameter (FP32), whose
//      version is bumped so that FP8/BF16 copies are rebuilt.
// With ZeroOptions::shard_params (ZeRO-3) the parameters themselves are held in shards too:
// between uses no rank holds their values, a caller (parallel/param_shards.h) makes a range of
// them whole with gather_range and hands their gradients back with reduce_range_grads, which
// sums each part on the rank that owns it; step() then updates from those sums and gathers
// nothing. The checkpoint files are the same either way.
// The flat buffers, masters and moments live where the parameters do: on the GPU the shard
// stays in device memory (the update is the AdamW op's CUDA kernel) and the collectives take the
// device buffers directly over NCCL, or through host copies over a host backend (MPI); on the
// CPU they are host memory, and host buffers are staged for NCCL (parallel/host_staged.h).
//
//   std::vector<ShardedParam> ps;
//   for (auto& p : model.params()) if (p.trainable) ps.push_back({p.name, p.value, p.grad, p.version});
//   ShardedAdamW opt(comm, ps, {.lr = 1e-5f, .weight_decay = 0.01f});
//   ... forward / backward on this rank's samples ...
//   opt.step();          // every rank, same order
//   opt.save(dir);       // every rank writes its file; opt.load(dir) works at any world size
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "parallel/communicator.h"
#include "parallel/host_staged.h"
#include "parallel/optimizer_checkpoint.h"
#include "parallel/shard_layout.h"
#include "kernels/ops_adamw.h"

namespace rlvr::parallel {

struct ShardedParam {
  std::string name;
  Tensor* value = nullptr;       // F32 copy used by the model, CPU or CUDA (updated by step)
  Tensor* grad = nullptr;        // F32, same numel; undefined counts as zeros
  uint64_t* version = nullptr;   // bumped after each update when non-null (Linear weights)
  bool decay = true;             // false: no weight decay (norms, biases)
};

struct ZeroOptions {
  bool average_grads = true;  // divide the summed gradient by the world size
  float max_grad_norm = 0;    // > 0: clip by the global L2 norm of the (averaged) gradient
  int64_t align = 32;         // slice alignment, elements
  bool shard_params = false;  // ZeRO-3: the values too (see above); no flat buffer is kept
};

struct StepStats {
  float grad_norm = 0;   // global L2 norm before clipping
  float clip_scale = 1;  // factor applied to the gradient
};

class ShardedAdamW {
 public:
  // Collective. Broadcasts rank 0's parameter values so that all ranks start equal, then keeps
  // this rank's slice as FP32 masters with zero moments. hp.step is the next step's number.
  ShardedAdamW(Communicator& comm, std::vector<ShardedParam> params, AdamWParams hp, ZeroOptions opts = {});

  // Collective. extra_sq: this rank's squared gradient norm of parameters outside this optimizer
  // (expert parallelism's rank-local experts), summed over ranks into the global norm that clips;
  // their owner applies StepStats::clip_scale to them.
  StepStats step(double extra_sq = 0);
  AdamWParams& hyper() { return hp_; }  // e.g. hyper().lr = schedule(step)
  const ShardLayout& layout() const { return layout_; }
  ParamManifest manifest() const;

  // This rank's slice (real elements only): FP32 masters and BF16 moments, as views.
  Tensor master() const;
  Tensor exp_avg() const;
  Tensor exp_avg_sq() const;

  // ZeRO-3 (opts.shard_params). Collective. Parameters [first, last) (adjacent in the flat order)
  // made whole from the ranks' master slices: each value becomes a view of one new buffer, and
  // its version is bumped.
  void gather_range(size_t first, size_t last);
  // Zero gradients for them, each a view of the returned buffer, which backward accumulates into.
  Tensor range_grads(size_t first, size_t last);
  // Collective. That buffer (their gradients still its views) summed over the ranks in place,
  // each part added to its owner's accumulator, which step() consumes.
  void reduce_range_grads(size_t first, size_t last, Tensor& grads);
  void zero_grads();  // the accumulator (ZeRO-3)
  bool shards_params() const { return opts_.shard_params; }
  size_t size() const { return params_.size(); }
  const ShardedParam& param(size_t i) const { return params_[i]; }
  // Bytes of the optimizer state this rank holds: masters, moments, gradient slice, flat buffer.
  size_t state_bytes() const;

  void save(const std::string& dir) const;  // collective: one file per rank, then a barrier
  // Collective: loads this rank's slice from a checkpoint of any world size, restores the step,
  // and all-gathers the masters into the parameters.
  void load(const std::string& dir);

 private:
  void gather_into_params();
  // Runs a collective on buffers of the optimizer's device: `run` gets a communicator and the
  // pointers of in's then out's tensors (each once) that it reads and writes, host pointers
  // unless the backend takes device ones; out's are written back.
  void collective(const std::vector<Tensor*>& in, const std::vector<Tensor*>& out,
                  const std::function<void(Communicator&, const std::vector<void*>&)>& run);
  Tensor flat_piece(size_t i) const;  // parameter i's range of flat_
  // For each rank owning part of flat elements [begin, end): run(rank, offset in the range,
  // offset in that rank's slice, count), in rank order.
  void for_each_owner(int64_t begin, int64_t end, const std::function<void(int, int64_t, int64_t, int64_t)>& run) const;
  void check_range(const char* what, size_t first, size_t last) const;  // ZeRO-3's parameter ranges
  Communicator& inner_;                 // the backend itself (device buffers for NCCL)
  mutable HostStagedCommunicator comm_;  // save() is const and collective
  std::vector<ShardedParam> params_;
  AdamWParams hp_;
  ZeroOptions opts_;
  ShardLayout layout_;
  std::vector<int64_t> offsets_;
  std::vector<Shape> shapes_;  // each parameter's, kept while ZeRO-3 has released it
  std::vector<ShardPiece> pieces_;
  Device device_ = Device::CPU;  // the parameters' and so the shard's
  Tensor master_, m_, v_;  // [layout_.shard] each, padding included
  Tensor flat_;            // [layout_.padded()]: gradients in, weights out (not with ZeRO-3)
  Tensor grad_shard_;      // [layout_.shard]: this rank's summed gradient (ZeRO-3: accumulated)
};

}  // namespace rlvr::parallel
