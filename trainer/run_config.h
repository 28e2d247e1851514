// The run configuration of `rlvr train`: typed sections read from a TOML file plus `--set`
// overrides, checked against one schema (trainer/config_schema.h), every default filled in.
// Errors are rlvr::Error naming the file, line, column and key, e.g.
//   "config: run.toml:12:9: rollout.temperatur: unknown key (did you mean 'temperature'?)"
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/ops_sampling.h"
#include "model/config.h"
#include "rewards/registry.h"
#include "sandbox/sandbox.h"
#include "trainer/grpo.h"
#include "trainer/optimizer.h"

namespace rlvr::trainer {

struct RunSection {
  std::string name;
  int64_t seed = 0;
  std::string device;   // auto | cpu | cuda
  int64_t steps = 0;    // GRPO steps (one rollout batch each)
  bool expert_parallel = false;  // split routed experts over the data-parallel ranks in training
  bool shard_params = false;     // ZeRO-3: hold the ZeRO-1 parameters in slices too
  int64_t max_staleness = 0;       // pipelined rollouts: GRPO updates a batch may lag; 0: synchronous
  std::string staleness_policy;    // wait | drop
  double device_memory_gb = 0;     // GiB one rank may use; 0: the GPU's memory (no limit on the CPU)
  std::string run_dir;  // empty: runs/<name>
};

struct ModelSection {
  std::string path;       // Hugging Face-style directory; empty: initialize `init` from scratch
  std::string tokenizer;  // auto (model.path/tokenizer.json) | char | a tokenizer.json path
  std::string alphabet;   // the char tokenizer's characters; empty: printable ASCII and newline
  model::ModelConfig init;  // [model.init]; vocab_size 0 = the tokenizer's size
  int64_t init_seed = 0;
  double init_std = 0;
  bool from_scratch() const { return path.empty(); }
};

struct DataSection {
  std::string train, eval;  // JSONL files
  double eval_fraction = 0;
  int64_t eval_size = 0;
  std::string prompt_template;  // "{field}" placeholders, "{{" and "}}" for literal braces
  std::string answer_field;
  bool shuffle = true;
  int64_t max_prompt_tokens = 0;
};

struct RolloutSection {
  int64_t n = 0;  // G: samples per prompt
  int64_t prompts_per_step = 0;
  SamplingParams sampling;  // temperature, top_k, top_p (seed: set from run.seed by the trainer)
  int64_t max_new_tokens = 0;
  int64_t max_batch = 0;  // sequences decoded together (KV cache slots)
  std::vector<std::string> stop;
  bool keep_stop = false;
  std::string precision;  // fp32 | bf16 | fp8
  model::Precision model_precision() const { return model::parse_precision(precision); }
};

// One [[rewards.verifiers]] entry; maps onto rewards::VerifierSpec.
struct VerifierEntry {
  std::string name;
  double weight = 1.0;
  nlohmann::json options = nlohmann::json::object();
};

struct RewardsSection {
  int64_t workers = 0;  // 0: one per hardware thread
  double timeout_s = 0;
  std::vector<VerifierEntry> verifiers;
};

struct AlgorithmSection {
  GrpoConfig grpo;
  std::string rollout_correction;  // none | token_tis | seq_tis | token_mask | seq_mask
  std::string loss_normalizer;     // tokens | sequences | max_length
  std::string dynamic_sampling;    // off | filter | refill (filter and refill set drop_uniform_groups)
  int64_t dynamic_sampling_max_batches = 0;  // refill: batches of prompts_per_step prompts, at most
  bool overlong_filter = false;    // samples with finish "length" are not trained on
  double overlong_penalty = 0;     // DAPO's soft overlong penalty (0: off)
  int64_t overlong_buffer = 0;
  int64_t ppo_epochs = 0;      // passes over each rollout batch
  int64_t mini_batches = 0;    // optimizer steps per pass
  int64_t micro_batch_tokens = 0;  // gradient accumulation unit
  std::string router_replay;       // off | rollout
  std::string reference_dtype;     // fp32 | bf16 | fp8: how the KL reference holds its Linear weights
  GrpoConfig grpo_config() const;  // grpo with the enums and switches of the strings above
  bool refill() const { return dynamic_sampling == "refill"; }
};

struct ScheduleSection {
  int64_t warmup_steps = 0;
  std::string decay;  // constant | linear | cosine
  double min_lr_ratio = 0;
};

struct PrecisionSection {
  std::string train;  // fp32 | bf16 | fp8
  model::Precision train_precision() const { return model::parse_precision(train); }
};

struct SftSection {
  int64_t steps = 0;  // 0: no SFT phase
  double lr = 0;
  int64_t batch_size = 0;
  std::string completion_field;
};

struct CheckpointSection {
  int64_t every = 0;  // 0: only at the end
  int64_t keep = 0;   // 0: keep all
  std::string on_failure;  // continue | stop
};

struct LoggingSection {
  int64_t eval_every = 0;  // 0: no evaluation
  int64_t eval_n = 0;
  double eval_temperature = 0;
  bool log_rollouts = true;
  bool log_routes = false;
  int64_t print_every = 0;
};

struct LoadOptions {
  bool check_files = true;  // dataset files and the model directory must exist
  // Each verifier entry's name is looked up in it and its verifier constructed from the options
  // the run would use (rewards::verifier_registry(); constructing one starts no process);
  // null: neither is checked.
  const rewards::Registry* verifiers = nullptr;
};

struct RunConfig {
  RunSection run;
  ModelSection model;
  DataSection data;
  RolloutSection rollout;
  RewardsSection rewards;
  sandbox::SandboxLimits sandbox;  // [sandbox]; use_zygote is no key of it
  AlgorithmSection algorithm;
  OptimizerConfig optimizer;
  ScheduleSection schedule;
  PrecisionSection precision;
  SftSection sft;
  CheckpointSection checkpoint;
  LoggingSection logging;

  std::string source;  // the config file's name, for messages
  // Where each key's value came from: "run.toml:12:9", "--set" or "default"; keys of a verifier
  // read "rewards.verifiers[0].name". For error messages found after loading (datasets, ...).
  std::map<std::string, std::string> origin;
  std::string where(const std::string& key) const;

  std::string to_toml() const;  // the resolved config, every key written
  void write_resolved(const std::string& path) const;  // to_toml(), written atomically
};

// Reads a config file, applies overrides "a.b=value" (the value is TOML; a bare word is a
// string), fills defaults and checks everything. Throws rlvr::Error (component "config").
RunConfig load_run_config(const std::string& path, const std::vector<std::string>& overrides = {},
                          const LoadOptions& options = {});
// The same from TOML text; source_name stands for the file in messages.
RunConfig parse_run_config(const std::string& toml_text, const std::string& source_name,
                           const std::vector<std::string>& overrides = {}, const LoadOptions& options = {});

// The [[rewards.verifiers]] entries as the reward service constructs them: code_tests takes each
// sandbox limit its options leave unset from [sandbox].
std::vector<rewards::VerifierSpec> reward_verifier_specs(const RunConfig& cfg);

// True when every schema key and every verifier entry hold equal values (origins ignored).
bool same_values(const RunConfig& a, const RunConfig& b);

}  // namespace rlvr::trainer
