// The trainer's end-to-end test fixture: a tiny arithmetic task (64 train and 8 eval prompts),
// a one-layer MoE with a char tokenizer, 3 SFT and 4 GRPO steps in FP8, and helpers to run it
// and read what it wrote.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trainer/run_config.h"
#include "trainer/train_run.h"

namespace rlvr::trainer::testing {

namespace fs = std::filesystem;

class TrainRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rlvr-train-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::mt19937 rng(5);
    for (const char* name : {"train", "eval"}) {
      std::ofstream out(dir_ / (std::string(name) + ".jsonl"));
      for (int i = 0; i < (name[0] == 't' ? 64 : 8); ++i) {
        const int a = int(rng() % 10), b = int(rng() % 10);
        out << nlohmann::json{{"prompt", std::to_string(a) + "+" + std::to_string(b) + "="},
                              {"answer", std::to_string(a + b)},
                              {"completion", "\\boxed{" + std::to_string(a + b) + "}"}}
                   .dump()
            << "\n";
      }
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunConfig config(std::vector<std::string> overrides = {}) const {
    const std::string text = R"(
[run]
seed = 3
steps = 4
[model]
tokenizer = "char"
alphabet = "0123456789+=\\{}boxed\n"
[model.init]
hidden_size = 32
intermediate_size = 64
moe_intermediate_size = 32
num_hidden_layers = 1
num_attention_heads = 2
num_key_value_heads = 1
head_dim = 16
max_position_embeddings = 32
num_experts = 4
num_experts_per_tok = 2
expert_bias_update_rate = 0.001
[data]
prompt_template = "{prompt}\n"
max_prompt_tokens = 16
[rollout]
n = 4
prompts_per_step = 4
max_new_tokens = 8
precision = "fp8"
[[rewards.verifiers]]
name = "boxed_math"
[[rewards.verifiers]]
name = "format"
weight = 0.1
options = { require_think = false, require_boxed = true }
[algorithm]
mini_batches = 2
micro_batch_tokens = 64
[precision]
train = "fp8"
[sft]
steps = 3
batch_size = 8
[logging]
eval_every = 2
)";
    overrides.insert(overrides.begin(), {"data.train=\"" + (dir_ / "train.jsonl").string() + "\"",
                                         "data.eval=\"" + (dir_ / "eval.jsonl").string() + "\""});
    LoadOptions lo;
    lo.verifiers = &rewards::verifier_registry();
    return parse_run_config(text, "test.toml", overrides, lo);
  }

  TrainResult run(const RunConfig& cfg, const std::string& name, bool resume = false, int64_t stop_after = -1) const {
    TrainOptions o;
    o.run_dir = (dir_ / name).string();
    o.resume = resume;
    o.stop_after_global_step = stop_after;
    return train(cfg, o);
  }

  static std::vector<nlohmann::json> lines(const fs::path& p) {
    std::vector<nlohmann::json> out;
    std::ifstream in(p);
    for (std::string l; std::getline(in, l);) out.push_back(nlohmann::json::parse(l));
    return out;
  }

  // Metrics without the fields that measure time.
  static std::vector<nlohmann::json> metrics_without_time(const fs::path& run_dir) {
    auto ms = lines(run_dir / "metrics.jsonl");
    for (auto& m : ms)
      for (const char* k : {"time_s", "tokens_per_s", "rollout_tokens_per_s", "time_rollout_s", "time_reward_s",
                            "time_learner_s", "time_wait_s"})
        m.erase(k);
    return ms;
  }

  fs::path dir_;
};

inline void expect_same_metrics(const std::vector<nlohmann::json>& a, const std::vector<nlohmann::json>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "line " << i + 1;
}

}  // namespace rlvr::trainer::testing
