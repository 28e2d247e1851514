// The learning rate of an optimizer step: linear warm-up, then constant, linear or cosine decay
// to min_lr_ratio * base over the remaining steps.
#pragma once

#include <cstdint>
#include <string>

namespace rlvr::trainer {

// step counts from 0; total_steps > 0.
double scheduled_lr(double base_lr, int64_t step, int64_t total_steps, int64_t warmup_steps,
                    const std::string& decay, double min_lr_ratio);

}  // namespace rlvr::trainer
