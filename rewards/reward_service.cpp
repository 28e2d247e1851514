// The reward service (see reward_service.h).
//
// NOTE: a C++ thread cannot be killed safely. When an in-process verifier overruns its time
// limit, the service records "timeout" for that call, abandons the thread running it (detached:
// it finishes or hangs on its own, holding only shared state) and starts a replacement thread,
// so the batch completes on time. Abandoned calls are counted in the metrics; a verifier that
// hangs often should run as an external process, which is killed and restarted instead.
#include "rewards/reward_service.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/error.h"

namespace rlvr::rewards {
namespace {

using Clock = std::chrono::steady_clock;

struct Call {
  bool running = false, finished = false, timed_out = false;
  Clock::time_point started;
  int worker = -1;
  Verdict verdict;
};

// Everything the worker threads touch; shared so that an abandoned thread never dangles.
struct BatchState {
  std::vector<Sample> samples;
  std::vector<WeightedVerifier> verifiers;
  std::vector<Call> calls;  // sample-major: calls[s * verifiers.size() + v]
  std::vector<bool> abandoned_workers;
  std::vector<long> current;  // per worker: the call it runs, or -1
  size_t next = 0, completed = 0;
  std::mutex mutex;
  std::condition_variable changed;
};

void work(std::shared_ptr<BatchState> state, int worker) {
  std::unique_lock lock(state->mutex);
  while (!state->abandoned_workers[worker] && state->next < state->calls.size()) {
    size_t index = state->next++;
    Call& call = state->calls[index];
    call.running = true;
    call.started = Clock::now();
    call.worker = worker;
    state->current[worker] = static_cast<long>(index);
    const Sample& sample = state->samples[index / state->verifiers.size()];
    const Verifier& verifier = *state->verifiers[index % state->verifiers.size()].verifier;
    lock.unlock();
    Verdict v;
    try {
      v = verifier.verify(sample);
    } catch (const std::exception& e) {
      v = {0.0, status::kError, std::string("verifier threw: ") + e.what()};
    } catch (...) {
      v = {0.0, status::kError, "verifier threw a non-standard exception"};
    }
    lock.lock();
    if (!call.timed_out) {
      call.verdict = std::move(v);
      call.finished = true;
      state->current[worker] = -1;
      // New calls end after the deadline the service sleeps until, so only the last one wakes it.
      if (++state->completed == state->calls.size()) state->changed.notify_all();
    }
  }
}

}  // namespace

RewardService::RewardService(std::vector<WeightedVerifier> verifiers, RewardServiceConfig config)
    : verifiers_(std::move(verifiers)), config_(config) {
  RLVR_CHECK(!verifiers_.empty(), "rewards", "the reward service needs at least one verifier");
  RLVR_CHECK(config_.threads >= 1 && config_.threads <= 1024, "rewards", "threads must be in 1..1024, got ",
             config_.threads);
  RLVR_CHECK(config_.sample_timeout_s > 0, "rewards", "sample_timeout_s must be positive, got ",
             config_.sample_timeout_s);
  for (const auto& v : verifiers_) RLVR_CHECK(v.verifier != nullptr, "rewards", "verifier '", v.name, "' is null");
}

static std::vector<WeightedVerifier> create_all(const std::vector<VerifierSpec>& specs, const Registry& registry) {
  std::vector<WeightedVerifier> out;
  for (const auto& spec : specs) out.push_back({spec.name, spec.weight, registry.create(spec)});
  return out;
}

RewardService::RewardService(const std::vector<VerifierSpec>& specs, RewardServiceConfig config,
                             const Registry& registry)
    : RewardService(create_all(specs, registry), config) {}

RewardMetrics RewardService::metrics() const {
  std::lock_guard lock(metrics_mutex_);
  return metrics_;
}

std::vector<ScoredSample> RewardService::score(const std::vector<Sample>& batch) {
  const auto begin = Clock::now();
  long abandoned = 0;
  auto state = std::make_shared<BatchState>();
  state->samples = batch;
  state->verifiers = verifiers_;
  state->calls.resize(batch.size() * verifiers_.size());
  const auto timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(config_.sample_timeout_s));

  std::vector<std::thread> threads;
  auto spawn = [&] {
    int id = static_cast<int>(state->abandoned_workers.size());
    state->abandoned_workers.push_back(false);
    state->current.push_back(-1);
    threads.emplace_back(work, state, id);
  };
  {
    std::unique_lock lock(state->mutex);
    size_t n = std::min<size_t>(config_.threads, state->calls.size());
    for (size_t i = 0; i < n; ++i) spawn();
    while (state->completed < state->calls.size()) {
      // Sleep until the batch is done or the earliest running call (one per live worker)
      // reaches its deadline.
      Clock::time_point wake = Clock::now() + timeout;
      for (size_t w = 0; w < state->current.size(); ++w)
        if (!state->abandoned_workers[w] && state->current[w] >= 0)
          wake = std::min(wake, state->calls[state->current[w]].started + timeout);
      state->changed.wait_until(lock, wake);
      const auto now = Clock::now();
      for (size_t w = 0; w < state->current.size(); ++w) {
        if (state->abandoned_workers[w] || state->current[w] < 0) continue;
        Call& c = state->calls[state->current[w]];
        if (now - c.started < timeout) continue;
        c.timed_out = true;
        c.verdict = {0.0, status::kTimeout,
                     "verifier ran past " + std::to_string(config_.sample_timeout_s) + " s; thread abandoned"};
        ++state->completed;
        ++abandoned;
        state->abandoned_workers[c.worker] = true;
        if (state->next < state->calls.size()) spawn();
      }
    }
  }
  for (size_t i = 0; i < threads.size(); ++i) {
    bool abandoned;
    {
      std::lock_guard lock(state->mutex);
      abandoned = state->abandoned_workers[i];
    }
    if (abandoned) threads[i].detach();
    else threads[i].join();
  }

  std::vector<ScoredSample> out(batch.size());
  std::lock_guard lock(state->mutex);
  std::lock_guard metrics_lock(metrics_mutex_);
  metrics_.abandoned_calls += abandoned;
  for (size_t s = 0; s < batch.size(); ++s) {
    for (size_t v = 0; v < verifiers_.size(); ++v) {
      const Verdict& verdict = state->calls[s * verifiers_.size() + v].verdict;
      out[s].reward += verifiers_[v].weight * verdict.reward;
      out[s].verdicts.push_back(verdict);
      ++metrics_.status_counts[verifiers_[v].name][verdict.status];
    }
  }
  metrics_.samples += static_cast<long>(batch.size());
  metrics_.seconds += std::chrono::duration<double>(Clock::now() - begin).count();
  return out;
}

}  // namespace rlvr::rewards
