// The run loop of `rlvr train` (see train_run.h): the phases in order, resume, the reference
// policy, checkpoints and stopping. The steps themselves are in run_sft.cpp, run_rl.cpp and
// run_eval.cpp; what they share is built in run_setup.cpp.
#include "trainer/train_run.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "common/error.h"
#include "kernels/block_cache.h"
#include "kernels/device_choice.h"
#include "kernels/gemm.h"
#include "kernels/host_memory.h"
#include "runlog/fields.h"
#include "parallel/launch_env.h"
#include "trainer/data_parallel.h"
#include "trainer/memory_plan.h"
#include "trainer/policy_setup.h"
#include "trainer/reference_policy.h"
#include "trainer/rollout_pipeline.h"
#include "trainer/run_phases.h"
#include "trainer/stop_signals.h"

namespace fs = std::filesystem;

namespace rlvr::trainer {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  RLVR_CHECK(in.good(), "trainer", "cannot read ", path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

class Run {
 public:
  Run(const RunConfig& cfg, const TrainOptions& opt) : opt_(opt), run_(cfg, resolve_run_dir(cfg, opt), opt.progress) {}

  TrainResult go() {
    prepare_dir();
    StopSignals signals;
    run_.progress.start(elapsed_before_);
    result_.run_dir = run_.run_dir;
    result_.rank = run_.comm->rank();
    result_.world = run_.comm->size();
    if (run_.state.phase == "sft") {
      sft_phase();
      if (stopping()) return finish_interrupted();
      run_.state.phase = "rl";
      evaluate();
    } else if (!resumed_) {
      evaluate();
    }
    rl_phase();
    if (stopping()) return finish_interrupted();
    const int64_t every = run_.cfg.logging.eval_every;
    if (every == 0 || run_.state.rl_step % every != 0) evaluate();
    if (last_checkpoint_ != run_.state.global_step()) checkpoint();
    result_.sft_steps = run_.state.sft_step;
    result_.rl_steps = run_.state.rl_step;
    result_.expert_bytes = expert_bytes();
    result_.reference_bytes = run_.reference ? held_tensor_bytes(*run_.reference) : 0;
    result_.param_bytes = held_tensor_bytes(run_.policy);
    result_.optimizer_bytes = run_.optimizer ? run_.optimizer->state_bytes() : 0;
    return result_;
  }

 private:
  size_t expert_bytes() {
    return (run_.optimizer ? run_.optimizer->expert_state_bytes() : 0) +
           held_tensor_bytes(run_.policy, /*routed_experts_only=*/true);
  }

  // ---- the run directory and resume ----
  void prepare_dir() {
    fs::create_directories(run_.run_dir);
    const auto latest = latest_checkpoint(run_.run_dir);
    if (!opt_.resume_from.empty()) {
      resume_from(find_checkpoint(run_.run_dir, opt_.resume_from));
    } else if (opt_.resume) {
      RLVR_CHECK(latest.has_value(), "trainer", "--resume: no checkpoint in ", run_.run_dir, "/checkpoints");
      resume_from(*latest);
    } else {
      RLVR_CHECK(!latest && !fs::exists(fs::path(run_.run_dir) / "metrics.jsonl"), "trainer", "the run directory ",
                 run_.run_dir, " already holds a run: pass --resume to continue it, or another --run-dir");
      if (run_.dp()) run_.dp()->barrier();  // every rank has looked before rank 0 writes
    }
    if (run_.writer()) {
      run_.cfg.write_resolved((fs::path(run_.run_dir) / "config.toml").string());
      run_.metrics = JsonlLog((fs::path(run_.run_dir) / "metrics.jsonl").string());
      if (run_.cfg.logging.log_rollouts) run_.rollouts = JsonlLog((fs::path(run_.run_dir) / "rollouts.jsonl").string());
    }
    run_.progress.say(start_line());
    if (const std::string hint = blas_kernel_hint(); run_.device == Device::CPU && !hint.empty())
      run_.progress.say("note: " + hint);
  }

  std::string start_line() {
    const RunConfig& cfg = run_.cfg;
    const auto* dp = run_.dp();
    return cat("run ", run_.run_dir, ": ", run_.data.train.size(), " train / ", run_.data.eval.size(), " eval prompts",
               run_.data.skipped_long ? cat(" (", run_.data.skipped_long, " too long, skipped)") : std::string(), ", ",
               run_.policy_params, " parameters (", run_.policy_active_params, " active), train ", cfg.precision.train,
               ", rollout ", cfg.rollout.precision, ", on ", device_name(run_.device),
               resumed_ ? cat(", resumed at step ", run_.state.global_step()) : std::string(),
               dp ? cat(", data parallel over ", dp->size(), " ranks (", dp->backend(), ")") : std::string(),
               run_.experts ? cat(", experts split ", run_.experts->local_experts(), " per rank") : std::string(),
               cfg.run.shard_params && dp ? std::string(", parameters held in slices (ZeRO-3)") : std::string());
  }

  void resume_from(const std::string& dir) {
    TrainState& st = run_.state;
    st = read_train_state(dir);
    RLVR_CHECK(st.seed == uint64_t(run_.cfg.run.seed), "trainer", dir, ": the checkpoint was written with run.seed ",
               st.seed, ", the config says ", run_.cfg.run.seed);
    run_.make_optimizer();
    {
      const RunContext::WholeParams held = run_.whole_params();
      load_checkpoint(dir, run_.policy, run_.optimizer.get());
    }
    run_.optimizer->set_steps_taken(st.optimizer_steps);
    run_.sft_order.set_cursor(st.sft_cursor);
    run_.rl_order.set_cursor(st.rl_cursor);
    // The reference is the policy RL started from: the first RL checkpoint's parent is not kept,
    // so a resumed KL run uses the SFT-final weights saved beside the checkpoints.
    if (st.phase == "rl" && run_.cfg.algorithm.grpo.kl_coef > 0) load_reference();
    load_in_flight(dir);
    const TrainState s = st;
    namespace f = runlog::field;
    if (run_.writer()) {
      filter_jsonl((fs::path(run_.run_dir) / "metrics.jsonl").string(), [&](const nlohmann::json& j) {
        const std::string phase = j.value(f::kPhase, "");
        const int64_t step = j.value(f::kStep, int64_t(-1));
        if (phase == f::kPhaseSft) return step <= s.sft_step;
        if (phase == f::kPhaseRl || phase == f::kPhaseEval) return s.phase == "rl" && step <= s.rl_step;
        return false;
      });
      filter_jsonl((fs::path(run_.run_dir) / "rollouts.jsonl").string(), [&](const nlohmann::json& j) {
        return s.phase == "rl" && j.value(f::kStep, int64_t(-1)) <= s.rl_step;
      });
    }
    if (run_.writer()) drop_later_checkpoints(s);
    elapsed_before_ = st.elapsed_s;
    resumed_ = true;
  }

  // ---- batches in flight (pipelined rollouts) ----
  std::string in_flight_name(int rank) const { return cat("in_flight_rank", rank, ".cbor"); }

  std::vector<CheckpointFile> in_flight_files() {
    std::deque<StepBatch> batches = run_.in_flight;
    if (run_.pipeline) batches = run_.pipeline->in_flight(run_.state.rl_step, run_.state.rl_cursor);
    if (batches.empty()) return {};
    return {{in_flight_name(run_.comm->rank()), encode_step_batches(run_, batches)}};
  }

  void load_in_flight(const std::string& dir) {
    const fs::path mine = fs::path(dir) / in_flight_name(run_.comm->rank());
    const bool other_world = fs::exists(fs::path(dir) / in_flight_name(run_.comm->size()));
    RLVR_CHECK(!other_world && (fs::exists(mine) || !fs::exists(fs::path(dir) / in_flight_name(0))), "trainer", dir,
               ": its rollout batches in flight were written by another number of ranks; resume it on as many");
    if (!fs::exists(mine)) return;
    run_.in_flight = decode_step_batches(run_, read_file(mine.string()), mine.string());
  }

  // Resuming from an older checkpoint abandons what came after it: its checkpoints go, so that
  // the newest checkpoint is always the run's present.
  void drop_later_checkpoints(const TrainState& resumed) {
    for (const auto& e : fs::directory_iterator(fs::path(run_.run_dir) / "checkpoints")) {
      std::optional<TrainState> s;
      try {
        s = read_train_state(e.path().string());
      } catch (const Error&) {
        continue;
      }
      if (s->global_step() <= resumed.global_step()) continue;
      fs::remove_all(e.path());
      run_.progress.say(cat("removed ", e.path().string(), ": it comes after the checkpoint resumed from"));
    }
  }

  // ---- the KL reference policy ----
  std::string reference_dir() const { return (fs::path(run_.run_dir) / "reference").string(); }

  void save_reference() {
    run_.reference = std::make_unique<model::Transformer>(run_.policy.config());
    run_.reference->limit_output_vocab(run_.policy.output_vocab());
    const RunContext::WholePolicy whole = run_.whole_policy();
    auto dst = run_.reference->params();
    auto src = (*whole).params();
    for (size_t i = 0; i < src.size(); ++i) *dst[i].value = src[i].value->clone();
    if (run_.writer() && !latest_checkpoint(reference_dir())) {
      AdamW unused(run_.reference->params(), run_.cfg.optimizer);  // the format holds moments; the reference has none
      save_checkpoint(reference_dir(), *run_.reference, unused, run_.state, 1);
    }
    keep_reference_as(*run_.reference, run_.cfg.algorithm.reference_dtype);  // saved in F32 first
    if (run_.dp()) run_.dp()->barrier();
  }

  void load_reference() {
    const auto dir = latest_checkpoint(reference_dir());
    RLVR_CHECK(dir.has_value(), "trainer", "--resume with algorithm.kl_coef > 0 needs the reference policy in ",
               reference_dir());
    run_.reference = std::make_unique<model::Transformer>(run_.policy.config());
    run_.reference->limit_output_vocab(run_.policy.output_vocab());
    run_.reference->to(run_.device);
    load_checkpoint(*dir, *run_.reference, nullptr);
    keep_reference_as(*run_.reference, run_.cfg.algorithm.reference_dtype);
  }

  // ---- phases ----
  void sft_phase() {
    if (!run_.optimizer) run_.make_optimizer();
    while (run_.state.sft_step < run_.cfg.sft.steps && !stopping()) {
      run_sft_step(run_);
      after_step();
    }
    if (run_.state.sft_step >= run_.cfg.sft.steps) run_.drop_optimizer();  // RL starts with fresh moments
  }

  void rl_phase() {
    if (!run_.optimizer) run_.make_optimizer();
    if (run_.cfg.algorithm.grpo.kl_coef > 0 && !run_.reference) save_reference();
    if (run_.experts) run_.experts->take_dispatch_bytes();  // the SFT phase's are not a GRPO step's
    if (run_.cfg.run.max_staleness > 0 && run_.state.rl_step < run_.cfg.run.steps)
      run_.pipeline = std::make_unique<RolloutPipeline>(run_, std::exchange(run_.in_flight, {}));
    while (run_.state.rl_step < run_.cfg.run.steps && !stopping()) {
      run_rl_step(run_);
      const int64_t every = run_.cfg.logging.eval_every;
      if (every > 0 && run_.state.rl_step % every == 0) evaluate();
      after_step();
    }
  }

  void evaluate() {
    if (run_.data.eval.empty()) return;
    const double acc = run_evaluation(run_);
    if (result_.first_eval_accuracy < 0) result_.first_eval_accuracy = acc;
    result_.last_eval_accuracy = acc;
  }

  // ---- checkpoints, stopping ----
  void after_step() {
    if (opt_.stop_after_global_step >= 0 && run_.state.global_step() >= opt_.stop_after_global_step) test_stop_ = true;
    if (run_.dp()) stop_agreed_ = any_rank(run_.dp(), test_stop_ || StopSignals::received() != 0);
    if (stopping()) return;  // the interrupted path checkpoints
    const int64_t every = run_.cfg.checkpoint.every;
    if (every > 0 && run_.state.global_step() % every == 0) checkpoint();
  }

  void checkpoint() {
    run_.state.elapsed_s = run_.progress.elapsed();
    const std::string tok_json = run_.cfg.model.tokenizer == "char" ? char_tokenizer_json() : std::string();
    try {
      if (!run_.optimizer) run_.make_optimizer();
      const std::vector<CheckpointFile> files = in_flight_files();
      const RunContext::WholeParams held = run_.whole_params();
      const std::string dir = save_checkpoint(run_.run_dir, run_.policy, *run_.optimizer, run_.state,
                                              run_.cfg.checkpoint.keep, tok_json, files);
      last_checkpoint_ = run_.state.global_step();
      run_.progress.say(cat("checkpoint ", dir));
    } catch (const Error& e) {
      if (run_.cfg.checkpoint.on_failure == "stop") throw;
      run_.progress.say(cat("warning: ", e.what(), " (checkpoint.on_failure = continue: the run goes on)"));
    }
  }

  std::string char_tokenizer_json() const {
    const CharTokenizerConfig c = char_tokenizer_config(run_.cfg);
    return nlohmann::json{{"alphabet", c.alphabet}, {"bos", c.bos}, {"eos", c.eos}, {"pad", c.pad}}.dump(2) + "\n";
  }

  // Data parallel: every rank stops at the same step (a signal may reach one rank first), so
  // the flag is agreed on once per step in after_step.
  bool stopping() const { return run_.dp() ? stop_agreed_ : (test_stop_ || StopSignals::received() != 0); }

  TrainResult finish_interrupted() {
    const int sig = StopSignals::received();
    run_.progress.say(cat("stopping at step ", run_.state.global_step(), sig ? cat(" on signal ", sig) : std::string(),
                          ": writing a checkpoint"));
    checkpoint();
    result_.interrupted = true;
    result_.sft_steps = run_.state.sft_step;
    result_.rl_steps = run_.state.rl_step;
    return result_;
  }

  TrainOptions opt_;
  RunContext run_;
  double elapsed_before_ = 0;
  int64_t last_checkpoint_ = -1;
  bool resumed_ = false, test_stop_ = false, stop_agreed_ = false;
  TrainResult result_;
};

}  // namespace

std::string resolve_run_dir(const RunConfig& cfg, const TrainOptions& options) {
  if (!options.run_dir.empty()) return options.run_dir;
  if (!cfg.run.run_dir.empty()) return cfg.run.run_dir;
  return (fs::path("runs") / cfg.run.name).string();
}

TrainResult train(const RunConfig& cfg, const TrainOptions& options) {
  // The memory plan, before any work: every rank holds the same today, rank 0 prints it.
  const parallel::LaunchEnv env = parallel::discover_launch_env();
  const MemoryPlan plan = memory_plan(cfg, env.world_size);
  if (env.rank == 0 && options.progress) *options.progress << plan.line() << "\n";
  std::string limit;
  check_memory_fits(plan, device_memory_limit(cfg, limit), limit);
  const size_t host_before = host_memory_stats().bytes_in_use;
  reset_host_memory_peak();
  Run run(cfg, options);
  TrainResult result = run.go();
  // What the run's tensors took at most, next to the plan: on the CPU host storage, on CUDA the
  // device's.
  const bool cuda = resolve_device(cfg.run.device, "config", "run.device") == Device::CUDA;
  result.peak_tensor_bytes =
      cuda ? cuda_memory_stats().peak_bytes_in_use : host_memory_stats().peak_bytes_in_use - host_before;
  if (env.rank == 0 && options.progress)
    *options.progress << "memory peak: " << format_bytes(result.peak_tensor_bytes) << " of tensors per rank ("
                      << (cuda ? "device" : "host") << "; plan " << format_bytes(plan.total()) << ")\n";
  if (env.world_size > 1 && options.progress) {  // every rank: each holds its own share
    const std::string line = "rank " + std::to_string(env.rank) + " holds between steps: parameters " +
                             std::to_string(result.param_bytes) + " B, optimizer state " +
                             std::to_string(result.optimizer_bytes) + " B (plan " +
                             std::to_string(plan.bytes_of("optimizer")) + " B); tensor peak " +
                             std::to_string(result.peak_tensor_bytes) + " B (plan " + std::to_string(plan.total()) +
                             " B)\n";
    *options.progress << line << std::flush;
  }
  if (cfg.run.expert_parallel && options.progress) {  // every rank: each holds its own share
    // One write per line, so that the ranks' lines sharing a terminal or a log do not interleave.
    const std::string line = "routed experts held by rank " + std::to_string(env.rank) + ": " +
                             std::to_string(result.expert_bytes) + " B (plan " +
                             std::to_string(plan.bytes_of("experts")) + " B)\n";
    *options.progress << line << std::flush;
  }
  return result;
}

}  // namespace rlvr::trainer
