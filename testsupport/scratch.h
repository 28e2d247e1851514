// A path of the test process's own under the build tree. ctest runs each test of a binary as a
// process of its own, several at once, so a fixed path would be shared (and removed) by two of
// them. Needs RLVR_BINARY_DIR, which every test target defines.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace rlvr::testsupport {

inline std::string scratch_path(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(RLVR_BINARY_DIR) / "scratch" / std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

}  // namespace rlvr::testsupport
