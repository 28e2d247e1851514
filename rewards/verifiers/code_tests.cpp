// code_tests: extraction, the three test forms, and the verdict. Asserts and HumanEval checks
// run in one sandbox run through the harness; each stdin/stdout pair gets a run of its own
// (a fresh process with a real stdin, as a judge would run it).
#include "rewards/verifiers/code_tests.h"

#include <algorithm>
#include <type_traits>

#include "common/error.h"
#include "rewards/options.h"
#include "rewards/verifiers/code_extract.h"
#include "rewards/verifiers/code_harness.h"
#include "sandbox/limit_fields.h"

namespace rlvr::rewards {
namespace {

using nlohmann::json;

struct Options {
  bool fraction = false;
  sandbox::SandboxLimits limits;
};

// Each sandbox limit the options set, checked against what the sandbox accepts.
void read_limits(OptionReader& r, sandbox::SandboxLimits& limits) {
  for (const sandbox::LimitField& f : sandbox::limit_fields()) {
    const std::string key(f.key);
    std::visit(
        [&](auto member) {
          auto& value = limits.*member;
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, bool>) {
            value = r.flag(key, value);
          } else {
            if constexpr (std::is_same_v<T, double>) value = r.number(key, value);
            else value = r.integer(key, long(value));
            RLVR_OPTION_CHECK(f.accepts(double(value)), key, "option '", key, "' of verifier 'code_tests' must be ",
                              f.allowed(), ", got ", value);
          }
        },
        f.member);
  }
}

Options parse_options(const json& options) {
  OptionReader r(options, "code_tests");
  Options o;
  const std::string reward = r.string("reward", "all_or_nothing");
  RLVR_OPTION_CHECK(reward == "all_or_nothing" || reward == "fraction", "reward",
                    "option 'reward' of verifier 'code_tests' must be \"all_or_nothing\" or \"fraction\", got '",
                    reward, "'");
  o.fraction = reward == "fraction";
  const double time_limit = r.number("time_limit_s", 0);
  if (r.has("time_limit_s")) {
    RLVR_OPTION_CHECK(time_limit > 0, "time_limit_s",
                      "option 'time_limit_s' of verifier 'code_tests' must be a positive number, got ", time_limit);
    o.limits.wall_time_s = o.limits.cpu_time_s = time_limit;
  }
  read_limits(r, o.limits);  // wall_time_s and cpu_time_s, when given, win over time_limit_s
  o.limits.use_zygote = r.flag("zygote", o.limits.use_zygote);
  r.reject_unknown();
  return o;
}

std::string string_field(const json& row, const char* name) {
  const json& v = row.at(name);
  if (!(v.is_string()))
    RLVR_FAIL("code_tests", "row field must be a string", "'", name, "' is ", v.type_name());
  return v.get<std::string>();
}

std::string rtrim_lines(const std::string& s) {
  // Trailing whitespace of every line and trailing blank lines do not count.
  std::string out, line;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    line = s.substr(start, end - start);
    line.erase(line.find_last_not_of(" \t\r\f\v") + 1);
    out += line + "\n";
    start = end + 1;
  }
  out.erase(out.find_last_not_of("\n") + 1);
  return out;
}

std::string first_lines(const std::string& text, int count, std::size_t max_chars = 400) {
  std::string out;
  std::size_t start = 0;
  for (int i = 0; i < count && start < text.size(); ++i) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += (i ? " | " : "") + text.substr(start, end - start);
    start = end + 1;
  }
  if (out.size() > max_chars) out = out.substr(0, max_chars) + "...";
  return out;
}

// The error that matters in a Python traceback is at the end; the frames are at the top.
std::string traceback_summary(const std::string& tb) {
  std::string trimmed = tb;
  trimmed.erase(trimmed.find_last_not_of("\n ") + 1);
  std::size_t last = trimmed.rfind('\n');
  std::string error_line = last == std::string::npos ? trimmed : trimmed.substr(last + 1);
  std::string head = first_lines(trimmed, 4);
  if (head.find(error_line) != std::string::npos) return head;
  return head + " | ... | " + first_lines(error_line, 1);
}

const char* sandbox_problem(const sandbox::RunResult& r) {
  switch (r.status) {
    case sandbox::Status::timeout:
      return "time limit exceeded";
    case sandbox::Status::memory_limit:
      return "memory limit exceeded";
    case sandbox::Status::output_limit:
      return "output limit exceeded";
    case sandbox::Status::blocked_syscall:
      return "blocked system call (network, ptrace, mount, ...)";
    case sandbox::Status::killed:
      return "killed by a signal";
    default:
      return nullptr;
  }
}

class CodeTestsVerifier : public Verifier {
 public:
  explicit CodeTestsVerifier(Options options) : options_(std::move(options)) {}

  Verdict verify(const Sample& sample) const override {
    const json& row = sample.row;
    if (!(row.is_object())) RLVR_FAIL("code_tests", "the row must be a JSON object", "got ", row.type_name());
    std::string program = extract_program(sample.completion);
    if (program.find_first_not_of(" \t\r\n") == std::string::npos)
      return {0.0, status::kNoAnswer, "no program in the completion"};
    if (row.contains("test_list")) return verify_asserts(program, mbpp_tests(row), mbpp_setup(row));
    if (row.contains("test") && row.contains("entry_point"))
      return verify_asserts(program, humaneval_test(row), "");
    if (row.contains("io")) return verify_io(program, row.at("io"));
    RLVR_FAIL("code_tests", "the row has no tests",
              "expected 'test_list' (MBPP), 'test' + 'entry_point' (HumanEval) or 'io' (stdin/stdout pairs)");
  }

