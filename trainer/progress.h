// The progress lines of a run (rank 0 prints them) and its clock: time since the run first
// started, across resumes, and the time left.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace rlvr::trainer {

class Progress {
 public:
  Progress(std::ostream* out, bool writer) : out_(out), writer_(writer) {}
  // The clock starts now, at `global_step`, after `elapsed_before` seconds of earlier sessions.
  void start(int64_t global_step, double elapsed_before);
  double elapsed() const;  // seconds of training, earlier sessions included
  // Time left for `left` more steps at the rate of the steps done since start(), "?" before one.
  std::string eta(int64_t global_step, int64_t left) const;
  void say(const std::string& line) const;

 private:
  using Clock = std::chrono::steady_clock;
  std::ostream* out_;
  bool writer_;
  Clock::time_point t0_ = Clock::now();
  double elapsed_before_ = 0;
  int64_t start_step_ = 0;
};

double seconds_since(std::chrono::steady_clock::time_point t);
std::string format_duration(double seconds);  // "4m05s", "1h02m"

}  // namespace rlvr::trainer
