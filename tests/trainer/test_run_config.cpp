// The run config: defaults (and their agreement with the library structs), --set overrides,
// the resolved-config round trip, did-you-mean, prompt templates and the shipped configs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include <unistd.h>

#include "run_config_fixtures.h"
#include "sandbox/limit_fields.h"
#include "trainer/config_internal.h"
#include "trainer/config_schema.h"
#include "trainer/prompt_template.h"

namespace rlvr::trainer {
namespace {

using testing::kMinimal;
using testing::parse_text;

TEST(RunConfig, DefaultsAgreeWithTheLibraryStructs) {
  const RunConfig c = parse_text(kMinimal);
  const GrpoConfig g;
  const GrpoConfig got = c.algorithm.grpo_config();
  EXPECT_EQ(got.scale_by_std, g.scale_by_std);
  EXPECT_EQ(got.std_eps, g.std_eps);
  EXPECT_EQ(got.drop_uniform_groups, g.drop_uniform_groups);
  EXPECT_EQ(got.clip_low, g.clip_low);
  EXPECT_EQ(got.clip_high, g.clip_high);
  EXPECT_EQ(got.dual_clip, g.dual_clip);
  EXPECT_EQ(got.loss_normalizer, g.loss_normalizer);
  EXPECT_EQ(got.kl_coef, g.kl_coef);
  EXPECT_EQ(got.rollout_correction, g.rollout_correction);
  EXPECT_EQ(got.correction_low, g.correction_low);
  EXPECT_EQ(got.correction_high, g.correction_high);
  const OptimizerConfig o;
  EXPECT_EQ(c.optimizer.lr, o.lr);
  EXPECT_EQ(c.optimizer.beta1, o.beta1);
  EXPECT_EQ(c.optimizer.beta2, o.beta2);
  EXPECT_EQ(c.optimizer.eps, o.eps);
  EXPECT_EQ(c.optimizer.weight_decay, o.weight_decay);
  EXPECT_EQ(c.optimizer.grad_clip, o.grad_clip);
  const SamplingParams s;
  EXPECT_EQ(c.rollout.sampling.temperature, s.temperature);
  EXPECT_EQ(c.rollout.sampling.top_k, s.top_k);
  EXPECT_EQ(c.rollout.sampling.top_p, s.top_p);
  // sandbox::SandboxLimits' defaults (sandbox/sandbox.h)
  EXPECT_EQ(c.sandbox.wall_time_s, 10.0);
  EXPECT_EQ(c.sandbox.memory_mb, 512);
  EXPECT_EQ(c.sandbox.max_output_bytes, 1 << 20);
  for (const sandbox::LimitField& f : sandbox::limit_fields())
    std::visit([&](auto member) { EXPECT_EQ(c.sandbox.*member, sandbox::SandboxLimits{}.*member) << f.key; }, f.member);
  EXPECT_EQ(c.rollout.model_precision(), model::Precision::FP8);
  EXPECT_EQ(c.rewards.verifiers.size(), 1u);
  EXPECT_EQ(c.rewards.verifiers[0].weight, 1.0);
  EXPECT_TRUE(c.rewards.verifiers[0].options.is_object());
  EXPECT_EQ(c.origin.at("rollout.n"), "default");
  EXPECT_EQ(c.origin.at("data.train"), "run.toml:4:9");
  EXPECT_EQ(c.where("rollout.n"), "run.toml");
}

TEST(RunConfig, SchemaIsWellFormed) {
  std::set<std::string> paths, closed_tables;
  std::string current;
  for (const auto& k : config_schema()) {
    const std::string path(k.path), table = path.substr(0, path.rfind('.'));
    EXPECT_TRUE(paths.insert(path).second) << "duplicate key " << path;
    EXPECT_FALSE(k.doc.empty()) << path;
    if (table != current) {  // the writer needs each table's keys together
      EXPECT_FALSE(closed_tables.count(table)) << path << " is apart from the rest of [" << table << "]";
      closed_tables.insert(current);
      current = table;
    }
    if (!k.choices.empty()) {
      EXPECT_EQ(k.field.index(), 5u) << path << ": choices on a non-string";
    }
  }
  // Every default has the key's type and lies in its range: parsing the minimal config reads them all.
  EXPECT_NO_THROW(parse_text(kMinimal));
}

struct Override {
  std::vector<std::string> sets;
  std::function<bool(const RunConfig&)> holds;
  const char* what;
};

TEST(RunConfig, SetOverridesAnyKeyWithTheSameChecks) {
  const std::vector<Override> cases = {
      {{"rollout.n=4"}, [](const RunConfig& c) { return c.rollout.n == 4 && c.origin.at("rollout.n") == "--set"; }, "integer"},
      {{"rollout.n=4", "rollout.n=6"}, [](const RunConfig& c) { return c.rollout.n == 6; }, "the last one wins"},
      {{"rollout.temperature=0"}, [](const RunConfig& c) { return c.rollout.sampling.temperature == 0.0f; }, "integer as float"},
      {{"data.train=other/path.jsonl"}, [](const RunConfig& c) { return c.data.train == "other/path.jsonl"; }, "bare string"},
      {{"run.name=\"a b\""}, [](const RunConfig& c) { return c.run.name == "a b"; }, "quoted string"},
      {{"run.name=123"}, [](const RunConfig& c) { return c.run.name == "123"; }, "a string key takes digits literally"},
      {{"rollout.stop=[\"\\n\", \"</s>\"]"},
       [](const RunConfig& c) { return c.rollout.stop == std::vector<std::string>{"\n", "</s>"}; }, "list"},
      {{"algorithm.scale_by_std=false"}, [](const RunConfig& c) { return !c.algorithm.grpo.scale_by_std; }, "bool"},
      {{"algorithm.loss_normalizer=sequences"},
       [](const RunConfig& c) { return c.algorithm.grpo_config().loss_normalizer == LossNormalizer::Sequences; },
       "choice"},
      {{"algorithm.rollout_correction=seq_mask"},
       [](const RunConfig& c) { return c.algorithm.grpo_config().rollout_correction == RolloutCorrection::SeqMask; },
       "another choice"},
      {{"algorithm.dynamic_sampling=refill"},
       [](const RunConfig& c) { return c.algorithm.refill() && c.algorithm.grpo_config().drop_uniform_groups; },
       "refill drops uniform groups too"},
      {{"model.init.mlp_only_layers=[0, 1]"},
       [](const RunConfig& c) { return c.model.init.mlp_only_layers == std::vector<int>{0, 1}; }, "int list"},
      {{"model.init={hidden_size=32, num_experts=0}"},
       [](const RunConfig& c) { return c.model.init.hidden_size == 32 && c.model.init.num_experts == 0; }, "a table"},
      {{"sft.steps=5"}, [](const RunConfig& c) { return c.sft.steps == 5; }, "a table not in the file"},
      {{"rewards.verifiers=[{name=\"format\", weight=0.5, options={require_boxed=true}}]"},
       [](const RunConfig& c) {
         return c.rewards.verifiers.size() == 1 && c.rewards.verifiers[0].name == "format" &&
                c.rewards.verifiers[0].weight == 0.5 && c.rewards.verifiers[0].options["require_boxed"] == true;
       },
       "the verifier list"},
      {{"rewards.verifiers[0].weight=0.25", "rewards.verifiers[0].options.rel_tol=1e-3"},
       [](const RunConfig& c) {
         return c.rewards.verifiers[0].weight == 0.25 && c.rewards.verifiers[0].options["rel_tol"] == 1e-3 &&
                c.origin.at("rewards.verifiers[0].weight") == "--set";
       },
       "one verifier's field"},
      {{"rewards.verifiers[0].name=format"}, [](const RunConfig& c) { return c.rewards.verifiers[0].name == "format"; },
       "a verifier's name, unquoted"},
  };
  for (const auto& c : cases) {
    const RunConfig cfg = parse_text(kMinimal, c.sets);
    EXPECT_TRUE(c.holds(cfg)) << c.what;
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const std::string kStress = R"(
[run]
name = "quote \" backslash \\ tab \t newline \n unicode é ✓"
seed = 9007199254740993
[model]
tokenizer = "char"
alphabet = "ab\"\\\n✓"
[model.init]
rms_norm_eps = 1.0e-5
rope_theta = 1000000
mlp_only_layers = [1]
num_hidden_layers = 3
[data]
train = "t.jsonl"
prompt_template = "{{literal}} {q} \\boxed{}"
eval_fraction = 0.1
[rollout]
temperature = 0.7
top_p = 0.95
stop = ["\n\n", "</answer>"]
[[rewards.verifiers]]
name = "boxed_math"
weight = 0.3333333333333333
options = { rel_tol = 1e-9, fallback = ["answer_is", "last_number"], nested = { "odd key" = 1, ok = false } }
[[rewards.verifiers]]
name = "format"
[optimizer]
lr = 3e-5
beta2 = 0.999
)";

TEST(RunConfig, ResolvedConfigRoundTrips) {
  std::vector<std::pair<std::string, std::string>> sources = {{"stress", kStress}, {"minimal", kMinimal}};
  for (const char* name : {"default", "math", "code"})
    sources.push_back({name, read_text(std::string(RLVR_SOURCE_DIR) + "/configs/" + name + ".toml")});
  for (const auto& [name, text] : sources) {
    SCOPED_TRACE(name);
    const RunConfig a = parse_text(text);
    const std::string written = a.to_toml();
    const RunConfig b = parse_text(written);
    EXPECT_TRUE(same_values(a, b)) << written;
    EXPECT_EQ(b.to_toml(), written);
  }
  // A change anywhere is seen.
  const RunConfig a = parse_text(kStress);
  RunConfig b = a;
  b.optimizer.beta2 = 0.99f;
  EXPECT_FALSE(same_values(a, b));
  b = a;
  b.rewards.verifiers[0].options["nested"]["ok"] = true;
  EXPECT_FALSE(same_values(a, b));
}

TEST(RunConfig, WriteResolvedThenLoad) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("rlvr_resolved_" + std::to_string(::getpid()) + ".toml")).string();
  const RunConfig a = parse_text(kStress);
  a.write_resolved(path);
  LoadOptions options;
  options.check_files = false;
  const RunConfig b = load_run_config(path, {"rollout.n=3"}, options);
  std::filesystem::remove(path);
  EXPECT_EQ(b.rollout.n, 3);
  EXPECT_EQ(b.run.name, a.run.name);
  EXPECT_EQ(b.run.seed, 9007199254740993);
  EXPECT_EQ(b.model.alphabet, "ab\"\\\n✓");
  EXPECT_EQ(b.rewards.verifiers[0].options, a.rewards.verifiers[0].options);
  EXPECT_EQ(b.origin.at("run.name").rfind(path + ":", 0), 0u) << b.origin.at("run.name");
}

TEST(RunConfig, MissingConfigFile) {
  try {
    load_run_config("/nonexistent/run.toml");
    FAIL() << "loaded a missing file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/run.toml: the config file does not exist"), std::string::npos)
        << e.what();
  }
}

