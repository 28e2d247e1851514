// Expert-parallel MoE: routing, FP8 dispatch, local experts, BF16 combine, and backward. Every
// tensor stays on the device of the layer's input; only the small bookkeeping (row counts, the
// per-row FP8 scales) passes through the host.
#include "parallel/ep_moe.h"

#include "parallel/host_staged.h"
#include "kernels/gemm.h"
#include "kernels/ops_embedding.h"
#include "kernels/ops_moe.h"
#include "kernels/quantize.h"
#include "model/mlp.h"

namespace rlvr::parallel {

namespace {

CommDType comm_dtype(DType t) {
  switch (t) {
    case DType::F32: return CommDType::F32;
    case DType::BF16: return CommDType::BF16;
    case DType::E4M3: return CommDType::E4M3;
    case DType::I32: return CommDType::I32;
    default: RLVR_FAIL("parallel", "no wire type for", dtype_name(t));
  }
}

// all_to_all of whole rows: rows [n, width] (any wire dtype), send_rows[p] of them to rank p in
// order -> [sum recv_rows, width], source-major, on the rows' device. Device rows go straight to
// a device-buffer backend (NCCL); otherwise they travel through host memory.
Tensor exchange_rows(Communicator& comm, const Tensor& rows, const std::vector<size_t>& send_rows,
                     const std::vector<size_t>& recv_rows) {
  const int64_t width = rows.dim(1);
  size_t total = 0;
  for (size_t r : recv_rows) total += r;
  std::vector<size_t> sc, rc;
  for (size_t r : send_rows) sc.push_back(r * size_t(width));
  for (size_t r : recv_rows) rc.push_back(r * size_t(width));
  const Shape shape{int64_t(total), width};
  if (rows.device() == Device::CUDA && comm.device_buffers()) {
    Tensor out = Tensor::empty(shape, rows.dtype(), Device::CUDA);
    comm.all_to_all(rows.raw(), sc, out.raw(), rc, comm_dtype(rows.dtype()));
    return out;
  }
  HostStagedCommunicator host(comm);
  const Tensor in = rows.to(Device::CPU);
  Tensor out = Tensor::empty(shape, rows.dtype());
  host.all_to_all(in.raw(), sc, out.raw(), rc, comm_dtype(rows.dtype()));
  return out.to(rows.device());
}

// out[j] = src[from[j]] for F32 rows on any device (from: host indices), through the embedding
// lookup, which is exactly a row copy.
Tensor gather_rows(const Tensor& src, const std::vector<int64_t>& from) {
  Tensor out = Tensor::empty({int64_t(from.size()), src.dim(1)}, DType::F32, src.device());
  if (from.empty()) return out;
  Tensor ids = Tensor::empty({int64_t(from.size())}, DType::I32);
  for (size_t j = 0; j < from.size(); ++j) ids.data<int32_t>()[j] = int32_t(from[j]);
  embedding_forward(out, ids.to(src.device()), src);
  return out;
}

// The permutation that undoes `to` (out[to[j]] = src[j] is gather_rows(src, inverse(to))).
std::vector<int64_t> inverse(const std::vector<int64_t>& to) {
  std::vector<int64_t> from(to.size());
  for (size_t j = 0; j < to.size(); ++j) from[size_t(to[j])] = int64_t(j);
  return from;
}

// x [R, C] back as F32 (the wire dtype was BF16 or F32).
Tensor as_f32(Tensor x) { return x.dtype() == DType::F32 ? x : x.to(DType::F32); }

// The wire dtype of the combine and of both backward exchanges: BF16 unless the layer runs in FP32.
DType combine_dtype(model::Precision p) { return p == model::Precision::FP32 ? DType::F32 : DType::BF16; }

// Recipe, as the single-rank layer: power-of-2 scales for the experts' input (the FP8 dispatch
// payload) and for the activation gradient entering the down projection.
constexpr model::LinearOptions kInOpts{true, false}, kDownOpts{false, true};

// Scales [a][b] -> [b][a] on the host (a few floats per row).
Tensor transpose_scales(const Tensor& s) {
  const Tensor h = s.to(Device::CPU);
  const int64_t A = h.dim(0), B = h.dim(1);
  Tensor out = Tensor::empty({B, A}, DType::F32);
  for (int64_t i = 0; i < A; ++i)
    for (int64_t j = 0; j < B; ++j) out.data<float>()[j * A + i] = h.data<float>()[i * B + j];
  return out;
}

// Dispatch of xp [R, C] (F32, permuted order). Precision fp8: E4M3 1x128 tiles with power-of-2
// scales, the scales travelling per row ([R][Cb]); the receiver dequantizes them as one 1x128
// quantization of its rows (the expert's FP8 Linear requantizes them to the very same bytes:
// power-of-2 scales make that exact). Else F32.
Tensor dispatch(Communicator& comm, const Tensor& xp, model::Precision p, const EpMoeCache& c, size_t& bytes) {
  const int64_t C = xp.dim(1), Cb = ceil_div(C, kQuantTile);
  const bool fp8 = p == model::Precision::FP8;
  bytes = 0;
  for (int q = 0; q < comm.size(); ++q)
    if (q != comm.rank()) bytes += c.send_rows[size_t(q)] * size_t(fp8 ? C + Cb * 4 : C * 4);
  if (!fp8) return exchange_rows(comm, xp, c.send_rows, c.recv_rows);
  const QuantizedTensor q = quantize_fp8(xp, QuantLayout::Tile1x128, {.pow2_scales = true});
  QuantizedTensor recv;
  recv.layout = QuantLayout::Tile1x128;
  recv.data = exchange_rows(comm, q.data, c.send_rows, c.recv_rows);
  const Tensor row_scales = transpose_scales(q.scales.reshape({Cb, q.rows}));  // [R][Cb]
  recv.scales = transpose_scales(exchange_rows(comm, row_scales, c.send_rows, c.recv_rows)).to(xp.device());
  recv.rows = recv.data.dim(0);
  recv.cols = C;
  if (recv.rows == 0) return Tensor::empty({0, C}, DType::F32, xp.device());
  return dequantize_fp8(recv);
}

}  // namespace

ExpertParallelMoe::ExpertParallelMoe(Communicator& comm, const model::ModelConfig& cfg)
    : comm_(comm), cfg_(cfg), world_(comm.size()) {
  RLVR_CHECK(cfg.num_experts > 0 && cfg.num_experts % world_ == 0, "parallel", "expert parallelism over ", world_,
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
  const Device dev = h.device();
  RLVR_CHECK(int(w.experts.size()) == local_ || int(w.experts.size()) == E, "parallel", "rank ", comm_.rank(), " holds ",
             w.experts.size(), " experts, expert parallelism gives it ", local_, " (or all ", E, ")");
  check_shape("ExpertParallelMoe::forward", h, "h", {T, int64_t(cfg_.hidden_size)});
  c.precision = p;
  c.h = h;
  // Route this rank's tokens (router in FP32, as the single-rank layer).
  Tensor logits = Tensor::empty({T, E}, DType::F32, dev);
  gemm(logits, h, false, w.router.value, true);
  c.expert_ids = Tensor::empty({T, K}, DType::I32, dev);
  c.gates = Tensor::empty({T, K}, DType::F32, dev);
  c.scores = Tensor::empty({T, E}, DType::F32, dev);
  const bool use_bias = cfg_.scoring_func == "sigmoid" || cfg_.expert_bias_update_rate > 0;
  topk_route(c.expert_ids, c.gates, c.scores, logits, use_bias ? w.expert_bias.value : Tensor(),
             model::routing_config(cfg_));
  c.perm = make_permutation(c.expert_ids, int(E));
  const int64_t R = c.perm.n_rows();
  Tensor xp = Tensor::empty({R, C}, DType::F32, dev);
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
  const Tensor xe = gather_rows(x_recv, inverse(c.expert_row_of_recv));
  Tensor ye = Tensor::zeros(xe.shape(), DType::F32, dev);
  c.experts.assign(size_t(local_), model::MlpCache{});
  for (int i = 0; i < local_; ++i) {
    const int64_t r0 = c.expert_begin[size_t(i)], r1 = c.expert_begin[size_t(i) + 1];
    if (r1 == r0) continue;
    Tensor out;
    model::mlp_forward(out, xe.slice_rows(r0, r1), w.experts[local_index(w, i)], p, &c.experts[size_t(i)], kInOpts,
                       kDownOpts);
    ye.slice_rows(r0, r1).copy_(out);
  }
  // Combine: outputs go back source-major, in the wire dtype, and are summed with the gates.
  const Tensor back = gather_rows(ye, c.expert_row_of_recv).to(combine_dtype(p));
  c.combined_out = as_f32(exchange_rows(comm_, back, c.recv_rows, c.send_rows));
  y = Tensor::empty({T, C}, DType::F32, dev);
  unpermute_combine(y, c.combined_out, c.gates, c.perm);
  if (load) load->assign(counts.begin(), counts.end());
}

void ExpertParallelMoe::backward(Tensor& dh, const Tensor& dy, model::MoeWeights& w, EpMoeCache& c) {
  const int64_t T = dy.dim(0), C = dy.dim(1), E = cfg_.num_experts, K = cfg_.num_experts_per_tok;
  const Device dev = dy.device();
  RLVR_CHECK(c.h.defined() && c.h.dim(0) == T, "parallel",
             "ExpertParallelMoe::backward needs the cache of the forward over the same tokens");
  const int64_t R = c.perm.n_rows();
  Tensor dcombined = Tensor::empty({R, C}, DType::F32, dev), dgates = Tensor::empty({T, K}, DType::F32, dev);
  unpermute_combine_backward(dcombined, dgates, dy, c.combined_out, c.gates, c.perm);
  // The combine's backward: output gradients to the experts' ranks (BF16, as the forward combine).
  const DType wire = combine_dtype(c.precision);
  const Tensor d_recv = as_f32(exchange_rows(comm_, dcombined.to(wire), c.send_rows, c.recv_rows));
  const Tensor dye = gather_rows(d_recv, inverse(c.expert_row_of_recv));
  Tensor dxe = Tensor::zeros(dye.shape(), DType::F32, dev);
  for (int i = 0; i < local_; ++i) {
    const int64_t r0 = c.expert_begin[size_t(i)], r1 = c.expert_begin[size_t(i) + 1];
    if (r1 == r0) continue;
    Tensor dx;
    model::mlp_backward(dx, dye.slice_rows(r0, r1), w.experts[local_index(w, i)], c.experts[size_t(i)]);
    dxe.slice_rows(r0, r1).copy_(dx);
  }
  // The dispatch's backward: input gradients back to the tokens' ranks.
  const Tensor back = gather_rows(dxe, c.expert_row_of_recv).to(wire);
  const Tensor dxp = as_f32(exchange_rows(comm_, back, c.recv_rows, c.send_rows));
  dh = Tensor::zeros({T, C}, DType::F32, dev);
  permute_rows_backward(dh, dxp, c.perm);
  // Router (FP32, replicated): this rank's share of its gradient.
  Tensor dlogits = Tensor::empty({T, E}, DType::F32, dev);
  topk_route_backward(dlogits, dgates, c.expert_ids, c.scores, model::routing_config(cfg_));
  if (!w.router.grad.defined()) w.router.grad = Tensor::zeros(w.router.value.shape(), DType::F32, dev);
  gemm(w.router.grad, dlogits, true, c.h, false, /*accumulate=*/true);
  gemm(dh, dlogits, false, w.router.value, false, /*accumulate=*/true);
}

}  // namespace rlvr::parallel
