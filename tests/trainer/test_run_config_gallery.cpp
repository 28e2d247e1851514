// The gallery of bad run configs: each case is a config (and --set overrides) with the exact
// message, position included, that it must produce.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <unistd.h>

#include "run_config_fixtures.h"

namespace rlvr::trainer {
namespace {

using testing::kMinimal;
using testing::parse_error;

struct BadConfig {
  const char* name;
  std::string text;
  std::vector<std::string> overrides;
  std::string expected;  // the message after "config: ", up to the source location of the throw
  const rewards::Registry* verifiers = nullptr;  // checks verifier names and options when set
};

std::string with(const std::string& extra) { return kMinimal + extra; }

const std::vector<BadConfig>& gallery() {
  static const std::vector<BadConfig> cases = {
      {"UnknownKeyDidYouMean", with("[rollout]\ntemperatur = 0.7\n"), {},
       "run.toml:8:1: rollout.temperatur: unknown key (did you mean 'temperature'?)"},
      {"UnknownTable", with("[rollot]\nn = 4\n"), {}, "run.toml:7:2: rollot: unknown table (did you mean 'rollout'?)"},
      {"KeyInTheWrongTable", with("[rollout]\nlr = 0.1\n"), {},
       "run.toml:8:1: rollout.lr: unknown key (did you mean 'optimizer.lr'?)"},
      {"UnknownKeyNoSuggestion", with("[rollout]\nbanana = 1\n"), {}, "run.toml:8:1: rollout.banana: unknown key"},
      {"StringForFloat", with("[rollout]\ntemperature = \"hot\"\n"), {},
       "run.toml:8:15: rollout.temperature: expected a float, got a string 'hot'"},
      {"FloatForInteger", with("[rollout]\nn = 8.0\n"), {}, "run.toml:8:5: rollout.n: expected an integer, got a float"},
      {"TableDefinedTwice", with("[data]\n"), {}, "run.toml:7:1: invalid TOML: Error while parsing table header: cannot redefine existing table 'data'"},
      {"BoolExpected", with("[algorithm]\nscale_by_std = 1\n"), {},
       "run.toml:8:16: algorithm.scale_by_std: expected a boolean, got an integer"},
      {"AboveRange", with("[rollout]\ntop_p = 1.5\n"), {},
       "run.toml:8:9: rollout.top_p: value out of range: 1.5 (allowed: (0, 1])"},
      {"BelowRange", with("[optimizer]\nlr = -1.0\n"), {},
       "run.toml:8:6: optimizer.lr: value out of range: -1 (allowed: > 0)"},
      {"NaN", with("[optimizer]\nlr = nan\n"), {}, "run.toml:8:6: optimizer.lr: value out of range: nan (allowed: > 0)"},
      {"IntegerTooLargeForField", with("[model.init]\nhidden_size = 3000000000\n"), {},
       "run.toml:8:15: model.init.hidden_size: value out of range: 3000000000 (too large)"},
      {"NotAChoice", with("[run]\ndevice = \"cdua\"\n"), {},
       "run.toml:8:10: run.device: 'cdua' is not one of auto|cpu|cuda (did you mean 'cuda'?)"},
      {"ListElementType", with("[rollout]\nstop = [\"a\", 3]\n"), {},
       "run.toml:8:14: rollout.stop[1]: expected a string, got an integer"},
      {"TableGivenAValue", "rollout = 3\n" + kMinimal, {}, "run.toml:1:11: rollout: expected a table, got an integer"},
      {"InvalidToml", with("[rollout\n"), {}, "run.toml:7:9: invalid TOML"},
      {"MissingRequiredKey", "[model]\ntokenizer = \"char\"\n[data]\nshuffle = false\n[[rewards.verifiers]]\nname = \"x\"\n",
       {}, "run.toml:3:1: data.train: missing required key"},
      {"MissingRequiredTable", "[model]\ntokenizer = \"char\"\n[[rewards.verifiers]]\nname = \"x\"\n", {},
       "run.toml: data.train: missing required key"},
      {"NoVerifiers", "[model]\ntokenizer = \"char\"\n[data]\ntrain = \"t.jsonl\"\n", {},
       "run.toml: rewards.verifiers: missing required key: list at least one verifier as a [[rewards.verifiers]] "
       "table with a name"},
      {"VerifiersNotTables", "[model]\ntokenizer = \"char\"\n[data]\ntrain = \"t.jsonl\"\n[rewards]\nverifiers = [\"format\"]\n",
       {}, "run.toml:6:14: rewards.verifiers[0]: expected a table, got a string"},
      {"VerifierKeyTypo", with("[[rewards.verifiers]]\nname = \"format\"\nweigth = 2\n"), {},
       "run.toml:9:1: rewards.verifiers[1].weigth: unknown key (did you mean 'weight'?) (verifier options go in its "
       "options table)"},
      {"VerifierWithoutName", with("[[rewards.verifiers]]\nweight = 2.0\n"), {},
       "run.toml:7:1: rewards.verifiers[1].name: missing required key"},
      {"UnknownVerifier", "[model]\ntokenizer = \"char\"\n[data]\ntrain = \"t.jsonl\"\n[[rewards.verifiers]]\nname = \"boxed-math\"\n",
       {}, "run.toml:6:8: rewards.verifiers[0].name: unknown verifier 'boxed-math' (did you mean 'boxed_math'?); known: "
       "boxed_math, code_tests, external, format", &rewards::verifier_registry()},
      // Verifier options, checked by constructing each verifier: the position is the option's
      // value, or the verifier's table when the option is missing.
      {"UnknownVerifierOption", with("[rewards.verifiers.options]\ntolerance = 1e-3\n"), {},
       "run.toml:8:13: rewards.verifiers[0].options.tolerance: unknown option 'tolerance' for verifier 'boxed_math' "
       "(known: answer_field, fallback, rel_tol)", &rewards::verifier_registry()},
      {"UnknownVerifierOptionSet", kMinimal, {"rewards.verifiers[0].options.tolerance=1"},
       "--set: rewards.verifiers[0].options.tolerance: unknown option 'tolerance' for verifier 'boxed_math'",
       &rewards::verifier_registry()},
      {"CodeTestsLimitType", with("[[rewards.verifiers]]\nname = \"code_tests\"\noptions = { memory_mb = \"lots\" }\n"), {},
       "run.toml:9:25: rewards.verifiers[1].options.memory_mb: option 'memory_mb' of verifier 'code_tests' must be a "
       "number, got \"lots\"", &rewards::verifier_registry()},
      {"CodeTestsLimitNotInteger", with("[[rewards.verifiers]]\nname = \"code_tests\"\noptions = { max_processes = 1.5 }\n"),
       {}, "run.toml:9:29: rewards.verifiers[1].options.max_processes: option 'max_processes' of verifier 'code_tests' "
       "must be an integer, got 1.5", &rewards::verifier_registry()},
      {"CodeTestsLimitRange", with("[[rewards.verifiers]]\nname = \"code_tests\"\noptions = { max_open_files = 2 }\n"),
       {}, "run.toml:9:30: rewards.verifiers[1].options.max_open_files: option 'max_open_files' of verifier 'code_tests' "
       "must be >= 4, got 2", &rewards::verifier_registry()},
      {"FormatPattern", with("[[rewards.verifiers]]\nname = \"format\"\n[rewards.verifiers.options]\npattern = \"a(\"\n"),
       {}, "run.toml:10:11: rewards.verifiers[1].options.pattern: bad option 'pattern' of format: ",
       &rewards::verifier_registry()},
      {"FormatFlagType", with("[[rewards.verifiers]]\nname = \"format\"\noptions = { require_think = \"yes\" }\n"), {},
       "run.toml:9:29: rewards.verifiers[1].options.require_think: option 'require_think' of verifier 'format' must be "
       "true or false, got \"yes\"", &rewards::verifier_registry()},
      {"ExternalWithoutCommand", with("[[rewards.verifiers]]\nname = \"external\"\nweight = 0.5\n"), {},
       "run.toml:7:1: rewards.verifiers[1].options.command: external verifier needs option 'command' (the program to "
       "run)", &rewards::verifier_registry()},
      {"AllWeightsZero", with("weight = 0\n"), {},
       "run.toml:7:10: rewards.verifiers: every weight is 0, so every reward would be 0"},
      {"GroupOfOne", with("[rollout]\nn = 1\n"), {},
       "run.toml:8:5: rollout.n: G = 1 with group-normalized advantages gives every sample advantage 0; use n >= 2"},
      {"EmptyStopString", with("[rollout]\nstop = [\"\"]\n"), {},
       "run.toml:8:8: rollout.stop[0]: an empty stop string would stop at once"},
      {"PathAndInitBoth", with("[model.init]\nhidden_size = 32\n"), {"model.path=models/m"},
       "run.toml:7:1: model.init: set either model.path or a [model.init] table, not both"},
      {"AutoTokenizerFromScratch", kMinimal, {"model.tokenizer=auto"},
       "--set: model.tokenizer: \"auto\" reads tokenizer.json from model.path; a model from [model.init] needs "
       "tokenizer = \"char\" or a tokenizer.json path"},
      {"AlphabetRepeats", kMinimal, {"model.alphabet=abca"}, "--set: model.alphabet: the character 'a' appears twice"},
      {"HeadsNotDivisible", with("[model.init]\nnum_attention_heads = 4\nnum_key_value_heads = 3\n"), {},
       "run.toml:9:23: model.init.num_key_value_heads: num_attention_heads (4) must be a multiple of it (3)"},
      {"ExpertsPerTokenTooMany", with("[model.init]\nnum_experts = 4\nnum_experts_per_tok = 5\n"), {},
       "run.toml:9:23: model.init.num_experts_per_tok: must be in [1, num_experts = 4], got 5"},
      {"ContextTooShort", with("[model.init]\nmax_position_embeddings = 64\n"), {},
       "run.toml:8:27: model.init.max_position_embeddings: 64 is shorter than data.max_prompt_tokens + "
       "rollout.max_new_tokens = 768"},
      // run.device = "cuda": the CUDA backend's limits (kernels/cuda_limits.h), before any work.
      {"CudaHeadDimAboveTheKernels", with("[run]\ndevice = \"cuda\"\n[model.init]\nhead_dim = 320\n"), {},
       "run.toml:10:12: model.init.head_dim: 320 is above the CUDA attention kernels' 256 (run.device = \"cuda\")"},
      {"CudaFp8Width", with("[run]\ndevice = \"cuda\"\n[model.init]\nhidden_size = 40\n"), {},
       "run.toml:10:15: model.init.hidden_size: hidden_size = 40 is not a multiple of 16, which cuBLASLt's FP8 GEMMs "
       "need on CUDA (precision.train = \"fp8\", run.device = \"cuda\"); use a multiple of 16 or precision fp32 / "
       "bf16"},
      {"CudaFp8RolloutWidth", with("[run]\ndevice = \"cuda\"\n[model.init]\nmoe_intermediate_size = 40\n"),
       {"precision.train=\"bf16\""},
       "run.toml:10:25: model.init.moe_intermediate_size: moe_intermediate_size = 40 is not a multiple of 16, which "
       "cuBLASLt's FP8 GEMMs need on CUDA (rollout.precision = \"fp8\", run.device = \"cuda\")"},
      // multi-head latent attention: the compressed cache's heads, and kv_a_proj's outputs.
      {"CudaMlaLatentHeadAboveTheKernels",
       with("[run]\ndevice = \"cuda\"\n[model.init]\nkv_lora_rank = 512\nqk_nope_head_dim = 16\nqk_rope_head_dim = "
            "64\nv_head_dim = 16\n"),
       {},
       "run.toml:10:16: model.init.kv_lora_rank: kv_lora_rank + qk_rope_head_dim = 576 (the compressed cache's heads "
       "in decode) is above the CUDA attention kernels' 256 (run.device = \"cuda\")"},
      {"CudaMlaFp8Width",
       with("[run]\ndevice = \"cuda\"\n[model.init]\nkv_lora_rank = 32\nqk_nope_head_dim = 16\nqk_rope_head_dim = "
            "8\nv_head_dim = 16\n"),
       {},
       "run.toml:12:20: model.init.qk_rope_head_dim: kv_lora_rank + qk_rope_head_dim = 32 + 8 = 40 is not a multiple "
       "of 16, which cuBLASLt's FP8 GEMMs need on CUDA (precision.train = \"fp8\", run.device = \"cuda\"); use a "
       "multiple of 16 or precision fp32 / bf16"},
      {"CudaSamplerTopK", with("[run]\ndevice = \"cuda\"\n[rollout]\ntop_k = 2000\n"), {},
       "run.toml:10:9: rollout.top_k: 2000 is above the CUDA sampler's 1024 (run.device = \"cuda\")"},
      {"EvalTwice", kMinimal, {"data.eval=e.jsonl", "data.eval_fraction=0.1"},
       "--set: data.eval_fraction: holds out rows of data.train, but data.eval is set; use one or the other"},
      {"EvalWithoutData", with("[logging]\neval_every = 10\n"), {},
       "run.toml:8:14: logging.eval_every: evaluation needs data: set data.eval, data.eval_fraction or data.eval_size"},
      {"MoreMiniBatchesThanSamples", kMinimal, {"algorithm.mini_batches=100"},
       "--set: algorithm.mini_batches: 100 mini-batches but a rollout batch has only 64 samples (rollout.n x "
       "rollout.prompts_per_step)"},
      {"SetUnknownKey", kMinimal, {"rollout.temprature=0.5"},
       "--set: rollout.temprature: unknown key (did you mean 'rollout.temperature'?)"},
      {"SetWrongType", kMinimal, {"rollout.temperature=warm"},
       "--set: rollout.temperature: expected a float, got a string 'warm'"},
      {"SetOutOfRange", kMinimal, {"rollout.n=0"}, "--set: rollout.n: value out of range: 0 (allowed: [1, 4096])"},
      {"SetWithoutValue", kMinimal, {"rollout.n"}, "cli: --set: expected KEY=VALUE, got 'rollout.n'"},
      {"SetBadToml", kMinimal, {"rollout.stop=[\"a\""}, "--set: rollout.stop: invalid TOML value '[\"a\"'"},
      {"SetMissingVerifier", kMinimal, {"rewards.verifiers[5].weight=1"},
       "--set: rewards.verifiers[5].weight: there is no verifier 5 (the config lists 1)"},
      {"SetVerifierFieldTypo", kMinimal, {"rewards.verifiers[0].wieght=1"},
       "--set: rewards.verifiers[0].wieght: unknown key (did you mean 'weight'?)"},
      {"SetVerifierWeightType", kMinimal, {"rewards.verifiers[0].weight=heavy"},
       "--set: rewards.verifiers[0].weight: expected a float, got a string"},
      {"SetVerifierBadIndex", kMinimal, {"rewards.verifiers[x].weight=1"},
       "--set: rewards.verifiers[x].weight: expected rewards.verifiers[N].name, .weight or .options.KEY"},
      {"SetThroughAValue", kMinimal, {"model.tokenizer.x=1"}, "--set: model.tokenizer.x: unknown key"},
  };
  return cases;
}

class BadConfigGallery : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BadConfigGallery, NamesPositionKeyAndProblem) {
  const BadConfig& c = GetParam();
  const std::string message = parse_error(c.text, c.overrides, false, c.verifiers);
  ASSERT_FALSE(message.empty()) << "parsed without error:\n" << c.text;
  const std::string want = c.expected.rfind("cli: ", 0) == 0 ? "config: " + c.expected.substr(5) : "config: " + c.expected;
  EXPECT_EQ(message.substr(0, want.size()), want) << "full message: " << message;
}

INSTANTIATE_TEST_SUITE_P(RunConfig, BadConfigGallery, ::testing::ValuesIn(gallery()),
                         [](const ::testing::TestParamInfo<BadConfig>& info) { return std::string(info.param.name); });

// Bad files: datasets and model directories the config names, checked before any work starts.
class BadFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rlvr_config_files_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const auto p = dir_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  // A config whose data.train (line 4, value at column 9) is the given file.
  std::string config(const std::string& train, const std::string& extra = "") {
    return "[model]\ntokenizer = \"char\"\n[data]\ntrain = \"" + train + "\"\nprompt_template = \"Q: {question}\"\n" + extra +
           "[[rewards.verifiers]]\nname = \"boxed_math\"\n";
  }
  std::filesystem::path dir_;
};

