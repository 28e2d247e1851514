// Helpers of the checkpoint tests: the HF fixtures' tensors and config (Qwen3-MoE by default;
// DeepSeek-V3 with multi-token-prediction tensors added), model directories written from them,
// and the per-token log-probs a directory scores on a fixture's sequences.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/safetensors.h"
#include "model/token_logprobs.h"
#include "model/transformer.h"
#include "testsupport/scratch.h"

namespace checkpoint_test {

using namespace rlvr;
namespace fs = std::filesystem;
using json = nlohmann::json;

inline const std::string kFixtureDir = std::string(RLVR_SOURCE_DIR) + "/data/hf_fixtures/qwen3_moe_tiny";
inline const std::string kDeepSeekFixtureDir = std::string(RLVR_SOURCE_DIR) + "/data/hf_fixtures/deepseek_v3_tiny";

inline json fixture_config(const std::string& dir = kFixtureDir) {
  return json::parse(std::ifstream(dir + "/config.json"));
}

inline TensorMap fixture_tensors(const std::string& dir = kFixtureDir) {
  const WeightStore store = WeightStore::open(dir);
  TensorMap out;
  for (const std::string& name : store.names()) out.emplace(name, store.load(name));
  return out;
}

// A fresh directory under the test's scratch space.
inline std::string fresh_dir(const std::string& name) {
  const std::string dir = testsupport::scratch_path(name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

inline std::string write_model_dir(const std::string& name, const TensorMap& tensors, const json& config) {
  const std::string dir = fresh_dir(name);
  save_safetensors(dir + "/model.safetensors", tensors, {{"format", "pt"}});
  std::ofstream(dir + "/config.json") << config.dump(2);
  return dir;
}

// A Linear weight of the model (multi-head latent attention's included): what FP8 quantizes.
inline bool is_linear_weight(const std::string& name) {
  for (const char* p : {"q_proj.", "k_proj.", "v_proj.", "o_proj.", "gate_proj.", "up_proj.", "down_proj.", "q_a_proj.",
                        "q_b_proj.", "kv_a_proj_with_mqa.", "kv_b_proj."})
    if (name.find(p) != std::string::npos) return true;
  return false;
}

// The DeepSeek-V3 fixture as DeepSeek's checkpoints hold it: with tensors of its
// multi-token-prediction layer (model.layers.<num_hidden_layers>.*, which transformers drops),
// random, so a loader that skips or mangles them is seen. Written once per test process.
inline const std::string& deepseek_with_mtp_dir() {
  static const std::string dir = [] {
    TensorMap t = fixture_tensors(kDeepSeekFixtureDir);
    const json config = fixture_config(kDeepSeekFixtureDir);
    const int64_t C = config["hidden_size"].get<int64_t>();
    const std::string p = "model.layers." + std::to_string(config["num_hidden_layers"].get<int>()) + ".";
    std::vector<float> v(size_t(2 * C * C));
    for (size_t i = 0; i < v.size(); ++i) v[i] = float(std::sin(0.37 * double(i) + 0.1)) * 0.05f;
    t.emplace(p + "eh_proj.weight", Tensor::from_floats({C, 2 * C}, v));
    t.emplace(p + "enorm.weight", Tensor::from_floats({C}, std::vector<float>(v.begin(), v.begin() + C)));
    t.emplace(p + "shared_head.norm.weight", Tensor::from_floats({C}, std::vector<float>(v.begin() + C, v.begin() + 2 * C)));
    const std::string d = testsupport::scratch_path("deepseek_with_mtp");
    fs::remove_all(d);
    fs::create_directories(d);
    save_safetensors(d + "/model.safetensors", t, {{"format", "pt"}});
    std::ofstream(d + "/config.json") << config.dump(2);
    return d;
  }();
  return dir;
}

// A fixture's sequences.
inline std::vector<std::vector<int32_t>> fixture_sequences(const std::string& dir = kFixtureDir) {
  std::ifstream in(dir + "/reference.jsonl");
  std::vector<std::vector<int32_t>> out;
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line)["tokens"].get<std::vector<int32_t>>());
  return out;
}

// The per-token log-probs of the sequences of the fixture in sequences_dir.
inline std::vector<std::vector<float>> logprobs_of(model::Transformer& m, const std::string& sequences_dir = kFixtureDir) {
  return model::sequence_logprobs(m, model::Batch::pack(fixture_sequences(sequences_dir)), model::Precision::FP32);
}

inline std::vector<std::vector<float>> logprobs_of_dir(const std::string& dir, const std::string& sequences_dir = kFixtureDir) {
  model::Transformer m = model::Transformer::from_dir(dir);
  return logprobs_of(m, sequences_dir);
}

// A parameter's values by name (the model's own, after loading).
inline std::vector<float> param_values(model::Transformer& m, const std::string& name) {
  for (model::ParamRef& p : m.params())
    if (p.name == name) return p.value->to(Device::CPU).to_floats();
  return {};
}

inline double max_abs_diff(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  double worst = 0;
  for (size_t s = 0; s < a.size(); ++s)
    for (size_t t = 0; t < a[s].size(); ++t) worst = std::max(worst, double(std::fabs(a[s][t] - b[s][t])));
  return worst;
}

inline double mean_abs_diff(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  double sum = 0;
  size_t n = 0;
  for (size_t s = 0; s < a.size(); ++s)
    for (size_t t = 0; t < a[s].size(); ++t, ++n) sum += std::fabs(a[s][t] - b[s][t]);
  return n ? sum / double(n) : 0.0;
}

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace checkpoint_test
