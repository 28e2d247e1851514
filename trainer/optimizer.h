// AdamW over every trainable parameter of a model: FP32 master weights and gradients, BF16
// first and second moments (DESIGN.md), global gradient-norm clipping. Given a communicator of
// more than one rank it runs as ZeRO-1 (parallel::ShardedAdamW): gradients summed across ranks,
// each rank updating its slice of the state; the learner's loss normalizers are global, so the
// sum is the gradient of the global batch. Under expert parallelism a rank's routed experts
// (ParamRef::rank_local) are its own: their gradients are whole already (the owner ran every
// token routed to them), so they stay out of ZeRO-1 and this rank keeps their moments whole;
// only their share of the global norm joins the clipping. Given the model (run.shard_params) the
// ZeRO-1 parameters are held in slices too (ZeRO-3, parallel/param_shards.h): the model gathers
// each unit for its block and frees it after.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "parallel/communicator.h"
#include "parallel/param_shards.h"
#include "parallel/sharded_adamw.h"
#include "kernels/ops_adamw.h"
#include "model/transformer.h"
#include "model/weights.h"

namespace rlvr::trainer {

struct OptimizerConfig {
  float lr = 1e-3f;
  float beta1 = 0.9f, beta2 = 0.95f, eps = 1e-8f;
  float weight_decay = 0.0f;
  float grad_clip = 1.0f;  // max global L2 norm; 0 disables
};

class AdamW {
 public:
  // comm: null or a single rank keeps the whole state here (the format of optimizer.safetensors).
  // shard_params_of: the model whose parameters these are, to hold them in slices (sharded only).
  AdamW(std::vector<model::ParamRef> params, OptimizerConfig cfg, parallel::Communicator* comm = nullptr,
        model::Transformer* shard_params_of = nullptr);
  ~AdamW();
  // Clips, updates every parameter with learning rate lr, bumps the Linear weight versions so
  // the low-precision copies are rebuilt, and returns the gradient norm before clipping.
  double step(float lr);
  int64_t steps_taken() const { return step_; }
  void set_steps_taken(int64_t s) { step_ = s; }
  // Moments by parameter name, for checkpoints: every parameter's in one process, the rank-local
  // experts' when sharded.
  std::vector<std::pair<std::string, Tensor*>> state();
  // Bytes of the moments this rank keeps whole of routed experts (unsharded, or expert parallelism's
  // rank-local ones; ZeRO-1 slices are not counted).
  size_t expert_state_bytes() const;
  parallel::ShardedAdamW* sharded() const { return sharded_.get(); }
  parallel::Communicator* comm() const { return comm_; }  // null unless sharded
  parallel::ParamShards* param_shards() const { return param_shards_.get(); }  // null unless ZeRO-3
  // Collective (ZeRO-3): every parameter whole in the model again, for the next optimizer.
  void unshard_params();
  // Bytes of optimizer state this rank holds outside the routed experts' moments: ZeRO-1's
  // masters, moments, gradient slice and flat buffer, or every moment when unsharded.
  size_t state_bytes() const;
  parallel::ParamManifest manifest() const;  // trainable parameters in ZeRO-1's flat order

  // Checkpoint files (optimizer_state.cpp). Unsharded: ckpt_dir/optimizer.safetensors; sharded:
  // this rank's ZeRO-1 file in ckpt_dir/optimizer/ and, with rank-local experts, their moments by
  // name in ckpt_dir/optimizer/experts-0000r-of-0000W.safetensors (not collective: the caller
  // synchronizes).
  void write_state(const std::filesystem::path& ckpt_dir);
  // Reads either format whatever world size wrote it (collective when sharded).
  void read_state(const std::filesystem::path& ckpt_dir);

 private:
  // Updates params with moments m, v (clipping their gradients by clip first).
  static void update(std::vector<model::ParamRef>& params, std::vector<Tensor>& m, std::vector<Tensor>& v,
                     const AdamWParams& ap, float clip);
  // Moments from a checkpoint written in any layout (optimizer_state.cpp).
  void read_moments(const std::filesystem::path& ckpt_dir);

  std::vector<model::ParamRef> params_;  // ZeRO-1's when sharded, else every trainable one
  std::unique_ptr<parallel::ShardedAdamW> sharded_;
  std::unique_ptr<parallel::ParamShards> param_shards_;  // after sharded_: it uses it
  std::vector<Tensor> m_, v_;  // BF16, one pair per parameter of params_ (unsharded)
  std::vector<model::ParamRef> local_;   // sharded: the rank-local experts
  std::vector<Tensor> local_m_, local_v_;
  OptimizerConfig cfg_;
  int64_t step_ = 0;
  int rank_ = 0;
  parallel::Communicator* comm_ = nullptr;  // set when sharded
};

double global_grad_norm(const std::vector<model::ParamRef>& params);

}  // namespace rlvr::trainer
