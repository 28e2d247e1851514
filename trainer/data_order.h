// The order in which a run visits its examples: a seeded permutation per epoch, addressed by a
// cursor (examples consumed so far), so the cursor alone restores the order on resume.
#pragma once

#include <cstdint>
#include <vector>

namespace rlvr::trainer {

class DataOrder {
 public:
  DataOrder(int64_t n_examples, uint64_t seed, bool shuffle);
  // The next k example indices; an epoch boundary inside the batch starts the next permutation.
  std::vector<int64_t> next(int64_t k);
  int64_t cursor() const { return cursor_; }
  void set_cursor(int64_t c);

 private:
  const std::vector<int64_t>& epoch(int64_t e);
  int64_t n_;
  uint64_t seed_;
  bool shuffle_;
  int64_t cursor_ = 0;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> perm_;
};

}  // namespace rlvr::trainer
