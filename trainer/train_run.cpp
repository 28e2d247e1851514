// The run loop of `rlvr train` (see train_run.h); metrics and rollout lines are built in
// run_records.cpp. Under a launcher of several ranks (mpirun, srun, torchrun-style variables)
// it is data parallel: each rank rolls out, scores and trains on its block of every batch
// (trainer/data_parallel.h), the optimizer is ZeRO-1, and rank 0 alone writes the logs.
#include "trainer/train_run.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iomanip>
#include <memory>
#include <optional>
#include <thread>

#include "common/error.h"
#include "parallel/communicator.h"
#include "parallel/ep_experts.h"
#include "parallel/host_staged.h"
#include "kernels/gemm.h"
#include "model/expert_balance.h"
#include "trainer/checkpoint.h"
#include "trainer/data_order.h"
#include "trainer/data_parallel.h"
#include "trainer/dataset.h"
#include "trainer/jsonl_log.h"
#include "trainer/learner.h"
#include "trainer/lr_schedule.h"
#include "trainer/policy_setup.h"
#include "trainer/rollout_batch.h"
#include "trainer/rollout_gather.h"
#include "trainer/run_records.h"

namespace fs = std::filesystem;

namespace rlvr::trainer {

namespace {

std::atomic<int> g_stop_signal{0};

extern "C" void on_stop_signal(int sig) {
  g_stop_signal = sig;
  std::signal(sig, SIG_DFL);  // a second signal ends the process at once
}

// SIGINT/SIGTERM ask the run to checkpoint and stop after the current step.
class StopSignals {
 public:
  StopSignals() {
    g_stop_signal = 0;
    struct sigaction sa{};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_{}, old_term_{};
};

using Clock = std::chrono::steady_clock;

std::vector<rewards::VerifierSpec> verifier_specs(const RunConfig& cfg) {
  std::vector<rewards::VerifierSpec> specs;
  for (const auto& v : cfg.rewards.verifiers) {
    rewards::VerifierSpec s{v.name, v.weight, v.options};
    // [sandbox] limits are the defaults of the code verifier's own options.
    if (v.name == "code_tests" && !s.options.contains("time_limit_s")) {
      const SandboxSection& sb = cfg.sandbox;
      const nlohmann::json limits = {{"wall_time_s", sb.wall_time_s},       {"cpu_time_s", sb.cpu_time_s},
                                     {"memory_mb", sb.memory_mb},           {"max_processes", sb.max_processes},
                                     {"max_file_mb", sb.max_file_mb},       {"max_open_files", sb.max_open_files},
                                     {"max_output_bytes", sb.max_output_bytes}, {"work_dir_mb", sb.work_dir_mb},
                                     {"use_namespaces", sb.use_namespaces}};
      for (const auto& [key, value] : limits.items())
        if (!s.options.contains(key)) s.options[key] = value;
    }
    specs.push_back(std::move(s));
  }
  return specs;
}

std::string format_duration(double s) {
  const int64_t t = int64_t(s + 0.5);
  return t >= 3600 ? cat(t / 3600, "h", std::setw(2), std::setfill('0'), (t / 60) % 60, "m")
                   : cat(t / 60, "m", std::setw(2), std::setfill('0'), t % 60, "s");
}

// run.device: auto is CUDA when a GPU is there.
Device train_device(const RunConfig& cfg) {
  if (cfg.run.device == "cpu") return Device::CPU;
  if (cfg.run.device == "auto") return cuda_available() ? Device::CUDA : Device::CPU;
  RLVR_CHECK(cuda_available(), "config", cfg.where("run.device"), ": run.device = \"cuda\": ",
             "no CUDA device is present (or this build has no CUDA backend)");
  return Device::CUDA;
}

class Run {
 public:
  Run(const RunConfig& cfg, const TrainOptions& opt)
      : comm_(parallel::make_communicator()), host_comm_(*comm_), cfg_(cfg), opt_(opt),
        run_dir_(resolve_run_dir(cfg, opt)), tokenizer_(make_tokenizer(cfg)), data_(load_datasets(cfg, *tokenizer_)),
        policy_(make_policy(cfg, *tokenizer_)),
        service_(verifier_specs(cfg),
                 rewards::RewardServiceConfig{
                     int(cfg.rewards.workers > 0 ? cfg.rewards.workers
                                                 : std::max(1u, std::thread::hardware_concurrency())),
                     cfg.rewards.timeout_s}),
        sft_order_(int64_t(data_.train.size()), step_seed(uint64_t(cfg.run.seed), 1, 0), cfg.data.shuffle),
        rl_order_(int64_t(data_.train.size()), step_seed(uint64_t(cfg.run.seed), 2, 0), cfg.data.shuffle) {
    check_divisible(cfg.rollout.prompts_per_step, "rollout.prompts_per_step");
    if (cfg.sft.steps > 0) check_divisible(cfg.sft.batch_size, "sft.batch_size");
    device_ = train_device(cfg);
    // One GPU per rank on a node (NCCL has already picked LOCAL_RANK's; MPI ranks pick it here).
    if (device_ == Device::CUDA && dp()) select_cuda_device(parallel::discover_launch_env().local_rank);
    policy_.to(device_);
    learner_.comm = dp();
    if (cfg.run.expert_parallel) {
      const int experts = policy_.config().num_experts, world = comm_->size();
      RLVR_CHECK(experts > 0 && experts % world == 0, "config", cfg.where("run.expert_parallel"),
                 ": run.expert_parallel = true over ", world, " rank(s) needs a MoE model whose num_experts is a ",
                 "multiple of ", world, " (it has ", experts, ")");
      // The raw communicator: device tensors go straight to NCCL, host ones are staged for it.
      experts_ = std::make_unique<parallel::ExpertParallelExperts>(*comm_, policy_.config());
      learner_.routed_experts = experts_.get();
    }
    learner_.precision = cfg.precision.train_precision();
    learner_.micro_batch_tokens = cfg.algorithm.micro_batch_tokens;
    if (cfg.model.init.expert_bias_update_rate > 0) learner_.router_load = &router_load_;
    state_.seed = uint64_t(cfg.run.seed);
    state_.phase = cfg.sft.steps > 0 ? "sft" : "rl";
  }

