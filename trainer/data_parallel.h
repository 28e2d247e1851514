// Data-parallel helpers of the trainer: which block of a global batch this rank owns, and the
// small reductions the learner and the run loop need (sums of doubles in rank order, so every
// rank gets the same bits; gathers of byte strings). A null communicator, or one of one rank,
// makes every helper the identity, so one-process runs do not touch dist at all.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "parallel/communicator.h"
#include "model/transformer.h"

namespace rlvr::trainer {

struct RankShare {
  int64_t begin = 0, end = 0;  // [begin, end) of the global batch
  int64_t size() const { return end - begin; }
};

// Contiguous near-equal blocks: rank r gets [n*r/world, n*(r+1)/world).
RankShare rank_share(int64_t n, int rank, int world);
RankShare rank_share(int64_t n, const parallel::Communicator* comm);

inline bool multi_rank(const parallel::Communicator* comm) { return comm && comm->size() > 1; }

// Element-wise sums over ranks, added in rank order (doubles travel as bytes: the communicator
// reduces no F64).
void sum_over_ranks(parallel::Communicator* comm, std::vector<double>& values);
double sum_over_ranks(parallel::Communicator* comm, double v);
int64_t sum_over_ranks(parallel::Communicator* comm, int64_t v);
double max_over_ranks(parallel::Communicator* comm, double v);
bool any_rank(parallel::Communicator* comm, bool v);

// Expert loads summed over ranks (the aux-loss-free bias update must see the global batch).
void sum_router_load(parallel::Communicator* comm, const model::ModelConfig& cfg, model::RouterStats& load);

// Every rank's value, in rank order.
std::vector<int64_t> gather_over_ranks(parallel::Communicator* comm, int64_t v);
// Every rank's string, in rank order (on every rank).
std::vector<std::string> gather_strings(parallel::Communicator* comm, const std::string& mine);

}  // namespace rlvr::trainer
