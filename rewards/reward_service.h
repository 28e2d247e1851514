// The reward service: scores a batch of samples with a run's weighted verifiers on a pool of
// threads, with a time limit per (sample, verifier). A verifier that throws gives that sample
// "error", one that overruns gives "timeout"; the rest of the batch is unaffected. Keeps every
// verdict and counts statuses for metrics. Several threads may score batches at once (a run's
// pipelined rollouts and its evaluation). A ScoringSession scores samples as they arrive (the
// rollout engine hands each one over as it finishes), so verifiers run while generation goes on.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rewards/registry.h"
#include "rewards/verifier.h"

namespace rlvr::rewards {

struct RewardServiceConfig {
  int threads = 4;                 // worker threads scoring in parallel
  double sample_timeout_s = 30.0;  // per (sample, verifier) call
};

struct WeightedVerifier {
  std::string name;
  double weight = 1.0;
  std::shared_ptr<const Verifier> verifier;
};

struct ScoredSample {
  double reward = 0.0;            // sum of weight * verdict.reward
  std::vector<Verdict> verdicts;  // one per verifier, in the service's order
};

struct RewardMetrics {
  long samples = 0;
  double seconds = 0.0;  // wall time from each batch's (session's) start to its last verdict
  // verifier name -> status -> count, over every batch scored so far.
  std::map<std::string, std::map<std::string, long>> status_counts;
  // In-process verifier calls still running after their timeout (their threads were abandoned).
  long abandoned_calls = 0;
};

class RewardService;
struct SessionState;  // reward_service.cpp: what the session's worker threads share

// The scoring of a known number of samples that arrive one by one, in any order: submit() hands a
// sample to the service's worker threads at once; finish() waits for every verdict (applying the
// time limits) and returns them by index. Destroying a session that did not finish abandons its
// calls (the caller failed); verdicts already counted stay counted.
class ScoringSession {
 public:
  ScoringSession(ScoringSession&&) noexcept;
  ~ScoringSession();
  ScoringSession(const ScoringSession&) = delete;
  ScoringSession& operator=(const ScoringSession&) = delete;
  ScoringSession& operator=(ScoringSession&&) = delete;

  void submit(size_t index, Sample sample);  // index < the session's size, each once; thread-safe
  std::vector<ScoredSample> finish();        // every index submitted; call once

 private:
  friend class RewardService;
  ScoringSession(RewardService& service, size_t samples);
  void spawn_worker();  // under the state's mutex
  RewardService* service_;
  std::shared_ptr<SessionState> state_;
  std::vector<std::thread> threads_;
  std::chrono::steady_clock::time_point begin_;
  bool finished_ = false;
};

class RewardService {
 public:
  RewardService(std::vector<WeightedVerifier> verifiers, RewardServiceConfig config);
  // Creates each verifier from the registry.
  RewardService(const std::vector<VerifierSpec>& specs, RewardServiceConfig config,
                const Registry& registry = verifier_registry());

  std::vector<ScoredSample> score(const std::vector<Sample>& batch);
  ScoringSession start(size_t samples);  // scoring as samples arrive (see ScoringSession)
  RewardMetrics metrics() const;  // a copy: the counts of every batch scored so far
  const std::vector<WeightedVerifier>& verifiers() const { return verifiers_; }

 private:
  friend class ScoringSession;
  std::vector<WeightedVerifier> verifiers_;
  RewardServiceConfig config_;
  mutable std::mutex metrics_mutex_;
  RewardMetrics metrics_;
};

}  // namespace rlvr::rewards
