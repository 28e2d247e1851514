// PreTokenizer: PCRE2-backed Split steps and the ByteLevel step of a tokenizer.json.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "model/bpe_pretokenizer.h"

#include <pcre2.h>

#include <deque>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "model/utf8.h"

namespace rlvr {

namespace {

// GPT-2's pattern, which ByteLevel applies when use_regex is true.
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Per-thread PCRE2 match state: a one-pair match block and a JIT stack large enough for long
// whitespace runs under lookahead.
struct MatchState {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  pcre2_jit_stack* jit_stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
  MatchState() { pcre2_jit_stack_assign(context, nullptr, jit_stack); }
  ~MatchState() {
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
};

}  // namespace

class Regex {
 public:
  Regex(const std::string& pattern, bool literal, const std::string& where) : pattern_(pattern) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    const uint32_t options = literal ? (PCRE2_UTF | PCRE2_LITERAL) : (PCRE2_UTF | PCRE2_UCP);
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &error, &offset,
                          nullptr);
    if (!code_) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(error, message, sizeof message);
      RLVR_FAIL("model", "cannot compile pre-tokenizer regex", where, ": ", reinterpret_cast<char*>(message),
                " at offset ", offset, " of ", pattern);
    }
    pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE);  // falls back to the interpreter when JIT is absent
  }
  ~Regex() { pcre2_code_free(code_); }

  // Calls on_match(begin, end) for each non-empty, non-overlapping match, left to right.
  template <typename F>
  void for_each_match(std::string_view text, F&& on_match) const {
    thread_local MatchState state;
    size_t pos = 0;
    while (pos < text.size()) {
      const int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), pos,
                                 PCRE2_NO_UTF_CHECK, state.data, state.context);
      if (rc == PCRE2_ERROR_NOMATCH) return;
      if (rc < 0) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(rc, message, sizeof message);
        RLVR_FAIL("model", "pre-tokenizer regex match failed", reinterpret_cast<char*>(message), " (pattern ",
                  pattern_, ")");
      }
      const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
      const size_t begin = ovector[0], end = ovector[1];
      if (end == begin) {  // an empty match: step over one character
        const size_t n = utf8_sequence_length(text, begin);
        pos = begin + (n == 0 ? 1 : n);
        continue;
      }
      on_match(begin, end);
      pos = end;
    }
  }

 private:
  std::string pattern_;
  pcre2_code* code_ = nullptr;
};

std::string onig_to_pcre2(std::string_view pattern) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[++i];
      if (e == 's') out += in_class ? R"(\s\x{85})" : R"([\s\x{85}])";
      else if (e == 'S' && !in_class) out += R"([^\s\x{85}])";
      else out += {c, e};
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
      out += c;
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];  // a leading ] is literal
      continue;
    }
    if (c == ']' && in_class) in_class = false;
    out += c;
  }
  return out;
}

std::unique_ptr<PreTokenizer> PreTokenizer::from_json(const nlohmann::json& config, const std::string& where) {
  auto pre = std::unique_ptr<PreTokenizer>(new PreTokenizer());
  std::vector<const nlohmann::json*> steps;
  RLVR_CHECK(config.is_object() && config.contains("type"), "model", where, " is ", config.dump(),
             ": expected an object with a type");
  if (config["type"] == "Sequence") {
    RLVR_CHECK(config.contains("pretokenizers") && config["pretokenizers"].is_array(), "model", where,
               ": a Sequence needs a 'pretokenizers' list");
    for (const auto& step : config["pretokenizers"]) steps.push_back(&step);
  } else {
    steps.push_back(&config);
  }
  bool byte_level = false;
  for (const nlohmann::json* step : steps) {
    const std::string type = step->value("type", "");
    RLVR_CHECK(!byte_level, "model", where, ": a ", type, " step after ByteLevel is not supported");
    if (type == "Split") {
      const nlohmann::json& pattern = step->value("pattern", nlohmann::json());
      const std::string behavior = step->value("behavior", "");
      RLVR_CHECK(behavior == "Isolated" || behavior == "Removed", "model", where, ": Split behavior '", behavior,
                 "' is not supported (Isolated, Removed)");
      RLVR_CHECK(!step->value("invert", false), "model", where, ": Split with invert=true is not supported");
      Step s;
      s.keep_matches = behavior == "Isolated";
      if (pattern.contains("Regex") && pattern["Regex"].is_string())
        s.regex = std::make_shared<Regex>(onig_to_pcre2(pattern["Regex"].get<std::string>()), false, where);
      else if (pattern.contains("String") && pattern["String"].is_string())
        s.regex = std::make_shared<Regex>(pattern["String"].get<std::string>(), true, where);
      else
        RLVR_FAIL("model", "bad Split pattern", where, ": ", pattern.dump(), ", expected {\"Regex\": ...} or {\"String\": ...}");
      pre->steps_.push_back(std::move(s));
    } else if (type == "ByteLevel") {
      Step s;
      s.add_prefix_space = step->value("add_prefix_space", false);
      if (step->value("use_regex", true)) s.regex = std::make_shared<Regex>(onig_to_pcre2(kGpt2Pattern), false, where);
      pre->steps_.push_back(std::move(s));
      byte_level = true;
    } else {
      RLVR_FAIL("model", "unsupported pre-tokenizer", where, ": type '", type,
                "' (supported: Sequence, Split, ByteLevel)");
    }
  }
  RLVR_CHECK(byte_level, "model", where, " has no ByteLevel step: only byte-level BPE is supported");
  return pre;
}

PreTokenizer::~PreTokenizer() = default;

void PreTokenizer::split(std::string_view text, const std::function<void(std::string_view)>& emit) const {
  std::vector<std::string_view> pieces{text}, next;
  std::deque<std::string> owned;  // pieces that got a prefix space
  for (const Step& step : steps_) {
    next.clear();
    for (std::string_view piece : pieces) {
      if (step.add_prefix_space && !piece.empty() && piece[0] != ' ') {
        std::string& spaced = owned.emplace_back(1, ' ');
        spaced.append(piece);
        piece = spaced;
      }
      if (!step.regex) {
        if (!piece.empty()) next.push_back(piece);
        continue;
      }
      size_t last = 0;
      step.regex->for_each_match(piece, [&](size_t begin, size_t end) {
        if (begin > last) next.push_back(piece.substr(last, begin - last));
        if (step.keep_matches) next.push_back(piece.substr(begin, end - begin));
        last = end;
      });
      if (last < piece.size()) next.push_back(piece.substr(last));
    }
    pieces.swap(next);
  }
  for (std::string_view word : pieces) emit(word);
}

}  // namespace rlvr