// Untrusted input never crashes the parser: every prefix of a real config, and the config with
// each byte replaced by a few troublesome ones, either parses or throws rlvr::Error.
TEST(RunConfig, MangledConfigsGiveErrorsNotCrashes) {
  const std::string text = read_text(std::string(RLVR_SOURCE_DIR) + "/configs/default.toml");
  ASSERT_GT(text.size(), 500u);
  int errors = 0;
  auto attempt = [&](const std::string& t) {
    try {
      parse_text(t);
    } catch (const Error&) {
      ++errors;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not an rlvr::Error: " << e.what() << "\n" << t;
    }
  };
  for (size_t n = 0; n < text.size(); n += 3) attempt(text.substr(0, n));
  for (size_t i = 0; i < text.size(); i += 5)
    for (char c : {'"', '[', '=', '\0', '\xff', '9'}) {
      std::string t = text;
      t[i] = c;
      attempt(t);
    }
  EXPECT_GT(errors, 100);
}

TEST(RunConfig, DidYouMean) {
  const std::vector<std::string> keys = {"temperature", "top_p", "top_k", "n", "seed", "max_new_tokens"};
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"temperatur", "temperature"}, {"temprature", "temperature"}, {"top-p", "top_p"}, {"seeed", "seed"},
      {"max_tokens", "max_new_tokens"}, {"banana", ""}, {"x", ""}, {"lr", ""},
  };
  for (const auto& [word, want] : cases) EXPECT_EQ(did_you_mean(word, keys), want) << word;
}

