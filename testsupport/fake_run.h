// Writes a realistic run directory in the trainer's format (config.toml, metrics.jsonl,
// rollouts.jsonl, checkpoints/step_N/) for the runlog tests and bench/bench_logs.cpp: several
// steps, G samples per prompt, rewards that rise, mixed statuses, multi-line completions with
// unicode and HTML special characters.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace rlvr::testsupport {

struct FakeRun {
  int sft_steps = 3;
  int steps = 6;             // rl steps, 1..steps
  int prompts_per_step = 4;
  int group_size = 4;        // G samples per prompt
  int eval_every = 2;
  int checkpoint_every = 3;
  int padding_lines = 0;     // extra lines per completion, to make big logs for the bench
  uint64_t seed = 1;
};

// A small deterministic hash, so that every sample's fate is reproducible.
inline uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
inline double unit(uint64_t x) { return static_cast<double>(mix(x) >> 11) / 9007199254740992.0; }

// Which status the boxed_math verifier gives sample (step, prompt, sample): correct more often
// at later steps; every 7th sample of step 2 a timeout, one error at step 3.
inline std::string fake_status(const FakeRun& run, int step, int prompt, int sample) {
  if (step == 3 && prompt == 1 && sample == 0) return "error";
  if (step == 2 && (prompt * run.group_size + sample) % 7 == 3) return "timeout";
  double u = unit(run.seed * 1000003 + static_cast<uint64_t>(step) * 10007 + static_cast<uint64_t>(prompt) * 101 +
                  static_cast<uint64_t>(sample));
  double p_correct = 0.2 + 0.6 * step / run.steps;
  if (u < p_correct) return "correct";
  return u < p_correct + 0.6 * (1 - p_correct) ? "wrong" : "no_answer";
}

// Prompts come back every other step, so that `logs diff` has two steps to compare.
inline int prompt_id(const FakeRun& run, int step, int prompt) {
  return (step * run.prompts_per_step + prompt) % (2 * run.prompts_per_step);
}

inline nlohmann::json fake_sample(const FakeRun& run, int step, int prompt, int sample) {
  const int id = prompt_id(run, step, prompt);
  const int gold = id * 3 + 7;
  const std::string status = fake_status(run, step, prompt, sample);
  const int answer = status == "correct" ? gold : gold + 1 + sample;
  std::string completion = "Let me think <step " + std::to_string(sample) + "> & check: π ≈ 3.14 — “quoted” 😀\n";
  completion += "</script><script>document.title='pwned'</script><img src=x onerror=alert(1)>\n";
  for (int i = 0; i < run.padding_lines; ++i)
    completion += "Line " + std::to_string(i) + ": 2·x + 3 = " + std::to_string(gold) + " ⇒ x ∈ ℝ, a<b && c>d\n";
  if (status == "correct" || status == "wrong") completion += "So the answer is \\boxed{" + std::to_string(answer) + "}.";
  else completion += "I am not sure.";
  const bool boxed = status == "correct" || status == "wrong";
  const double reward = (status == "correct" ? 1.0 : 0.0) + (boxed ? 0.1 : 0.0);
  nlohmann::json verdicts = nlohmann::json::array();
  verdicts.push_back({{"verifier", "boxed_math"}, {"weight", 1.0}, {"reward", status == "correct" ? 1.0 : 0.0},
                      {"status", status},
                      {"detail", boxed ? "extracted " + std::to_string(answer) + ", expected " + std::to_string(gold)
                                       : "no \\boxed{} in the completion"}});
  verdicts.push_back({{"verifier", "format"}, {"weight", 0.1}, {"reward", boxed ? 1.0 : 0.0},
                      {"status", boxed ? "correct" : "wrong"}, {"detail", boxed ? "one \\boxed{}" : "missing \\boxed{}"}});
  const int tokens = 20 + 3 * sample + 5 * run.padding_lines;
  return {{"step", step}, {"prompt_id", id}, {"sample_index", sample},
          {"prompt", "What is " + std::to_string(id) + "·3 + 7? Use <b>bold</b> & \"quotes\" if you like.\n"},
          {"completion", completion}, {"answer", std::to_string(gold)}, {"verdicts", verdicts},
          {"reward", reward}, {"advantage", reward - 0.5}, {"prompt_tokens", 16}, {"completion_tokens", tokens},
          {"finish_reason", sample % 4 == 3 ? "length" : "stop"}, {"rollout_logprob", -0.5 * tokens},
          {"learner_logprob", -0.5 * tokens - 0.01 * sample}};
}

