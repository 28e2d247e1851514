// Attention ops: argument checks, then dispatch to the CPU or CUDA implementation.
#include "kernels/ops_attention.h"

#include "kernels/cpu/ops_cpu.h"
#include "kernels/ops_dispatch.h"

namespace rlvr {
namespace {

// Checks q/k/v/out/lse against the head counts and returns nothing; shapes in ops_attention.h.
void check_attention_args(const char* op, const Tensor& out, const Tensor& lse, const Tensor& q,
                          const Tensor& k, const Tensor& v, int n_heads, int n_kv_heads, int64_t q_offset) {
  check_ndim(op, q, "q", 2);
  check_ndim(op, k, "k", 2);
  RLVR_CHECK(n_heads > 0 && n_kv_heads > 0 && n_heads % n_kv_heads == 0, "kernels", op, ": n_heads ",
             n_heads, " must be a positive multiple of n_kv_heads ", n_kv_heads);
  RLVR_CHECK(q.dim(1) % n_heads == 0 && q.dim(1) / n_heads > 0, "kernels", op, ": q ", q.describe(),
             " does not split into ", n_heads, " heads");
  const int64_t T = q.dim(0), S = k.dim(0), D = q.dim(1) / n_heads;
  for (auto [name, t] : {detail::NamedTensor{"out", &out}, {"lse", &lse}, {"q", &q}, {"k", &k}, {"v", &v}})
    check_dtype(op, *t, name, DType::F32);
  check_shape(op, k, "k", {S, n_kv_heads * D});
  check_shape(op, v, "v", {S, n_kv_heads * D});
  check_shape(op, out, "out", q.shape());
  check_shape(op, lse, "lse", {n_heads, T});
  RLVR_CHECK(q_offset >= 0 && q_offset + T <= S, "kernels", op, ": q_offset ", q_offset, " with T = ", T,
             " queries and S = ", S, " keys (need 0 <= q_offset and q_offset + T <= S)");
}

}  // namespace

void attention_forward(Tensor& out, Tensor& lse, const Tensor& q, const Tensor& k, const Tensor& v,
                       int n_heads, int n_kv_heads, float scale, int64_t q_offset) {
  const char* op = "attention_forward";
  const Device dev =
      detail::op_device(op, {{"out", &out}, {"lse", &lse}, {"q", &q}, {"k", &k}, {"v", &v}});
  check_attention_args(op, out, lse, q, k, v, n_heads, n_kv_heads, q_offset);
  detail::backend(dev, op).attention_forward(out, lse, q, k, v, n_heads, n_kv_heads, scale, q_offset);
}

void attention_forward_sequences(std::vector<AttentionSequence>& seqs, int n_heads, int n_kv_heads, float scale) {
  const char* op = "attention_forward_sequences";
  if (seqs.empty()) return;
  std::vector<Tensor> lse(seqs.size());
  Device dev = Device::CPU;
  for (size_t s = 0; s < seqs.size(); ++s) {
    AttentionSequence& a = seqs[s];
    dev = detail::op_device(op, {{"out", &a.out}, {"q", &a.q}, {"k", &a.k}, {"v", &a.v}, {"out", &seqs[0].out}});
    check_ndim(op, a.q, "q", 2);
    check_ndim(op, a.k, "k", 2);
    lse[s] = Tensor::empty({n_heads, a.q.dim(0)}, DType::F32, dev);
    check_attention_args(op, a.out, lse[s], a.q, a.k, a.v, n_heads, n_kv_heads, a.k.dim(0) - a.q.dim(0));
  }
  if (dev == Device::CPU) return cpu::attention_forward_sequences(seqs, n_heads, n_kv_heads, scale);
  for (size_t s = 0; s < seqs.size(); ++s) {
    AttentionSequence& a = seqs[s];
    detail::backend(dev, op).attention_forward(a.out, lse[s], a.q, a.k, a.v, n_heads, n_kv_heads, scale,
                                               a.k.dim(0) - a.q.dim(0));
  }
}

void attention_backward(Tensor& dq, Tensor& dk, Tensor& dv, const Tensor& dout, const Tensor& out,
                        const Tensor& lse, const Tensor& q, const Tensor& k, const Tensor& v,
                        int n_heads, int n_kv_heads, float scale, int64_t q_offset) {
  const char* op = "attention_backward";
  const Device dev = detail::op_device(op, {{"dq", &dq}, {"dk", &dk}, {"dv", &dv}, {"dout", &dout},
                                            {"out", &out}, {"lse", &lse}, {"q", &q}, {"k", &k}, {"v", &v}});
  check_attention_args(op, out, lse, q, k, v, n_heads, n_kv_heads, q_offset);
  for (auto [name, t] : {detail::NamedTensor{"dq", &dq}, {"dk", &dk}, {"dv", &dv}, {"dout", &dout}})
    check_dtype(op, *t, name, DType::F32);
  check_shape(op, dq, "dq", q.shape());
  check_shape(op, dout, "dout", q.shape());
  check_shape(op, dk, "dk", k.shape());
  check_shape(op, dv, "dv", v.shape());
  detail::backend(dev, op).attention_backward(dq, dk, dv, dout, out, lse, q, k, v, n_heads, n_kv_heads, scale,
                                              q_offset);
}

}  // namespace rlvr
