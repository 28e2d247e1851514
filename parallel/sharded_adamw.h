// ZeRO-1 AdamW for data-parallel training: every rank holds the full model and computes full
// gradients on its own data; the optimizer state is split. One step:
//   1. gradients flattened and reduce-scattered (FP32 sum, then averaged over ranks): each rank
//      gets the summed gradient of its slice only;
//   2. optional clipping by the global gradient norm (one all_reduce of a scalar);
//   3. the rank's slice of the FP32 master weights updated with BF16 moments (kernels/ops_adamw.h);
//   4. the new master slices all-gathered and written back into every parameter (FP32), whose
//      version is bumped so that FP8/BF16 copies are rebuilt.
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
  Communicator& inner_;                 // the backend itself (device buffers for NCCL)
  mutable HostStagedCommunicator comm_;  // save() is const and collective
  std::vector<ShardedParam> params_;
  AdamWParams hp_;
  ZeroOptions opts_;
  ShardLayout layout_;
  std::vector<int64_t> offsets_;
  std::vector<ShardPiece> pieces_;
  Device device_ = Device::CPU;  // the parameters' and so the shard's
  Tensor master_, m_, v_;  // [layout_.shard] each, padding included
  Tensor flat_;            // [layout_.padded()]: gradients in, weights out
  Tensor grad_shard_;      // [layout_.shard]: this rank's summed gradient
};

}  // namespace rlvr::parallel
