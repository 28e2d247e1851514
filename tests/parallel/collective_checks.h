// Checks of every collective against the obvious serial result, run on whatever communicator
// the caller has (single process in test_parallel, MPI ranks in test_parallel_mpi). Every rank can
// generate every rank's input (seeded by rank), so each computes the serial answer itself.
// Values are multiples of 1/4 in [-4, 4]: sums over up to 16 ranks are exact in FP32 and in
// BF16, so results compare exactly whatever order a backend reduces in.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "parallel/communicator.h"
#include "kernels/fp_codec.h"

namespace rlvr::parallel::testing {

inline std::vector<float> rank_values(int rank, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed * 7919 + uint64_t(rank));
  std::uniform_int_distribution<int> q(-16, 16);
  std::vector<float> v(n);
  for (float& x : v) x = float(q(rng)) / 4.0f;
  return v;
}

template <typename T> T from_float(float f) {
  if constexpr (std::is_same_v<T, uint16_t>) return float_to_bf16_bits(f);
  else return T(f);
}
template <typename T> float to_f(T v) {
  if constexpr (std::is_same_v<T, uint16_t>) return bf16_bits_to_float(v);
  else return float(v);
}

template <typename T> std::vector<T> typed_values(int rank, size_t n, uint64_t seed) {
  std::vector<float> f = rank_values(rank, n, seed);
  std::vector<T> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = from_float<T>(std::is_integral_v<T> && !std::is_same_v<T, uint16_t> ? f[i] * 4 : f[i]);
  return out;
}

template <typename T> std::vector<T> serial_reduce(int world, size_t n, uint64_t seed, ReduceOp op) {
  std::vector<T> acc = typed_values<T>(0, n, seed);
  for (int q = 1; q < world; ++q) {
    const std::vector<T> v = typed_values<T>(q, n, seed);
    for (size_t i = 0; i < n; ++i) {
      const float a = to_f(acc[i]), b = to_f(v[i]);
      acc[i] = from_float<T>(op == ReduceOp::Sum ? a + b : std::max(a, b));
    }
  }
  return acc;
}

template <typename T> void check_all_reduce(Communicator& comm, size_t n, ReduceOp op, uint64_t seed) {
  std::vector<T> buf = typed_values<T>(comm.rank(), n, seed);
  comm.all_reduce(std::span<T>(buf), op);
  const std::vector<T> want = serial_reduce<T>(comm.size(), n, seed, op);
  for (size_t i = 0; i < n; ++i)
    ASSERT_EQ(to_f(buf[i]), to_f(want[i])) << "all_reduce n=" << n << " first bad index " << i;
}

// The root gets the reduction; every other rank keeps its own values.
template <typename T> void check_reduce(Communicator& comm, size_t n, ReduceOp op, int root, uint64_t seed) {
  std::vector<T> buf = typed_values<T>(comm.rank(), n, seed);
  comm.reduce(std::span<T>(buf), op, root);
  const std::vector<T> want = comm.rank() == root ? serial_reduce<T>(comm.size(), n, seed, op)
                                                  : typed_values<T>(comm.rank(), n, seed);
  for (size_t i = 0; i < n; ++i)
    ASSERT_EQ(to_f(buf[i]), to_f(want[i])) << "reduce n=" << n << " root " << root << " first bad index " << i;
}

template <typename T> void check_reduce_scatter(Communicator& comm, size_t per_rank, ReduceOp op, uint64_t seed) {
  const size_t n = per_rank * size_t(comm.size());
  const std::vector<T> send = typed_values<T>(comm.rank(), n, seed);
  std::vector<T> recv(per_rank);
  comm.reduce_scatter(std::span<const T>(send), std::span<T>(recv), op);
  const std::vector<T> want = serial_reduce<T>(comm.size(), n, seed, op);
  for (size_t i = 0; i < per_rank; ++i)
    ASSERT_EQ(to_f(recv[i]), to_f(want[size_t(comm.rank()) * per_rank + i]))
        << "reduce_scatter per_rank=" << per_rank << " first bad index " << i;
}

template <typename T> void check_all_gather(Communicator& comm, size_t per_rank, uint64_t seed) {
  const std::vector<T> send = typed_values<T>(comm.rank(), per_rank, seed);
  std::vector<T> recv(per_rank * size_t(comm.size()));
  comm.all_gather(std::span<const T>(send), std::span<T>(recv));
  for (int q = 0; q < comm.size(); ++q) {
    const std::vector<T> want = typed_values<T>(q, per_rank, seed);
    for (size_t i = 0; i < per_rank; ++i)
      ASSERT_EQ(to_f(recv[size_t(q) * per_rank + i]), to_f(want[i])) << "all_gather block " << q << " index " << i;
  }
}

