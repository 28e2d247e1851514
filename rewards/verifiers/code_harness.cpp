// Generation of the Python harness and parsing of its report. Strings go into the harness as
// bytes literals with every unusual byte escaped, so no completion can break out of them.
#include "rewards/verifiers/code_harness.h"

#include <random>
#include <sstream>

namespace rlvr::rewards {
namespace {

std::string bytes_literal(const std::string& s) {
  static const char* hex = "0123456789abcdef";
  std::string out = "b'";
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out + "'.decode('utf-8', 'replace')";
}

std::string unhex(const std::string& h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    auto digit = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    out += static_cast<char>(digit(h[i]) * 16 + digit(h[i + 1]));
  }
  return out;
}

// The harness proper. Tracebacks skip the harness's own frame and show the candidate's and
// the tests' source lines (registered with linecache under "solution.py" and "test_N").
constexpr const char* kHarnessBody = R"PY(
def _rlvr_run():
    import os, sys
    def report(i, ok, text=''):
        try:
            sys.stdout.flush()
        except BaseException:
            pass
        os.write(1, ('\n%s %d %s %s\n' % (NONCE, i, 'pass' if ok else 'fail',
                                          text.encode('utf-8', 'replace').hex())).encode())
    def describe(error):
        import linecache, traceback
        linecache.cache['solution.py'] = (len(SOLUTION), None, SOLUTION.splitlines(True), 'solution.py')
        for i, (code, _) in enumerate(TESTS):
            linecache.cache['test_%d' % i] = (len(code), None, code.splitlines(True), 'test_%d' % i)
        lines = traceback.format_exception(type(error), error, error.__traceback__.tb_next)
        return ''.join(lines)
    namespace = {'__name__': '__main__', '__builtins__': __builtins__}
    try:
        exec(compile(SOLUTION, 'solution.py', 'exec'), namespace)
        if SETUP:
            exec(compile(SETUP, 'test_setup_code', 'exec'), namespace)
    except BaseException as error:
        text = 'the program failed before the tests ran:\n' + describe(error)
        for i in range(len(TESTS)):
            report(i, False, text)
        return
    for i, (code, _) in enumerate(TESTS):
        try:
            exec(compile(code, 'test_%d' % i, 'exec'), namespace)
        except BaseException as error:
            report(i, False, describe(error))
        else:
            report(i, True)
_rlvr_run()
)PY";

}  // namespace

std::string build_python_harness(const std::string& nonce, const std::string& solution,
                                 const std::string& setup_code, const std::vector<HarnessTest>& tests) {
  std::ostringstream py;
  py << "NONCE = '" << nonce << "'\n";
  py << "SOLUTION = " << bytes_literal(solution) << "\n";
  py << "SETUP = " << bytes_literal(setup_code) << "\n";
  py << "TESTS = [\n";
  for (const auto& t : tests) py << "    (" << bytes_literal(t.code) << ", None),\n";
  py << "]\n" << kHarnessBody;
  return py.str();
}

std::vector<TestOutcome> parse_harness_output(const std::string& stdout_text, const std::string& nonce,
                                              std::size_t test_count) {
  std::vector<TestOutcome> outcomes(test_count);
  std::istringstream lines(stdout_text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(nonce + " ", 0) != 0) continue;
    std::istringstream fields(line.substr(nonce.size() + 1));
    std::size_t index = 0;
    std::string verdict, text;
    if (!(fields >> index >> verdict) || index >= test_count) continue;
    fields >> text;
    outcomes[index].ran = true;
    outcomes[index].passed = verdict == "pass";
    outcomes[index].error = unhex(text);
  }
  return outcomes;
}

std::string random_nonce() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::ostringstream os;
  os << std::hex;
  for (int i = 0; i < 2; ++i) {
    std::uint64_t v = rng();
    for (int b = 0; b < 16; ++b) os << ((v >> (60 - 4 * b)) & 15);
  }
  return os.str();
}

}  // namespace rlvr::rewards
