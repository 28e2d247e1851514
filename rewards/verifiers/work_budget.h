// The work one grading may do, counted in steps (an expression node parsed or evaluated, two
// values compared, a sample point tested). Hostile answers (power towers, hundreds of list
// items, long relation chains) spend the budget and then compare unequal, so no input can make
// a verdict slow; the count is a property tests can check without timing anything.
#pragma once

#include <climits>

namespace rlvr::rewards::math {

// About 3 ms of evaluation on one core; MATH-500 answers need well under 1,000 steps.
inline constexpr long kWorkBudgetSteps = 100'000;

class WorkBudget {
 public:
  explicit WorkBudget(long limit) : limit_(limit) {}
  // Charges n steps; false (from then on) once they would go past the limit.
  bool spend(long n = 1) {
    if (exhausted_ || used_ + n > limit_) return !(exhausted_ = true);
    used_ += n;
    return true;
  }
  bool exhausted() const { return exhausted_; }
  long used() const { return used_; }
  long limit() const { return limit_; }

 private:
  long limit_;
  long used_ = 0;
  bool exhausted_ = false;
};

// This thread's current budget: the innermost WorkBudgetScope's, or an unlimited one.
WorkBudget& work_budget();

// A fresh budget for one grading, restoring the enclosing one when the scope ends.
class WorkBudgetScope {
 public:
  explicit WorkBudgetScope(long limit = kWorkBudgetSteps);
  ~WorkBudgetScope();
  WorkBudgetScope(const WorkBudgetScope&) = delete;
  WorkBudgetScope& operator=(const WorkBudgetScope&) = delete;
  const WorkBudget& budget() const { return budget_; }

 private:
  WorkBudget budget_;
  WorkBudget* previous_;
};

}  // namespace rlvr::rewards::math