 private:
  static std::vector<HarnessTest> mbpp_tests(const json& row) {
    const json& list = row.at("test_list");
    if (!(list.is_array() && !list.empty()))
      RLVR_FAIL("code_tests", "'test_list' must be a non-empty array", "got ", list.dump().substr(0, 80));
    std::vector<HarnessTest> tests;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!(list[i].is_string())) RLVR_FAIL("code_tests", "'test_list' entries must be strings", "entry ", i);
      tests.push_back({list[i].get<std::string>(), list[i].get<std::string>()});
    }
    return tests;
  }

  static std::string mbpp_setup(const json& row) {
    return row.contains("test_setup_code") && !row.at("test_setup_code").is_null()
               ? string_field(row, "test_setup_code")
               : "";
  }

  static std::vector<HarnessTest> humaneval_test(const json& row) {
    std::string entry = string_field(row, "entry_point");
    bool identifier = !entry.empty() && !std::isdigit(static_cast<unsigned char>(entry[0])) &&
                      std::all_of(entry.begin(), entry.end(), [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                      });
    if (!(identifier))
      RLVR_FAIL("code_tests", "'entry_point' must be a Python identifier", "got '", entry, "'");
    return {{string_field(row, "test") + "\n\ncheck(" + entry + ")\n", "check(" + entry + ")"}};
  }

  Verdict finish(std::size_t passed, std::size_t total, const std::string& failure) const {
    Verdict v;
    v.reward = passed == total ? 1.0 : options_.fraction ? static_cast<double>(passed) / total : 0.0;
    v.status = passed == total ? status::kCorrect : status::kWrong;
    v.detail = std::to_string(passed) + "/" + std::to_string(total) + " tests passed";
    if (!failure.empty()) v.detail += "; " + failure;
    return v;
  }

  Verdict verify_asserts(const std::string& program, const std::vector<HarnessTest>& tests,
                         const std::string& setup) const {
    std::string nonce = random_nonce();
    sandbox::RunResult r =
        sandbox::run({"python", build_python_harness(nonce, program, setup, tests), ""}, options_.limits);
    std::vector<TestOutcome> outcomes = parse_harness_output(r.stdout_text, nonce, tests.size());
    std::size_t passed = 0;
    std::string failure;
    for (std::size_t i = 0; i < tests.size(); ++i) {
      if (outcomes[i].passed) {
        ++passed;
      } else if (failure.empty()) {
        std::string how = outcomes[i].ran ? traceback_summary(outcomes[i].error)
                          : sandbox_problem(r)
                              ? sandbox_problem(r)
                              : "the program ended before this test ran: " + traceback_summary(r.stderr_text);
        failure = "test " + std::to_string(i + 1) + " failed: " + first_lines(tests[i].label, 1, 200) +
                  " -> " + how;
      }
    }
    Verdict v = finish(passed, tests.size(), failure);
    if (passed < tests.size() && r.status == sandbox::Status::timeout) v.status = status::kTimeout;
    return v;
  }

  Verdict verify_io(const std::string& program, const json& io) const {
    if (!(io.is_array() && !io.empty()))
      RLVR_FAIL("code_tests", "'io' must be a non-empty array of {input, output}", "got ",
                io.dump().substr(0, 80));
    std::size_t passed = 0;
    std::string failure;
    bool timed_out = false;
    for (std::size_t i = 0; i < io.size(); ++i) {
      if (!(io[i].is_object() && io[i].contains("input") && io[i].contains("output")))
        RLVR_FAIL("code_tests", "'io' entries must be objects with 'input' and 'output'", "entry ", i);
      std::string input = string_field(io[i], "input"), expected = string_field(io[i], "output");
      sandbox::RunResult r = sandbox::run({"python", program, input}, options_.limits);
      std::string how;
      if (const char* problem = sandbox_problem(r)) {
        how = problem;
        timed_out = timed_out || r.status == sandbox::Status::timeout;
      } else if (r.status != sandbox::Status::ok) {
        how = "exit code " + std::to_string(r.exit_code) + ": " + traceback_summary(r.stderr_text);
      } else if (rtrim_lines(r.stdout_text) != rtrim_lines(expected)) {
        how = "expected '" + first_lines(rtrim_lines(expected), 3, 120) + "', got '" +
              first_lines(rtrim_lines(r.stdout_text), 3, 120) + "'";
      } else {
        ++passed;
        continue;
      }
      if (failure.empty())
        failure =
            "test " + std::to_string(i + 1) + " failed: input '" + first_lines(input, 2, 80) + "' -> " + how;
      if (!options_.fraction) break;  // all-or-nothing: the rest cannot change the reward
    }
    Verdict v = finish(passed, io.size(), failure);
    if (timed_out && passed < io.size()) v.status = status::kTimeout;
    return v;
  }

  Options options_;
};

}  // namespace

std::unique_ptr<Verifier> make_code_tests_verifier(const json& options) {
  return std::make_unique<CodeTestsVerifier>(parse_options(options));
}

json with_sandbox_limits(const json& options, const sandbox::SandboxLimits& limits) {
  if (!(options.is_object() || options.is_null())) return options;  // the verifier names the problem
  json out = options.is_null() ? json::object() : options;
  const bool time_limit = out.contains("time_limit_s");
  for (const sandbox::LimitField& f : sandbox::limit_fields()) {
    const bool timed = f.member == sandbox::LimitField::Member(&sandbox::SandboxLimits::wall_time_s) ||
                       f.member == sandbox::LimitField::Member(&sandbox::SandboxLimits::cpu_time_s);
    if (out.contains(f.key) || (time_limit && timed)) continue;
    std::visit([&](auto member) { out[std::string(f.key)] = limits.*member; }, f.member);
  }
  return out;
}

}  // namespace rlvr::rewards
