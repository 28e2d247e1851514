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

void Progress::start(int64_t global_step, double elapsed_before) {
  t0_ = Clock::now();
  elapsed_before_ = elapsed_before;
  start_step_ = global_step;
}

double Progress::elapsed() const { return elapsed_before_ + seconds_since(t0_); }

std::string Progress::eta(int64_t global_step, int64_t left) const {
  const int64_t done = global_step - start_step_;
  if (done <= 0) return "?";
  return format_duration(seconds_since(t0_) / double(done) * double(left));
}

void Progress::say(const std::string& line) const {
  if (out_ && writer_) *out_ << line << std::endl;
}

}  // namespace rlvr::trainer