  TrainResult go() {
    prepare_dir();
    start_global_step_ = state_.global_step();
    StopSignals signals;
    t0_ = Clock::now();
    result_.run_dir = run_dir_;
    result_.rank = comm_->rank();
    result_.world = comm_->size();
    if (state_.phase == "sft") {
      sft_phase();
      if (stopping()) return finish_interrupted();
      state_.phase = "rl";
      evaluate();
    } else if (!resumed_) {
      evaluate();
    }
    rl_phase();
    if (stopping()) return finish_interrupted();
    if (cfg_.logging.eval_every == 0 || state_.rl_step % cfg_.logging.eval_every != 0) evaluate();
    if (last_checkpoint_ != state_.global_step()) checkpoint();
    result_.sft_steps = state_.sft_step;
    result_.rl_steps = state_.rl_step;
    return result_;
  }

 private:
  // ---- set-up and resume ----
  void prepare_dir() {
    fs::create_directories(run_dir_);
    const auto latest = latest_checkpoint(run_dir_);
    if (opt_.resume) {
      RLVR_CHECK(latest.has_value(), "trainer", "--resume: no checkpoint in ", run_dir_, "/checkpoints");
      resume_from(*latest);
    } else {
      RLVR_CHECK(!latest && !fs::exists(fs::path(run_dir_) / "metrics.jsonl"), "trainer", "the run directory ",
                 run_dir_, " already holds a run: pass --resume to continue it, or another --run-dir");
      if (dp()) dp()->barrier();  // every rank has looked before rank 0 writes
    }
    if (writer()) {
      cfg_.write_resolved((fs::path(run_dir_) / "config.toml").string());
      metrics_ = JsonlLog((fs::path(run_dir_) / "metrics.jsonl").string());
      if (cfg_.logging.log_rollouts) rollouts_ = JsonlLog((fs::path(run_dir_) / "rollouts.jsonl").string());
    }
    say(cat("run ", run_dir_, ": ", data_.train.size(), " train / ", data_.eval.size(), " eval prompts",
            data_.skipped_long ? cat(" (", data_.skipped_long, " too long, skipped)") : std::string(), ", ",
            model::count_params(policy_.config(), policy_.weights()), " parameters (",
            model::count_active_params(policy_.config(), policy_.weights()), " active), train ",
            cfg_.precision.train, ", rollout ", cfg_.rollout.precision, ", on ", device_name(device_),
            resumed_ ? cat(", resumed at step ", state_.global_step()) : std::string(),
            dp() ? cat(", data parallel over ", dp()->size(), " ranks (", dp()->backend(), ")") : std::string(),
            experts_ ? cat(", experts split ", experts_->local_experts(), " per rank") : std::string()));
    if (const std::string hint = blas_kernel_hint(); device_ == Device::CPU && !hint.empty()) say("note: " + hint);
  }