template <typename T> void check_broadcast(Communicator& comm, size_t n, int root, uint64_t seed) {
  std::vector<T> buf = typed_values<T>(comm.rank(), n, seed);
  comm.broadcast(std::span<T>(buf), root);
  const std::vector<T> want = typed_values<T>(root, n, seed);
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(to_f(buf[i]), to_f(want[i])) << "broadcast root " << root << " index " << i;
}

// Uneven splits, zeros included: rank q sends count(q, p) elements to rank p, element i of that
// block being the code q*1e6 + p*1e4 + i (as I64, exact).
inline size_t a2a_count(int from, int to, uint64_t seed) { return size_t((from * 7 + to * 3 + int(seed)) % 5) * 3; }

inline void check_all_to_all(Communicator& comm, uint64_t seed) {
  const int me = comm.rank(), world = comm.size();
  std::vector<size_t> send_counts(static_cast<size_t>(world));
  std::vector<int64_t> send;
  for (int p = 0; p < world; ++p) {
    send_counts[size_t(p)] = a2a_count(me, p, seed);
    for (size_t i = 0; i < send_counts[size_t(p)]; ++i) send.push_back(int64_t(me) * 1000000 + p * 10000 + int64_t(i));
  }
  const std::vector<size_t> recv_counts = comm.exchange_counts(send_counts);
  for (int q = 0; q < world; ++q) ASSERT_EQ(recv_counts[size_t(q)], a2a_count(q, me, seed)) << "counts from " << q;
  size_t total = 0;
  for (size_t c : recv_counts) total += c;
  std::vector<int64_t> recv(total, -1);
  comm.all_to_all(send.data(), send_counts, recv.data(), recv_counts, CommDType::I64);
  size_t at = 0;
  for (int q = 0; q < world; ++q)
    for (size_t i = 0; i < recv_counts[size_t(q)]; ++i, ++at)
      ASSERT_EQ(recv[at], int64_t(q) * 1000000 + me * 10000 + int64_t(i)) << "from rank " << q << " element " << i;

  // The same exchange carrying FP8 bytes: moved bit for bit.
  std::vector<uint8_t> bytes(send.size()), got(total);
  for (size_t i = 0; i < send.size(); ++i) bytes[i] = uint8_t(send[i] * 31);
  comm.all_to_all(bytes.data(), send_counts, got.data(), recv_counts, CommDType::E4M3);
  for (size_t i = 0; i < total; ++i) ASSERT_EQ(got[i], uint8_t(recv[i] * 31)) << "e4m3 element " << i;
}

// The whole table, for one communicator.
inline void check_every_collective(Communicator& comm) {
  const size_t sizes[] = {0, 1, 7, 1000, 100003};
  uint64_t seed = 1;
  for (size_t n : sizes) {
    SCOPED_TRACE(::testing::Message() << "n=" << n);
    for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max}) {
      check_all_reduce<float>(comm, n, op, seed++);
      check_all_reduce<uint16_t>(comm, n, op, seed++);
      check_all_reduce<int32_t>(comm, n, op, seed++);
      check_all_reduce<int64_t>(comm, n, op, seed++);
      check_reduce_scatter<float>(comm, n, op, seed++);
      for (int root = 0; root < comm.size(); ++root) check_reduce<float>(comm, n, op, root, seed++);
      check_reduce<uint16_t>(comm, n, op, comm.size() - 1, seed++);
      check_reduce<int64_t>(comm, n, op, 0, seed++);
      check_reduce_scatter<uint16_t>(comm, n, op, seed++);
      check_reduce_scatter<int64_t>(comm, n, op, seed++);
    }
    check_all_gather<float>(comm, n, seed++);
    check_all_gather<uint16_t>(comm, n, seed++);
    check_all_gather<uint8_t>(comm, n, seed++);
    check_all_gather<int32_t>(comm, n, seed++);
    for (int root = 0; root < comm.size(); ++root) check_broadcast<float>(comm, n, root, seed++);
    check_broadcast<uint8_t>(comm, n, comm.size() - 1, seed++);
  }
  for (uint64_t s = 0; s < 5; ++s) check_all_to_all(comm, s);
  comm.barrier();
}

}  // namespace rlvr::parallel::testing
