// config.json of DeepSeek-V3 in transformers 5.x's and the older spellings, the fields rlvr
// refuses (each error names its field), the round trip through to_json, YaRN's numbers on
// DeepSeek-V3's published RoPE settings, and multi-token-prediction weights kept by name.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "model/rope.h"
#include "model/safetensors.h"
#include "model/transformer.h"
#include "testsupport/scratch.h"

using namespace rlvr;
using namespace rlvr::model;
using nlohmann::json;

namespace {

const std::string kDeepseekDir = std::string(RLVR_SOURCE_DIR) + "/data/hf_fixtures/deepseek_v3_tiny";

json deepseek_json() {
  std::ifstream in(kDeepseekDir + "/config.json");
  return json::parse(in);
}

// DeepSeek-V3's published RoPE (config.json of deepseek-ai/DeepSeek-V3): YaRN, factor 40 over 4096.
json deepseek_yarn_json() {
  json j = deepseek_json();
  j["qk_rope_head_dim"] = 64;
  j["qk_nope_head_dim"] = 128;
  j.erase("qk_head_dim");
  j["max_position_embeddings"] = 163840;
  j["rope_parameters"] = {{"rope_type", "yarn"}, {"rope_theta", 10000.0}, {"factor", 40.0},
                          {"original_max_position_embeddings", 4096}, {"beta_fast", 32}, {"beta_slow", 1},
                          {"mscale", 1.0}, {"mscale_all_dim", 1.0}};
  return j;
}

}  // namespace

TEST(ModelConfig, DeepseekV3OlderNamesReadTheSame) {
  const ModelConfig now = ModelConfig::from_json(deepseek_json(), "5.x");
  json old = deepseek_json();
  old.erase("rope_parameters");
  old["rope_theta"] = 10000.0;
  old["topk_method"] = "noaux_tc";
  old["scoring_func"] = "sigmoid";
  old["moe_layer_freq"] = 1;
  old.erase("rope_interleave");  // the remote code always interleaves
  const ModelConfig before = ModelConfig::from_json(old, "older");
  EXPECT_EQ(before.to_json(), now.to_json());
  EXPECT_EQ(now.num_experts, 8);
  EXPECT_EQ(now.qk_head_dim(), 48);
  EXPECT_EQ(now.num_nextn_predict_layers, 1);

  json plain_q = deepseek_json();
  plain_q["q_lora_rank"] = nullptr;
  EXPECT_EQ(ModelConfig::from_json(plain_q, "plain q").q_lora_rank, 0);

  json yarn_old = deepseek_yarn_json();
  yarn_old.erase("rope_parameters");
  yarn_old["rope_theta"] = 10000.0;
  yarn_old["rope_scaling"] = {{"type", "yarn"}, {"factor", 40}, {"original_max_position_embeddings", 4096},
                              {"beta_fast", 32}, {"beta_slow", 1}, {"mscale", 1.0}, {"mscale_all_dim", 1.0}};
  EXPECT_EQ(ModelConfig::from_json(yarn_old, "older yarn").to_json(),
            ModelConfig::from_json(deepseek_yarn_json(), "yarn").to_json());
}

TEST(ModelConfig, ToJsonRoundTrips) {
  for (const json& j : {deepseek_json(), deepseek_yarn_json()}) {
    const ModelConfig c = ModelConfig::from_json(j, "in");
    const json out = c.to_json();
    EXPECT_EQ(out["model_type"], "deepseek_v3");
    EXPECT_EQ(out["architectures"][0], "DeepseekV3ForCausalLM");
    EXPECT_EQ(ModelConfig::from_json(out, "out").to_json(), out);
  }
  const ModelConfig qwen = ModelConfig::load(std::string(RLVR_SOURCE_DIR) + "/data/hf_fixtures/qwen3_moe_tiny/config.json");
  EXPECT_EQ(qwen.to_json()["model_type"], "qwen3_moe");
  EXPECT_FALSE(qwen.to_json().contains("n_group"));
  EXPECT_EQ(ModelConfig::from_json(qwen.to_json(), "out").to_json(), qwen.to_json());
}

