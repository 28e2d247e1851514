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
#include <deque>
#include <mutex>
#include <thread>

#include "common/error.h"

namespace rlvr::rewards {

using Clock = std::chrono::steady_clock;

namespace {

struct Call {
  bool finished = false, timed_out = false;
  Clock::time_point started;
  int worker = -1;
  Verdict verdict;
};

}  // namespace

// Everything the worker threads touch; shared so that an abandoned thread never dangles.
struct SessionState {
  std::vector<Sample> samples;  // by index
  std::vector<bool> submitted;
  std::vector<WeightedVerifier> verifiers;
  std::vector<Call> calls;      // sample-major: calls[s * verifiers.size() + v]
  std::deque<size_t> queue;     // calls submitted and not started
  std::vector<bool> abandoned_workers;
  std::vector<long> current;    // per worker: the call it runs, or -1
  size_t completed = 0;
  bool closing = false;         // finish() runs, or the session is dropped: idle workers leave
  std::mutex mutex;
  std::condition_variable work, changed;  // workers wait for calls; finish() for verdicts
};

namespace {

void work(std::shared_ptr<SessionState> state, int worker) {
  std::unique_lock lock(state->mutex);
  for (;;) {
    state->work.wait(lock, [&] { return !state->queue.empty() || state->closing; });
    if (state->abandoned_workers[worker] || state->queue.empty()) return;
    const size_t index = state->queue.front();
    state->queue.pop_front();
    Call& call = state->calls[index];
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
    if (state->abandoned_workers[worker]) return;  // timed out meanwhile: the verdict is "timeout"
    call.verdict = std::move(v);
    call.finished = true;
    state->current[worker] = -1;
    // finish() sleeps until the earliest deadline, so only the last verdict needs to wake it.
    if (++state->completed == state->calls.size()) state->changed.notify_all();
  }
}

}  // namespace

ScoringSession::ScoringSession(RewardService& service, size_t samples)
    : service_(&service), state_(std::make_shared<SessionState>()), begin_(Clock::now()) {
  SessionState& st = *state_;
  st.verifiers = service.verifiers_;
  st.samples.resize(samples);
  st.submitted.resize(samples, false);
  st.calls.resize(samples * st.verifiers.size());
  std::lock_guard lock(st.mutex);
  const size_t n = std::min<size_t>(size_t(service.config_.threads), st.calls.size());
  for (size_t i = 0; i < n; ++i) spawn_worker();
}

ScoringSession::ScoringSession(ScoringSession&& o) noexcept
    : service_(o.service_), state_(std::move(o.state_)), threads_(std::move(o.threads_)), begin_(o.begin_),
      finished_(o.finished_) {}

void ScoringSession::spawn_worker() {
  const int id = static_cast<int>(state_->abandoned_workers.size());
  state_->abandoned_workers.push_back(false);
  state_->current.push_back(-1);
  threads_.emplace_back(work, state_, id);
}

ScoringSession::~ScoringSession() {
  if (!state_ || finished_) return;
  {
    std::lock_guard lock(state_->mutex);
    state_->closing = true;
    state_->queue.clear();
    for (size_t w = 0; w < state_->abandoned_workers.size(); ++w) state_->abandoned_workers[w] = true;
  }
  state_->work.notify_all();
  for (std::thread& t : threads_) t.detach();  // a worker in a verifier call ends on its own
}

void ScoringSession::submit(size_t index, Sample sample) {
  {
    std::lock_guard lock(state_->mutex);
    RLVR_CHECK(index < state_->samples.size() && !state_->submitted[index], "rewards", "scoring session: sample ",
               index, " is out of range or submitted twice (", state_->samples.size(), " samples)");
    state_->samples[index] = std::move(sample);
    state_->submitted[index] = true;
    for (size_t v = 0; v < state_->verifiers.size(); ++v) state_->queue.push_back(index * state_->verifiers.size() + v);
  }
  state_->work.notify_all();
}

std::vector<ScoredSample> ScoringSession::finish() {
  RLVR_CHECK(!finished_, "rewards", "scoring session: finish() called twice");
  SessionState& st = *state_;
  const auto timeout = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(service_->config_.sample_timeout_s));
  long abandoned = 0;
  {
    std::unique_lock lock(st.mutex);
    for (size_t i = 0; i < st.submitted.size(); ++i)
      RLVR_CHECK(st.submitted[i], "rewards", "scoring session: sample ", i, " of ", st.submitted.size(),
                 " was never submitted");
    st.closing = true;
    st.work.notify_all();
    while (st.completed < st.calls.size()) {
      // Sleep until every verdict is in or the earliest running call (one per live worker)
      // reaches its deadline.
      Clock::time_point wake = Clock::now() + timeout;
      for (size_t w = 0; w < st.current.size(); ++w)
        if (!st.abandoned_workers[w] && st.current[w] >= 0) wake = std::min(wake, st.calls[st.current[w]].started + timeout);
      st.changed.wait_until(lock, wake);
      const auto now = Clock::now();
      for (size_t w = 0; w < st.current.size(); ++w) {
        if (st.abandoned_workers[w] || st.current[w] < 0) continue;
        Call& c = st.calls[st.current[w]];
        if (now - c.started < timeout) continue;
        c.timed_out = true;
        c.verdict = {0.0, status::kTimeout,
                     "verifier ran past " + std::to_string(service_->config_.sample_timeout_s) + " s; thread abandoned"};
        ++st.completed;
        ++abandoned;
        st.abandoned_workers[w] = true;
        if (!st.queue.empty()) spawn_worker();
      }
    }
  }
  finished_ = true;
  for (size_t i = 0; i < threads_.size(); ++i) {
    bool gone;
    {
      std::lock_guard lock(st.mutex);
      gone = st.abandoned_workers[i];
    }
    if (gone) threads_[i].detach();
    else threads_[i].join();
  }

  const size_t n_verifiers = st.verifiers.size();
  std::vector<ScoredSample> out(st.samples.size());
  std::lock_guard lock(st.mutex);
  std::lock_guard metrics_lock(service_->metrics_mutex_);
  RewardMetrics& m = service_->metrics_;
  m.abandoned_calls += abandoned;
  for (size_t s = 0; s < out.size(); ++s) {
    for (size_t v = 0; v < n_verifiers; ++v) {
      const Verdict& verdict = st.calls[s * n_verifiers + v].verdict;
      out[s].reward += st.verifiers[v].weight * verdict.reward;
      out[s].verdicts.push_back(verdict);
      ++m.status_counts[st.verifiers[v].name][verdict.status];
    }
  }
  m.samples += static_cast<long>(out.size());
  m.seconds += std::chrono::duration<double>(Clock::now() - begin_).count();
  return out;
}

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

ScoringSession RewardService::start(size_t samples) { return ScoringSession(*this, samples); }

std::vector<ScoredSample> RewardService::score(const std::vector<Sample>& batch) {
  ScoringSession session = start(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) session.submit(i, batch[i]);
  return session.finish();
}

}  // namespace rlvr::rewards
