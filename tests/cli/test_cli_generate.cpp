// `rlvr generate` end to end on the tiny HF fixture: output lines and fields, reproducibility,
// logprobs equal to `rlvr score`'s, text prompts and stop strings through a char tokenizer, and
// bad input named by file and line.
#include <gtest/gtest.h>

#include "cli_runner.h"
#include "testsupport/scratch.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/wait.h>

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kFixture = std::string(RLVR_SOURCE_DIR) + "/data/hf_fixtures/qwen3_moe_tiny";

using cli_test::Result;
using cli_test::run_rlvr;

std::string temp_path(const std::string& name) { return rlvr::testsupport::scratch_path("cli_generate_" + name); }

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

std::vector<json> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(json::parse(line));
  return rows;
}

// 509 characters (printable ASCII, newline, then U+0100...) + <bos> <eos> <pad> = the fixture's 512.
std::vector<std::string> char_alphabet() {
  std::vector<std::string> chars;
  for (char c = 32; c < 127; ++c) chars.push_back(std::string(1, c));
  chars.push_back("\n");
  for (unsigned cp = 0x100; chars.size() < 509; ++cp)
    chars.push_back(std::string{char(0xC0 | (cp >> 6)), char(0x80 | (cp & 0x3F))});
  return chars;
}

// The fixture's weights with a char tokenizer beside them.
const std::string& model_with_tokenizer() {
  static const std::string dir = [] {
    const std::string d = temp_path("model");
    fs::create_directories(d);
    for (const char* f : {"config.json", "model.safetensors"})
      fs::copy_file(kFixture + "/" + f, d + "/" + f, fs::copy_options::overwrite_existing);
    std::string alphabet;
    for (const auto& c : char_alphabet()) alphabet += c;
    std::ofstream(d + "/char_tokenizer.json") << json({{"alphabet", alphabet}}).dump();
    return d;
  }();
  return dir;
}

}  // namespace

TEST(CliGenerate, TokenPromptsGiveOneLinePerSample) {
  const std::string in = write_temp("tokens.jsonl", "{\"prompt_tokens\": [1, 2, 3], \"id\": \"a\"}\n\n"
                                                    "{\"prompt_tokens\": [7]}\n");
  const std::string out = temp_path("tokens_out.jsonl");
  const std::string common =
      "generate --model " + kFixture + " --input " + in + " --n 3 --max-new-tokens 6 --seed 5 --device cpu";
  const Result r = run_rlvr(common + " --output " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("generated 6 completions (2 prompts x 3, fp8, cpu)"), std::string::npos) << r.out;
  const auto rows = read_lines(out);
  ASSERT_EQ(rows.size(), 6u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]["prompt_index"], int(i / 3));
    EXPECT_EQ(rows[i]["sample_index"], int(i % 3));
    EXPECT_EQ(rows[i]["completion_tokens"].size(), 6u);
    EXPECT_EQ(rows[i]["logprobs"].size(), 6u);
    EXPECT_EQ(rows[i]["finish_reason"], "length");
    EXPECT_FALSE(rows[i].contains("completion")) << "no tokenizer, no text";
  }
  EXPECT_EQ(rows[0]["id"], "a") << "input fields are copied";
  EXPECT_EQ(rows[1]["prompt_tokens"], json::array({1, 2, 3}));
  EXPECT_NE(rows[0]["completion_tokens"], rows[1]["completion_tokens"]);

  // Same seed, one slot at a time, to stdout: the same lines.
  const Result again = run_rlvr(common + " --max-batch 1", true);
  ASSERT_EQ(again.code, 0) << again.out;
  std::ifstream first(out);
  const std::string written((std::istreambuf_iterator<char>(first)), std::istreambuf_iterator<char>());
  EXPECT_EQ(again.out, written);
}

// The fp32 rollout logprobs at temperature 1 are what `rlvr score` gives the same tokens.
TEST(CliGenerate, LogprobsMatchScore) {
  const std::string in = write_temp("score_in.jsonl", "{\"prompt_tokens\": [4, 40, 400]}\n");
  const std::string gen = temp_path("score_gen.jsonl"), scored = temp_path("score_out.jsonl");
  Result r = run_rlvr("generate --model " + kFixture + " --input " + in +
                      " --n 2 --max-new-tokens 8 --precision fp32 --top-k 30 --output " + gen);
  ASSERT_EQ(r.code, 0) << r.out;
  std::string score_in;
  for (const json& row : read_lines(gen)) {
    json tokens = json::array({4, 40, 400});
    for (const json& t : row["completion_tokens"]) tokens.push_back(t);
    score_in += json({{"tokens", tokens}}).dump() + "\n";
  }
  r = run_rlvr("score --model " + kFixture + " --input " + write_temp("score_seqs.jsonl", score_in) + " --output " +
               scored);
  ASSERT_EQ(r.code, 0) << r.out;
  const auto generated = read_lines(gen), learner = read_lines(scored);
  ASSERT_EQ(generated.size(), 2u);
  ASSERT_EQ(learner.size(), 2u);
  for (size_t i = 0; i < 2; ++i)
    for (size_t t = 0; t < 8; ++t)
      EXPECT_NEAR(generated[i]["logprobs"][t].get<double>(), learner[i]["logprobs"][2 + t].get<double>(), 1e-4)
          << "sample " << i << " token " << t;
}