// Every field that would change the math in a way rlvr does not implement is refused by name.
TEST(ModelConfig, UnimplementedFieldsAreErrorsNamingThem) {
  struct Case {
    const char* field;
    std::function<void(json&)> edit;
  };
  const std::vector<Case> cases = {
      {"model_type", [](json& j) { j["model_type"] = "llama"; }},
      {"rope_parameters.rope_type", [](json& j) { j["rope_parameters"]["rope_type"] = "linear"; }},
      {"rope_scaling.type",
       [](json& j) {
         j.erase("rope_parameters");
         j["rope_scaling"] = {{"type", "dynamic"}, {"factor", 2.0}};
       }},
      {"partial_rotary_factor", [](json& j) { j["rope_parameters"]["partial_rotary_factor"] = 0.5; }},
      {"attention_bias", [](json& j) { j["attention_bias"] = true; }},
      {"hidden_act", [](json& j) { j["hidden_act"] = "gelu"; }},
      {"attention_dropout", [](json& j) { j["attention_dropout"] = 0.1; }},
      {"topk_method", [](json& j) { j["topk_method"] = "group_limited_greedy"; }},
      {"moe_layer_freq", [](json& j) { j["moe_layer_freq"] = 2; }},
      {"qk_head_dim", [](json& j) { j["qk_head_dim"] = 64; }},
      {"kv_lora_rank", [](json& j) { j.erase("kv_lora_rank"); }},
      {"q_lora_rank", [](json& j) { j.erase("q_lora_rank"); }},
      {"n_group", [](json& j) { j["n_group"] = 3; }},
      {"topk_group", [](json& j) { j["topk_group"] = 3; }},
      {"num_experts_per_tok", [](json& j) { j["num_experts_per_tok"] = 5; }},  // > 1 group of 4
      {"qk_rope_head_dim must be even",
       [](json& j) {
         j["qk_rope_head_dim"] = 15;
         j.erase("qk_head_dim");
       }},
  };
  for (const Case& c : cases) {
    json j = deepseek_json();
    c.edit(j);
    try {
      ModelConfig::from_json(j, "edited config.json");
      ADD_FAILURE() << c.field << ": no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.field), std::string::npos) << e.what();
    }
  }
}

// DeepSeek-V3's YaRN: mscale = mscale_all_dim, so cos and sin are not scaled and the softmax scale
// is 192^-1/2 (0.1 ln 40 + 1)^2; the fast-turning pairs (i <= floor(10.5)) keep the plain
// frequency, the slow ones (i >= ceil(22.5)) are interpolated by the factor 40, a ramp between.
TEST(ModelConfig, YarnMatchesDeepseekV3Settings) {
  ModelConfig c = ModelConfig::from_json(deepseek_yarn_json(), "yarn");
  const double mscale = 0.1 * std::log(40.0) + 1.0;
  EXPECT_NEAR(mla_softmax_scale(c), mscale * mscale / std::sqrt(192.0), 1e-7);
  const RopeParams p = rope_params(c, 64, true);
  EXPECT_EQ(p.attention_scaling, 1.0f);
  ASSERT_EQ(p.inv_freq.size(), 32u);
  for (int i = 0; i < 32; ++i) {
    const double plain = std::pow(10000.0, -2.0 * i / 64.0);
    const double ramp = std::clamp((i - 10) / 13.0, 0.0, 1.0);  // interpolation's share
    EXPECT_NEAR(p.inv_freq[size_t(i)], plain * (ramp / 40.0 + (1.0 - ramp)), 1e-6 * plain) << i;
  }
  // Without mscale / mscale_all_dim: cos and sin scaled by 0.1 ln 40 + 1, the softmax scale plain.
  c.rope_scaling.mscale = c.rope_scaling.mscale_all_dim = 0.0;
  EXPECT_NEAR(rope_params(c, 64, true).attention_scaling, mscale, 1e-6);
  EXPECT_NEAR(mla_softmax_scale(c), 1.0 / std::sqrt(192.0), 1e-8);
}

// The fixture's config has num_nextn_predict_layers = 1: tensors of layer 3 (after the 3 decoder
// layers) load as kept, untrained parameters listed by name, so a checkpoint writes them back.
TEST(ModelConfig, MtpWeightsAreKeptByName) {
  const std::string dir = testsupport::scratch_path("deepseek_mtp");
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(kDeepseekDir + "/config.json", dir + "/config.json",
                             std::filesystem::copy_options::overwrite_existing);
  const WeightStore fixture = WeightStore::open(kDeepseekDir);
  TensorMap tensors;
  for (const std::string& name : fixture.names()) tensors.emplace(name, fixture.load(name));
  const Tensor eh_proj = Tensor::from_floats({4, 6}, std::vector<float>(24, 0.25f));
  tensors.emplace("model.layers.3.eh_proj.weight", eh_proj);
  tensors.emplace("model.layers.3.enorm.weight", Tensor::from_floats({3}, {1.0f, 2.0f, 3.0f}));
  save_safetensors(dir + "/model.safetensors", tensors);
  Transformer m = Transformer::from_dir(dir);
  int kept = 0;
  for (const ParamRef& p : m.params())
    if (p.name.rfind("model.layers.3.", 0) == 0) {
      ++kept;
      EXPECT_FALSE(p.trainable) << p.name;
      EXPECT_EQ(p.value->to_floats(), tensors.at(p.name).to_floats()) << p.name;
    }
  EXPECT_EQ(kept, 2);
  EXPECT_TRUE(is_mtp_weight(m.config(), "model.layers.3.shared_head.head.weight"));
  EXPECT_FALSE(is_mtp_weight(m.config(), "model.layers.2.mlp.gate.weight"));
  EXPECT_FALSE(is_mtp_weight(m.config(), "model.layers.4.eh_proj.weight"));
}
