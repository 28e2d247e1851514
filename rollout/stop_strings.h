// Stop strings over a growing token sequence: a stop string may span token boundaries, so the
// text of the last few tokens is decoded after each new token and searched.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rollout/generation.h"

namespace rlvr::rollout {

class StopMatcher {
 public:
  StopMatcher(std::vector<std::string> stops, bool keep_stop_string);
  bool empty() const { return stops_.empty(); }
  // Call after each appended token. When a stop string has appeared, returns the completion's
  // text cut before it (or after it, when kept); nothing is returned otherwise.
  std::optional<std::string> check(std::span<const int32_t> tokens, const Detokenizer& detokenize) const;

 private:
  std::vector<std::string> stops_;
  bool keep_;
  size_t window_tokens_ = 0;  // tokens decoded per check: every token is at least one byte
};

}  // namespace rlvr::rollout
