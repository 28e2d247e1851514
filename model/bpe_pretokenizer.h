// The pre-tokenizer of a byte-level BPE tokenizer.json: regex Split steps (PCRE2, with UTF and
// Unicode properties, JIT-compiled once) and the ByteLevel step, cutting text into words.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace rlvr {

class Regex;

class PreTokenizer {
 public:
  // config: the "pre_tokenizer" object; where: "file: pre_tokenizer" for messages. Throws on a
  // step type or option we do not implement, and when no ByteLevel step is present.
  static std::unique_ptr<PreTokenizer> from_json(const nlohmann::json& config, const std::string& where);
  ~PreTokenizer();

  // Calls emit(word) for each word of text, in order; words are UTF-8 text, before the byte mapping.
  void split(std::string_view text, const std::function<void(std::string_view)>& emit) const;

 private:
  struct Step {
    std::shared_ptr<Regex> regex;  // null for a ByteLevel step without use_regex
    bool keep_matches = true;      // Isolated: matches and the text between; Removed: only between
    bool add_prefix_space = false;
  };
  std::vector<Step> steps_;
};

// Translates a pattern written for Oniguruma (what Hugging Face tokenizers compiles) to PCRE2:
// Oniguruma's \s also matches U+0085, PCRE2's does not.
std::string onig_to_pcre2(std::string_view pattern);

}  // namespace rlvr
