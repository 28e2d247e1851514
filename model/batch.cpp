// Packing sequences into a Batch, moving it, and checking its token ids.
#include "model/batch.h"

#include "common/error.h"
#include "model/layer_helpers.h"

namespace rlvr::model {

Batch Batch::pack(const std::vector<std::vector<int32_t>>& sequences) {
  Batch b;
  int64_t total = 0;
  b.seq_offsets.push_back(0);
  for (const auto& s : sequences) {
    RLVR_CHECK(!s.empty(), "model", "Batch::pack: sequence ", b.seq_offsets.size() - 1, " is empty");
    total += int64_t(s.size());
    b.seq_offsets.push_back(total);
  }
  b.tokens = Tensor::empty({total}, DType::I32);
  b.positions = Tensor::empty({total}, DType::I32);
  int32_t* t = b.tokens.data<int32_t>();
  int32_t* p = b.positions.data<int32_t>();
  for (const auto& s : sequences)
    for (size_t i = 0; i < s.size(); ++i) *t++ = s[i], *p++ = int32_t(i);
  return b;
}

Batch Batch::to(Device device) const {
  Batch b = *this;
  b.tokens = tokens.to(device);
  b.positions = positions.to(device);
  if (routes.defined()) b.routes = routes.to(device);
  return b;
}

void detail::check_tokens(const Batch& batch, int vocab_size) {
  const Tensor tokens = batch.tokens.to(Device::CPU);
  const int32_t* tok = tokens.data<int32_t>();
  for (int64_t i = 0, T = tokens.numel(); i < T; ++i)
    RLVR_CHECK(tok[i] >= 0 && tok[i] < vocab_size, "model", "token id out of the vocabulary: token ", tok[i],
               " at position ", i, ", vocab_size ", vocab_size);
}

}  // namespace rlvr::model
