// Prompt template expansion (see prompt_template.h).
#include "trainer/prompt_template.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "common/error.h"

namespace rlvr::trainer {

namespace {

// Walks tpl, calling text(piece) for literal text and field(name) for each placeholder.
void scan(const std::string& tpl, const std::function<void(const std::string&)>& text,
          const std::function<void(const std::string&)>& field) {
  auto is_name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  size_t i = 0;
  while (i < tpl.size()) {
    const char c = tpl[i];
    if ((c == '{' || c == '}') && i + 1 < tpl.size() && tpl[i + 1] == c) {
      text(std::string(1, c));
      i += 2;
      continue;
    }
    if (c == '{') {
      size_t j = i + 1;
      while (j < tpl.size() && is_name_char(tpl[j])) ++j;
      const bool named = j > i + 1 && j < tpl.size() && tpl[j] == '}' &&
                         !std::isdigit(static_cast<unsigned char>(tpl[i + 1]));
      if (named) {
        field(tpl.substr(i + 1, j - i - 1));
        i = j + 1;
        continue;
      }
    }
    text(std::string(1, c));
    ++i;
  }
}

}  // namespace

std::vector<std::string> template_fields(const std::string& tpl) {
  std::vector<std::string> fields;
  scan(tpl, [](const std::string&) {}, [&](const std::string& name) {
    if (std::find(fields.begin(), fields.end(), name) == fields.end()) fields.push_back(name);
  });
  return fields;
}

std::string render_template(const std::string& tpl, const nlohmann::json& row) { return render_prompt(tpl, row).text; }

RenderedPrompt render_prompt(const std::string& tpl, const nlohmann::json& row) {
  RenderedPrompt out;
  std::string& text = out.text;
  std::vector<ByteRange>& ranges = out.template_ranges;
  bool after_field = true;  // a field, even an empty one, ends the template's range before it
  const auto template_text = [&](const std::string& piece) {
    if (after_field) ranges.push_back({text.size(), text.size()});
    after_field = false;
    text += piece;
    ranges.back().end = text.size();
  };
  scan(tpl, template_text, [&](const std::string& name) {
    after_field = true;
    RLVR_CHECK(row.is_object() && row.contains(name), "data", "the row has no field '", name,
               "' that the prompt template needs");
    const auto& v = row[name];
    text += v.is_string() ? v.get<std::string>() : v.dump();
  });
  return out;
}

}  // namespace rlvr::trainer
