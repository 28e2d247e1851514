// Rank shares and reductions for data-parallel training (see data_parallel.h).
#include "trainer/data_parallel.h"

#include <algorithm>
#include <cstring>

#include "common/error.h"

namespace rlvr::trainer {

RankShare rank_share(int64_t n, int rank, int world) {
  return {n * rank / world, n * (rank + 1) / world};
}

RankShare rank_share(int64_t n, const parallel::Communicator* comm) {
  return multi_rank(comm) ? rank_share(n, comm->rank(), comm->size()) : RankShare{0, n};
}

std::vector<std::string> gather_strings(parallel::Communicator* comm, const std::string& mine) {
  if (!multi_rank(comm)) return {mine};
  const std::vector<int64_t> sizes = gather_over_ranks(comm, int64_t(mine.size()));
  const int64_t longest = *std::max_element(sizes.begin(), sizes.end());
  std::vector<uint8_t> send(size_t(longest), 0), recv(size_t(longest) * sizes.size());
  std::memcpy(send.data(), mine.data(), mine.size());
  // Bytes travel as E4M3, which the communicator moves and never reduces.
  comm->all_gather(send.data(), recv.data(), size_t(longest), parallel::CommDType::E4M3);
  std::vector<std::string> out;
  for (size_t r = 0; r < sizes.size(); ++r)
    out.emplace_back(reinterpret_cast<const char*>(recv.data()) + r * size_t(longest), size_t(sizes[r]));
  return out;
}

std::vector<int64_t> gather_over_ranks(parallel::Communicator* comm, int64_t v) {
  if (!multi_rank(comm)) return {v};
  std::vector<int64_t> all(size_t(comm->size()));
  comm->all_gather(std::span<const int64_t>(&v, 1), std::span<int64_t>(all));
  return all;
}

void sum_over_ranks(parallel::Communicator* comm, std::vector<double>& values) {
  if (!multi_rank(comm) || values.empty()) return;
  const size_t bytes = values.size() * sizeof(double);
  std::vector<uint8_t> recv(bytes * size_t(comm->size()));
  comm->all_gather(values.data(), recv.data(), bytes, parallel::CommDType::E4M3);
  std::fill(values.begin(), values.end(), 0.0);
  for (int r = 0; r < comm->size(); ++r) {
    std::vector<double> part(values.size());
    std::memcpy(part.data(), recv.data() + size_t(r) * bytes, bytes);
    for (size_t i = 0; i < values.size(); ++i) values[i] += part[i];
  }
}

double sum_over_ranks(parallel::Communicator* comm, double v) {
  std::vector<double> one{v};
  sum_over_ranks(comm, one);
  return one[0];
}

int64_t sum_over_ranks(parallel::Communicator* comm, int64_t v) {
  if (multi_rank(comm)) comm->all_reduce(std::span<int64_t>(&v, 1), parallel::ReduceOp::Sum);
  return v;
}

double max_over_ranks(parallel::Communicator* comm, double v) {
  if (!multi_rank(comm)) return v;
  std::vector<double> all(size_t(comm->size()));
  std::vector<uint8_t> recv(sizeof(double) * all.size());
  comm->all_gather(&v, recv.data(), sizeof(double), parallel::CommDType::E4M3);
  std::memcpy(all.data(), recv.data(), recv.size());
  return *std::max_element(all.begin(), all.end());
}

void sum_router_load(parallel::Communicator* comm, const model::ModelConfig& cfg, model::RouterStats& load) {
  if (!multi_rank(comm)) return;
  // Every rank gives the full [layer][expert] shape (zeros where it routed nothing), so that a
  // rank without tokens still takes part with the same count.
  load.load.resize(size_t(cfg.num_hidden_layers));
  std::vector<int64_t> flat;
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    auto& layer = load.load[size_t(l)];
    if (cfg.is_moe_layer(l)) layer.resize(size_t(cfg.num_experts), 0);
    flat.insert(flat.end(), layer.begin(), layer.end());
  }
  if (flat.empty()) return;
  comm->all_reduce(std::span<int64_t>(flat), parallel::ReduceOp::Sum);
  size_t k = 0;
  for (auto& layer : load.load)
    for (auto& v : layer) v = flat[k++];
}

bool any_rank(parallel::Communicator* comm, bool v) {
  if (!multi_rank(comm)) return v;
  int32_t x = v ? 1 : 0;
  comm->all_reduce(std::span<int32_t>(&x, 1), parallel::ReduceOp::Max);
  return x != 0;
}

}  // namespace rlvr::trainer