inline void write_fake_run(const std::string& dir, const FakeRun& run = {}) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  std::ofstream(dir + "/config.toml") << "[run]\nname = \"fake\"\nsteps = " << run.steps
                                      << "\nseed = 1\n\n[rollout]\nn = " << run.group_size
                                      << "\nprompts_per_step = " << run.prompts_per_step
                                      << "\n\n[[rewards.verifiers]]\nname = \"boxed_math\"\nweight = 1.0\n\n"
                                         "[[rewards.verifiers]]\nname = \"format\"\nweight = 0.1\n";
  std::ofstream metrics(dir + "/metrics.jsonl");
  std::ofstream rollouts(dir + "/rollouts.jsonl");
  double time = 0;
  for (int step = 1; step <= run.sft_steps; ++step)
    metrics << nlohmann::json{{"step", step}, {"phase", "sft"}, {"time_s", time += 1.0}, {"loss", 2.0 / step},
                              {"lr", 1e-3}, {"grad_norm", 1.5}, {"tokens_per_s", 30000.0}}.dump()
            << "\n";
  for (int step = 1; step <= run.steps; ++step) {
    nlohmann::json counts = nlohmann::json::object();
    double reward_sum = 0;
    long correct = 0, samples = 0;
    for (int prompt = 0; prompt < run.prompts_per_step; ++prompt)
      for (int sample = 0; sample < run.group_size; ++sample) {
        nlohmann::json s = fake_sample(run, step, prompt, sample);
        rollouts << s.dump() << "\n";
        for (const auto& v : s["verdicts"]) {
          nlohmann::json& n = counts[v["verifier"].get<std::string>()][v["status"].get<std::string>()];
          n = n.is_null() ? 1 : n.get<int>() + 1;
        }
        reward_sum += s["reward"].get<double>();
        correct += s["verdicts"][0]["status"] == "correct";
        ++samples;
      }
    metrics << nlohmann::json{{"step", step}, {"phase", "rl"}, {"time_s", time += 4.0}, {"loss", 0.1 / step},
                              {"lr", 1e-3}, {"grad_norm", 0.8}, {"reward_mean", reward_sum / samples},
                              {"reward_std", 0.4}, {"accuracy", static_cast<double>(correct) / samples},
                              {"kl", 0.001 * step}, {"clip_frac", 0.02}, {"entropy", 1.2 - 0.05 * step},
                              {"response_len_mean", 25.0 + step}, {"tokens_per_s", 20000.0 + 1500.0 * step},
                              {"mismatch_mean", 0.01}, {"mismatch_max", 0.2}, {"route_agreement", 0.9 + 0.01 * step},
                              {"groups_dropped", step % 2},
                              {"status_counts", counts}, {"time_rollout_s", 2.0}, {"time_reward_s", 0.5},
                              {"time_learner_s", 1.5}, {"some_new_field", "ignored"}}.dump()
            << "\n";
    if (step % run.eval_every == 0)
      metrics << nlohmann::json{{"step", step}, {"phase", "eval"}, {"eval_accuracy", 0.1 * step},
                                {"eval_reward_mean", 0.1 * step + 0.05}, {"eval_samples", 20}}.dump()
              << "\n";
    if (step % run.checkpoint_every == 0) fs::create_directories(dir + "/checkpoints/step_" + std::to_string(step));
  }
}

}  // namespace rlvr::testsupport
