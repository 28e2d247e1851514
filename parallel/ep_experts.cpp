// Expert parallelism's exchange (see ep_experts.h): row counts, FP8 dispatch, the local
// experts, BF16 combine, and the same exchanges in reverse for backward. Every tensor stays on
// the device of the block's rows; only the small bookkeeping (row counts, the per-row FP8
// scales) passes through the host.
#include "parallel/ep_experts.h"

#include "kernels/ops_embedding.h"
#include "kernels/quantize.h"
#include "parallel/host_staged.h"

namespace rlvr::parallel {

namespace {

// The exchange layout of one forward, kept in the block's cache for its backward.
struct ExchangeLayout final : model::ExpertsState {
  model::Precision precision = model::Precision::FP32;
  std::vector<size_t> send_rows;             // [W] rows sent to each rank
  std::vector<size_t> recv_rows;             // [W] rows received from each rank
  std::vector<int64_t> expert_begin;         // [E/W + 1] local experts' row ranges, expert-major
  std::vector<int64_t> expert_row_of_recv;   // [Rr] received row (source-major) -> expert-major row
};

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
// order -> [sum recv_rows, width], source-major, on the rows' device.
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
// power-of-2 scales make that exact). Else F32. bytes: the payload sent to other ranks.
Tensor dispatch(Communicator& comm, const Tensor& xp, const ExchangeLayout& l, size_t& bytes) {
  const int64_t C = xp.dim(1), Cb = ceil_div(C, kQuantTile);
  const bool fp8 = l.precision == model::Precision::FP8;
  bytes = 0;
  for (int q = 0; q < comm.size(); ++q)
    if (q != comm.rank()) bytes += l.send_rows[size_t(q)] * size_t(fp8 ? C + Cb * 4 : C * 4);
  if (!fp8) return exchange_rows(comm, xp, l.send_rows, l.recv_rows);
  const QuantizedTensor q = quantize_fp8(xp, QuantLayout::Tile1x128, {.pow2_scales = true});
  QuantizedTensor recv;
  recv.layout = QuantLayout::Tile1x128;
  recv.data = exchange_rows(comm, q.data, l.send_rows, l.recv_rows);
  const Tensor row_scales = transpose_scales(q.scales.reshape({Cb, q.rows}));  // [R][Cb]
  recv.scales = transpose_scales(exchange_rows(comm, row_scales, l.send_rows, l.recv_rows)).to(xp.device());
  recv.rows = recv.data.dim(0);
  recv.cols = C;
  if (recv.rows == 0) return Tensor::empty({0, C}, DType::F32, xp.device());
  return dequantize_fp8(recv);
}

// Rank q learns how many rows each source has for each of its experts, which fixes the layout
// of everything that follows.
ExchangeLayout exchange_layout(Communicator& comm, const Permutation& perm, int local, model::Precision p) {
  const int world = comm.size();
  const int64_t E = int64_t(world) * local;
  Tensor counts = Tensor::empty({E, 1}, DType::I32);
  for (int64_t e = 0; e < E; ++e) counts.data<int32_t>()[e] = int32_t(perm.offsets[size_t(e) + 1] - perm.offsets[size_t(e)]);
  const std::vector<size_t> per_peer(static_cast<size_t>(world), static_cast<size_t>(local));
  const Tensor recv_counts = exchange_rows(comm, counts, per_peer, per_peer);
  const int32_t* sent = counts.data<int32_t>();
  const int32_t* got = recv_counts.data<int32_t>();
  ExchangeLayout l;
  l.precision = p;
  l.send_rows.assign(size_t(world), 0);
  l.recv_rows.assign(size_t(world), 0);
  l.expert_begin.assign(size_t(local) + 1, 0);
  for (int q = 0; q < world; ++q)
    for (int i = 0; i < local; ++i) {
      l.send_rows[size_t(q)] += size_t(sent[q * local + i]);
      l.recv_rows[size_t(q)] += size_t(got[q * local + i]);
      l.expert_begin[size_t(i) + 1] += got[q * local + i];
    }
  for (int i = 0; i < local; ++i) l.expert_begin[size_t(i) + 1] += l.expert_begin[size_t(i)];
  // Received rows come source-major (then by expert); the experts want them expert-major (then
  // by source, i.e. in global token order, as the single-rank layer has them).
  std::vector<int64_t> next(l.expert_begin.begin(), l.expert_begin.end() - 1);
  for (int q = 0; q < world; ++q)
    for (int i = 0; i < local; ++i)
      for (int64_t n = got[q * local + i]; n > 0; --n) l.expert_row_of_recv.push_back(next[size_t(i)]++);
  return l;
}

}  // namespace

ExpertParallelExperts::ExpertParallelExperts(Communicator& comm, const model::ModelConfig& cfg)
    : comm_(comm), world_(comm.size()), num_experts_(cfg.num_experts) {
  RLVR_CHECK(cfg.num_experts > 0 && cfg.num_experts % world_ == 0, "parallel", "expert parallelism over ", world_,
             " ranks needs a multiple of ", world_, " experts, the model has ", cfg.num_experts);
  local_ = cfg.num_experts / world_;
  first_ = comm.rank() * local_;
}

size_t ExpertParallelExperts::local_offset(const model::MoeWeights& w) const {
  const int held = int(w.experts.size());
  RLVR_CHECK(held == local_ || held == num_experts_, "parallel", "rank ", comm_.rank(), " holds ", held,
             " experts, expert parallelism gives it ", local_, " (or all ", num_experts_, ")");
  return held == local_ ? 0 : size_t(first_);
}

void ExpertParallelExperts::forward(Tensor& out, const Tensor& xp, const Permutation& perm, const model::MoeWeights& w,
                                    const model::Gemms& gemms, model::MoeCache* cache) {
  RLVR_CHECK(!gemms.decode, "parallel", "expert parallelism runs the batch GEMMs, not the decode kernels");
  const auto experts = std::span<const model::MlpWeights>(w.experts).subspan(local_offset(w), size_t(local_));
  auto layout = std::make_shared<ExchangeLayout>(exchange_layout(comm_, perm, local_, gemms.precision));
  size_t bytes = 0;
  const Tensor x_recv = dispatch(comm_, xp, *layout, bytes);
  dispatch_bytes_ += bytes;
  const Tensor xe = gather_rows(x_recv, inverse(layout->expert_row_of_recv));
  Tensor ye;
  model::expert_mlps_forward(ye, xe, layout->expert_begin, experts, gemms, cache ? &cache->experts : nullptr);
  // Combine: outputs go back source-major, in the wire dtype, to be summed with the gates.
  const Tensor back = gather_rows(ye, layout->expert_row_of_recv).to(combine_dtype(gemms.precision));
  out = as_f32(exchange_rows(comm_, back, layout->recv_rows, layout->send_rows));
  if (cache) cache->state = std::move(layout);
}

void ExpertParallelExperts::backward(Tensor& dxp, const Tensor& dout, model::MoeWeights& w, model::MoeCache& cache) {
  const auto* l = dynamic_cast<const ExchangeLayout*>(cache.state.get());
  RLVR_CHECK(l != nullptr, "parallel", "expert-parallel backward needs the cache of an expert-parallel forward");
  const auto experts = std::span<model::MlpWeights>(w.experts).subspan(local_offset(w), size_t(local_));
  // The combine's backward: output gradients to the experts' ranks (BF16, as the forward combine).
  const DType wire = combine_dtype(l->precision);
  const Tensor d_recv = as_f32(exchange_rows(comm_, dout.to(wire), l->send_rows, l->recv_rows));
  const Tensor dye = gather_rows(d_recv, inverse(l->expert_row_of_recv));
  Tensor dxe;
  model::expert_mlps_backward(dxe, dye, l->expert_begin, experts, cache.experts);
  // The dispatch's backward: input gradients back to the tokens' ranks.
  const Tensor back = gather_rows(dxe, l->expert_row_of_recv).to(wire);
  dxp = as_f32(exchange_rows(comm_, back, l->recv_rows, l->send_rows));
}

}  // namespace rlvr::parallel
