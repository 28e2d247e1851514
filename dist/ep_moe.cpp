// Expert-parallel MoE: routing, FP8 dispatch, local experts, BF16 combine, and backward.
#include "dist/ep_moe.h"

#include <cstring>

#include "dist/expert_mlp.h"
#include "dist/host_staged.h"
#include "kernels/fp_codec.h"
#include "kernels/gemm.h"
#include "kernels/ops_moe.h"
#include "kernels/quantize.h"

namespace rlvr::dist {

namespace {

CommDType comm_dtype(DType t) {
  switch (t) {
    case DType::F32: return CommDType::F32;
    case DType::BF16: return CommDType::BF16;
    case DType::E4M3: return CommDType::E4M3;
    case DType::I32: return CommDType::I32;
    default: RLVR_FAIL("dist", "no wire type for", dtype_name(t));
  }
}

// all_to_all of whole rows: rows [n, width] (CPU, any wire dtype), send_rows[p] of them to rank
// p in order -> [sum recv_rows, width], source-major. Staged through the device for NCCL.
Tensor exchange_rows(Communicator& inner, const Tensor& rows, const std::vector<size_t>& send_rows,
                     const std::vector<size_t>& recv_rows) {
  HostStagedCommunicator comm(inner);
  const int64_t width = rows.dim(1);
  size_t total = 0;
  for (size_t r : recv_rows) total += r;
  std::vector<size_t> sc, rc;
  for (size_t r : send_rows) sc.push_back(r * size_t(width));
  for (size_t r : recv_rows) rc.push_back(r * size_t(width));
  Tensor out = Tensor::empty({int64_t(total), width}, rows.dtype());
  comm.all_to_all(rows.raw(), sc, out.raw(), rc, comm_dtype(rows.dtype()));
  return out;
}

// dst[map[j]] = src[j] (map a permutation of rows) or, with inverse, dst[j] = src[map[j]].
Tensor reorder_rows(const Tensor& src, const std::vector<int64_t>& map, bool inverse) {
  Tensor dst = Tensor::empty(src.shape(), src.dtype());
  const int64_t n = src.dim(0);
  const size_t row_bytes = n == 0 ? 0 : src.nbytes() / size_t(n);
  const auto* s = static_cast<const std::byte*>(src.raw());
  auto* d = static_cast<std::byte*>(dst.raw());
  for (int64_t j = 0; j < n; ++j) {
    const int64_t to = inverse ? j : map[size_t(j)], from = inverse ? map[size_t(j)] : j;
    std::memcpy(d + size_t(to) * row_bytes, s + size_t(from) * row_bytes, row_bytes);
  }
  return dst;
}

// The wire dtype of the combine and of both backward exchanges: BF16 unless the layer runs in FP32.
DType combine_dtype(model::Precision p) { return p == model::Precision::FP32 ? DType::F32 : DType::BF16; }

// Dispatch of xp [R, C] (F32, permuted order). Precision fp8: E4M3 1x128 tiles with power-of-2
// scales, the scales travelling per row ([R][Cb]); the receiver dequantizes (the expert's FP8
// Linear requantizes them to the very same bytes: power-of-2 scales make that exact). Else F32.
Tensor dispatch(Communicator& comm, const Tensor& xp, model::Precision p, const EpMoeCache& c, size_t& bytes) {
  if (p != model::Precision::FP8) {
    bytes = 0;
    for (int q = 0; q < comm.size(); ++q) if (q != comm.rank()) bytes += c.send_rows[size_t(q)] * size_t(xp.dim(1)) * 4;
    return exchange_rows(comm, xp, c.send_rows, c.recv_rows);
  }
  const int64_t R = xp.dim(0), C = xp.dim(1), Cb = ceil_div(C, kQuantTile);
  const QuantizedTensor q = quantize_fp8(xp, QuantLayout::Tile1x128, {.pow2_scales = true});
  Tensor row_scales = Tensor::empty({R, Cb}, DType::F32);
  const float* s = q.scales.data<float>();
  float* rs = row_scales.data<float>();
  for (int64_t r = 0; r < R; ++r)
    for (int64_t b = 0; b < Cb; ++b) rs[r * Cb + b] = s[b * R + r];
  const Tensor data = exchange_rows(comm, q.data, c.send_rows, c.recv_rows);
  const Tensor scales = exchange_rows(comm, row_scales, c.send_rows, c.recv_rows);
  bytes = 0;
  for (int r = 0; r < comm.size(); ++r) if (r != comm.rank()) bytes += c.send_rows[size_t(r)] * size_t(C + Cb * 4);
  // Dequantize the received rows.
  const int64_t Rr = data.dim(0);
  Tensor x = Tensor::empty({Rr, C}, DType::F32);
  const uint8_t* d = static_cast<const uint8_t*>(data.raw());
  const float* sc = scales.data<float>();
  float* xo = x.data<float>();
  for (int64_t r = 0; r < Rr; ++r)
    for (int64_t col = 0; col < C; ++col)
      xo[r * C + col] = e4m3_bits_to_float(d[r * C + col]) * sc[r * Cb + col / kQuantTile];
  return x;
}

}  // namespace

ExpertParallelMoe::ExpertParallelMoe(Communicator& comm, const model::ModelConfig& cfg)
    : comm_(comm), cfg_(cfg), world_(comm.size()) {
  RLVR_CHECK(cfg.num_experts > 0 && cfg.num_experts % world_ == 0, "dist", "expert parallelism over ", world_,
             " ranks needs a multiple of ", world_, " experts, the model has ", cfg.num_experts);
  local_ = cfg.num_experts / world_;
  first_ = comm.rank() * local_;
}

size_t ExpertParallelMoe::local_index(const model::MoeWeights& w, int i) const {
  return size_t(int(w.experts.size()) == local_ ? i : first_ + i);
}

void ExpertParallelMoe::forward(Tensor& y, const Tensor& h, const model::MoeWeights& w, model::Precision p,
                                EpMoeCache& c, std::vector<int64_t>* load) {
  const int64_t T = h.dim(0), C = h.dim(1), E = cfg_.num_experts, K = cfg_.num_experts_per_tok;
  RLVR_CHECK(int(w.experts.size()) == local_ || int(w.experts.size()) == E, "dist", "rank ", comm_.rank(), " holds ",
             w.experts.size(), " experts, expert parallelism gives it ", local_, " (or all ", E, ")");
  check_shape("ExpertParallelMoe::forward", h, "h", {T, int64_t(cfg_.hidden_size)});
  c.precision = p;
  c.h = h;
  // Route this rank's tokens (router in FP32, as the single-rank layer).
  Tensor logits = Tensor::empty({T, E}, DType::F32);
  gemm(logits, h, false, w.router.value, true);
  c.expert_ids = Tensor::empty({T, K}, DType::I32);
  c.gates = Tensor::empty({T, K}, DType::F32);
  c.scores = Tensor::empty({T, E}, DType::F32);
  RoutingConfig rc;
  rc.top_k = int(K);
  rc.scoring = cfg_.scoring_func == "sigmoid" ? RouterScoring::Sigmoid : RouterScoring::Softmax;
  rc.normalize = cfg_.norm_topk_prob;
  rc.scaling = cfg_.routed_scaling_factor;
  const bool use_bias = cfg_.scoring_func == "sigmoid" || cfg_.expert_bias_update_rate > 0;
  topk_route(c.expert_ids, c.gates, c.scores, logits, use_bias ? w.expert_bias.value : Tensor(), rc);
  c.perm = make_permutation(c.expert_ids, int(E));
  const int64_t R = c.perm.n_rows();
  Tensor xp = Tensor::empty({R, C}, DType::F32);
  permute_rows(xp, h, c.perm);

  // Exchange the per-expert row counts: rank q learns how many rows each source has for each
  // of its experts, which fixes the layout of everything that follows.
  std::vector<int64_t> counts(static_cast<size_t>(E));
  for (int64_t e = 0; e < E; ++e) counts[size_t(e)] = c.perm.offsets[size_t(e) + 1] - c.perm.offsets[size_t(e)];
  const std::vector<size_t> per_peer(static_cast<size_t>(world_), static_cast<size_t>(local_));
  Tensor counts_t = Tensor::empty({E, 1}, DType::I32);
  for (int64_t e = 0; e < E; ++e) counts_t.data<int32_t>()[e] = int32_t(counts[size_t(e)]);
  const Tensor recv_counts_t = exchange_rows(comm_, counts_t, per_peer, per_peer);
  c.send_rows.assign(size_t(world_), 0);
  c.recv_rows.assign(size_t(world_), 0);
  c.expert_begin.assign(size_t(local_) + 1, 0);
  for (int q = 0; q < world_; ++q)
    for (int i = 0; i < local_; ++i) {
      c.send_rows[size_t(q)] += size_t(counts[size_t(q * local_ + i)]);
      const int64_t n = recv_counts_t.data<int32_t>()[q * local_ + i];
      c.recv_rows[size_t(q)] += size_t(n);
      c.expert_begin[size_t(i) + 1] += n;
    }
  for (int i = 0; i < local_; ++i) c.expert_begin[size_t(i) + 1] += c.expert_begin[size_t(i)];
  // Received rows come source-major (then by expert); the experts want them expert-major (then
  // by source, i.e. in global token order, as the single-rank layer has them).
  c.expert_row_of_recv.clear();
  std::vector<int64_t> next(c.expert_begin.begin(), c.expert_begin.end() - 1);
  for (int q = 0; q < world_; ++q)
    for (int i = 0; i < local_; ++i)
      for (int64_t n = recv_counts_t.data<int32_t>()[q * local_ + i]; n > 0; --n)
        c.expert_row_of_recv.push_back(next[size_t(i)]++);

  const Tensor x_recv = dispatch(comm_, xp, p, c, c.dispatch_bytes);
  const Tensor xe = reorder_rows(x_recv, c.expert_row_of_recv, false);
  Tensor ye = Tensor::zeros(xe.shape(), DType::F32);
  c.experts.assign(size_t(local_), model::MlpCache{});
  for (int i = 0; i < local_; ++i) {
    const int64_t r0 = c.expert_begin[size_t(i)], r1 = c.expert_begin[size_t(i) + 1];
    if (r1 == r0) continue;
    Tensor out;
    expert_mlp_forward(out, xe.slice_rows(r0, r1), w.experts[local_index(w, i)], p, c.experts[size_t(i)]);
    std::memcpy(ye.slice_rows(r0, r1).raw(), out.raw(), out.nbytes());
  }
  // Combine: outputs go back source-major, in the wire dtype, and are summed with the gates.
  const Tensor back = reorder_rows(ye, c.expert_row_of_recv, true).to(combine_dtype(p));
  c.combined_out = exchange_rows(comm_, back, c.recv_rows, c.send_rows);
  if (c.combined_out.dtype() != DType::F32) c.combined_out = c.combined_out.to(DType::F32);
  y = Tensor::empty({T, C}, DType::F32);
  unpermute_combine(y, c.combined_out, c.gates, c.perm);
  if (load) load->assign(counts.begin(), counts.end());
}

void ExpertParallelMoe::backward(Tensor& dh, const Tensor& dy, model::MoeWeights& w, EpMoeCache& c) {
  const int64_t T = dy.dim(0), C = dy.dim(1), E = cfg_.num_experts, K = cfg_.num_experts_per_tok;
  RLVR_CHECK(c.h.defined() && c.h.dim(0) == T, "dist", "ExpertParallelMoe::backward needs the cache of the forward over the same tokens");
  const int64_t R = c.perm.n_rows();
  Tensor dcombined = Tensor::empty({R, C}, DType::F32), dgates = Tensor::empty({T, K}, DType::F32);
  unpermute_combine_backward(dcombined, dgates, dy, c.combined_out, c.gates, c.perm);
  // The combine's backward: output gradients to the experts' ranks (BF16, as the forward combine).
  const DType wire = combine_dtype(c.precision);
  Tensor d_recv = exchange_rows(comm_, dcombined.to(wire), c.send_rows, c.recv_rows);
  if (d_recv.dtype() != DType::F32) d_recv = d_recv.to(DType::F32);
  const Tensor dye = reorder_rows(d_recv, c.expert_row_of_recv, false);
  Tensor dxe = Tensor::zeros(dye.shape(), DType::F32);
  for (int i = 0; i < local_; ++i) {
    const int64_t r0 = c.expert_begin[size_t(i)], r1 = c.expert_begin[size_t(i) + 1];
    if (r1 == r0) continue;
    Tensor dx;
    expert_mlp_backward(dx, dye.slice_rows(r0, r1), w.experts[local_index(w, i)], c.experts[size_t(i)]);
    std::memcpy(dxe.slice_rows(r0, r1).raw(), dx.raw(), dx.nbytes());
  }
  // The dispatch's backward: input gradients back to the tokens' ranks.
  const Tensor back = reorder_rows(dxe, c.expert_row_of_recv, true).to(wire);
  Tensor dxp = exchange_rows(comm_, back, c.recv_rows, c.send_rows);
  if (dxp.dtype() != DType::F32) dxp = dxp.to(DType::F32);
  dh = Tensor::zeros({T, C}, DType::F32);
  permute_rows_backward(dh, dxp, c.perm);
  // Router (FP32, replicated): this rank's share of its gradient.
  Tensor dlogits = Tensor::empty({T, E}, DType::F32);
  RoutingConfig rc;
  rc.top_k = int(K);
  rc.scoring = cfg_.scoring_func == "sigmoid" ? RouterScoring::Sigmoid : RouterScoring::Softmax;
  rc.normalize = cfg_.norm_topk_prob;
  rc.scaling = cfg_.routed_scaling_factor;
  topk_route_backward(dlogits, dgates, c.expert_ids, c.scores, rc);
  if (!w.router.grad.defined()) w.router.grad = Tensor::zeros(w.router.value.shape(), DType::F32);
  gemm(w.router.grad, dlogits, true, c.h, false, /*accumulate=*/true);
  gemm(dh, dlogits, false, w.router.value, false, /*accumulate=*/true);
}

}  // namespace rlvr::dist
