// The rlvr command: dispatches to a subcommand and turns exceptions into exit codes.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "kernels/gemm.h"

namespace {

void print_help() {
  std::printf("rlvr: reinforcement learning with verifiable rewards\n\nUsage: rlvr <command> [options]\n\nCommands:\n");
  for (const auto& c : rlvr::cli::commands()) std::printf("  %-10s %s\n", c.name, c.summary);
  std::printf("  %-10s %s\n", "help", "this list, or `rlvr help COMMAND` for one command's usage");
}

}  // namespace

int main(int argc, char** argv) {
  rlvr::select_blas_kernels(argv);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    if (args.size() >= 2) {
      for (const auto& c : rlvr::cli::commands())
        if (args[1] == c.name) {
          std::printf("%s\n\nUsage: %s\n", c.summary, c.usage);
          return 0;
        }
      std::fprintf(stderr, "rlvr: unknown command '%s'\n", args[1].c_str());
      return 2;
    }
    print_help();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") args[0] = "version";
  for (const auto& c : rlvr::cli::commands()) {
    if (args[0] != c.name) continue;
    try {
      return c.run(std::vector<std::string>(args.begin() + 1, args.end()));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "rlvr %s: %s\n", c.name, e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "rlvr: unknown command '%s' (see `rlvr help`)\n", args[0].c_str());
  return 2;
}
