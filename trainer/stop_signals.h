// SIGINT/SIGTERM while a run is in progress: the run checkpoints and stops after the current
// step; a second signal ends the process at once.
#pragma once

namespace rlvr::trainer {

class StopSignals {
 public:
  StopSignals();   // installs the handlers and forgets earlier signals
  ~StopSignals();  // restores the previous handlers
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  static int received();  // the signal that arrived, 0 when none
};

}  // namespace rlvr::trainer