  void resume_from(const std::string& dir) {
    state_ = read_train_state(dir);
    RLVR_CHECK(state_.seed == uint64_t(cfg_.run.seed), "trainer", dir, ": the checkpoint was written with run.seed ",
               state_.seed, ", the config says ", cfg_.run.seed);
    make_optimizer();
    load_checkpoint(dir, policy_, optimizer_.get());
    optimizer_->set_steps_taken(state_.optimizer_steps);
    sft_order_.set_cursor(state_.sft_cursor);
    rl_order_.set_cursor(state_.rl_cursor);
    if (state_.phase == "rl" && cfg_.algorithm.grpo.kl_coef > 0) {
      // The reference is the policy RL started from: the first RL checkpoint's parent is not
      // kept, so a resumed KL run uses the SFT-final weights saved beside the checkpoints.
      load_reference();
    }
    const TrainState s = state_;
    if (writer()) filter_jsonl((fs::path(run_dir_) / "metrics.jsonl").string(), [&](const nlohmann::json& j) {
      const std::string phase = j.value("phase", "");
      const int64_t step = j.value("step", int64_t(-1));
      if (phase == "sft") return step <= s.sft_step;
      if (phase == "rl") return s.phase == "rl" && step <= s.rl_step;
      if (phase == "eval") return s.phase == "rl" && step <= s.rl_step;
      return false;
    });
    if (writer())
      filter_jsonl((fs::path(run_dir_) / "rollouts.jsonl").string(),
                 [&](const nlohmann::json& j) { return s.phase == "rl" && j.value("step", int64_t(-1)) <= s.rl_step; });
    elapsed_before_ = state_.elapsed_s;
    resumed_ = true;
  }

  void make_optimizer() {
    OptimizerConfig oc = cfg_.optimizer;
    if (state_.phase == "sft") oc.lr = float(cfg_.sft.lr);
    optimizer_ = std::make_unique<AdamW>(policy_.params(), oc, dp());
  }

  std::string reference_dir() const { return (fs::path(run_dir_) / "reference").string(); }

  void save_reference() {
    ref_ = std::make_unique<model::Transformer>(policy_.config());
    auto dst = ref_->params();
    auto src = policy_.params();
    for (size_t i = 0; i < src.size(); ++i) *dst[i].value = src[i].value->clone();
    if (writer() && !latest_checkpoint(reference_dir())) {
      AdamW unused(ref_->params(), cfg_.optimizer);  // the format holds moments; the reference has none
      save_checkpoint(reference_dir(), *ref_, unused, state_, 1);
    }
    if (dp()) dp()->barrier();
  }

  void load_reference() {
    const auto dir = latest_checkpoint(reference_dir());
    RLVR_CHECK(dir.has_value(), "trainer", "--resume with algorithm.kl_coef > 0 needs the reference policy in ",
               reference_dir());
    ref_ = std::make_unique<model::Transformer>(policy_.config());
    ref_->to(device_);
    load_checkpoint(*dir, *ref_, nullptr);
  }

  // ---- phases ----
  void sft_phase() {
    if (!optimizer_) make_optimizer();
    while (state_.sft_step < cfg_.sft.steps && !stopping()) {
      const auto t_step = Clock::now();
      std::vector<TrainSequence> batch;
      for (int64_t i : my_share(sft_order_.next(cfg_.sft.batch_size))) {
        const Example& ex = data_.train[size_t(i)];
        TrainSequence s;
        s.tokens = ex.prompt_tokens;
        s.tokens.insert(s.tokens.end(), ex.completion_tokens.begin(), ex.completion_tokens.end());
        s.prompt_len = int64_t(ex.prompt_tokens.size());
        batch.push_back(std::move(s));
      }
      const float lr = float(scheduled_lr(cfg_.sft.lr, state_.sft_step, cfg_.sft.steps, cfg_.schedule.warmup_steps,
                                          cfg_.schedule.decay, cfg_.schedule.min_lr_ratio));
      router_load_ = {};
      const SftStepResult r = sft_step(policy_, *optimizer_, batch, lr, learner_);
      sum_router_load(dp(), policy_.config(), router_load_);
      model::update_expert_bias(policy_, router_load_, cfg_.model.init.expert_bias_update_rate);
      ++state_.sft_step;
      state_.sft_cursor = sft_order_.cursor();
      state_.optimizer_steps = optimizer_->steps_taken();
      const double secs = seconds_since(t_step);
      if (writer())
        metrics_.write(sft_metrics(state_.sft_step, elapsed(), r, lr, double(r.tokens) / std::max(secs, 1e-9)));
      if (state_.sft_step % cfg_.logging.print_every == 0 || state_.sft_step == cfg_.sft.steps)
        say(cat("sft ", state_.sft_step, "/", cfg_.sft.steps, " | loss ", fixed(r.loss, 4), " | lr ",
                sci(lr), " | eta ", eta()));
      after_step();
    }
    if (state_.sft_step >= cfg_.sft.steps) optimizer_.reset();  // RL starts with fresh moments
  }