TEST_F(BadFiles, Gallery) {
  const std::string good = write("good.jsonl", "{\"question\": \"1+1\", \"answer\": \"2\"}\n\n{\"question\": \"2+2\", \"answer\": \"4\"}\n");
  const std::string missing = (dir_ / "nope.jsonl").string();
  const std::string empty = write("empty.jsonl", "\n  \n");
  const std::string no_field = write("no_field.jsonl", "{\"question\": \"1+1\", \"answer\": \"2\"}\n{\"problem\": \"x\", \"answer\": \"3\"}\n");
  const std::string no_answer = write("no_answer.jsonl", "{\"question\": \"1+1\"}\n");
  const std::string bad_json = write("bad.jsonl", "{\"question\": \"1+1\", \"answer\": \"2\"}\n{\"question\": \n");
  const std::string not_object = write("array.jsonl", "[1, 2]\n");
  write("model_no_config/model.safetensors", "");
  write("model_bad_config/config.json", "{\"hidden_size\": \"wide\"}");
  std::ifstream fixture_config(std::string(RLVR_SOURCE_DIR) + "/data/hf_fixtures/qwen3_moe_tiny/config.json");
  write("model_no_weights/config.json", std::string(std::istreambuf_iterator<char>(fixture_config), {}));
  const std::string fixture = std::string(RLVR_SOURCE_DIR) + "/data/hf_fixtures/qwen3_moe_tiny";
  const std::string d = dir_.string();

  struct Case { std::string text; std::vector<std::string> overrides; std::string expected; };
  const std::vector<Case> cases = {
      {config(missing), {}, "run.toml:4:9: data.train: the file does not exist: " + missing},
      {config(d), {}, "run.toml:4:9: data.train: not a regular file: " + d},
      {config(empty), {}, "run.toml:4:9: data.train: " + empty + ": the dataset has no rows"},
      {config(no_field), {}, "run.toml:5:19: data.prompt_template: " + no_field +
                                 ":2: the row has no field 'question' (its fields: answer, problem)"},
      {config(no_answer), {}, "run.toml: data.answer_field: " + no_answer + ":1: the row has no field 'answer' (its fields: question)"},
      {config(bad_json), {}, "run.toml:4:9: data.train: " + bad_json + ":2: invalid JSON: "},
      {config(not_object), {}, "run.toml:4:9: data.train: " + not_object + ":1: the row is not a JSON object"},
      {config(good), {"data.eval=" + missing}, "--set: data.eval: the file does not exist: " + missing},
      {config(good, "eval_size = 2\n"), {}, "run.toml:6:13: data.eval_size: holds out 2 of the 2 rows of data.train, leaving none to train on"},
      {config(good), {"sft.steps=10"}, "run.toml: sft.completion_field: " + good + ":1: the row has no field 'completion' (its fields: answer, question)"},
      {config(good), {"model.path=" + d + "/no_model"}, "--set: model.path: the model directory does not exist: " + d + "/no_model"},
      {config(good), {"model.path=" + d + "/model_no_config"}, "--set: model.path: no config.json in the model directory " + d + "/model_no_config"},
      {config(good), {"model.path=" + d + "/model_bad_config"}, "--set: model.path: the model config does not load: model: config field has the wrong type"},
      {config(good), {"model.path=" + d + "/model_no_weights"}, "--set: model.path: no model.safetensors or model.safetensors.index.json in the model directory " + d + "/model_no_weights"},
      {config(good), {"model.path=" + fixture, "model.tokenizer=auto"}, "--set: model.tokenizer: \"auto\" needs " + fixture + "/tokenizer.json, which does not exist; set a tokenizer.json path or \"char\""},
      {config(good), {"model.path=" + fixture, "model.tokenizer=" + d + "/tok.json"}, "--set: model.tokenizer: the file does not exist: " + d + "/tok.json"},
  };
  for (const auto& c : cases) {
    const std::string message = parse_error(c.text, c.overrides, true);
    const std::string want = "config: " + c.expected;
    EXPECT_EQ(message.substr(0, want.size()), want) << "full message: " << message;
  }
  // The same files pass when they are right.
  EXPECT_EQ(parse_error(config(good)), "");
  EXPECT_EQ(parse_error(config(good), {"model.path=" + fixture}, true), "");
}

}  // namespace
}  // namespace rlvr::trainer
