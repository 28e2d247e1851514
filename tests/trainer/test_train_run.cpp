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
#include "trainer/eval_run.h"
#include "trainer/run_config.h"
#include "trainer/train_run.h"
#include "tests/trainer/train_run_fixture.h"

namespace fs = std::filesystem;

namespace rlvr::trainer {
namespace {

using testing::expect_same_metrics;
using TrainRun = testing::TrainRun;

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

// Router replay with pipelined rollouts: the expert choices travel with the batches in flight
// through a checkpoint, so an interrupted run ends as an uninterrupted one.
TEST_F(TrainRun, RouterReplayResumesExactly) {
  const RunConfig cfg = config({"checkpoint.every=0", "algorithm.router_replay=\"rollout\"",
                                "logging.log_routes=true", "run.max_staleness=1"});
  run(cfg, "straight");
  const TrainResult first = run(cfg, "stopped", false, 5);
  EXPECT_TRUE(first.interrupted);
  run(cfg, "stopped", true);
  expect_same_metrics(metrics_without_time(dir_ / "straight"), metrics_without_time(dir_ / "stopped"));
  EXPECT_EQ(lines(dir_ / "straight" / "rollouts.jsonl"), lines(dir_ / "stopped" / "rollouts.jsonl"));
  for (const auto& m : lines(dir_ / "straight" / "metrics.jsonl"))
    if (m.at("phase") == "rl") {
      ASSERT_TRUE(m.at("route_agreement").is_number());
      EXPECT_GE(m["route_agreement"].get<double>(), 0.0);
      EXPECT_LE(m["route_agreement"].get<double>(), 1.0);
    }
  for (const auto& s : lines(dir_ / "straight" / "rollouts.jsonl")) {
    if (!s.contains("routes")) continue;  // evaluation samples record none
    ASSERT_EQ(s["routes"].size(), s["completion_tokens"].get<size_t>());
    for (const auto& t : s["routes"]) EXPECT_EQ(t.size(), 2u);  // one MoE layer, top-2
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

// `rlvr eval` of a run's checkpoint: the same prompts and sampling seed as the run's own final
// evaluation, so the same accuracy; one rollouts.jsonl line per sample; --data evaluates a file.
TEST_F(TrainRun, EvalOfACheckpointRepeatsTheRunsEvaluation) {
  RunConfig cfg = config({"logging.eval_n=2", "logging.eval_temperature=1.0"});
  cfg.run.run_dir = (dir_ / "trained").string();
  const TrainResult trained = train(cfg, TrainOptions{});
  EvalOptions o;
  o.checkpoint = "rl_step_4";
  const EvalResult r = evaluate(cfg, o);
  EXPECT_EQ(r.run_dir, (dir_ / "trained" / "eval_rl_step_4").string());
  EXPECT_EQ(r.step, 4);
  EXPECT_EQ(r.accuracy, trained.last_eval_accuracy);
  const auto m = lines(fs::path(r.run_dir) / "metrics.jsonl");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0]["phase"], "eval");
  EXPECT_EQ(m[0]["step"], 4);
  EXPECT_EQ(m[0]["eval_accuracy"], r.accuracy);
  EXPECT_EQ(lines(fs::path(r.run_dir) / "rollouts.jsonl").size(), 8u * 2u);  // 8 eval prompts x eval_n
  EXPECT_THROW(evaluate(cfg, o), Error);  // the directory holds an evaluation already
  o.data = (dir_ / "train.jsonl").string();
  o.run_dir = (dir_ / "on_train").string();
  EXPECT_EQ(evaluate(cfg, o).samples, 64 * 2);
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
