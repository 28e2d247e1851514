// Prompt templates: "{field}" is replaced by the dataset row's field ("{{" and "}}" are literal
// braces; a brace not around a field name, as in "\boxed{}", stays as written). The template's
// own text may hold special tokens ("<|im_start|>user\n{prompt}<|im_end|>"); the row's text may
// not forge them, so a rendered prompt remembers which bytes came from the template.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/tokenizer.h"

namespace rlvr::trainer {

// The field names a template uses, in order of first use.
std::vector<std::string> template_fields(const std::string& tpl);

// The template with every field filled from row (strings as is, other JSON values as JSON text).
// Throws rlvr::Error naming the missing field.
std::string render_template(const std::string& tpl, const nlohmann::json& row);

// The rendered text and the byte ranges of it that the template wrote (sorted, disjoint): the
// special_ranges of Tokenizer::encode_with_special_ranges.
struct RenderedPrompt {
  std::string text;
  std::vector<ByteRange> template_ranges;
};
RenderedPrompt render_prompt(const std::string& tpl, const nlohmann::json& row);

}  // namespace rlvr::trainer
