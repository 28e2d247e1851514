// CUDA token permutation by expert: building it (stable, token order within an expert, row
// counts padded per expert), gathering rows, and the gated combine back, with backwards.
#include <vector>

#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"
#include "kernels/cuda/routing_cuda.h"

namespace rlvr::cuda {
namespace {

constexpr int kThreads = 256;

// One block per expert e, scanning the slots in order, 256 at a time: a slot that picked e gets
// row offsets[e] + (number of earlier slots that picked e). Ballots give the in-chunk ranks.
// NOTE: every block reads all T*k ids (E passes in total); fine for the E <= 256, T*k <= 1M of
// our models, a sort would win beyond that.
__global__ void assign_rows_kernel(int32_t* row_of_slot, int32_t* token_of_row, const int32_t* ids,
                                   const int64_t* offsets, int64_t n_slots, int K) {
  __shared__ int warp_counts[kThreads / 32];
  const int e = blockIdx.x, lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  int64_t next_row = offsets[e];
  for (int64_t base = 0; base < n_slots; base += kThreads) {
    const int64_t i = base + threadIdx.x;
    const bool mine = i < n_slots && ids[i] == e;
    const unsigned ballot = __ballot_sync(kFullMask, mine);
    if (lane == 0) warp_counts[warp] = __popc(ballot);
    __syncthreads();
    int before = __popc(ballot & ((1u << lane) - 1u)), total = 0;
    for (int w = 0; w < kThreads / 32; ++w) {
      before += w < warp ? warp_counts[w] : 0;
      total += warp_counts[w];
    }
    if (mine) {
      const int64_t row = next_row + before;
      row_of_slot[i] = int32_t(row);
      token_of_row[row] = int32_t(i / K);
    }
    next_row += total;
    __syncthreads();  // warp_counts is rewritten by the next chunk
  }
}

// One thread: offsets[e + 1] = offsets[e] + counts[e] rounded up to pad_to, as the host's copy.
__global__ void padded_offsets_kernel(int64_t* offsets, const int32_t* counts, int E, int pad_to) {
  offsets[0] = 0;
  for (int e = 0; e < E; ++e) offsets[e + 1] = offsets[e] + (int64_t(counts[e]) + pad_to - 1) / pad_to * pad_to;
}

// One block per row: out[r] = x[token_of_row[r]], zeros for padding rows.
__global__ void permute_rows_kernel(float* out, const float* x, const int32_t* token_of_row, int64_t T, int64_t C,
                                    unsigned long long* bad) {
  const int64_t r = blockIdx.x;
  const int32_t t = token_of_row[r];
  if (t < -1 || t >= T) {
    if (threadIdx.x == 0) report_bad_index(bad, r);
    return;
  }
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) out[r * C + c] = t < 0 ? 0.0f : x[int64_t(t) * C + c];
}

// Row of slot s, or -1 (reported) when a hand-built permutation points outside [0, R).
__device__ inline int64_t checked_row(const int32_t* row_of_slot, int64_t s, int64_t R, unsigned long long* bad) {
  const int32_t row = row_of_slot[s];
  if (row < 0 || row >= R) {
    if (threadIdx.x == 0) report_bad_index(bad, s);
    return -1;
  }
  return row;
}

// One block per token: dx[t] += sum_j dout[row_of_slot[t*k+j]], in j order as on the CPU.
__global__ void permute_rows_backward_kernel(float* dx, const float* dout, const int32_t* row_of_slot, int K,
                                             int64_t R, int64_t C, unsigned long long* bad) {
  const int64_t t = blockIdx.x;
  for (int j = 0; j < K; ++j) {
    const int64_t row = checked_row(row_of_slot, t * K + j, R, bad);
    if (row < 0) return;
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) dx[t * C + c] = __fadd_rn(dx[t * C + c], dout[row * C + c]);
  }
}

// One block per token: y[t] = sum_j gates[t,j] expert_out[row_of_slot[t*k+j]].
__global__ void unpermute_combine_kernel(float* y, const float* expert_out, const float* gates,
                                         const int32_t* row_of_slot, int K, int64_t R, int64_t C,
                                         unsigned long long* bad) {
  const int64_t t = blockIdx.x;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) y[t * C + c] = 0.0f;
  for (int j = 0; j < K; ++j) {
    const int64_t row = checked_row(row_of_slot, t * K + j, R, bad);
    if (row < 0) return;
    const float w = gates[t * K + j];
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x)
      y[t * C + c] = __fmaf_rn(w, expert_out[row * C + c], y[t * C + c]);
  }
}

// One block per token: dexpert_out[row] += gates[t,j] dy[t]; dgates[t,j] = dy[t] . expert_out[row].
__global__ void unpermute_combine_backward_kernel(float* dexpert_out, float* dgates, const float* dy,
                                                  const float* expert_out, const float* gates,
                                                  const int32_t* row_of_slot, int K, int64_t R, int64_t C,
                                                  unsigned long long* bad) {
  __shared__ float scratch[32];
  const int64_t t = blockIdx.x;
  for (int j = 0; j < K; ++j) {
    const int64_t row = checked_row(row_of_slot, t * K + j, R, bad);
    if (row < 0) return;
    const float w = gates[t * K + j];
    float dot = 0.0f;
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
      dexpert_out[row * C + c] += w * dy[t * C + c];
      dot += dy[t * C + c] * expert_out[row * C + c];
    }
    dot = block_reduce(dot, scratch, SumOp{});
    if (threadIdx.x == 0) dgates[t * K + j] = dot;
  }
}

