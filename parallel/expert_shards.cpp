// Gathering expert-parallel shards into a whole model (see expert_shards.h).
#include "parallel/expert_shards.h"

#include <vector>

#include "common/error.h"
#include "parallel/host_staged.h"

namespace rlvr::parallel {

model::ExpertRange expert_share(const Communicator& comm, const model::ModelConfig& cfg) {
  return model::ExpertRange::of_rank(comm.rank(), comm.size(), cfg.num_experts);
}

model::Transformer gather_experts(model::Transformer& shard, Communicator& comm, model::Precision keep) {
  const model::ModelConfig& cfg = shard.config();
  model::ModelWeights w = shard.weights();  // tensors shared, not copied
  const model::ExpertRange mine = w.experts;
  if (mine.all(cfg)) {
    for (model::LayerWeights& L : w.layers) model::keep_only(L, keep, /*routed_experts=*/true);
    model::Transformer whole(cfg, std::move(w));
    whole.limit_output_vocab(shard.output_vocab());
    return whole;
  }
  const model::ExpertRange want = expert_share(comm, cfg);
  RLVR_CHECK(mine.first == want.first && mine.end(cfg) == want.end(cfg), "parallel", "rank ", comm.rank(),
             " holds experts [", mine.first, ", ", mine.end(cfg), "), expert parallelism over ", comm.size(),
             " ranks gives it [", want.first, ", ", want.end(cfg), ")");
  HostStagedCommunicator host(comm);
  const int64_t C = cfg.hidden_size, I = cfg.moe_intermediate_size, matrix = C * I, per_expert = 3 * matrix;
  const int local = want.count;
  const Device dev = shard.device();
  for (model::LayerWeights& L : w.layers) {
    if (!L.is_moe) {
      model::keep_only(L, keep, /*routed_experts=*/true);
      continue;
    }
    // This rank's experts as [local][gate, up, down] flat F32 rows; the gather orders them by rank,
    // which is expert order.
    Tensor send = Tensor::empty({int64_t(local) * 3, matrix}, DType::F32);
    for (int i = 0; i < local; ++i) {
      const model::MlpWeights& m = L.moe.experts[size_t(i)];
      int64_t row = int64_t(i) * 3;
      for (const model::LinearWeight* lw : {&m.gate, &m.up, &m.down})
        send.slice_rows(row, row + 1).copy_(lw->weight.reshape({1, matrix})), ++row;
    }
    Tensor all = Tensor::empty({int64_t(comm.size()) * local * 3, matrix}, DType::F32);
    host.all_gather(send.raw(), all.raw(), size_t(local * per_expert), CommDType::F32);
    std::vector<model::MlpWeights> experts(size_t(cfg.num_experts));
    for (int e = 0; e < cfg.num_experts; ++e) {
      if (e >= mine.first && e < mine.end(cfg)) {
        experts[size_t(e)] = L.moe.experts[size_t(e - mine.first)];
        continue;
      }
      model::MlpWeights& m = experts[size_t(e)];
      // Own storage (not a view of `all`, which goes with this layer).
      const auto matrix_of = [&](int64_t row, Shape shape) {
        const Tensor t = all.slice_rows(row, row + 1).reshape(std::move(shape));
        return dev == Device::CPU ? t.clone() : t.to(dev);
      };
      const int64_t row = int64_t(e) * 3;
      m.gate.weight = matrix_of(row, {I, C});
      m.up.weight = matrix_of(row + 1, {I, C});
      m.down.weight = matrix_of(row + 2, {C, I});
    }
    L.moe.experts = std::move(experts);
    model::keep_only(L, keep, /*routed_experts=*/true);
  }
  w.experts = {};
  model::Transformer whole(cfg, std::move(w));
  whole.limit_output_vocab(shard.output_vocab());
  return whole;
}

}  // namespace rlvr::parallel
