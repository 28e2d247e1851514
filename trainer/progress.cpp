#include "trainer/progress.h"

#include <iomanip>

#include "common/error.h"

namespace rlvr::trainer {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string format_duration(double s) {
  const int64_t t = int64_t(s + 0.5);
  return t >= 3600 ? cat(t / 3600, "h", std::setw(2), std::setfill('0'), (t / 60) % 60, "m")
                   : cat(t / 60, "m", std::setw(2), std::setfill('0'), t % 60, "s");
}

void Progress::start(double elapsed_before) {
  t0_ = last_step_ = Clock::now();
  elapsed_before_ = elapsed_before;
}

double Progress::elapsed() const { return elapsed_before_ + seconds_since(t0_); }

void Progress::step_done(Phase phase) {
  const Clock::time_point now = Clock::now();
  add_step(phase, std::chrono::duration<double>(now - last_step_).count());
  last_step_ = now;
}

void Progress::add_step(Phase phase, double seconds) {
  rates_[phase].seconds += seconds;
  ++rates_[phase].steps;
}

std::string Progress::eta(int64_t sft_left, int64_t rl_left) const {
  double seconds = 0;
  bool known = false, partial = false;
  const int64_t left[2] = {sft_left, rl_left};
  for (int p = 0; p < 2; ++p) {
    if (left[p] <= 0) continue;
    if (rates_[p].steps == 0) {
      partial = true;
      continue;
    }
    seconds += rates_[p].seconds / double(rates_[p].steps) * double(left[p]);
    known = true;
  }
  if (!known) return partial ? "?" : format_duration(0);
  return std::string(partial ? ">" : "").append(format_duration(seconds));
}

void Progress::say(const std::string& line) const {
  if (out_ && writer_) *out_ << line << std::endl;
}

}  // namespace rlvr::trainer