// Throws, for a reported slot, the CPU's message.
std::function<void(int64_t)> bad_row(const char* op, const Permutation& p) {
  return [op, row_of_slot = p.row_of_slot, R = p.n_rows()](int64_t slot) {
    RLVR_FAIL("kernels", "bad permutation", op, ": p.row_of_slot[", slot, "] = ",
              read_device_element(row_of_slot.data<int32_t>(), slot), " is outside [0, ", R, ")");
  };
}

}  // namespace

Permutation make_permutation(const Tensor& expert_ids, int n_experts, int pad_to) {
  const int64_t T = expert_ids.dim(0), K = expert_ids.dim(1), E = n_experts;
  Permutation p;
  p.n_experts = n_experts;
  p.top_k = int(K);
  p.n_tokens = T;
  // The row offsets on the device, then one copy to the host: the model slices each expert's
  // rows by them on the host (one GEMM per expert), so this is the layer's one synchronization.
  // NOTE: int64 offsets in an i32 tensor of twice the length (Tensor has no i64 dtype).
  const Tensor counts = count_experts(expert_ids, E, "make_permutation");
  Tensor offsets = Tensor::empty({2 * (E + 1)}, DType::I32, Device::CUDA);
  padded_offsets_kernel<<<1, 1>>>(static_cast<int64_t*>(offsets.raw()), counts.data<int32_t>(), int(E), pad_to);
  check_launch();
  p.offsets.resize(size_t(E) + 1);
  RLVR_CUDA_CHECK(
      cudaMemcpy(p.offsets.data(), offsets.raw(), p.offsets.size() * sizeof(int64_t), cudaMemcpyDeviceToHost));
  const int64_t R = p.offsets.back();
  p.row_of_slot = Tensor::empty({T * K}, DType::I32, Device::CUDA);
  p.token_of_row = Tensor::empty({R}, DType::I32, Device::CUDA);
  if (R > 0) RLVR_CUDA_CHECK(cudaMemsetAsync(p.token_of_row.raw(), 0xff, p.token_of_row.nbytes()));  // -1: padding
  if (T * K == 0) return p;
  assign_rows_kernel<<<unsigned(E), kThreads>>>(p.row_of_slot.data<int32_t>(), p.token_of_row.data<int32_t>(),
                                                expert_ids.data<int32_t>(), static_cast<const int64_t*>(offsets.raw()),
                                                T * K, int(K));
  check_launch();
  return p;
}

void permute_rows(Tensor& out, const Tensor& x, const Permutation& p) {
  const int64_t R = p.n_rows(), C = x.dim(1);
  if (R == 0) return;
  BadIndexReport bad;
  permute_rows_kernel<<<unsigned(R), 128>>>(out.data<float>(), x.data<float>(), p.token_of_row.data<int32_t>(),
                                            p.n_tokens, C, bad.slot());
  check_launch();
  bad.check([token_of_row = p.token_of_row, T = p.n_tokens](int64_t r) {
    RLVR_FAIL("kernels", "bad permutation", "permute_rows: p.token_of_row[", r, "] = ",
              read_device_element(token_of_row.data<int32_t>(), r), " is outside [-1, ", T, ")");
  });
}

void permute_rows_backward(Tensor& dx, const Tensor& dout, const Permutation& p) {
  if (p.n_tokens == 0) return;
  BadIndexReport bad;
  permute_rows_backward_kernel<<<unsigned(p.n_tokens), 128>>>(dx.data<float>(), dout.data<float>(),
                                                              p.row_of_slot.data<int32_t>(), p.top_k, p.n_rows(),
                                                              dx.dim(1), bad.slot());
  check_launch();
  bad.check(bad_row("permute_rows_backward", p));
}

void unpermute_combine(Tensor& y, const Tensor& expert_out, const Tensor& gates, const Permutation& p) {
  if (p.n_tokens == 0) return;
  BadIndexReport bad;
  unpermute_combine_kernel<<<unsigned(p.n_tokens), 128>>>(y.data<float>(), expert_out.data<float>(),
                                                          gates.data<float>(), p.row_of_slot.data<int32_t>(), p.top_k,
                                                          p.n_rows(), y.dim(1), bad.slot());
  check_launch();
  bad.check(bad_row("unpermute_combine", p));
}

void unpermute_combine_backward(Tensor& dexpert_out, Tensor& dgates, const Tensor& dy, const Tensor& expert_out,
                                const Tensor& gates, const Permutation& p) {
  dexpert_out.zero_();  // padding rows get zero gradient
  if (p.n_tokens == 0) return;
  BadIndexReport bad;
  unpermute_combine_backward_kernel<<<unsigned(p.n_tokens), 128>>>(
      dexpert_out.data<float>(), dgates.data<float>(), dy.data<float>(), expert_out.data<float>(), gates.data<float>(),
      p.row_of_slot.data<int32_t>(), p.top_k, p.n_rows(), dy.dim(1), bad.slot());
  check_launch();
  bad.check(bad_row("unpermute_combine_backward", p));
}

}  // namespace rlvr::cuda
