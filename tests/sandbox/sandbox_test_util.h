// Helpers shared by the sandbox tests: a private TMPDIR, counts of our open descriptors and
// children, and a parallel map over inputs.
#pragma once

#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sandbox/python_zygote.h"

namespace rlvr::sandbox::testing {

// Points TMPDIR at a fresh directory so that leftover work dirs can be counted exactly, and
// makes this process the reaper of any orphan a sandbox leaves behind (so that a stray
// process would show up as our child). The directory is removed when the test process exits.
inline std::string isolate_test_process() {
  struct PrivateTmp {
    std::string path;
    PrivateTmp() {
      std::string pattern = (std::filesystem::temp_directory_path() / "rlvr-sandbox-test-XXXXXX").string();
      if (!mkdtemp(pattern.data())) return;
      path = pattern;
      chmod(path.c_str(), 0711);  // like /tmp: the sandbox uid may pass through
      setenv("TMPDIR", path.c_str(), 1);
      prctl(PR_SET_CHILD_SUBREAPER, 1);
    }
    ~PrivateTmp() {
      std::error_code ignored;
      if (!path.empty()) std::filesystem::remove_all(path, ignored);
    }
  };
  static PrivateTmp dir;
  return dir.path.empty() ? std::string("/tmp") : dir.path;
}

inline std::size_t count_entries(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

inline std::size_t open_fd_count() { return count_entries("/proc/self/fd"); }

// True when this process has no child, running or zombie, other than the Python zygote.
inline bool no_children_left() {
  const pid_t zygote = detail::python_zygote_pid();
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos || std::stoi(name) == zygote) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
    std::size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    if (rest >> state >> ppid && ppid == getpid()) return false;
  }
  return true;
}

// Path, size and modification time of every file under `root`, skipping what other tests and
// tools may write meanwhile (build trees, .git, runs/, node_modules/): equal snapshots before
// and after mean no project file was written, created or removed.
inline std::string tree_snapshot(const std::string& root) {
  std::ostringstream out;
  namespace fs = std::filesystem;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool skipped = name == ".git" || name == "runs" || name == "node_modules" ||
                         fs::exists(it->path() / "CMakeCache.txt");
    if (it->is_directory() && skipped) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    out << it->path().string() << ' ' << it->file_size() << ' '
        << it->last_write_time().time_since_epoch().count() << '\n';
  }
  return out.str();
}

// Calls fn(i) for i in [0, n) on `workers` threads.
inline void parallel_for(std::size_t n, unsigned workers, const std::function<void(std::size_t)>& fn) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      for (std::size_t i; (i = next++) < n;) fn(i);
    });
  for (auto& t : threads) t.join();
}

}  // namespace rlvr::sandbox::testing
