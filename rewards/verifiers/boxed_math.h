// boxed_math: the final \boxed{} answer of a completion against the row's gold "answer",
// compared as math (see math_answer.h). Options: rel_tol (1e-6), fallback (list of
// "answer_is", "last_math", "last_number"; empty by default), answer_field ("answer").
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "rewards/verifier.h"
#include "rewards/verifiers/answer_extraction.h"
#include "rewards/verifiers/math_answer.h"

namespace rlvr::rewards {

struct BoxedMathOptions {
  double rel_tol = 1e-6;
  math::ExtractOptions extract{.looks_like_answer = &math::looks_like_answer};
  std::string answer_field = "answer";
};

class BoxedMathVerifier : public Verifier {
 public:
  explicit BoxedMathVerifier(BoxedMathOptions options) : options_(std::move(options)) {}
  Verdict verify(const Sample& sample) const override;
  // The comparison alone: gold as found in a dataset row, pred as written by a model.
  Verdict grade(std::string_view gold, std::string_view completion) const;

 private:
  BoxedMathOptions options_;
};

BoxedMathOptions parse_boxed_math_options(const nlohmann::json& options);
std::unique_ptr<Verifier> make_boxed_math_verifier(const nlohmann::json& options);

}  // namespace rlvr::rewards
