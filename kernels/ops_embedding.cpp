// Embedding ops: argument checks, then dispatch to the CPU or CUDA implementation.
#include "kernels/ops_embedding.h"

#include "kernels/ops_dispatch.h"

namespace rlvr {

void embedding_forward(Tensor& out, const Tensor& tokens, const Tensor& table) {
  const char* op = "embedding_forward";
  const Device dev = detail::op_device(op, {{"out", &out}, {"tokens", &tokens}, {"table", &table}});
  check_ndim(op, table, "table", 2);
  check_ndim(op, tokens, "tokens", 1);
  check_dtype(op, tokens, "tokens", DType::I32);
  check_dtype(op, table, "table", DType::F32);
  check_dtype(op, out, "out", DType::F32);
  check_shape(op, out, "out", {tokens.dim(0), table.dim(1)});
  detail::backend(dev, op).embedding_forward(out, tokens, table);
}

void embedding_backward(Tensor& dtable, const Tensor& dout, const Tensor& tokens) {
  const char* op = "embedding_backward";
  const Device dev = detail::op_device(op, {{"dtable", &dtable}, {"dout", &dout}, {"tokens", &tokens}});
  check_ndim(op, dtable, "dtable", 2);
  check_ndim(op, tokens, "tokens", 1);
  check_dtype(op, tokens, "tokens", DType::I32);
  check_dtype(op, dtable, "dtable", DType::F32);
  check_dtype(op, dout, "dout", DType::F32);
  check_shape(op, dout, "dout", {tokens.dim(0), dtable.dim(1)});
  detail::backend(dev, op).embedding_backward(dtable, dout, tokens);
}

}  // namespace rlvr
