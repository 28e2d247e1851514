// The format verifier. Regexes use POSIX <regex.h> (glibc's matcher does not recurse per input
// character, unlike std::regex, so megabyte completions cannot overflow the stack).
#include "rewards/verifiers/format.h"

#include <regex.h>

#include "common/error.h"
#include "rewards/options.h"

namespace rlvr::rewards {
namespace {

class FormatVerifier : public Verifier {
 public:
  explicit FormatVerifier(const nlohmann::json& options) {
    OptionReader r(options, "format");
    require_think_ = r.flag("require_think", true);
    require_boxed_ = r.flag("require_boxed", true);
    pattern_ = r.string("pattern", "");
    max_bytes_ = static_cast<size_t>(r.integer("max_bytes", 1 << 20));
    r.reject_unknown();
    if (!pattern_.empty()) {
      int rc = regcomp(&regex_, pattern_.c_str(), REG_EXTENDED | REG_NOSUB);
      char msg[256] = "";
      if (rc != 0) regerror(rc, &regex_, msg, sizeof msg);
      RLVR_OPTION_CHECK(rc == 0, "pattern", "bad option 'pattern' of format: ", msg, " in '", pattern_, "'");
      compiled_ = true;
    }
  }
  ~FormatVerifier() override {
    if (compiled_) regfree(&regex_);
  }

  Verdict verify(const Sample& sample) const override {
    const std::string& c = sample.completion;
    if (c.size() > max_bytes_) return fail("completion longer than max_bytes (" + std::to_string(max_bytes_) + ")");
    size_t body = 0;
    if (require_think_) {
      size_t start = c.find_first_not_of(" \t\r\n");
      if (start == std::string::npos || c.compare(start, 7, "<think>") != 0)
        return fail("does not start with <think>");
      size_t close = c.find("</think>", start);
      if (close == std::string::npos) return fail("no </think>");
      if (c.find("<think>", start + 7) != std::string::npos || c.find("</think>", close + 8) != std::string::npos)
        return fail("more than one <think> block");
      body = close + 8;
    }
    if (require_boxed_ && c.find("\\boxed", body) == std::string::npos)
      return fail(require_think_ ? "no \\boxed{} after </think>" : "no \\boxed{}");
    // regexec stops at a NUL byte, so a completion with one is matched up to it only.
    if (compiled_ && regexec(&regex_, c.c_str(), 0, nullptr, 0) != 0) return fail("no match for pattern");
    return {1.0, status::kCorrect, "format ok"};
  }

 private:
  static Verdict fail(std::string why) { return {0.0, status::kWrong, std::move(why)}; }

  bool require_think_ = true, require_boxed_ = true, compiled_ = false;
  std::string pattern_;
  size_t max_bytes_ = 0;
  regex_t regex_{};
};

}  // namespace

std::unique_ptr<Verifier> make_format_verifier(const nlohmann::json& options) {
  return std::make_unique<FormatVerifier>(options);
}

}  // namespace rlvr::rewards
