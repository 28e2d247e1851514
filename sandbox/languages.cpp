// Language specs. Python runs as `/usr/bin/python3 -I -S -B main.py`: isolated mode (no user
// site, no PYTHON* variables), no site import (saves start-up time), no .pyc writes.
#include "sandbox/languages.h"

#include <filesystem>
#include <map>
#include <mutex>

#include "common/error.h"

namespace rlvr::sandbox::detail {
namespace {

// The Debian interpreter, not whatever python3 comes first in PATH.
constexpr const char* kPython = "/usr/bin/python3";

LanguageSpec python_spec() {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path real = fs::canonical(kPython, ec);
  if (ec) RLVR_FAIL("sandbox", "Python interpreter not found", kPython, ": ", ec.message());
  LanguageSpec spec;
  spec.name = "python";
  spec.main_file = "main.py";
  spec.argv = {kPython, "-I", "-S", "-B", spec.main_file};
  // The binary itself, its standard library and shared libraries (/usr/lib), the loader.
  spec.binds.push_back({real.string(), kPython, true});
  spec.binds.push_back({"/usr/lib", "/usr/lib", false});
  if (fs::is_directory("/usr/lib64")) spec.binds.push_back({"/usr/lib64", "/usr/lib64", false});
  spec.binds.push_back({"/dev/null", "/dev/null", true});
  // Merged-/usr layout: the loader is looked up as /lib64/ld-linux-x86-64.so.2.
  spec.symlinks = {{"/lib", "usr/lib"}, {"/lib64", "usr/lib64"}, {"/bin", "usr/bin"}};
  return spec;
}

}  // namespace

const LanguageSpec& language_spec(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, LanguageSpec> cache;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  if (name != "python") RLVR_FAIL("sandbox", "unknown language", "'", name, "' (known: python)");
  return cache.emplace(name, python_spec()).first->second;
}

}  // namespace rlvr::sandbox::detail
