// Human-readable printing of samples for `rlvr logs show` and `rlvr logs diff`: one sample,
// the G samples of one prompt side by side, and how the answers to a prompt changed between
// two steps. Colour only when asked (the CLI asks when stdout is a terminal).
#pragma once

#include <ostream>
#include <vector>

#include "runlog/records.h"

namespace rlvr::runlog {

struct Style {
  bool colour = false;
  size_t width = 120;  // terminal columns
};

void print_sample(std::ostream& out, const Rollout& sample, const Style& style);

// The samples of one prompt at one step: the prompt once, a table (reward, advantage, status per
// verifier, length, extracted answer), then the completions in columns, best reward first.
void print_group(std::ostream& out, std::vector<Rollout> samples, const Style& style);

// The samples of one prompt at two steps: reward and status counts at each, the answers each
// step extracted, and a line diff of the best-rewarded completion of each.
void print_step_diff(std::ostream& out, long step_a, const std::vector<Rollout>& a, long step_b,
                     const std::vector<Rollout>& b, const Style& style);

}  // namespace rlvr::runlog
