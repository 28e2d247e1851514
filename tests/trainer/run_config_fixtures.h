// Shared pieces of the run-config tests: a minimal valid config and a parse helper.
#pragma once

#include <string>
#include <vector>

#include "trainer/run_config.h"

namespace rlvr::trainer::testing {

// Six lines, so text appended to it starts on line 7.
inline const std::string kMinimal =
    "[model]\n"
    "tokenizer = \"char\"\n"
    "[data]\n"
    "train = \"train.jsonl\"\n"
    "[[rewards.verifiers]]\n"
    "name = \"boxed_math\"\n";

// verifiers: the registry that verifier names and options are checked against (null: none).
inline RunConfig parse_text(const std::string& text, const std::vector<std::string>& overrides = {},
                            bool check_files = false, const rewards::Registry* verifiers = nullptr) {
  LoadOptions options;
  options.check_files = check_files;
  options.verifiers = verifiers;
  return parse_run_config(text, "run.toml", overrides, options);
}

// The message of the rlvr::Error that parsing throws, or "" when it parses.
inline std::string parse_error(const std::string& text, const std::vector<std::string>& overrides = {},
                               bool check_files = false, const rewards::Registry* verifiers = nullptr) {
  try {
    parse_text(text, overrides, check_files, verifiers);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace rlvr::trainer::testing