  void rl_phase() {
    if (!optimizer_) make_optimizer();
    if (cfg_.algorithm.grpo.kl_coef > 0 && !ref_) save_reference();
    const GrpoUpdateOptions upd{cfg_.algorithm.grpo_config(), cfg_.algorithm.ppo_epochs, cfg_.algorithm.mini_batches};
    const int64_t total_opt_steps = cfg_.run.steps * upd.epochs * upd.mini_batches;
    if (experts_) experts_->take_dispatch_bytes();  // the SFT phase's are not a GRPO step's
    while (state_.rl_step < cfg_.run.steps && !stopping()) {
      const auto t_step = Clock::now();
      std::vector<const Example*> all_prompts;
      for (int64_t i : rl_order_.next(cfg_.rollout.prompts_per_step)) all_prompts.push_back(&data_.train[size_t(i)]);
      const RankShare share = rank_share(int64_t(all_prompts.size()), dp());
      const std::vector<const Example*> prompts(all_prompts.begin() + share.begin, all_prompts.begin() + share.end);
      const int step = int(state_.rl_step + 1);
      RolloutRequest req{int(cfg_.rollout.n), cfg_.rollout.sampling, step_seed(state_.seed, 3, step), share.begin};
      RolloutBatch rb = collect_rollouts(policy_, *tokenizer_, service_, cfg_, prompts, req);

      std::vector<double> rewards(rb.scores.size());
      for (size_t i = 0; i < rewards.size(); ++i) rewards[i] = rb.scores[i].reward;
      const Advantages adv = group_advantages(rewards, rb.group_size, upd.grpo);
      std::vector<GrpoSample> samples;
      std::vector<size_t> sample_of;  // GrpoSample -> rollout sample
      const bool use_rollout_logp = cfg_.rollout.sampling.temperature == 1.0f;
      for (size_t i = 0; i < rb.samples.size(); ++i) {
        if (!adv.kept[i] || rb.samples[i].tokens.empty()) continue;
        GrpoSample g;
        g.seq.tokens = rb.prompt_of(i).prompt_tokens;
        g.seq.prompt_len = int64_t(g.seq.tokens.size());
        g.seq.tokens.insert(g.seq.tokens.end(), rb.samples[i].tokens.begin(), rb.samples[i].tokens.end());
        if (use_rollout_logp) g.rollout_logp = rb.samples[i].logprobs;
        g.advantage = adv.value[i];
        samples.push_back(std::move(g));
        sample_of.push_back(i);
      }
      const auto t_learn = Clock::now();
      router_load_ = {};
      const int64_t opt_base = optimizer_->steps_taken();
      auto lr_at = [&](int64_t k) {
        return float(scheduled_lr(cfg_.optimizer.lr, opt_base + k, total_opt_steps, cfg_.schedule.warmup_steps,
                                  cfg_.schedule.decay, cfg_.schedule.min_lr_ratio));
      };
      GrpoUpdateResult up = grpo_update(policy_, *optimizer_, ref_.get(), samples, upd, learner_, lr_at);
      sum_router_load(dp(), policy_.config(), router_load_);
      model::update_expert_bias(policy_, router_load_, cfg_.model.init.expert_bias_update_rate);
      const double learn_s = seconds_since(t_learn);

      state_.rl_step = step;
      state_.rl_cursor = rl_order_.cursor();
      state_.optimizer_steps = optimizer_->steps_taken();
      std::vector<double> learner_sum(rb.samples.size(), std::nan(""));
      for (size_t k = 0; k < sample_of.size() && k < up.learner_logp_sum.size(); ++k)
        learner_sum[sample_of[k]] = up.learner_logp_sum[k];
      if (dp()) {
        Advantages all_adv = gather_step(all_prompts, rb, adv, learner_sum);
        up.learner_logp_sum.clear();  // now one per trained sample of the whole batch
        for (double l : learner_sum)
          if (!std::isnan(l)) up.learner_logp_sum.push_back(l);
        log_rl_step(step, t_step, learn_s, rb, all_adv, up, learner_sum, lr_at(0));
      } else {
        log_rl_step(step, t_step, learn_s, rb, adv, up, learner_sum, lr_at(0));
      }
      if (cfg_.logging.eval_every > 0 && state_.rl_step % cfg_.logging.eval_every == 0) evaluate();
      after_step();
    }
  }

