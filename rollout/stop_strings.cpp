// Stop-string matching over the decoded tail of a completion.
#include "rollout/stop_strings.h"

#include <algorithm>

#include "common/error.h"

namespace rlvr::rollout {

StopMatcher::StopMatcher(std::vector<std::string> stops, bool keep_stop_string)
    : stops_(std::move(stops)), keep_(keep_stop_string) {
  for (const std::string& s : stops_) {
    RLVR_CHECK(!s.empty(), "rollout", "stop_strings: an empty stop string would stop every sample at once");
    // A stop string of b bytes spans at most b tokens; a few more absorb a partial UTF-8
    // character at the window's start (decoded as U+FFFD).
    window_tokens_ = std::max(window_tokens_, s.size() + 4);
  }
}

std::optional<std::string> StopMatcher::check(std::span<const int32_t> tokens, const Detokenizer& detokenize) const {
  if (stops_.empty() || tokens.empty()) return std::nullopt;
  const size_t from = tokens.size() > window_tokens_ ? tokens.size() - window_tokens_ : 0;
  const std::string tail = detokenize(tokens.subspan(from));
  const bool found = std::any_of(stops_.begin(), stops_.end(),
                                 [&](const std::string& s) { return tail.find(s) != std::string::npos; });
  if (!found) return std::nullopt;
  // Cut the full text at the earliest stop string (an earlier check would have caught one
  // ending before this token, so this is the one the new token completed).
  const std::string text = detokenize(tokens);
  size_t best = std::string::npos, best_len = 0;
  for (const std::string& s : stops_) {
    const size_t at = text.find(s);
    if (at != std::string::npos && (at < best || (at == best && s.size() > best_len))) best = at, best_len = s.size();
  }
  if (best == std::string::npos) return std::nullopt;  // only matched across a U+FFFD repair
  return text.substr(0, keep_ ? best + best_len : best);
}

}  // namespace rlvr::rollout
