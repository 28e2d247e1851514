// `rlvr generate`: G sampled completions per prompt from a model directory, one JSON line per
// sample (tokens, text when the directory has a tokenizer, per-token logprobs, finish reason).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/device_option.h"
#include "model/tokenizer.h"
#include "rollout/generation.h"

namespace rlvr::cli {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct PromptRow {
  json row;                 // the input line (its other fields are copied to every output line)
  std::vector<int32_t> tokens;
  std::string name;         // "FILE:LINE" or "--prompt", for errors
};

std::unique_ptr<Tokenizer> tokenizer_of(const std::string& model_dir, int64_t model_vocab) {
  if (!fs::exists(fs::path(model_dir) / "tokenizer.json") && !fs::exists(fs::path(model_dir) / "char_tokenizer.json"))
    return nullptr;
  std::unique_ptr<Tokenizer> tok = load_tokenizer(model_dir);
  RLVR_CHECK(tok->vocab_size() <= model_vocab, "cli", "the tokenizer in ", model_dir, " has ", tok->vocab_size(),
             " tokens, more than the model's vocab_size ", model_vocab);
  return tok;
}

PromptRow parse_line(const std::string& line, const std::string& name, const Tokenizer* tok) {
  PromptRow p{json(), {}, name};
  try {
    p.row = json::parse(line);
  } catch (const json::parse_error& e) {
    RLVR_FAIL("cli", "invalid JSON", name, ": ", e.what());
  }
  RLVR_CHECK(p.row.is_object(), "cli", name, ": expected a JSON object with \"prompt\" or \"prompt_tokens\"");
  const bool has_text = p.row.contains("prompt"), has_tokens = p.row.contains("prompt_tokens");
  RLVR_CHECK(has_text != has_tokens, "cli", name, ": give exactly one of \"prompt\" (text) and \"prompt_tokens\" (ids)");
  if (has_tokens) {
    const json& ids = p.row["prompt_tokens"];
    RLVR_CHECK(ids.is_array(), "cli", name, ": \"prompt_tokens\" must be a list of token ids");
    for (const json& id : ids) {
      RLVR_CHECK(id.is_number_integer() && id.get<int64_t>() >= INT32_MIN && id.get<int64_t>() <= INT32_MAX, "cli",
                 name, ": \"prompt_tokens\" holds something that is not a token id: ", id.dump());
      p.tokens.push_back(id.get<int32_t>());
    }
    return p;
  }
  RLVR_CHECK(p.row["prompt"].is_string(), "cli", name, ": \"prompt\" must be a string");
  RLVR_CHECK(tok, "cli", name, ": a text \"prompt\" needs a tokenizer in the model directory "
             "(tokenizer.json or char_tokenizer.json); give \"prompt_tokens\" instead");
  p.tokens = tok->encode(p.row["prompt"].get<std::string>());
  return p;
}

std::vector<PromptRow> read_prompts(const Args& args, const Tokenizer* tok) {
  const auto text = args.get("--prompt"), input = args.get("--input");
  RLVR_CHECK(text.has_value() != input.has_value(), "cli", "give exactly one of --prompt TEXT and --input PROMPTS.jsonl");
  if (text) return {parse_line(json({{"prompt", *text}}).dump(), "--prompt", tok)};
  std::ifstream in(*input);
  RLVR_CHECK(in.good(), "cli", "cannot open the input file: ", *input);
  std::vector<PromptRow> rows;
  std::string line;
  for (int64_t line_no = 1; std::getline(in, line); ++line_no)
    if (line.find_first_not_of(" \t\r") != std::string::npos)
      rows.push_back(parse_line(line, cat(*input, ":", line_no), tok));
  RLVR_CHECK(!rows.empty(), "cli", "no prompts in ", *input);
  return rows;
}

rollout::GenerationParams params_from(const Args& args) {
  rollout::GenerationParams p;
  p.n = int(args.get_int("--n", 1));
  p.max_new_tokens = int(args.get_int("--max-new-tokens", 128));
  p.max_batch = int(args.get_int("--max-batch", 64));
  p.sampling.temperature = float(args.get_double("--temperature", 1.0));
  p.sampling.top_p = float(args.get_double("--top-p", 1.0));
  p.sampling.top_k = int(args.get_int("--top-k", 0));
  const long seed = args.get_int("--seed", 0);
  RLVR_CHECK(seed >= 0, "cli", "--seed must be >= 0, got ", seed);
  p.sampling.seed = uint64_t(seed);
  p.precision = model::parse_precision(args.get_or("--precision", "fp8"));
  p.stop_strings = args.get_all("--stop");
  p.keep_stop_string = args.has("--keep-stop");
  return p;
}

}  // namespace

