// The table of rlvr subcommands. Each subcommand lives in its own cmd_*.cpp file.
#pragma once

#include <string>
#include <vector>

namespace rlvr::cli {

struct Command {
  const char* name;
  const char* summary;
  const char* usage;
  int (*run)(const std::vector<std::string>& args);  // args after the subcommand name
};

const std::vector<Command>& commands();

}  // namespace rlvr::cli