// Text prompts go through the directory's tokenizer; completions come back as text, and a stop
// string (spanning two tokens) ends a sample with its text cut before or after it.
TEST(CliGenerate, TextPromptsAndStopStrings) {
  const auto chars = char_alphabet();
  const std::string base = "generate --model " + model_with_tokenizer() + " --prompt 'Q: 2+2=' --seed 9 --max-new-tokens 12";
  Result r = run_rlvr(base, true);
  ASSERT_EQ(r.code, 0) << r.out;
  const json free = json::parse(r.out);
  EXPECT_EQ(free["prompt"], "Q: 2+2=");
  std::string text;
  for (const json& t : free["completion_tokens"]) text += t.get<int>() < 509 ? chars[t.get<size_t>()] : "";
  if (free["finish_reason"] == "length") {
    EXPECT_EQ(free["completion"], text);
  }
  ASSERT_GE(free["completion_tokens"].size(), 5u);
  const std::string stop = chars[free["completion_tokens"][3].get<size_t>()] + chars[free["completion_tokens"][4].get<size_t>()];
  const size_t at = text.find(stop);
  for (bool keep : {false, true}) {
    r = run_rlvr(base + " --stop '" + stop + "'" + (keep ? " --keep-stop" : ""), true);
    ASSERT_EQ(r.code, 0) << r.out;
    const json stopped = json::parse(r.out);
    EXPECT_EQ(stopped["finish_reason"], "stop") << r.out;
    EXPECT_EQ(stopped["completion"], text.substr(0, keep ? at + stop.size() : at)) << r.out;
  }
}

TEST(CliGenerate, BadInputIsNamed) {
  const std::string m = "generate --model " + kFixture;
  auto input = [&](const std::string& name, const std::string& text) { return " --input " + write_temp(name, text); };
  struct Case { std::string args, expect; };
  const std::vector<Case> cases = {
      {m, "give exactly one of --prompt TEXT and --input PROMPTS.jsonl"},
      {m + " --prompt hi", "a text \"prompt\" needs a tokenizer"},
      {m + input("bad1.jsonl", "{\"prompt_tokens\": [1]}\n{\"prompt_tokens\": [1, 900]}\n"),
       "bad1.jsonl:2: token id 900 at position 1 outside the vocabulary (vocab_size 512)"},
      {m + input("bad2.jsonl", "{\"prompt_tokens\": []}\n"), "bad2.jsonl:1: empty prompt"},
      {m + input("bad3.jsonl", "\n{\"prompt_tokens\": [1]\n"), "bad3.jsonl:2: [json.exception.parse_error"},
      {m + input("bad4.jsonl", "{\"prompt\": \"a\", \"prompt_tokens\": [1]}\n"),
       "bad4.jsonl:1: give exactly one of \"prompt\" (text) and \"prompt_tokens\""},
      {m + input("bad5.jsonl", "{\"prompt_tokens\": [1, \"x\"]}\n"), "bad5.jsonl:1: \"prompt_tokens\" holds something"},
      {m + input("bad6.jsonl", "{\"prompt_tokens\": " + json(std::vector<int>(600, 1)).dump() + "}\n"),
       "bad6.jsonl:1: 600 tokens, longer than the context"},
      {m + input("ok.jsonl", "{\"prompt_tokens\": [1]}\n") + " --top-p 0", "top_p must be in (0, 1], got 0"},
      {m + input("ok.jsonl", "{\"prompt_tokens\": [1]}\n") + " --n 0", "n (samples per prompt) must be at least 1"},
      {m + input("ok.jsonl", "{\"prompt_tokens\": [1]}\n") + " --precision fp16", "fp16"},
      {m + input("ok.jsonl", "{\"prompt_tokens\": [1]}\n") + " --stop x", "stop_strings need a detokenizer"},
      {m + " --input /nonexistent/p.jsonl", "cannot open the input file: /nonexistent/p.jsonl"},
  };
  for (const Case& c : cases) {
    const Result r = run_rlvr(c.args);
    EXPECT_EQ(r.code, 1) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << c.args << "\n" << r.out;
  }
}

TEST(CliGenerate, DeviceOptionIsChecked) {
  const std::string in = write_temp("device.jsonl", "{\"prompt_tokens\": [1, 2, 3]}\n");
  const std::string base = "generate --model " + kFixture + " --input " + in + " --max-new-tokens 2";
  const Result bad = run_rlvr(base + " --device gpu");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.out.find("--device must be auto, cpu or cuda, got 'gpu'"), std::string::npos) << bad.out;
  // Without a GPU (CI), asking for one is a clear error; with one it runs.
  const Result cuda = run_rlvr(base + " --device cuda");
  if (cuda.code != 0) {
    EXPECT_NE(cuda.out.find("--device = \"cuda\": no CUDA device is present"), std::string::npos) << cuda.out;
  }
}