  // Data parallel: the whole step's rollouts, advantages and learner sums from every rank's block.
  Advantages gather_step(const std::vector<const Example*>& all_prompts, RolloutBatch& rb, const Advantages& adv,
                         std::vector<double>& learner_sum) {
    std::vector<std::vector<double>> cols(3);
    for (size_t i = 0; i < rb.samples.size(); ++i) {
      cols[0].push_back(adv.value[i]);
      cols[1].push_back(adv.kept[i] ? 1 : 0);
      cols[2].push_back(learner_sum[i]);
    }
    rb = gather_rollouts(dp(), rb, all_prompts, cols);
    Advantages all;
    for (size_t i = 0; i < cols[0].size(); ++i) {
      all.value.push_back(float(cols[0][i]));
      all.kept.push_back(cols[1][i] != 0);
    }
    all.dropped_groups = int(sum_over_ranks(dp(), int64_t(adv.dropped_groups)));
    learner_sum = std::move(cols[2]);
    return all;
  }

  void log_rl_step(int step, Clock::time_point t_step, double learn_s, const RolloutBatch& rb, const Advantages& adv,
                   const GrpoUpdateResult& up, const std::vector<double>& learner_sum, float lr) {
    const int64_t ep_bytes = experts_ ? sum_over_ranks(dp(), int64_t(experts_->take_dispatch_bytes())) : 0;
    if (!writer()) return;
    StepTiming timing{seconds_since(t_step), rb.rollout_seconds, rb.reward_seconds, learn_s};
    nlohmann::json m = rl_metrics(step, elapsed(), rb, adv, up, lr, timing);
    if (experts_) m["ep_dispatch_bytes"] = ep_bytes;
    m["status_counts"] = status_counts(rb, service_);
    metrics_.write(m);
    if (cfg_.logging.log_rollouts)
      for (size_t i = 0; i < rb.samples.size(); ++i)
        rollouts_.write(rollout_record(step, rb, i, service_, adv.value[i], learner_sum[i]));
    if (state_.rl_step % cfg_.logging.print_every == 0 || state_.rl_step == cfg_.run.steps)
      say(cat("step ", step, "/", cfg_.run.steps, " | reward ", fixed(m["reward_mean"].get<double>(), 3), " | acc ",
              fixed(m["accuracy"].get<double>(), 3), " | kl ", fixed(m["kl"].get<double>(), 4), " | tok/s ",
              int64_t(m["tokens_per_s"].get<double>()), " | eta ", eta()));
  }

  void evaluate() {
    if (data_.eval.empty()) return;
    std::vector<const Example*> all_prompts;
    for (const auto& e : data_.eval) all_prompts.push_back(&e);
    const RankShare share = rank_share(int64_t(all_prompts.size()), dp());
    const std::vector<const Example*> prompts(all_prompts.begin() + share.begin, all_prompts.begin() + share.end);
    SamplingParams sp = cfg_.rollout.sampling;
    sp.temperature = float(cfg_.logging.eval_temperature);
    RolloutRequest req{int(cfg_.logging.eval_n), sp, step_seed(state_.seed, 4, state_.rl_step), share.begin};
    RolloutBatch rb;
    rb.group_size = req.group_size;
    if (!prompts.empty()) rb = collect_rollouts(policy_, *tokenizer_, service_, cfg_, prompts, req);
    std::vector<std::vector<double>> no_columns;
    rb = gather_rollouts(dp(), rb, all_prompts, no_columns);
    const double acc = accuracy(rb);
    nlohmann::json m = eval_metrics(state_.rl_step, elapsed(), rb);
    m["status_counts"] = status_counts(rb, service_);
    if (writer()) metrics_.write(m);
    if (result_.first_eval_accuracy < 0) result_.first_eval_accuracy = acc;
    result_.last_eval_accuracy = acc;
    say(cat("eval at step ", state_.rl_step, ": accuracy ", fixed(acc, 3), " on ", rb.scores.size(), " samples"));
  }

