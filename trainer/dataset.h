// The run's examples: JSONL rows rendered through the prompt template and tokenized, split into
// train and eval. Row problems are errors naming the file and line (config_checks.cpp has already
// checked that every row has the fields the run uses).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/tokenizer.h"
#include "trainer/run_config.h"

namespace rlvr::trainer {

struct Example {
  int64_t id = 0;          // row index in its file
  std::string source;      // "path:line", for messages
  nlohmann::json row;      // every field, handed to the verifiers
  std::string prompt;      // rendered template
  std::vector<int32_t> prompt_tokens;
  std::string answer;      // data.answer_field as text ("" when none)
  std::vector<int32_t> completion_tokens;  // sft.completion_field, tokenized (SFT only), EOS appended
};

struct Datasets {
  std::vector<Example> train, eval;
  int64_t skipped_long = 0;  // prompts longer than data.max_prompt_tokens
};

struct JsonlRow {
  int64_t line = 0;  // 1-based line number in the file
  nlohmann::json value;
};
// Reads a JSONL file: one object per non-blank line. Throws naming path:line for invalid JSON or
// a line that is not an object.
std::vector<JsonlRow> read_jsonl(const std::string& path);

Datasets load_datasets(const RunConfig& cfg, const Tokenizer& tokenizer);

}  // namespace rlvr::trainer
