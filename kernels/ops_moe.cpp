// MoE ops (routing, load, permutation, combine): argument checks, then dispatch.
#include "kernels/ops_moe.h"

#include <cmath>

#include "kernels/ops_dispatch.h"

namespace rlvr {
namespace {

void check_routing_config(const char* op, const RoutingConfig& cfg, int64_t n_experts) {
  RLVR_CHECK(cfg.top_k >= 1 && cfg.top_k <= n_experts, "kernels", op, ": top_k ", cfg.top_k,
             " must be in [1, ", n_experts, "] (the number of experts)");
  RLVR_CHECK(std::isfinite(cfg.scaling), "kernels", op, ": scaling is ", cfg.scaling);
  RLVR_CHECK(cfg.n_group >= 1 && n_experts % cfg.n_group == 0, "kernels", op, ": n_group ", cfg.n_group,
             " must divide the ", n_experts, " experts");
  RLVR_CHECK(cfg.topk_group >= 1 && cfg.topk_group <= cfg.n_group, "kernels", op, ": topk_group ", cfg.topk_group,
             " must be in [1, ", cfg.n_group, "] (n_group)");
  RLVR_CHECK(cfg.top_k <= cfg.topk_group * (n_experts / cfg.n_group), "kernels", op, ": top_k ", cfg.top_k,
             " is more than the ", cfg.topk_group * (n_experts / cfg.n_group), " experts of ", cfg.topk_group,
             " groups (topk_group) of ", n_experts / cfg.n_group);
}

// The permutation's own tensors agree with its sizes and with the device of the op.
void check_permutation(const char* op, const Permutation& p, Device dev) {
  RLVR_CHECK(p.n_experts > 0 && p.top_k > 0 && int64_t(p.offsets.size()) == p.n_experts + 1, "kernels", op,
             ": malformed permutation (", p.n_experts, " experts, top_k ", p.top_k, ", ", p.offsets.size(),
             " offsets); build it with make_permutation");
  check_dtype(op, p.row_of_slot, "p.row_of_slot", DType::I32);
  check_dtype(op, p.token_of_row, "p.token_of_row", DType::I32);
  check_shape(op, p.row_of_slot, "p.row_of_slot", {p.n_tokens * p.top_k});
  check_shape(op, p.token_of_row, "p.token_of_row", {p.n_rows()});
  RLVR_CHECK(p.row_of_slot.device() == dev && p.token_of_row.device() == dev, "kernels", op,
             ": permutation tensors are on ", device_name(p.row_of_slot.device()), ", the op's on ",
             device_name(dev));
}

// x-like [T,C] and rows-like [R,C] tensors of one permutation.
void check_token_and_row_tensors(const char* op, const Tensor& tok, const char* tok_name, const Tensor& rows,
                                 const char* rows_name, const Permutation& p) {
  check_ndim(op, tok, tok_name, 2);
  check_dtype(op, tok, tok_name, DType::F32);
  check_dtype(op, rows, rows_name, DType::F32);
  check_shape(op, tok, tok_name, {p.n_tokens, tok.dim(1)});
  check_shape(op, rows, rows_name, {p.n_rows(), tok.dim(1)});
}

}  // namespace

void topk_route(Tensor& expert_ids, Tensor& gates, Tensor& scores, const Tensor& router_logits,
                const Tensor& bias, const RoutingConfig& cfg) {
  const char* op = "topk_route";
  const Device dev = detail::op_device(
      op, {{"expert_ids", &expert_ids}, {"gates", &gates}, {"scores", &scores}, {"router_logits", &router_logits}});
  check_ndim(op, router_logits, "router_logits", 2);
  const int64_t T = router_logits.dim(0), E = router_logits.dim(1);
  check_routing_config(op, cfg, E);
  for (auto [name, t] : {detail::NamedTensor{"gates", &gates}, {"scores", &scores}, {"router_logits", &router_logits}})
    check_dtype(op, *t, name, DType::F32);
  check_dtype(op, expert_ids, "expert_ids", DType::I32);
  check_shape(op, expert_ids, "expert_ids", {T, cfg.top_k});
  check_shape(op, gates, "gates", {T, cfg.top_k});
  check_shape(op, scores, "scores", {T, E});
  if (bias.defined()) {
    check_dtype(op, bias, "bias", DType::F32);
    check_shape(op, bias, "bias", {E});
    RLVR_CHECK(bias.device() == dev, "kernels", op, ": bias is ", bias.describe(), ", router_logits ",
               router_logits.describe());
  }
  detail::backend(dev, op).topk_route(expert_ids, gates, scores, router_logits, bias, cfg);
}

void topk_route_backward(Tensor& drouter_logits, const Tensor& dgates, const Tensor& expert_ids,
                         const Tensor& scores, const RoutingConfig& cfg) {
  const char* op = "topk_route_backward";
  const Device dev = detail::op_device(op, {{"drouter_logits", &drouter_logits}, {"dgates", &dgates},
                                            {"expert_ids", &expert_ids}, {"scores", &scores}});
  check_ndim(op, scores, "scores", 2);
  const int64_t T = scores.dim(0), E = scores.dim(1);
  check_routing_config(op, cfg, E);
  for (auto [name, t] : {detail::NamedTensor{"drouter_logits", &drouter_logits}, {"dgates", &dgates}, {"scores", &scores}})
    check_dtype(op, *t, name, DType::F32);
  check_dtype(op, expert_ids, "expert_ids", DType::I32);
  check_shape(op, drouter_logits, "drouter_logits", {T, E});
  check_shape(op, dgates, "dgates", {T, cfg.top_k});
  check_shape(op, expert_ids, "expert_ids", {T, cfg.top_k});
  detail::backend(dev, op).topk_route_backward(drouter_logits, dgates, expert_ids, scores, cfg);
}

void replay_route(Tensor& expert_ids, Tensor& gates, Tensor& counts, const Tensor& scores, const Tensor& recorded,
                  bool replay, const RoutingConfig& cfg) {
  const char* op = "replay_route";
  const Device dev = detail::op_device(op, {{"expert_ids", &expert_ids}, {"gates", &gates}, {"counts", &counts},
                                            {"scores", &scores}, {"recorded", &recorded}});
  check_ndim(op, scores, "scores", 2);
  const int64_t T = scores.dim(0), E = scores.dim(1);
  check_routing_config(op, cfg, E);
  check_dtype(op, gates, "gates", DType::F32);
  check_dtype(op, scores, "scores", DType::F32);
  for (auto [name, t] : {detail::NamedTensor{"expert_ids", &expert_ids}, {"counts", &counts}, {"recorded", &recorded}})
    check_dtype(op, *t, name, DType::I32);
  check_shape(op, expert_ids, "expert_ids", {T, cfg.top_k});
  check_shape(op, gates, "gates", {T, cfg.top_k});
  check_shape(op, recorded, "recorded", {T, cfg.top_k});
  check_shape(op, counts, "counts", {2});
  detail::backend(dev, op).replay_route(expert_ids, gates, counts, scores, recorded, replay, cfg);
}

void expert_load(Tensor& counts, const Tensor& expert_ids) {
  const char* op = "expert_load";
  const Device dev = detail::op_device(op, {{"counts", &counts}, {"expert_ids", &expert_ids}});
  check_ndim(op, expert_ids, "expert_ids", 2);
  check_ndim(op, counts, "counts", 1);
  check_dtype(op, expert_ids, "expert_ids", DType::I32);
  RLVR_CHECK(counts.dtype() == DType::I32 || counts.dtype() == DType::F32, "kernels", op, ": counts is ",
             counts.describe(), ", expected dtype i32 or f32");
  detail::backend(dev, op).expert_load(counts, expert_ids);
}

Permutation make_permutation(const Tensor& expert_ids, int n_experts, int pad_to) {
  const char* op = "make_permutation";
  const Device dev = detail::op_device(op, {{"expert_ids", &expert_ids}});
  check_ndim(op, expert_ids, "expert_ids", 2);
  check_dtype(op, expert_ids, "expert_ids", DType::I32);
  RLVR_CHECK(n_experts > 0, "kernels", op, ": n_experts is ", n_experts);
  RLVR_CHECK(pad_to >= 1, "kernels", op, ": pad_to is ", pad_to, ", expected >= 1");
  RLVR_CHECK(expert_ids.dim(1) >= 1, "kernels", op, ": expert_ids ", expert_ids.describe(), " has no choices");
  return detail::backend(dev, op).make_permutation(expert_ids, n_experts, pad_to);
}

void permute_rows(Tensor& out, const Tensor& x, const Permutation& p) {
  const char* op = "permute_rows";
  const Device dev = detail::op_device(op, {{"out", &out}, {"x", &x}});
  check_permutation(op, p, dev);
  check_token_and_row_tensors(op, x, "x", out, "out", p);
  detail::backend(dev, op).permute_rows(out, x, p);
}

void permute_rows_backward(Tensor& dx, const Tensor& dout, const Permutation& p) {
  const char* op = "permute_rows_backward";
  const Device dev = detail::op_device(op, {{"dx", &dx}, {"dout", &dout}});
  check_permutation(op, p, dev);
  check_token_and_row_tensors(op, dx, "dx", dout, "dout", p);
  detail::backend(dev, op).permute_rows_backward(dx, dout, p);
}

void unpermute_combine(Tensor& y, const Tensor& expert_out, const Tensor& gates, const Permutation& p) {
  const char* op = "unpermute_combine";
  const Device dev = detail::op_device(op, {{"y", &y}, {"expert_out", &expert_out}, {"gates", &gates}});
  check_permutation(op, p, dev);
  check_token_and_row_tensors(op, y, "y", expert_out, "expert_out", p);
  check_dtype(op, gates, "gates", DType::F32);
  check_shape(op, gates, "gates", {p.n_tokens, p.top_k});
  detail::backend(dev, op).unpermute_combine(y, expert_out, gates, p);
}

void unpermute_combine_backward(Tensor& dexpert_out, Tensor& dgates, const Tensor& dy,
                                const Tensor& expert_out, const Tensor& gates, const Permutation& p) {
  const char* op = "unpermute_combine_backward";
  const Device dev = detail::op_device(op, {{"dexpert_out", &dexpert_out}, {"dgates", &dgates}, {"dy", &dy},
                                            {"expert_out", &expert_out}, {"gates", &gates}});
  check_permutation(op, p, dev);
  check_token_and_row_tensors(op, dy, "dy", expert_out, "expert_out", p);
  check_dtype(op, dexpert_out, "dexpert_out", DType::F32);
  check_shape(op, dexpert_out, "dexpert_out", expert_out.shape());
  for (auto [name, t] : {detail::NamedTensor{"dgates", &dgates}, {"gates", &gates}}) {
    check_dtype(op, *t, name, DType::F32);
    check_shape(op, *t, name, {p.n_tokens, p.top_k});
  }
  detail::backend(dev, op).unpermute_combine_backward(dexpert_out, dgates, dy, expert_out, gates, p);
}

}  // namespace rlvr