  // ---- checkpoints, stopping ----
  void after_step() {
    if (opt_.stop_after_global_step >= 0 && state_.global_step() >= opt_.stop_after_global_step)
      test_stop_ = true;
    if (dp()) stop_agreed_ = any_rank(dp(), test_stop_ || g_stop_signal != 0);
    if (stopping()) return;  // the interrupted path checkpoints
    if (cfg_.checkpoint.every > 0 && state_.global_step() % cfg_.checkpoint.every == 0) checkpoint();
  }

  void checkpoint() {
    state_.elapsed_s = elapsed();
    const std::string tok_json = cfg_.model.tokenizer == "char" ? char_tokenizer_json() : std::string();
    try {
      if (!optimizer_) make_optimizer();
      const std::string dir = save_checkpoint(run_dir_, policy_, *optimizer_, state_, cfg_.checkpoint.keep, tok_json);
      last_checkpoint_ = state_.global_step();
      say(cat("checkpoint ", dir));
    } catch (const Error& e) {
      if (cfg_.checkpoint.on_failure == "stop") throw;
      say(cat("warning: ", e.what(), " (checkpoint.on_failure = continue: the run goes on)"));
    }
  }

  std::string char_tokenizer_json() const {
    const CharTokenizerConfig c = char_tokenizer_config(cfg_);
    return nlohmann::json{{"alphabet", c.alphabet}, {"bos", c.bos}, {"eos", c.eos}, {"pad", c.pad}}.dump(2) + "\n";
  }

  // Data parallel: every rank stops at the same step (a signal may reach one rank first), so
  // the flag is agreed on once per step in after_step.
  bool stopping() const { return dp() ? stop_agreed_ : (test_stop_ || g_stop_signal != 0); }

  TrainResult finish_interrupted() {
    say(cat("stopping at step ", state_.global_step(),
            g_stop_signal ? cat(" on signal ", int(g_stop_signal)) : std::string(), ": writing a checkpoint"));
    checkpoint();
    result_.interrupted = true;
    result_.sft_steps = state_.sft_step;
    result_.rl_steps = state_.rl_step;
    return result_;
  }

  // ---- progress ----
  static double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
  double elapsed() const { return elapsed_before_ + seconds_since(t0_); }
  std::string eta() const {
    const int64_t done = state_.global_step() - start_global_step_;
    const int64_t left = cfg_.sft.steps + cfg_.run.steps - state_.global_step();
    if (done <= 0) return "?";
    return format_duration(seconds_since(t0_) / double(done) * double(left));
  }
  void say(const std::string& line) const {
    if (opt_.progress && writer()) *opt_.progress << line << std::endl;
  }

  // ---- data parallel ----
  // The communicator every data-parallel helper uses: host buffers, whatever the backend.
  parallel::Communicator* dp() const { return multi_rank(comm_.get()) ? &host_comm_ : nullptr; }
  bool writer() const { return !dp() || dp()->rank() == 0; }
  void check_divisible(int64_t n, const char* key) const {
    const int world = comm_->size();
    RLVR_CHECK(n % world == 0, "trainer", key, " = ", n, " does not split evenly over ", world,
               " data-parallel ranks: use a multiple of ", world);
  }
  // This rank's block of a global batch of dataset indices.
  std::vector<int64_t> my_share(const std::vector<int64_t>& all) const {
    const RankShare s = rank_share(int64_t(all.size()), dp());
    return {all.begin() + s.begin, all.begin() + s.end};
  }

  std::unique_ptr<parallel::Communicator> comm_;  // first: MPI starts before anything else
  mutable parallel::HostStagedCommunicator host_comm_;  // comm_ with host buffers (staged for NCCL)
  RunConfig cfg_;
  Device device_ = Device::CPU;
  TrainOptions opt_;
  std::string run_dir_;
  std::unique_ptr<Tokenizer> tokenizer_;
  Datasets data_;
  model::Transformer policy_;
  std::unique_ptr<model::Transformer> ref_;
  rewards::RewardService service_;
  std::unique_ptr<AdamW> optimizer_;
  DataOrder sft_order_, rl_order_;
  std::unique_ptr<parallel::ExpertParallelExperts> experts_;  // run.expert_parallel
  LearnerOptions learner_;
  model::RouterStats router_load_;
  TrainState state_;
  JsonlLog metrics_, rollouts_;
  Clock::time_point t0_;
  double elapsed_before_ = 0;
  int64_t start_global_step_ = 0, last_checkpoint_ = -1;
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
  Run run(cfg, options);
  return run.go();
}

}  // namespace rlvr::trainer
