#include "trainer/reference_policy.h"

#include "model/weights.h"

namespace rlvr::trainer {

std::optional<model::Precision> reference_precision(const std::string& dtype) {
  const model::Precision p = model::parse_precision(dtype);
  if (p == model::Precision::FP32) return std::nullopt;
  return p;
}

void keep_reference_as(model::Transformer& ref, const std::string& dtype) {
  const std::optional<model::Precision> p = reference_precision(dtype);
  if (!p) return;
  for (model::ParamRef& r : ref.params())
    if (r.linear) r.linear->keep_only(*p);
}

uint64_t held_tensor_bytes(model::Transformer& m, bool routed_experts_only) {
  uint64_t n = 0;
  for (const model::ParamRef& r : m.params()) {
    if (routed_experts_only && r.expert < 0) continue;
    for (const Tensor* t : {r.value, r.grad})
      if (t->defined()) n += t->nbytes();
    if (r.linear) n += r.linear->copies_bytes();
  }
  return n;
}

}  // namespace rlvr::trainer
