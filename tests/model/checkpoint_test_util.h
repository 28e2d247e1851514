// Helpers of the checkpoint tests: the Qwen3-MoE fixture's tensors and config, model directories
// written from them, and the per-token log-probs a directory scores on the fixture's sequences.
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

inline json fixture_config() { return json::parse(std::ifstream(kFixtureDir + "/config.json")); }

inline TensorMap fixture_tensors() {
  const WeightStore store = WeightStore::open(kFixtureDir);
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

inline bool is_linear_weight(const std::string& name) {
  for (const char* p : {"q_proj.", "k_proj.", "v_proj.", "o_proj.", "gate_proj.", "up_proj.", "down_proj."})
    if (name.find(p) != std::string::npos) return true;
  return false;
}

// The fixture's sequences.
inline std::vector<std::vector<int32_t>> fixture_sequences() {
  std::ifstream in(kFixtureDir + "/reference.jsonl");
  std::vector<std::vector<int32_t>> out;
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line)["tokens"].get<std::vector<int32_t>>());
  return out;
}

inline std::vector<std::vector<float>> logprobs_of(model::Transformer& m) {
  return model::sequence_logprobs(m, model::Batch::pack(fixture_sequences()), model::Precision::FP32);
}

inline std::vector<std::vector<float>> logprobs_of_dir(const std::string& dir) {
  model::Transformer m = model::Transformer::from_dir(dir);
  return logprobs_of(m);
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
