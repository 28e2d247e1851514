// The languages the sandbox can run: how to start the program and which host paths the
// interpreter needs to see (read-only) inside the private filesystem view.
#pragma once

#include <string>
#include <vector>

namespace rlvr::sandbox::detail {

struct ReadOnlyBind {
  std::string host_path;    // what to expose
  std::string inside_path;  // where it appears in the view (absolute)
  bool is_file = false;
};

struct LanguageSpec {
  std::string name;
  std::string main_file;            // the program's file name in the work dir
  std::vector<std::string> argv;    // argv[0] is an absolute path valid inside and outside
  std::vector<ReadOnlyBind> binds;  // the whole read-only view besides the work dir
  std::vector<std::pair<std::string, std::string>> symlinks;  // inside path -> target
};

// Throws rlvr::Error naming the language when it is not known or its interpreter is missing.
const LanguageSpec& language_spec(const std::string& name);

}  // namespace rlvr::sandbox::detail
