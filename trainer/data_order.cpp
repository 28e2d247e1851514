// Per-epoch permutations by Fisher-Yates over a Philox stream (not std::shuffle, whose output
// may differ between standard libraries and would break resuming a run on another machine).
#include "trainer/data_order.h"

#include <numeric>

#include "common/error.h"
#include "kernels/philox.h"

namespace rlvr::trainer {

DataOrder::DataOrder(int64_t n_examples, uint64_t seed, bool shuffle) : n_(n_examples), seed_(seed), shuffle_(shuffle) {
  RLVR_CHECK(n_examples > 0, "data", "no examples to draw from");
}

void DataOrder::set_cursor(int64_t c) {
  RLVR_CHECK(c >= 0, "data", "negative data cursor ", c);
  cursor_ = c;
}

const std::vector<int64_t>& DataOrder::epoch(int64_t e) {
  if (e == cached_epoch_) return perm_;
  perm_.resize(size_t(n_));
  std::iota(perm_.begin(), perm_.end(), int64_t{0});
  if (shuffle_) {
    for (int64_t i = n_ - 1; i > 0; --i) {
      const PhiloxBlock r = philox_draw(seed_, uint64_t(e), uint64_t(i));
      const uint64_t x = (uint64_t(r[0]) << 32) | r[1];
      std::swap(perm_[size_t(i)], perm_[size_t(x % uint64_t(i + 1))]);
    }
  }
  cached_epoch_ = e;
  return perm_;
}

std::vector<int64_t> DataOrder::next(int64_t k) {
  std::vector<int64_t> out;
  out.reserve(size_t(k));
  for (int64_t i = 0; i < k; ++i, ++cursor_) out.push_back(epoch(cursor_ / n_)[size_t(cursor_ % n_)]);
  return out;
}

}  // namespace rlvr::trainer
