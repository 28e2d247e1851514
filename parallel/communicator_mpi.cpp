// The MPI backend (OpenMPI from Debian) for CPU ranks: MPI_COMM_WORLD duplicated, errors
// returned rather than aborting so that they become rlvr::Error. Compiled to stubs when the
// build found no MPI.
#include "common/error.h"
#include "parallel/communicator.h"

#ifdef RLVR_HAVE_MPI
#define OMPI_SKIP_MPICXX 1  // the C API only: no link against the deprecated C++ bindings
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <climits>
#include <cstring>

#include "kernels/fp_codec.h"

namespace rlvr::parallel {

namespace {

void check_mpi(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  RLVR_FAIL("parallel", "MPI call failed", call, ": ", std::string(text, size_t(len)));
}
#define RLVR_MPI(call) check_mpi((call), #call)

// MPI is initialized once per process, on first use, and finalized at exit only if we did it.
struct MpiRuntime {
  bool we_initialized = false;
  MpiRuntime() {
    int inited = 0;
    RLVR_MPI(MPI_Initialized(&inited));
    if (!inited) {
      int provided = 0;
      RLVR_MPI(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided));
      we_initialized = true;
    }
  }
  ~MpiRuntime() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (we_initialized && !finalized) MPI_Finalize();
  }
};

MpiRuntime& mpi_runtime() {
  static MpiRuntime rt;
  return rt;
}

MPI_Datatype mpi_type(CommDType t) {
  switch (t) {
    case CommDType::F32: return MPI_FLOAT;
    case CommDType::BF16: return MPI_UINT16_T;
    case CommDType::E4M3: return MPI_UINT8_T;
    case CommDType::I32: return MPI_INT32_T;
    case CommDType::I64: return MPI_INT64_T;
  }
  return MPI_DATATYPE_NULL;
}

MPI_Op mpi_op(ReduceOp op) { return op == ReduceOp::Sum ? MPI_SUM : MPI_MAX; }

int as_int(size_t n, const char* what) {
  RLVR_CHECK(n <= size_t(INT_MAX), "parallel", what, ": ", n, " elements exceed one MPI call's int count");
  return int(n);
}

std::vector<float> bf16_to_f32(const void* p, size_t n) {
  const auto* b = static_cast<const uint16_t*>(p);
  std::vector<float> f(n);
  for (size_t i = 0; i < n; ++i) f[i] = bf16_bits_to_float(b[i]);
  return f;
}

void f32_to_bf16(void* p, const std::vector<float>& f) {
  auto* b = static_cast<uint16_t*>(p);
  for (size_t i = 0; i < f.size(); ++i) b[i] = float_to_bf16_bits(f[i]);
}

class Mpi final : public Communicator {
 public:
  Mpi() {
    mpi_runtime();
    RLVR_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &comm_));
    RLVR_MPI(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN));
    RLVR_MPI(MPI_Comm_rank(comm_, &rank_));
    RLVR_MPI(MPI_Comm_size(comm_, &size_));
  }
  ~Mpi() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Comm_free(&comm_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "mpi"; }

  void all_reduce(void* buf, size_t count, CommDType t, ReduceOp op) override {
    check_reducible(t, "all_reduce");
    // BF16 is summed in FP32 and rounded once at the end, as NCCL does within a rank.
    if (t == CommDType::BF16) {
      std::vector<float> f = bf16_to_f32(buf, count);
      all_reduce(f.data(), count, CommDType::F32, op);
      return f32_to_bf16(buf, f);
    }
    RLVR_MPI(MPI_Allreduce(MPI_IN_PLACE, buf, as_int(count, "all_reduce"), mpi_type(t), mpi_op(op), comm_));
  }

  void reduce_scatter(const void* send, void* recv, size_t recv_count, CommDType t, ReduceOp op) override {
    check_reducible(t, "reduce_scatter");
    if (t == CommDType::BF16) {
      std::vector<float> f = bf16_to_f32(send, recv_count * size_t(size_)), out(recv_count);
      reduce_scatter(f.data(), out.data(), recv_count, CommDType::F32, op);
      return f32_to_bf16(recv, out);
    }
    RLVR_MPI(MPI_Reduce_scatter_block(send, recv, as_int(recv_count, "reduce_scatter"), mpi_type(t),
                                      mpi_op(op), comm_));
  }

  void all_gather(const void* send, void* recv, size_t send_count, CommDType t) override {
    const size_t bytes = send_count * comm_dtype_size(t);
    const void* in_place = static_cast<const char*>(recv) + size_t(rank_) * bytes;
    RLVR_MPI(MPI_Allgather(send == in_place ? MPI_IN_PLACE : send, as_int(send_count, "all_gather"),
                           mpi_type(t), recv, int(send_count), mpi_type(t), comm_));
  }

  void broadcast(void* buf, size_t count, CommDType t, int root) override {
    check_root(root);
    RLVR_MPI(MPI_Bcast(buf, as_int(count, "broadcast"), mpi_type(t), root, comm_));
  }

  void reduce(void* buf, size_t count, CommDType t, ReduceOp op, int root) override {
    check_reducible(t, "reduce");
    check_root(root, "reduce");
    if (t == CommDType::BF16) {
      std::vector<float> f = bf16_to_f32(buf, count);
      reduce(f.data(), count, CommDType::F32, op, root);
      if (rank_ == root) f32_to_bf16(buf, f);
      return;
    }
    RLVR_MPI(MPI_Reduce(rank_ == root ? MPI_IN_PLACE : buf, buf, as_int(count, "reduce"), mpi_type(t), mpi_op(op),
                        root, comm_));
  }

  void all_to_all(const void* send, const std::vector<size_t>& send_counts, void* recv,
                  const std::vector<size_t>& recv_counts, CommDType t) override {
    check_counts(send_counts, "send_counts");
    check_counts(recv_counts, "recv_counts");
    const size_t n = size_t(size_);
    std::vector<int> sc(n), sd(n), rc(n), rd(n);
    size_t s_off = 0, r_off = 0;
    for (size_t p = 0; p < n; ++p) {
      sc[p] = as_int(send_counts[p], "all_to_all");
      rc[p] = as_int(recv_counts[p], "all_to_all");
      sd[p] = as_int(s_off, "all_to_all displacement");
      rd[p] = as_int(r_off, "all_to_all displacement");
      s_off += send_counts[p];
      r_off += recv_counts[p];
    }
    RLVR_MPI(MPI_Alltoallv(send, sc.data(), sd.data(), mpi_type(t), recv, rc.data(), rd.data(), mpi_type(t),
                           comm_));
  }

  void barrier() override { RLVR_MPI(MPI_Barrier(comm_)); }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
};

}  // namespace

bool mpi_available() { return true; }
std::unique_ptr<Communicator> make_mpi_communicator() { return std::make_unique<Mpi>(); }

}  // namespace rlvr::parallel

#else  // no MPI in this build

namespace rlvr::parallel {
bool mpi_available() { return false; }
std::unique_ptr<Communicator> make_mpi_communicator() {
  RLVR_FAIL("parallel", "this build has no MPI", "install libopenmpi-dev and reconfigure");
}
}  // namespace rlvr::parallel

#endif
