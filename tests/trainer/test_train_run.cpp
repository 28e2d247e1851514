// End-to-end runs of the trainer on a tiny arithmetic task: the files a run writes, an exact
// resume after an interruption (in SFT and in GRPO), checkpoint failures, bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "model/transformer.h"
#include "trainer/checkpoint.h"
#include "trainer/run_config.h"
#include "trainer/train_run.h"

namespace fs = std::filesystem;

namespace rlvr::trainer {
namespace {

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
                            "time_learner_s"})
        m.erase(k);
    return ms;
  }

  fs::path dir_;
};

TEST_F(TrainRun, WritesTheRunDirectory) {
  const TrainResult r = run(config(), "run");
  EXPECT_FALSE(r.interrupted);
  EXPECT_EQ(r.sft_steps, 3);
  EXPECT_EQ(r.rl_steps, 4);
  const fs::path d = dir_ / "run";
  EXPECT_TRUE(fs::exists(d / "config.toml"));
  const auto ms = lines(d / "metrics.jsonl");
  int sft = 0, rl = 0, eval = 0;
  for (const auto& m : ms) {
    const std::string phase = m.at("phase");
    sft += phase == "sft";
    rl += phase == "rl";
    eval += phase == "eval";
    if (phase == "rl") {
      for (const char* k : {"loss", "reward_mean", "accuracy", "kl", "clip_frac", "entropy", "mismatch_mean",
                            "response_len_mean", "tokens_per_s", "status_counts", "grad_norm", "lr"})
        EXPECT_TRUE(m.contains(k)) << k;
      EXPECT_EQ(m["optimizer_steps"], 2);
      EXPECT_TRUE(m["status_counts"].contains("boxed_math"));
    }
  }
  EXPECT_EQ(sft, 3);
  EXPECT_EQ(rl, 4);
  EXPECT_EQ(eval, 3);  // after SFT, at steps 2 and 4
  const auto rs = lines(d / "rollouts.jsonl");
  ASSERT_EQ(rs.size(), 4u * 4u * 4u);
  for (const auto& s : rs) {
    ASSERT_EQ(s["verdicts"].size(), 2u);
    EXPECT_EQ(s["verdicts"][0]["verifier"], "boxed_math");
    EXPECT_TRUE(s.contains("advantage") && s.contains("rollout_logprob") && s.contains("learner_logprob"));
  }
  // The final checkpoint is a model directory.
  const auto ck = latest_checkpoint(d.string());
  ASSERT_TRUE(ck.has_value());
  EXPECT_EQ(fs::path(*ck).filename(), "rl_step_4");
  for (const char* f : {"model.safetensors", "optimizer.safetensors", "state.json", "config.json", "char_tokenizer.json"})
    EXPECT_TRUE(fs::exists(fs::path(*ck) / f)) << f;
  EXPECT_EQ(model::Transformer::from_dir(*ck).config().hidden_size, 32);
  // A second run into the same directory must not overwrite it.
  EXPECT_THROW(run(config(), "run"), Error);
}

void expect_same_metrics(const std::vector<nlohmann::json>& a, const std::vector<nlohmann::json>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "line " << i + 1;
}

TEST_F(TrainRun, ResumeContinuesExactly) {
  const RunConfig cfg = config({"checkpoint.every=0"});
  run(cfg, "straight");
  for (int64_t stop : {2, 5}) {  // inside SFT, inside GRPO
    const std::string name = "stopped_" + std::to_string(stop);
    const TrainResult first = run(cfg, name, false, stop);
    EXPECT_TRUE(first.interrupted);
    const TrainResult second = run(cfg, name, true);
    EXPECT_FALSE(second.interrupted);
    expect_same_metrics(metrics_without_time(dir_ / "straight"), metrics_without_time(dir_ / name));
    EXPECT_EQ(lines(dir_ / "straight" / "rollouts.jsonl"), lines(dir_ / name / "rollouts.jsonl"));
  }
}

// Checkpoints are named by phase (sft_step_N, rl_step_N); --resume-from takes one by name and
// continues exactly from it, dropping the later ones; step_N directories of older runs still load.
TEST_F(TrainRun, ResumeFromANamedCheckpoint) {
  const RunConfig cfg = config({"checkpoint.every=2", "checkpoint.keep=0"});
  run(cfg, "straight");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_ / "straight" / "checkpoints")) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"rl_step_1", "rl_step_3", "rl_step_4", "sft_step_2"}));
  fs::copy(dir_ / "straight", dir_ / "again", fs::copy_options::recursive);
  TrainOptions o;
  o.run_dir = (dir_ / "again").string();
  o.resume_from = "rl_step_1";
  const TrainResult r = train(cfg, o);
  EXPECT_EQ(r.rl_steps, 4);
  expect_same_metrics(metrics_without_time(dir_ / "straight"), metrics_without_time(dir_ / "again"));
  EXPECT_EQ(lines(dir_ / "straight" / "rollouts.jsonl"), lines(dir_ / "again" / "rollouts.jsonl"));
  // An older run's name for the SFT checkpoint (the global step count) is found and ordered too.
  fs::copy(dir_ / "straight", dir_ / "legacy", fs::copy_options::recursive);
  for (const char* later : {"rl_step_1", "rl_step_3", "rl_step_4"}) fs::remove_all(dir_ / "legacy" / "checkpoints" / later);
  fs::rename(dir_ / "legacy" / "checkpoints" / "sft_step_2", dir_ / "legacy" / "checkpoints" / "step_2");
  EXPECT_EQ(fs::path(*latest_checkpoint((dir_ / "legacy").string())).filename(), "step_2");
  try {
    o.resume_from = "rl_step_9";
    train(cfg, o);
    ADD_FAILURE() << "resumed from a checkpoint that does not exist";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no checkpoint 'rl_step_9'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("rl_step_4"), std::string::npos) << e.what();
  }
}

