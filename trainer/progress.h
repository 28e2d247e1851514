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
  enum Phase { kSft, kRl };
  // The clock starts now, after `elapsed_before` seconds of earlier sessions.
  void start(double elapsed_before);
  double elapsed() const;  // seconds of training, earlier sessions included
  // A step of `phase` ended: its wall time since the previous step ended (evaluations and
  // checkpoints in between included) counts towards that phase's rate.
  void step_done(Phase phase);
  void add_step(Phase phase, double seconds);  // step_done with a given duration
  // Time left for the steps left of each phase at each phase's own rate (SFT steps are much
  // shorter than GRPO steps). A phase with steps left and none done yet makes it a lower bound
  // (">1m05s"); "?" when no rate is known.
  std::string eta(int64_t sft_left, int64_t rl_left) const;
  void say(const std::string& line) const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Rate {
    double seconds = 0;
    int64_t steps = 0;
  };
  std::ostream* out_;
  bool writer_;
  Clock::time_point t0_ = Clock::now(), last_step_ = t0_;
  double elapsed_before_ = 0;
  Rate rates_[2];
};

double seconds_since(std::chrono::steady_clock::time_point t);
std::string format_duration(double seconds);  // "4m05s", "1h02m"

}  // namespace rlvr::trainer