TEST(PromptTemplate, FieldsAndRendering) {
  const nlohmann::json row = {{"q", "1+1"}, {"n", 3}, {"tests", {"assert f(1) == 2"}}};
  struct Case { std::string tpl; std::vector<std::string> fields; std::string rendered; };
  const std::vector<Case> cases = {
      {"{q}", {"q"}, "1+1"},
      {"Q: {q} (n={n}) {q}", {"q", "n"}, "Q: 1+1 (n=3) 1+1"},
      {"put it in \\boxed{}", {}, "put it in \\boxed{}"},
      {"{{q}} is {q}", {"q"}, "{q} is 1+1"},
      {"{ q } {1x} {q", {}, "{ q } {1x} {q"},
      {"{tests}", {"tests"}, "[\"assert f(1) == 2\"]"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(template_fields(c.tpl), c.fields) << c.tpl;
    EXPECT_EQ(render_template(c.tpl, row), c.rendered) << c.tpl;
  }
  EXPECT_THROW(render_template("{missing}", row), Error);
}

// What the reward service gets: code_tests options as written, each sandbox limit they leave
// unset from [sandbox] (time_limit_s standing for wall_time_s and cpu_time_s); others as written.
TEST(RunConfig, CodeTestsTakeTheSandboxLimitsTheirOptionsLeaveUnset) {
  const RunConfig c = parse_text(kMinimal + "options = { rel_tol = 0.01 }\n"
                                            "[sandbox]\nmemory_mb = 256\ncpu_time_s = 3.0\n"
                                            "[[rewards.verifiers]]\nname = \"code_tests\"\noptions = { max_processes = 8 }\n"
                                            "[[rewards.verifiers]]\nname = \"code_tests\"\noptions = { time_limit_s = 5 }\n",
                                 {}, false, &rewards::verifier_registry());
  const std::vector<rewards::VerifierSpec> specs = reward_verifier_specs(c);
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0].options, c.rewards.verifiers[0].options);
  const nlohmann::json& merged = specs[1].options;
  for (const sandbox::LimitField& f : sandbox::limit_fields()) EXPECT_TRUE(merged.contains(f.key)) << f.key;
  EXPECT_EQ(merged.at("max_processes"), 8);
  EXPECT_EQ(merged.at("memory_mb"), 256);
  EXPECT_EQ(merged.at("cpu_time_s"), 3.0);
  EXPECT_EQ(merged.at("wall_time_s"), sandbox::SandboxLimits{}.wall_time_s);
  const nlohmann::json& timed = specs[2].options;
  EXPECT_EQ(timed.at("time_limit_s"), 5);
  EXPECT_FALSE(timed.contains("wall_time_s"));
  EXPECT_FALSE(timed.contains("cpu_time_s"));
  EXPECT_EQ(timed.at("memory_mb"), 256);
}

