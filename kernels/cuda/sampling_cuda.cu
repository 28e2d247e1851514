// CUDA token sampling: temperature, top-k, top-p (nucleus), greedy; one block per row, the
// row's uniform drawn on the host from Philox (seed, stream, counter) exactly as the CPU draws
// it. Every step follows kernels/cpu/sampling.cpp; the only differences are float summation
// orders, so a token differs from the CPU's only when the draw lands within rounding of a
// boundary of the cumulative distribution. The same kernel evaluates a given token's log-prob
// under the sampling distribution (sampling_logprobs).
#include <cfloat>
#include <climits>
#include <cmath>
#include <vector>

#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"
#include "kernels/cuda_limits.h"
#include "kernels/philox.h"

namespace rlvr::cuda {
namespace {

constexpr int kThreads = 512;
constexpr int kMaxTopK = cuda_limits::kMaxSamplingTopK;

// Order-preserving map of a non-NaN float to uint32, and back (for bisection over values).
__device__ inline unsigned float_key(float f) {
  const unsigned b = __float_as_uint(f);
  return b & 0x80000000u ? ~b : b | 0x80000000u;
}
__device__ inline float key_float(unsigned k) { return __uint_as_float(k & 0x80000000u ? k & 0x7fffffffu : ~k); }

struct Row {
  const float* logits;
  int64_t V;
  float inv_temp, m;
  __device__ float z(int64_t v) const {  // logits / temperature, non-finite -> -inf
    const float x = logits[v];
    return isfinite(x) ? x * inv_temp : -INFINITY;
  }
  __device__ float e(int64_t v) const { return expf(z(v) - m); }  // 0 for -inf
};

struct Crossing { int64_t first, last; };

// Over the members of [0, V) in id order, with cum(v) the sum of weight over members <= v:
// first = the first member with cum(v) > threshold (>= when !strict), -1 if none; last = the
// last member. Thread t scans one contiguous chunk; chunk sums are prefixed in order.
template <typename Member, typename Weight>
__device__ Crossing first_crossing(int64_t V, double threshold, bool strict, Member member, Weight weight,
                                   double* sums, unsigned long long* first, long long* last) {
  const int64_t chunk = (V + blockDim.x - 1) / blockDim.x;
  const int64_t b = min(V, int64_t(threadIdx.x) * chunk), e = min(V, b + chunk);
  double s = 0.0;
  long long my_last = -1;
  for (int64_t v = b; v < e; ++v)
    if (member(v)) {
      s += weight(v);
      my_last = v;
    }
  sums[threadIdx.x] = s;
  if (threadIdx.x == 0) {
    *first = ~0ull;
    *last = -1;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    double run = 0.0;
    for (unsigned i = 0; i < blockDim.x; ++i) {
      const double x = sums[i];
      sums[i] = run;
      run += x;
    }
  }
  if (my_last >= 0) atomicMax(last, my_last);
  __syncthreads();
  double cum = sums[threadIdx.x];
  for (int64_t v = b; v < e; ++v) {
    if (!member(v)) continue;
    cum += weight(v);
    if (strict ? cum > threshold : cum >= threshold) {
      atomicMin(first, static_cast<unsigned long long>(v));
      break;
    }
  }
  __syncthreads();
  const Crossing c{*first == ~0ull ? -1 : int64_t(*first), *last};
  __syncthreads();
  return c;
}

// sum of e(v) over z(v) >= tau (> tau when strict), in double.
__device__ double mass_at_least(const Row& row, float tau, bool strict, double* scratch) {
  double s = 0.0;
  for (int64_t v = threadIdx.x; v < row.V; v += blockDim.x) {
    const float z = row.z(v);
    if (strict ? z > tau : z >= tau) s += double(row.e(v));
  }
  return block_reduce(s, scratch, SumOp{});
}

__device__ int count_at_least(const Row& row, float tau, int* scratch) {
  int n = 0;
  for (int64_t v = threadIdx.x; v < row.V; v += blockDim.x) n += row.z(v) >= tau;
  return block_reduce(n, scratch, SumOp{});
}

struct Shared {
  double sums[kThreads];
  double dscratch[32];
  float fscratch[32];
  int iscratch[32];
  unsigned long long first;
  long long last;
  int n_cand;
  float cand_z[kMaxTopK];
  int cand_id[kMaxTopK];
  int order[kMaxTopK];
  double prob[kMaxTopK];
  int keep;          // top-k: the support is order[0, keep)
  double total;      // top-k: the support's mass, sum of exp(z - m)
};

// Top-k (then top-p within it): the k most likely ids (value desc, id asc) by bisection on the
// k-th value, sorted in shared memory; the support (sh.keep, sh.total) is the CPU's prefix,
// computed sequentially in double.
__device__ void top_k_support(const Row& row, int k, float top_p, float zmin, Shared& sh) {
  // Step 1: tau = the k-th largest value: count(z >= tau) >= k > count(z > tau).
  unsigned lo = float_key(zmin), hi = float_key(row.m) + 1;
  while (hi - lo > 1) {
    const unsigned mid = lo + (hi - lo) / 2;
    if (count_at_least(row, key_float(mid), sh.iscratch) >= k) lo = mid;
    else hi = mid;
  }
  const float tau = key_float(lo);
  // Step 2: candidates: every z > tau, then the lowest-id ties at tau up to k in all.
  if (threadIdx.x == 0) sh.n_cand = 0;
  __syncthreads();
  for (int64_t v = threadIdx.x; v < row.V; v += blockDim.x)
    if (row.z(v) > tau) {
      const int slot = atomicAdd(&sh.n_cand, 1);
      sh.cand_z[slot] = row.z(v);
      sh.cand_id[slot] = int(v);
    }
  __syncthreads();
  const int above = sh.n_cand;
  const Crossing ties = first_crossing(
      row.V, double(k - above), false, [&](int64_t v) { return row.z(v) == tau; }, [](int64_t) { return 1.0; },
      sh.sums, &sh.first, &sh.last);
  const int64_t last_tie = ties.first >= 0 ? ties.first : ties.last;
  for (int64_t v = threadIdx.x; v <= last_tie; v += blockDim.x)
    if (row.z(v) == tau) {
      const int slot = atomicAdd(&sh.n_cand, 1);
      sh.cand_z[slot] = tau;
      sh.cand_id[slot] = int(v);
    }
  __syncthreads();
  // Step 3: rank sort by (value desc, id asc).
  const int n = sh.n_cand;
  for (int a = threadIdx.x; a < n; a += blockDim.x) {
    int rank = 0;
    for (int b = 0; b < n; ++b)
      rank += sh.cand_z[b] > sh.cand_z[a] || (sh.cand_z[b] == sh.cand_z[a] && sh.cand_id[b] < sh.cand_id[a]);
    sh.order[rank] = sh.cand_id[a];
  }
  __syncthreads();
  // Step 4: the CPU's support, sequential in double over at most kMaxTopK values.
  if (threadIdx.x == 0) {
    double mass = 0.0;
    for (int i = 0; i < n; ++i) mass += sh.prob[i] = exp(double(row.z(sh.order[i])) - double(row.m));
    const double nucleus = top_p < 1.0f ? double(top_p) * mass : mass;
    double total = 0.0;
    int keep = 0;
    while (keep < n && (keep == 0 || total < nucleus)) total += sh.prob[keep++];
    sh.keep = keep;
    sh.total = total;
  }
  __syncthreads();
}

// The CPU's draw over the top-k support, in order (most likely first).
__device__ int64_t draw_top_k(double u, Shared& sh) {
  if (threadIdx.x == 0) {
    const double target = u * sh.total;
    double cum = 0.0;
    sh.first = uint64_t(sh.order[sh.keep - 1]);
    for (int i = 0; i < sh.keep; ++i) {
      cum += sh.prob[i];
      if (cum > target) {
        sh.first = uint64_t(sh.order[i]);
        break;
      }
    }
  }
  __syncthreads();
  const int64_t token = int64_t(sh.first);
  __syncthreads();
  return token;
}

__device__ bool in_top_k(int64_t token, const Shared& sh) {
  for (int i = 0; i < sh.keep; ++i)
    if (sh.order[i] == token) return true;
  return false;
}

// Top-p without top-k: bisection for the threshold tau, the largest value whose {z >= tau}
// mass reaches top_p of the total; the nucleus is {z > tau} plus the ties at tau in id order
// until the mass is reached.
struct Nucleus {
  float tau;
  int64_t last_tie;
  double total;  // its mass, sum of exp(z - m)
  __device__ bool contains(const Row& row, int64_t v) const {
    const float z = row.z(v);
    return z > tau || (z == tau && v <= last_tie);
  }
};

__device__ Nucleus nucleus_support(const Row& row, float top_p, float zmin, Shared& sh) {
  const double target = double(top_p) * mass_at_least(row, -INFINITY, false, sh.dscratch);
  unsigned lo = float_key(zmin), hi = float_key(row.m) + 1;
  while (hi - lo > 1) {
    const unsigned mid = lo + (hi - lo) / 2;
    if (mass_at_least(row, key_float(mid), false, sh.dscratch) >= target) lo = mid;
    else hi = mid;
  }
  const float tau = key_float(lo);
  const double above = mass_at_least(row, tau, true, sh.dscratch);
  // The CPU adds ties one at a time while the mass is short of target, and always the first.
  const Crossing ties = first_crossing(
      row.V, target - above, false, [&](int64_t v) { return row.z(v) == tau; },
      [&](int64_t v) { return double(row.e(v)); }, sh.sums, &sh.first, &sh.last);
  const int64_t last_tie = ties.first >= 0 ? ties.first : ties.last;
  double tie_mass = 0.0;
  for (int64_t v = threadIdx.x; v <= last_tie; v += blockDim.x)
    if (row.z(v) == tau) tie_mass += double(row.e(v));
  return {tau, last_tie, above + block_reduce(tie_mass, sh.dscratch, SumOp{})};
}

// The draw scans the nucleus in id order.
__device__ int64_t draw_nucleus(const Row& row, const Nucleus& nuc, double u, Shared& sh) {
  const Crossing draw = first_crossing(
      row.V, u * nuc.total, true, [&](int64_t v) { return nuc.contains(row, v); },
      [&](int64_t v) { return double(row.e(v)); }, sh.sums, &sh.first, &sh.last);
  return draw.first >= 0 ? draw.first : draw.last;
}

// log p(token) under a support of the given mass (in exp(z - m)).
__device__ float support_logprob(const Row& row, int64_t token, bool inside, double total) {
  return inside ? float(double(row.z(token)) - double(row.m) - log(total)) : -INFINITY;
}

// Row b: draws a token (uniforms set) and writes its log-prob under the full tempered softmax,
// or (targets set) writes targets[b]'s log-prob under the sampling distribution.
__global__ void __launch_bounds__(kThreads) sample_kernel(int32_t* tokens, float* logprobs, const float* logits,
                                                          int64_t V, const double* uniforms, const int32_t* targets,
                                                          float temperature, int top_k, float top_p) {
  __shared__ Shared sh;
  const int64_t b = blockIdx.x;
  const float* lg = logits + b * V;

  // Step 1: argmax over the finite logits (ties to the lowest id), the finite count, the min.
  float best = -INFINITY, zmin_raw = INFINITY;
  int64_t best_id = -1;
  int n_finite = 0;
  for (int64_t v = threadIdx.x; v < V; v += blockDim.x) {
    const float x = lg[v];
    if (!isfinite(x)) continue;
    ++n_finite;
    zmin_raw = fminf(zmin_raw, x);
    if (best_id < 0 || x > best) {
      best = x;
      best_id = v;
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    const float ob = __shfl_xor_sync(kFullMask, best, o);
    const int64_t oi = __shfl_xor_sync(kFullMask, best_id, o);
    if (oi >= 0 && (best_id < 0 || ob > best || (ob == best && oi < best_id))) {
      best = ob;
      best_id = oi;
    }
  }
  if (threadIdx.x % 32 == 0) {
    sh.cand_z[threadIdx.x / 32] = best;
    sh.cand_id[threadIdx.x / 32] = int(best_id);
  }
  n_finite = block_reduce(n_finite, sh.iscratch, SumOp{});
  zmin_raw = block_reduce(zmin_raw, sh.fscratch, [](float a, float c) { return fminf(a, c); });
  int64_t argmax = -1;
  float max_logit = -INFINITY;
  for (int w = 0; w < kThreads / 32; ++w) {
    const int id = sh.cand_id[w];
    if (id >= 0 && (argmax < 0 || sh.cand_z[w] > max_logit || (sh.cand_z[w] == max_logit && id < argmax))) {
      argmax = id;
      max_logit = sh.cand_z[w];
    }
  }
  __syncthreads();
  if (argmax < 0) {
    if (threadIdx.x == 0) {
      if (tokens) tokens[b] = -1;
      logprobs[b] = NAN;
    }
    return;
  }

  // Step 2: temperature (a temperature so small that the scaled logits overflow is greedy too).
  const bool greedy = temperature == 0.0f || !isfinite(max_logit / temperature) || !isfinite(1.0f / temperature);
  const float inv_temp = greedy ? 1.0f : 1.0f / temperature;
  Row row{lg, V, inv_temp, max_logit * inv_temp};
  float sum = 0.0f;
  for (int64_t v = threadIdx.x; v < V; v += blockDim.x) sum += row.e(v);
  sum = block_reduce(sum, sh.fscratch, SumOp{});
  const float lse = row.m + logf(sum);

  // Step 3: the support, then the token drawn from it or the target's log-prob.
  const bool use_top_k = top_k > 0 && top_k < n_finite;
  const bool plain = greedy || (!use_top_k && top_p >= 1.0f);
  Nucleus nuc{};
  if (!plain && use_top_k) top_k_support(row, top_k, top_p, zmin_raw * inv_temp, sh);
  else if (!plain) nuc = nucleus_support(row, top_p, zmin_raw * inv_temp, sh);
  if (targets) {
    const int64_t t = targets[b];
    if (threadIdx.x == 0) {
      if (t < 0 || t >= V) logprobs[b] = NAN;
      else if (plain) logprobs[b] = row.z(t) - lse;
      else if (use_top_k) logprobs[b] = support_logprob(row, t, in_top_k(t, sh), sh.total);
      else logprobs[b] = support_logprob(row, t, nuc.contains(row, t), nuc.total);
    }
    return;
  }
  int64_t token = argmax;
  const double u = uniforms[b];
  if (greedy) {
    token = argmax;
  } else if (use_top_k) {
    token = draw_top_k(u, sh);
  } else if (top_p < 1.0f) {
    token = draw_nucleus(row, nuc, u, sh);
  } else {
    // Plain sampling: inverse CDF in id order over the finite logits.
    const Crossing c = first_crossing(
        V, u * double(sum), true, [&](int64_t v) { return row.z(v) != -INFINITY; },
        [&](int64_t v) { return double(row.e(v)); }, sh.sums, &sh.first, &sh.last);
    token = c.first >= 0 ? c.first : c.last;
  }
  if (threadIdx.x == 0) {
    tokens[b] = int32_t(token);
    logprobs[b] = row.z(token) - lse;  // over the full tempered distribution
  }
}

}  // namespace

void sample_tokens(Tensor& tokens, Tensor& logprobs, const Tensor& logits, const SamplingParams& params,
                   const std::vector<uint64_t>& streams, const std::vector<uint64_t>& counters) {
  const int64_t B = logits.dim(0), V = logits.dim(1);
  RLVR_CHECK(params.top_k <= kMaxTopK, "kernels", "sample_tokens: top_k ", params.top_k,
             " is above the CUDA sampler's ", kMaxTopK);
  if (B == 0) return;
  // The uniforms on the host, the CPU's formula: the same (seed, stream, counter), the same draw.
  std::vector<double> u(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b)
    u[size_t(b)] = philox_uniform(philox_draw(params.seed, streams[size_t(b)], counters[size_t(b)]));
  // NOTE: doubles in an i32 tensor of twice the length (Tensor has no f64 dtype).
  Tensor uniforms = Tensor::empty({2 * B}, DType::I32, Device::CUDA);
  RLVR_CUDA_CHECK(cudaMemcpy(uniforms.raw(), u.data(), u.size() * sizeof(double), cudaMemcpyHostToDevice));
  if (V == 0) {
    RLVR_CUDA_CHECK(cudaMemset(tokens.raw(), 0xff, tokens.nbytes()));
    const std::vector<float> nan(size_t(B), NAN);
    RLVR_CUDA_CHECK(cudaMemcpy(logprobs.raw(), nan.data(), nan.size() * sizeof(float), cudaMemcpyHostToDevice));
    return;
  }
  sample_kernel<<<unsigned(B), kThreads>>>(tokens.data<int32_t>(), logprobs.data<float>(), logits.data<float>(), V,
                                           static_cast<const double*>(uniforms.raw()), nullptr, params.temperature,
                                           params.top_k, params.top_p);
  check_launch();
}

void sampling_logprobs(Tensor& logprobs, const Tensor& logits, const Tensor& targets, const SamplingParams& params) {
  const int64_t B = logits.dim(0), V = logits.dim(1);
  RLVR_CHECK(params.top_k <= kMaxTopK, "kernels", "sampling_logprobs: top_k ", params.top_k,
             " is above the CUDA sampler's ", kMaxTopK);
  if (B == 0) return;
  if (V == 0) {
    const std::vector<float> nan(size_t(B), NAN);
    RLVR_CUDA_CHECK(cudaMemcpy(logprobs.raw(), nan.data(), nan.size() * sizeof(float), cudaMemcpyHostToDevice));
    return;
  }
  sample_kernel<<<unsigned(B), kThreads>>>(nullptr, logprobs.data<float>(), logits.data<float>(), V, nullptr,
                                           targets.data<int32_t>(), params.temperature, params.top_k, params.top_p);
  check_launch();
}

}  // namespace rlvr::cuda
