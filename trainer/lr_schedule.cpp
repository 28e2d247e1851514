#include "trainer/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "common/error.h"

namespace rlvr::trainer {

double scheduled_lr(double base_lr, int64_t step, int64_t total_steps, int64_t warmup_steps,
                    const std::string& decay, double min_lr_ratio) {
  if (step < warmup_steps) return base_lr * double(step + 1) / double(warmup_steps);
  const double span = double(std::max<int64_t>(total_steps - warmup_steps, 1));
  const double progress = std::clamp(double(step - warmup_steps) / span, 0.0, 1.0);
  const double floor = base_lr * min_lr_ratio;
  if (decay == "constant") return base_lr;
  if (decay == "linear") return floor + (base_lr - floor) * (1.0 - progress);
  if (decay == "cosine") return floor + (base_lr - floor) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  RLVR_FAIL("config", cat("schedule.decay: unknown decay '", decay, "' (constant, linear, cosine)"));
}

}  // namespace rlvr::trainer
