// Loading and splitting the run's datasets.
#include "trainer/dataset.h"

#include <fstream>

#include "common/error.h"
#include "trainer/prompt_template.h"

namespace rlvr::trainer {

std::vector<JsonlRow> read_jsonl(const std::string& path) {
  std::ifstream in(path);
  RLVR_CHECK(in.good(), "data", "cannot open ", path);
  std::vector<JsonlRow> rows;
  std::string line;
  for (int64_t line_no = 1; std::getline(in, line); ++line_no) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    JsonlRow row{line_no, {}};
    try {
      row.value = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      RLVR_FAIL("data", cat(path, ":", line_no, ": invalid JSON: ", e.what()));
    }
    RLVR_CHECK(row.value.is_object(), "data", path, ":", line_no, ": the row is not a JSON object");
    rows.push_back(std::move(row));
  }
  return rows;
}

namespace {

std::string field_text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::vector<Example> make_examples(const RunConfig& cfg, const Tokenizer& tok, const std::string& path,
                                   int64_t& skipped_long) {
  std::vector<Example> out;
  const auto eos = tok.special_tokens().eos;
  int64_t row_index = 0;
  for (auto& [line, row] : read_jsonl(path)) {
    Example ex;
    ex.id = row_index++;
    ex.source = cat(path, ":", line);
    try {
      // The template's special tokens ("<|im_start|>") count; ones inside the row's text do not.
      RenderedPrompt rendered = render_prompt(cfg.data.prompt_template, row);
      ex.prompt_tokens = tok.encode_with_special_ranges(rendered.text, rendered.template_ranges);
      ex.prompt = std::move(rendered.text);
      if (!cfg.data.answer_field.empty()) ex.answer = field_text(row.at(cfg.data.answer_field));
      if (cfg.sft.steps > 0) {
        ex.completion_tokens = tok.encode(field_text(row.at(cfg.sft.completion_field)), SpecialText::AsText);
        if (!eos.empty()) ex.completion_tokens.push_back(eos.front());
      }
    } catch (const std::exception& e) {
      RLVR_FAIL("data", cat(ex.source, ": ", e.what()));
    }
    RLVR_CHECK(!ex.prompt_tokens.empty(), "data", ex.source, ": the prompt is empty");
    if (int64_t(ex.prompt_tokens.size()) > cfg.data.max_prompt_tokens) {
      ++skipped_long;
      continue;
    }
    ex.row = std::move(row);
    out.push_back(std::move(ex));
  }
  RLVR_CHECK(!out.empty(), "data", path, ": no usable rows (", skipped_long,
             " longer than data.max_prompt_tokens = ", cfg.data.max_prompt_tokens, ")");
  return out;
}

}  // namespace

Datasets load_datasets(const RunConfig& cfg, const Tokenizer& tokenizer) {
  Datasets d;
  d.train = make_examples(cfg, tokenizer, cfg.data.train, d.skipped_long);
  if (!cfg.data.eval.empty()) {
    d.eval = make_examples(cfg, tokenizer, cfg.data.eval, d.skipped_long);
    return d;
  }
  int64_t held = cfg.data.eval_size;
  if (held == 0 && cfg.data.eval_fraction > 0) held = int64_t(double(d.train.size()) * cfg.data.eval_fraction);
  RLVR_CHECK(held < int64_t(d.train.size()), "data", cfg.data.train, ": holding out ", held, " rows for eval leaves none to train on");
  // The last rows are held out: a fixed split that does not depend on the seed.
  d.eval.assign(std::make_move_iterator(d.train.end() - held), std::make_move_iterator(d.train.end()));
  d.train.resize(d.train.size() - size_t(held));
  return d;
}

}  // namespace rlvr::trainer
