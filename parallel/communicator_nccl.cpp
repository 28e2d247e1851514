// The NCCL backend for GPU ranks: buffers are CUDA device pointers, every collective is
// enqueued on the communicator's own stream, ordered after the work already on the compute
// stream (the kernels that fill its send buffer) and before the work that follows (the kernels
// that read its output), and waited for before returning, by polling: a
// collective that outlives CommOptions::collective_timeout_s, or an asynchronous NCCL error (a
// peer's connection lost), aborts the communicator and throws, so no rank hangs on a dead peer. The NCCL unique
// id travels over MPI or through a file on shared storage. Compiled to stubs without NCCL.
#include "common/error.h"
#include "kernels/tensor.h"
#include "parallel/communicator.h"

#ifdef RLVR_HAVE_NCCL
#include <cuda_runtime.h>
#include <nccl.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "kernels/cuda/cuda_check.h"

namespace rlvr::parallel {

namespace {

using cuda::kComputeStream;

#define RLVR_NCCL(call)                                                                          \
  do {                                                                                           \
    ncclResult_t rlvr_rc_ = (call);                                                              \
    RLVR_CHECK(rlvr_rc_ == ncclSuccess, "parallel", #call, ": ", ncclGetErrorString(rlvr_rc_), " (", \
               ncclGetLastError(nullptr), ")");                                                  \
  } while (0)
#define RLVR_CUDA_RT(call)                                                                      \
  do {                                                                                          \
    cudaError_t rlvr_rc_ = (call);                                                              \
    RLVR_CHECK(rlvr_rc_ == cudaSuccess, "parallel", #call, ": ", cudaGetErrorString(rlvr_rc_));     \
  } while (0)

ncclDataType_t nccl_type(CommDType t) {
  switch (t) {
    case CommDType::F32: return ncclFloat32;
    case CommDType::BF16: return ncclBfloat16;
    case CommDType::E4M3: return ncclUint8;
    case CommDType::I32: return ncclInt32;
    case CommDType::I64: return ncclInt64;
  }
  return ncclUint8;
}

ncclRedOp_t nccl_op(ReduceOp op) { return op == ReduceOp::Sum ? ncclSum : ncclMax; }


// Rank 0 writes the id to a temp file and renames it into place; the others poll for it.
// NOTE: the path must be fresh per job (e.g. contain $SLURM_JOB_ID): a stale file from an
// earlier job would hand out a dead id.
ncclUniqueId id_from_file(const std::string& path, int rank, double timeout_s) {
  ncclUniqueId id{};
  if (rank == 0) {
    RLVR_NCCL(ncclGetUniqueId(&id));
    const std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(id.internal, sizeof(id.internal));
      RLVR_CHECK(out.good(), "parallel", "cannot write the NCCL id file ", tmp);
    }
    std::filesystem::rename(tmp, path);
    return id;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    std::error_code ec;
    if (std::filesystem::file_size(path, ec) == sizeof(id.internal)) {
      std::ifstream in(path, std::ios::binary);
      in.read(id.internal, sizeof(id.internal));
      if (in.gcount() == sizeof(id.internal)) return id;
    }
    RLVR_CHECK(std::chrono::steady_clock::now() < deadline, "parallel", "rank ", rank, " waited ", timeout_s,
               " s for the NCCL id file ", path, " that rank 0 writes");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

ncclUniqueId id_over_mpi() {
  auto mpi = make_mpi_communicator();
  ncclUniqueId id{};
  if (mpi->rank() == 0) RLVR_NCCL(ncclGetUniqueId(&id));
  mpi->broadcast(reinterpret_cast<uint8_t*>(id.internal), sizeof(id.internal), CommDType::E4M3, 0);
  return id;
}

class Nccl final : public Communicator {
 public:
  Nccl(const CommOptions& opts, const LaunchEnv& env)
      : rank_(env.rank), size_(env.world_size), timeout_s_(opts.collective_timeout_s) {
    int devices = 0;
    RLVR_CUDA_RT(cudaGetDeviceCount(&devices));
    RLVR_CHECK(devices > 0, "parallel", "backend nccl needs a CUDA device; none is visible");
    device_ = opts.cuda_device >= 0 ? opts.cuda_device : env.local_rank % devices;
    RLVR_CHECK(device_ < devices, "parallel", "cuda_device ", device_, " but only ", devices, " are visible");
    RLVR_CUDA_RT(cudaSetDevice(device_));
    ncclUniqueId id{};
    if (size_ == 1) RLVR_NCCL(ncclGetUniqueId(&id));
    else if (!opts.nccl_id_file.empty()) id = id_from_file(opts.nccl_id_file, rank_, opts.nccl_id_timeout_s);
    else if (mpi_available()) id = id_over_mpi();
    else RLVR_FAIL("parallel", "no way to share the NCCL id", "set an id file on shared storage or build with MPI");
    RLVR_NCCL(ncclCommInitRank(&comm_, size_, id, rank_));
    RLVR_CUDA_RT(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    RLVR_CUDA_RT(cudaEventCreateWithFlags(&inputs_ready_, cudaEventDisableTiming));
    RLVR_CUDA_RT(cudaEventCreateWithFlags(&outputs_ready_, cudaEventDisableTiming));
  }
  ~Nccl() override {
    // NOTE: unchecked: a destructor, and the device may already be in an error state.
    if (comm_) ncclCommDestroy(comm_);
    if (inputs_ready_) cudaEventDestroy(inputs_ready_);
    if (outputs_ready_) cudaEventDestroy(outputs_ready_);
    if (stream_) cudaStreamDestroy(stream_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "nccl"; }
  bool device_buffers() const override { return true; }

  void all_reduce(void* buf, size_t count, CommDType t, ReduceOp op) override {
    check_reducible(t, "all_reduce");
    run_ordered([&] { RLVR_NCCL(ncclAllReduce(buf, buf, count, nccl_type(t), nccl_op(op), comm_, stream_)); });
  }
  void reduce_scatter(const void* send, void* recv, size_t recv_count, CommDType t, ReduceOp op) override {
    check_reducible(t, "reduce_scatter");
    run_ordered(
        [&] { RLVR_NCCL(ncclReduceScatter(send, recv, recv_count, nccl_type(t), nccl_op(op), comm_, stream_)); });
  }
  void all_gather(const void* send, void* recv, size_t send_count, CommDType t) override {
    run_ordered([&] { RLVR_NCCL(ncclAllGather(send, recv, send_count, nccl_type(t), comm_, stream_)); });
  }
  void broadcast(void* buf, size_t count, CommDType t, int root) override {
    check_root(root);
    run_ordered([&] { RLVR_NCCL(ncclBroadcast(buf, buf, count, nccl_type(t), root, comm_, stream_)); });
  }
  void reduce(void* buf, size_t count, CommDType t, ReduceOp op, int root) override {
    check_reducible(t, "reduce");
    check_root(root, "reduce");
    run_ordered([&] { RLVR_NCCL(ncclReduce(buf, buf, count, nccl_type(t), nccl_op(op), root, comm_, stream_)); });
  }
  void all_to_all(const void* send, const std::vector<size_t>& send_counts, void* recv,
                  const std::vector<size_t>& recv_counts, CommDType t) override {
    check_counts(send_counts, "send_counts");
    check_counts(recv_counts, "recv_counts");
    const size_t esz = comm_dtype_size(t);
    run_ordered([&] {
      size_t s_off = 0, r_off = 0;
      RLVR_NCCL(ncclGroupStart());
      for (int p = 0; p < size_; ++p) {
        const size_t sc = send_counts[size_t(p)], rc = recv_counts[size_t(p)];
        if (sc) RLVR_NCCL(ncclSend(static_cast<const char*>(send) + s_off * esz, sc, nccl_type(t), p, comm_, stream_));
        if (rc) RLVR_NCCL(ncclRecv(static_cast<char*>(recv) + r_off * esz, rc, nccl_type(t), p, comm_, stream_));
        s_off += sc;
        r_off += rc;
      }
      RLVR_NCCL(ncclGroupEnd());
    });
  }
  void barrier() override {
    run_ordered([&] {
      int* flag = nullptr;
      RLVR_CUDA_RT(cudaMallocAsync(reinterpret_cast<void**>(&flag), sizeof(int), stream_));
      RLVR_CUDA_RT(cudaMemsetAsync(flag, 0, sizeof(int), stream_));
      RLVR_NCCL(ncclAllReduce(flag, flag, 1, ncclInt32, ncclSum, comm_, stream_));
      RLVR_CUDA_RT(cudaFreeAsync(flag, stream_));
    });
  }
  // Counts live on the host; they go through a device buffer for NCCL (from the tensor cache:
  // no cudaMalloc, and no device-wide cudaFree, per exchange).
  std::vector<size_t> exchange_counts(const std::vector<size_t>& send_counts) override {
    check_counts(send_counts, "send_counts");
    const size_t n = size_t(size_);
    std::vector<int64_t> mine(send_counts.begin(), send_counts.end()), all(n * n);
    // NOTE: int64 counts in an i32 tensor of twice the length (Tensor has no i64 dtype).
    Tensor buf = Tensor::empty({int64_t(2 * (n + n * n))}, DType::I32, Device::CUDA);
    int64_t* d = static_cast<int64_t*>(buf.raw());
    RLVR_CUDA_RT(cudaMemcpy(d, mine.data(), n * sizeof(int64_t), cudaMemcpyHostToDevice));
    all_gather(d, d + n, n, CommDType::I64);
    RLVR_CUDA_RT(cudaMemcpy(all.data(), d + n, n * n * sizeof(int64_t), cudaMemcpyDeviceToHost));
    std::vector<size_t> recv(n);
    for (size_t p = 0; p < n; ++p) recv[p] = size_t(all[p * n + size_t(rank_)]);
    return recv;
  }

 private:
  // The NCCL stream waits for the compute stream's work so far, enqueue() puts the collective
  // on it, the compute stream's later work waits for the collective, and the host waits too.
  // NOTE: the stream is non-blocking (it never waits on the legacy stream by itself), so both
  // orders must be asked for.
  template <typename Enqueue>
  void run_ordered(Enqueue&& enqueue) {
    RLVR_CHECK(comm_ != nullptr, "parallel", "rank ", rank_,
               ": the NCCL communicator was aborted by an earlier error");
    RLVR_CUDA_RT(cudaEventRecord(inputs_ready_, kComputeStream));
    RLVR_CUDA_RT(cudaStreamWaitEvent(stream_, inputs_ready_, 0));
    enqueue();
    RLVR_CUDA_RT(cudaEventRecord(outputs_ready_, stream_));
    RLVR_CUDA_RT(cudaStreamWaitEvent(kComputeStream, outputs_ready_, 0));
    sync();
  }
  void sync() {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    for (int polls = 0;; ++polls) {
      const cudaError_t q = cudaStreamQuery(stream_);
      if (q == cudaSuccess) return;
      RLVR_CHECK(q == cudaErrorNotReady, "parallel", "rank ", rank_, ": collective failed: ", cudaGetErrorString(q));
      ncclResult_t async = ncclSuccess;
      RLVR_NCCL(ncclCommGetAsyncError(comm_, &async));
      if (async != ncclSuccess) {
        abort_comm();
        RLVR_FAIL("parallel", "collective failed",
                  cat("rank ", rank_, ": ", ncclGetErrorString(async), " (a peer rank died or lost its connection)"));
      }
      const double waited = std::chrono::duration<double>(Clock::now() - start).count();
      if (waited > timeout_s_) {
        abort_comm();
        RLVR_FAIL("parallel", "collective timed out",
                  cat("rank ", rank_, ": no completion after ", timeout_s_, " s (a peer rank died or stopped calling "
                      "collectives); the NCCL communicator was aborted"));
      }
      // Spin briefly (most collectives finish in microseconds), then poll every 100 us.
      if (polls < 1000) std::this_thread::yield();
      else std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }
  void abort_comm() {
    if (comm_) ncclCommAbort(comm_);
    comm_ = nullptr;
  }
  int rank_ = 0, size_ = 1, device_ = 0;
  double timeout_s_ = 600;
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t inputs_ready_ = nullptr, outputs_ready_ = nullptr;  // see run_ordered
};

}  // namespace

bool nccl_available() { return true; }
std::unique_ptr<Communicator> make_nccl_communicator(const CommOptions& opts, const LaunchEnv& env) {
  return std::make_unique<Nccl>(opts, env);
}

}  // namespace rlvr::parallel

#else  // no NCCL in this build

namespace rlvr::parallel {
bool nccl_available() { return false; }
std::unique_ptr<Communicator> make_nccl_communicator(const CommOptions&, const LaunchEnv&) {
  RLVR_FAIL("parallel", "this build has no NCCL", "configure with CUDA on (RLVR_CUDA=ON) on a machine with NCCL");
}
}  // namespace rlvr::parallel

#endif
