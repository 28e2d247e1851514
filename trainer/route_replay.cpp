#include "trainer/route_replay.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace rlvr::trainer {

double RouteAgreement::fraction() const {
  return records > 0 ? double(matches) / double(records) : std::nan("");
}

Tensor packed_routes(const model::ModelConfig& cfg, const model::Batch& batch,
                     const std::vector<const TrainSequence*>& seqs) {
  const int64_t M = cfg.n_moe_layers(), K = cfg.num_experts_per_tok, T = batch.n_tokens();
  const bool any = std::any_of(seqs.begin(), seqs.end(), [](const TrainSequence* s) { return !s->routes.empty(); });
  if (!any || M == 0) return {};
  RLVR_CHECK(seqs.size() == batch.n_sequences(), "trainer", "packed_routes: ", seqs.size(),
             " sequences for a batch of ", batch.n_sequences());
  Tensor out = Tensor::empty({M, T, K}, DType::I32);
  int32_t* p = out.data<int32_t>();
  std::fill(p, p + out.numel(), -1);
  for (size_t s = 0; s < seqs.size(); ++s) {
    const TrainSequence& q = *seqs[s];
    if (q.routes.empty()) continue;
    const int64_t n = q.completion_len();
    RLVR_CHECK(int64_t(q.routes.size()) == n * M * K, "trainer", "sequence ", s, ": ", q.routes.size(),
               " recorded expert ids for ", n, " completion tokens x ", M, " MoE layers x top-", K);
    const int64_t t0 = batch.seq_offsets[s] + q.prompt_len - 1;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t m = 0; m < M; ++m)
        for (int64_t j = 0; j < K; ++j) {
          const uint16_t e = q.routes[size_t((i * M + m) * K + j)];
          RLVR_CHECK(e < cfg.num_experts, "trainer", "sequence ", s, ": recorded expert ", e, " of a model with ",
                     cfg.num_experts, " experts");
          p[(m * T + t0 + i) * K + j] = int32_t(e);
        }
  }
  return out;
}

}  // namespace rlvr::trainer