int cmd_generate(const std::vector<std::string>& argv) {
  const Args args(argv,
                  {"--model", "--prompt", "--input", "--n", "--max-new-tokens", "--temperature", "--top-p", "--top-k",
                   "--seed", "--precision", "--output", "--stop", "--max-batch", "--device"},
                  {"--keep-stop"});
  const std::string model_dir = args.require("--model");
  rollout::GenerationParams params = params_from(args);
  const Device device = parse_device_option(args.get_or("--device", "auto"));  // fails before the model loads
  model::Transformer m = model::Transformer::from_dir(model_dir);
  place_model(m, device);
  const std::unique_ptr<Tokenizer> tok = tokenizer_of(model_dir, m.config().vocab_size);
  if (tok) m.limit_output_vocab(int(tok->vocab_size()));  // ids past the tokenizer's are never sampled
  // Without a tokenizer, EOS ids come from generation_config.json and config.json.
  params.eos_ids = tok ? tok->special_tokens().eos : config_eos_ids(model_dir, m.config().vocab_size);

  const std::vector<PromptRow> rows = read_prompts(args, tok.get());
  std::vector<std::vector<int32_t>> prompts;
  for (const PromptRow& r : rows) {
    rollout::validate_prompt(m.config(), r.tokens, r.name);
    prompts.push_back(r.tokens);
  }
  rollout::Detokenizer detok;
  if (tok) detok = [&](std::span<const int32_t> ids) { return tok->decode(ids); };
  rollout::GenerationStats stats;
  const auto completions = rollout::generate(m, prompts, params, detok, &stats);

  const auto output = args.get("--output");
  const std::string tmp = output ? *output + ".tmp" : "";
  std::ofstream file;
  if (output) {
    file.open(tmp, std::ios::trunc);
    RLVR_CHECK(file.good(), "cli", "cannot write the output file: ", *output);
  }
  std::ostream& out = output ? static_cast<std::ostream&>(file) : std::cout;
  for (const rollout::Completion& c : completions) {
    const PromptRow& src = rows[size_t(c.prompt_index)];
    json line = src.row;
    line["prompt_index"] = c.prompt_index;
    line["sample_index"] = c.sample_index;
    if (!line.contains("prompt") && tok) line["prompt"] = tok->decode(src.tokens);
    if (tok) line["completion"] = c.text;
    line["completion_tokens"] = c.tokens;
    line["logprobs"] = c.logprobs;
    line["finish_reason"] = rollout::finish_reason_name(c.finish);
    // Invalid UTF-8 cannot reach here (decode repairs it), but a JSON dump must never throw.
    out << line.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  }
  out.flush();
  if (output) {
    file.close();
    RLVR_CHECK(file.good(), "cli", "failed writing the output file: ", *output);
    fs::rename(tmp, *output);
  }
  auto per_s = [](int64_t n, double s) { return s > 0 ? double(n) / s : 0.0; };
  std::fprintf(stderr,
               "generated %zu completions (%zu prompts x %d, %s, %s): prefill %lld tokens %.0f tok/s, decode %lld tokens "
               "%.0f tok/s%s%s\n",
               completions.size(), prompts.size(), params.n, model::precision_name(params.precision),
               std::string(device_name(device)).c_str(), (long long)stats.prefill_tokens, per_s(stats.prefill_tokens, stats.prefill_seconds),
               (long long)stats.decode_tokens, per_s(stats.decode_tokens, stats.decode_seconds),
               output ? " -> " : "", output ? output->c_str() : "");
  return 0;
}

}  // namespace rlvr::cli