// The shipped configs are valid, files included (the pretrained model directory they name is
// swapped for the repository's tiny fixture; the arithmetic data is generated by the trainer).
TEST(RunConfig, ShippedConfigsAreValid) {
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(RLVR_SOURCE_DIR);
  const std::vector<std::string> fixture = {"model.path=data/hf_fixtures/qwen3_moe_tiny", "model.tokenizer=char"};
  LoadOptions with_files, no_files;
  no_files.check_files = false;
  with_files.verifiers = no_files.verifiers = &rewards::verifier_registry();
  std::string error;
  try {
    const RunConfig math = load_run_config("configs/math.toml", fixture, with_files);
    EXPECT_EQ(math.rewards.verifiers[0].name, "boxed_math");
    const RunConfig code = load_run_config("configs/code.toml", fixture, with_files);
    EXPECT_EQ(code.rewards.verifiers[0].name, "code_tests");
    const bool have_arithmetic = std::filesystem::exists("data/arithmetic/train.jsonl");
    const RunConfig demo = load_run_config("configs/default.toml", {}, have_arithmetic ? with_files : no_files);
    EXPECT_TRUE(demo.model.from_scratch());
    EXPECT_GT(demo.sft.steps, 0);
    EXPECT_EQ(demo.precision.train_precision(), model::Precision::FP8);
    EXPECT_EQ(demo.rollout.model_precision(), model::Precision::FP8);
    // The default job also fits the CUDA backend's limits (FP8 widths, head widths).
    load_run_config("configs/default.toml", {"run.device=\"cuda\""}, no_files);
    const RunConfig deepseek = load_run_config("configs/deepseek_tiny.toml", {}, no_files);
    EXPECT_TRUE(deepseek.model.init.uses_mla());
  } catch (const std::exception& e) {
    error = e.what();
  }
  std::filesystem::current_path(cwd);
  EXPECT_EQ(error, "");
}

// The reference table of docs/config.md is the schema's: regenerate it with `rlvr validate --reference`.
TEST(RunConfig, ConfigDocReferenceTableMatchesTheSchema) {
  const std::string doc = read_text(std::string(RLVR_SOURCE_DIR) + "/docs/config.md");
  const std::string begin = "<!-- config-reference:begin -->\n", end = "<!-- config-reference:end -->";
  const size_t b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos) << "docs/config.md lacks the " << begin;
  ASSERT_NE(e, std::string::npos) << "docs/config.md lacks the " << end;
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), config_reference_markdown())
      << "regenerate the table between the markers with `rlvr validate --reference`";
}

}  // namespace
}  // namespace rlvr::trainer
