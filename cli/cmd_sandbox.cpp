// `rlvr sandbox run [--lang python] [--time-limit-s S] [--memory-mb M] [--stdin FILE] FILE`:
// runs one program in the sandbox and prints the result as one JSON object.
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/args.h"
#include "cli/commands.h"
#include "common/error.h"
#include "sandbox/sandbox.h"

namespace rlvr::cli {
namespace {

std::string read_whole_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in.good()) RLVR_FAIL("cli", "cannot read file", what, " '", path, "'");
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

}  // namespace

int cmd_sandbox(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] != "run")
    RLVR_FAIL(
        "cli", "expected the subcommand 'run'",
        "usage: rlvr sandbox run [--lang python] [--time-limit-s S] [--memory-mb M] [--stdin FILE] FILE");
  Args args(std::vector<std::string>(argv.begin() + 1, argv.end()),
            {"--lang", "--time-limit-s", "--memory-mb", "--stdin"});
  if (args.positionals().size() != 1)
    RLVR_FAIL("cli", "expected exactly one program FILE", "got ", args.positionals().size());
  sandbox::SandboxLimits limits;
  limits.wall_time_s = args.get_double("--time-limit-s", limits.wall_time_s);
  limits.cpu_time_s = limits.wall_time_s;
  limits.memory_mb = args.get_int("--memory-mb", limits.memory_mb);
  RLVR_CHECK(limits.wall_time_s > 0, "cli", "--time-limit-s must be positive");
  RLVR_CHECK(limits.memory_mb > 0, "cli", "--memory-mb must be positive");
  sandbox::Program program;
  program.language = args.get_or("--lang", "python");
  program.source = read_whole_file(args.positionals()[0], "program");
  if (auto stdin_file = args.get("--stdin")) program.stdin_data = read_whole_file(*stdin_file, "--stdin");

  sandbox::RunResult r = sandbox::run(program, limits);
  nlohmann::json out = {
      {"status", sandbox::to_string(r.status)},
      {"exit_code", r.exit_code},
      {"signal", r.signal},
      {"stdout", r.stdout_text},
      {"stderr", r.stderr_text},
      {"stdout_truncated", r.stdout_truncated},
      {"stderr_truncated", r.stderr_truncated},
      {"wall_ms", r.wall_ms},
      {"cpu_ms", r.cpu_ms},
      {"peak_memory_kb", r.peak_memory_kb},
      {"isolation", r.isolation},
  };
  // Invalid UTF-8 in the program's output is replaced rather than refused.
  std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return 0;
}

}  // namespace rlvr::cli
