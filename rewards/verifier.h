// The verifier contract: one sample in, one verdict out. Verifiers are created by name from a
// registry (rewards/registry.h) with their options, and must be safe to call from several
// threads at once (verify is const). Completions are hostile: a verifier returns a verdict for
// any input; throwing is allowed (the reward service turns it into status "error").
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace rlvr::rewards {

// Status strings every verifier may use; a verifier may add its own.
namespace status {
inline constexpr const char* kCorrect = "correct";
inline constexpr const char* kWrong = "wrong";
inline constexpr const char* kNoAnswer = "no_answer";
inline constexpr const char* kTimeout = "timeout";
inline constexpr const char* kError = "error";
}  // namespace status

struct Sample {
  std::string prompt;
  std::string completion;
  nlohmann::json row;  // the dataset row's fields, e.g. "answer", "test_list", "tests"
};

struct Verdict {
  double reward = 0.0;
  std::string status;  // one of status::* or a verifier-specific word
  std::string detail;  // short and human-readable: what was extracted, what it was compared to
};

class Verifier {
 public:
  virtual ~Verifier() = default;
  virtual Verdict verify(const Sample& sample) const = 0;
};

}  // namespace rlvr::rewards