// A model with more vocabulary rows than the tokenizer has ids (as real checkpoints): GRPO never
// samples an id the tokenizer cannot decode, so the run goes through.
TEST_F(TrainRun, ModelVocabularyLargerThanTheTokenizers) {
  const TrainResult r = run(config({"model.init.vocab_size=4096", "sft.steps=0", "run.steps=2"}), "padded");
  EXPECT_EQ(r.rl_steps, 2);
  for (const auto& s : lines(dir_ / "padded" / "rollouts.jsonl")) EXPECT_NE(s["finish_reason"], "error") << s.dump();
}

TEST_F(TrainRun, CheckpointFailureStopsOrContinuesByConfig) {
  // A regular file where the checkpoints directory should be: every write fails.
  for (const char* policy : {"stop", "continue"}) {
    const fs::path d = dir_ / policy;
    fs::create_directories(d);
    std::ofstream(d / "checkpoints") << "not a directory";
    const RunConfig cfg = config({"checkpoint.every=2", std::string("checkpoint.on_failure=\"") + policy + "\""});
    if (std::string(policy) == "stop") {
      try {
        run(cfg, policy);
        ADD_FAILURE() << "the run went on";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("checkpoint"), std::string::npos) << e.what();
      }
    } else {
      const TrainResult r = run(cfg, policy);
      EXPECT_EQ(r.rl_steps, 4);
    }
    EXPECT_FALSE(latest_checkpoint(d.string()).has_value());
  }
}

TEST_F(TrainRun, ResumeWithoutCheckpointIsAnError) {
  try {
    run(config(), "nothing", true);
    ADD_FAILURE() << "resumed from nothing";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no checkpoint"), std::string::npos) << e.what();
  }
}

TEST_F(TrainRun, CudaWithoutAGpuIsAClearError) {
  if (cuda_available()) GTEST_SKIP() << "a CUDA device is present";
  try {
    run(config({"run.device=\"cuda\""}), "cuda");
    ADD_FAILURE() << "trained on a GPU that is not there";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("run.device = \"cuda\": no CUDA device is present"), std::string::npos)
        << e.what();
  }
}

// The same run on CUDA and on the CPU: every file written, the first SFT losses equal to float
// rounding (same weights, same batches; cuBLASLt and OpenBLAS sum in other orders), and the
// rest of the run sane (later steps sample other tokens once the weights differ in their last bits).
TEST_F(TrainRun, OnCudaTracksTheCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device (or a build without the CUDA backend): CPU only";
  const std::vector<std::string> fp32 = {"precision.train=\"fp32\"", "rollout.precision=\"fp32\""};
  std::vector<std::string> on_cpu = fp32, on_cuda = fp32;
  on_cpu.push_back("run.device=\"cpu\"");
  on_cuda.push_back("run.device=\"cuda\"");
  run(config(on_cpu), "cpu");
  const TrainResult r = run(config(on_cuda), "cuda");
  EXPECT_GT(r.rl_steps, 0);
  const auto want = lines(dir_ / "cpu" / "metrics.jsonl"), got = lines(dir_ / "cuda" / "metrics.jsonl");
  ASSERT_EQ(got.size(), want.size());
  ASSERT_EQ(got[0]["phase"], "sft");
  EXPECT_NEAR(got[0]["loss"].get<double>(), want[0]["loss"].get<double>(), 1e-4 * want[0]["loss"].get<double>());
  for (const auto& m : got)
    if (m.contains("loss")) {
      EXPECT_TRUE(std::isfinite(m["loss"].get<double>())) << m.dump();
    }
  EXPECT_TRUE(fs::exists(dir_ / "cuda" / "rollouts.jsonl"));
  EXPECT_TRUE(latest_checkpoint((dir_ / "cuda").string()).has_value());
}

TEST_F(TrainRun, BadDatasetRowsNameTheFileAndLine) {
  std::ofstream(dir_ / "bad.jsonl") << "{\"prompt\": \"1+1=\", \"answer\": \"2\", \"completion\": \"x\"}\n{not json\n";
  try {
    run(config({"data.train=\"" + (dir_ / "bad.jsonl").string() + "\""}), "bad");
    ADD_FAILURE() << "trained on a broken dataset";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rlvr::trainer
