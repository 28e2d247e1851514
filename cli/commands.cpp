// Registers every subcommand in one place (listed here, not self-registered, so that the
// linker cannot drop one). Keep the list sorted by name.
#include "cli/commands.h"

namespace rlvr::cli {

int cmd_sandbox(const std::vector<std::string>& args);
int cmd_version(const std::vector<std::string>& args);

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"sandbox", "run a program in the sandbox, print the result as JSON", "rlvr sandbox run [--lang python] [--time-limit-s S] [--memory-mb M] [--stdin FILE] FILE", cmd_sandbox},
      {"version", "print the version and the backends compiled in", "rlvr version", cmd_version},
  };
  return table;
}

}  // namespace rlvr::cli
