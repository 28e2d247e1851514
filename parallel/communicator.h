// The collectives that data- and expert-parallel training need, behind one small interface with
// three backends: SingleProcess (world size 1), Mpi (CPU ranks, OpenMPI) and Nccl (GPU buffers).
//
// Every call is blocking and collective: all ranks of the communicator make the same calls in
// the same order. Buffers are raw pointers plus an element count and a CommDType; the typed
// overloads below (std::span) pick the CommDType for you. For Nccl the buffers are device
// pointers; for the others host pointers. A failure (bad arguments, a backend error, a peer
// that died) throws rlvr::Error with component "parallel".
//
//   auto comm = rlvr::parallel::make_communicator();       // from the launcher's environment
//   comm->all_reduce(std::span<float>(grad, n), ReduceOp::Sum);
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "parallel/launch_env.h"

namespace rlvr::parallel {

// Element types on the wire. BF16 and FP8 travel as their bit patterns; BF16 reduces as
// numbers (accumulated in FP32, rounded back to nearest even); FP8 (E4M3 bytes) is moved only,
// never reduced.
enum class CommDType : uint8_t { F32, BF16, E4M3, I32, I64 };
enum class ReduceOp : uint8_t { Sum, Max };

size_t comm_dtype_size(CommDType t);
const char* comm_dtype_name(CommDType t);

template <typename T> struct comm_dtype_of;
template <> struct comm_dtype_of<float> { static constexpr CommDType value = CommDType::F32; };
template <> struct comm_dtype_of<uint16_t> { static constexpr CommDType value = CommDType::BF16; };
template <> struct comm_dtype_of<uint8_t> { static constexpr CommDType value = CommDType::E4M3; };
template <> struct comm_dtype_of<int32_t> { static constexpr CommDType value = CommDType::I32; };
template <> struct comm_dtype_of<int64_t> { static constexpr CommDType value = CommDType::I64; };

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::string backend() const = 0;  // "single", "mpi", "nccl"
  virtual bool device_buffers() const { return false; }  // true: pointers are CUDA device memory

  // buf[i] = op over ranks of buf[i], in place. count elements.
  virtual void all_reduce(void* buf, size_t count, CommDType t, ReduceOp op) = 0;
  // send holds size()*recv_count elements; rank r receives the reduction of block r.
  virtual void reduce_scatter(const void* send, void* recv, size_t recv_count, CommDType t, ReduceOp op) = 0;
  // recv holds size()*send_count elements: rank r's send lands in block r.
  virtual void all_gather(const void* send, void* recv, size_t send_count, CommDType t) = 0;
  // buf on every rank becomes root's buf.
  virtual void broadcast(void* buf, size_t count, CommDType t, int root) = 0;
  // root's buf becomes op over the ranks' bufs, in place; the other ranks' are left as they are.
  virtual void reduce(void* buf, size_t count, CommDType t, ReduceOp op, int root) = 0;
  // Uneven all-to-all: send_counts[p] elements go to peer p (blocks laid out back to back in
  // peer order), recv_counts[p] elements arrive from peer p (likewise). Both vectors have
  // size() entries; recv_counts must match what the peers send (see exchange_counts).
  virtual void all_to_all(const void* send, const std::vector<size_t>& send_counts, void* recv,
                          const std::vector<size_t>& recv_counts, CommDType t) = 0;
  virtual void barrier() = 0;

  // Typed conveniences over host or device spans (the element type names the CommDType:
  // float F32, uint16_t BF16, uint8_t E4M3, int32_t, int64_t).
  template <typename T> void all_reduce(std::span<T> buf, ReduceOp op) {
    all_reduce(buf.data(), buf.size(), comm_dtype_of<T>::value, op);
  }
  template <typename T> void reduce_scatter(std::span<const T> send, std::span<T> recv, ReduceOp op) {
    check_multiple(send.size(), recv.size(), "reduce_scatter");
    reduce_scatter(send.data(), recv.data(), recv.size(), comm_dtype_of<T>::value, op);
  }
  template <typename T> void all_gather(std::span<const T> send, std::span<T> recv) {
    check_multiple(recv.size(), send.size(), "all_gather");
    all_gather(send.data(), recv.data(), send.size(), comm_dtype_of<T>::value);
  }
  template <typename T> void broadcast(std::span<T> buf, int root) {
    broadcast(buf.data(), buf.size(), comm_dtype_of<T>::value, root);
  }
  template <typename T> void reduce(std::span<T> buf, ReduceOp op, int root) {
    reduce(buf.data(), buf.size(), comm_dtype_of<T>::value, op, root);
  }

  // recv_counts[p] = what peer p will send here, from every rank's send_counts (host memory,
  // whatever the backend: counts are exchanged through a small all_gather).
  virtual std::vector<size_t> exchange_counts(const std::vector<size_t>& send_counts);

 protected:
  // Argument checks shared by the backends; each throws naming the collective.
  void check_multiple(size_t whole, size_t part, const char* what) const;
  void check_counts(const std::vector<size_t>& counts, const char* which) const;
  void check_root(int root, const char* what = "broadcast") const;
  static void check_reducible(CommDType t, const char* what);
};

enum class Backend : uint8_t { Auto, Single, Mpi, Nccl };
const char* backend_name(Backend b);
Backend parse_backend(const std::string& name);  // "auto", "single", "mpi", "nccl"

struct CommOptions {
  Backend backend = Backend::Auto;  // Auto: single when the world has one rank, else nccl when
                                    // built with CUDA and a GPU is present, else mpi
  // Nccl without MPI: rank 0 writes the NCCL unique id here (shared storage), the others read
  // it. Empty: exchanged over MPI (needs an MPI launch).
  std::string nccl_id_file;
  double nccl_id_timeout_s = 120;  // how long ranks wait for the id file
  int cuda_device = -1;            // Nccl: the device to use; -1 = LOCAL_RANK mod device count
  // Nccl: a collective that has not finished after this long (a peer died or stopped calling
  // collectives) aborts the communicator and throws, instead of hanging every rank.
  double collective_timeout_s = 600;
};

// The communicator for this process from the launcher's environment (launch_env.h). With
// opts.backend Auto, the environment variable RLVR_COMM_BACKEND (single|mpi|nccl) may name one.
std::unique_ptr<Communicator> make_communicator(const CommOptions& opts = {});
std::unique_ptr<Communicator> make_communicator(const CommOptions& opts, const LaunchEnv& env);

// Backends, for callers that want one explicitly.
std::unique_ptr<Communicator> make_single_communicator();
bool mpi_available();  // compiled with MPI
// MPI_COMM_WORLD (MPI initialized on first use and finalized at exit when we initialized it).
std::unique_ptr<Communicator> make_mpi_communicator();
bool nccl_available();  // compiled with NCCL (CUDA builds)
std::unique_ptr<Communicator> make_nccl_communicator(const CommOptions& opts, const LaunchEnv& env);

}  // namespace rlvr::parallel
