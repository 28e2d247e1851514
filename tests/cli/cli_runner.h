// Runs the rlvr binary under test (RLVR_BINARY) through the shell and captures what it printed.
#pragma once

#include <array>
#include <cstdio>
#include <string>

#include <sys/wait.h>

namespace cli_test {

struct Result {
  int code;         // exit status
  std::string out;  // stdout, with stderr unless dropped
};

inline Result run_shell(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, "popen failed"};
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = pclose(p);
  return {WEXITSTATUS(status), out};
}

// quiet: stdout alone (e.g. JSON lines), stderr dropped.
inline Result run_rlvr(const std::string& args, bool quiet = false) {
  return run_shell(std::string(RLVR_BINARY) + " " + args + (quiet ? " 2>/dev/null" : " 2>&1"));
}

}  // namespace cli_test
