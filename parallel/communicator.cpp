// The backend-independent part of the Communicator: dtype names, argument checks, the count
// exchange, and the factory that picks a backend from the launch environment.
#include "parallel/communicator.h"

#include <cstdlib>

#include "common/error.h"
#include "kernels/tensor.h"

namespace rlvr::parallel {

size_t comm_dtype_size(CommDType t) {
  switch (t) {
    case CommDType::F32: return 4;
    case CommDType::BF16: return 2;
    case CommDType::E4M3: return 1;
    case CommDType::I32: return 4;
    case CommDType::I64: return 8;
  }
  return 0;
}

const char* comm_dtype_name(CommDType t) {
  switch (t) {
    case CommDType::F32: return "f32";
    case CommDType::BF16: return "bf16";
    case CommDType::E4M3: return "e4m3";
    case CommDType::I32: return "i32";
    case CommDType::I64: return "i64";
  }
  return "?";
}

std::vector<size_t> Communicator::exchange_counts(const std::vector<size_t>& send_counts) {
  check_counts(send_counts, "send_counts");
  const size_t n = size_t(size());
  RLVR_CHECK(!device_buffers(), "parallel", "backend ", backend(), " must override exchange_counts");
  std::vector<int64_t> mine(send_counts.begin(), send_counts.end()), all(n * n);
  all_gather(mine.data(), all.data(), n, CommDType::I64);
  std::vector<size_t> recv(n);
  for (size_t p = 0; p < n; ++p) recv[p] = size_t(all[p * n + size_t(rank())]);
  return recv;
}

void Communicator::check_multiple(size_t whole, size_t part, const char* what) const {
  RLVR_CHECK(whole == part * size_t(size()), "parallel", what, ": ", whole, " elements is not ", size(),
             " ranks x ", part);
}

void Communicator::check_counts(const std::vector<size_t>& counts, const char* which) const {
  RLVR_CHECK(counts.size() == size_t(size()), "parallel", "all_to_all: ", which, " has ", counts.size(),
             " entries for ", size(), " ranks");
}

void Communicator::check_root(int root, const char* what) const {
  RLVR_CHECK(root >= 0 && root < size(), "parallel", what, ": root ", root, " is not a rank of ", size());
}

void Communicator::check_reducible(CommDType t, const char* what) {
  RLVR_CHECK(t != CommDType::E4M3, "parallel", what, ": e4m3 payloads are moved, never reduced");
}

const char* backend_name(Backend b) {
  switch (b) {
    case Backend::Auto: return "auto";
    case Backend::Single: return "single";
    case Backend::Mpi: return "mpi";
    case Backend::Nccl: return "nccl";
  }
  return "?";
}

Backend parse_backend(const std::string& name) {
  for (Backend b : {Backend::Auto, Backend::Single, Backend::Mpi, Backend::Nccl})
    if (name == backend_name(b)) return b;
  RLVR_FAIL("parallel", "unknown communicator backend", "'", name, "' (expected auto, single, mpi or nccl)");
}

std::unique_ptr<Communicator> make_communicator(const CommOptions& opts) {
  CommOptions o = opts;
  if (const char* b = std::getenv("RLVR_COMM_BACKEND"); o.backend == Backend::Auto && b && *b)
    o.backend = parse_backend(b);
  return make_communicator(o, discover_launch_env());
}

std::unique_ptr<Communicator> make_communicator(const CommOptions& opts, const LaunchEnv& env) {
  Backend b = opts.backend;
  if (b == Backend::Auto) {
    if (env.world_size == 1 && env.launcher == "none") b = Backend::Single;
    else if (nccl_available() && cuda_available()) b = Backend::Nccl;
    else if (mpi_available()) b = Backend::Mpi;
    else if (env.world_size == 1) b = Backend::Single;
    else
      RLVR_FAIL("parallel", "no communicator backend for a multi-rank launch",
                env.describe(), ": this build has neither MPI nor NCCL");
  }
  switch (b) {
    case Backend::Single:
      RLVR_CHECK(env.world_size == 1, "parallel", "backend single cannot serve ", env.describe());
      return make_single_communicator();
    case Backend::Mpi: {
      auto comm = make_mpi_communicator();
      RLVR_CHECK(comm->size() == env.world_size || env.launcher == "none", "parallel", "MPI sees ",
                 comm->size(), " ranks but the launcher says ", env.describe());
      return comm;
    }
    case Backend::Nccl: return make_nccl_communicator(opts, env);
    case Backend::Auto: break;
  }
  RLVR_FAIL("parallel", "unreachable backend");
}

}  // namespace rlvr::parallel
