// The pipelined rollout generator (see rollout_pipeline.h).
#include "trainer/rollout_pipeline.h"

#include "common/error.h"

namespace rlvr::trainer {

RolloutPipeline::RolloutPipeline(RunContext& run, std::deque<StepBatch> in_flight)
    : run_(run), max_staleness_(run.cfg.run.max_staleness), drop_(run.cfg.run.staleness_policy == "drop"),
      generator_(run.policy.config()), ready_(std::move(in_flight)) {
  generator_.limit_output_vocab(run.policy.output_vocab());
  generator_.to(run.device);
  next_batch_ = ready_.empty() ? run.state.rl_step + 1 : ready_.back().step + 1;
  publish(run.state.rl_step);
  thread_ = std::thread([this] { generate_loop(); });
}

RolloutPipeline::~RolloutPipeline() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

int64_t RolloutPipeline::needed_version(int64_t batch) const {
  return drop_ ? -1 : std::max<int64_t>(0, batch - 1 - max_staleness_);
}

// A dropped batch is replaced by one more: the learner still trains run.steps batches.
int64_t RolloutPipeline::last_batch() const { return run_.cfg.run.steps + dropped_; }

bool RolloutPipeline::can_start() const {
  if (failure_ || next_batch_ > last_batch() || int64_t(ready_.size()) > max_staleness_) return false;
  const int64_t need = needed_version(next_batch_);
  return need < 0 ? !published_.empty() : published_.count(need) > 0;
}

bool RolloutPipeline::weights_gone() const {
  const int64_t need = needed_version(next_batch_);
  return !failure_ && next_batch_ <= last_batch() && int64_t(ready_.size()) <= max_staleness_ && need >= 0 &&
         !published_.empty() && need < published_.begin()->first;
}

void RolloutPipeline::publish(int64_t version) {
  auto copy = std::make_shared<std::vector<Tensor>>();
  const RunContext::WholePolicy whole = run_.whole_policy();
  for (model::ParamRef& p : (*whole).params()) copy->push_back(p.value->clone());
  {
    std::lock_guard lock(mutex_);
    published_[version] = std::move(copy);
    // Keep what a batch still to come may need: under "wait", versions from the next batch's
    // on; under "drop", the newest alone.
    const int64_t oldest = drop_ ? version : needed_version(next_batch_);
    while (!published_.empty() && published_.begin()->first < oldest) published_.erase(published_.begin());
  }
  changed_.notify_all();
}

void RolloutPipeline::load_weights(int64_t version, const Weights& w) {
  if (version == generator_version_) return;
  auto params = generator_.params();
  for (size_t i = 0; i < params.size(); ++i) {
    params[i].value->copy_((*w)[i]);
    if (params[i].version) ++*params[i].version;  // the FP8/BF16 copies are rebuilt
  }
  generator_version_ = version;
}

void RolloutPipeline::generate_loop() {
  for (;;) {
    int64_t batch = 0, version = 0;
    Weights weights;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || can_start() || weights_gone(); });
      if (stopping_) return;
      if (!can_start()) {  // weights_gone(): fail rather than wait for what never comes
        try {
          RLVR_FAIL("trainer", cat("rollout pipeline: batch ", next_batch_, " needs the weights after ",
                                   needed_version(next_batch_), " updates, which are no longer held"));
        } catch (...) {
          failure_ = std::current_exception();
        }
        changed_.notify_all();
        return;
      }
      batch = next_batch_;
      const auto it = drop_ ? std::prev(published_.end()) : published_.find(needed_version(batch));
      version = it->first;
      weights = it->second;
      busy_ = true;
    }
    try {
      load_weights(version, weights);
      StepBatch b = generate_step_batch(run_, generator_, run_.rl_order, batch, version);
      std::lock_guard lock(mutex_);
      ready_.push_back(std::move(b));
      ++next_batch_;
      busy_ = false;
    } catch (...) {
      std::lock_guard lock(mutex_);
      failure_ = std::current_exception();
      busy_ = false;
    }
    changed_.notify_all();
  }
}

StepBatch RolloutPipeline::take(int64_t step) {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return failure_ || !ready_.empty(); });
    if (failure_) std::rethrow_exception(failure_);
    StepBatch b = std::move(ready_.front());
    ready_.pop_front();
    changed_.notify_all();  // room for the next batch
    if (drop_ && step - 1 - b.policy_version > max_staleness_) {
      ++dropped_;
      continue;
    }
    RLVR_CHECK(drop_ || b.step == step, "trainer", "rollout pipeline: batch ", b.step, " for step ", step);
    return b;
  }
}

std::deque<StepBatch> RolloutPipeline::in_flight(int64_t version, int64_t& data_cursor) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return failure_ || (!busy_ && !can_start()); });
  if (failure_) std::rethrow_exception(failure_);
  RLVR_CHECK(drop_ || published_.count(version), "trainer", "rollout pipeline: checkpoint at version ", version,
             " before it was published");
  data_cursor = run_.rl_order.cursor();
  return ready_;
}

}  // namespace rlvr::trainer
