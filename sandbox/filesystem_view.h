// The program's private filesystem view: a read-only tmpfs root holding only what the
// language needs (read-only binds) and the work dir at /tmp (a size-capped tmpfs holding a copy
// of the host work dir's files), entered with pivot_root so that the host's tree is unreachable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sandbox/languages.h"

namespace rlvr::sandbox::detail {

// Every path the child needs, computed in the parent (the child must not allocate).
struct ViewPlan {
  // Mount point of the new root. Any directory works since the mount stays in our namespace;
  // /tmp exists everywhere and is searchable by the sandbox uid.
  std::string root = "/tmp";
  struct Bind {
    std::string source, target;  // target is under root
    bool is_file, device;        // a device (/dev/null) keeps working: no nodev on its bind
  };
  std::vector<std::string> dirs;   // to create under root, parents first
  std::vector<std::string> files;  // empty files to create as mount points for file binds
  std::vector<Bind> binds;
  std::vector<std::pair<std::string, std::string>> symlinks;  // link path under root -> target
  // Files copied into the work dir, read from descriptors the parent opened: the sandbox uid
  // may not be able to search the host's TMPDIR.
  std::vector<std::pair<int, std::string>> files_to_copy;  // fd, name
  std::string work_mount_options;                          // tmpfs options of /tmp, e.g. "size=64m,mode=0700"
  std::string inside_work_dir = "/tmp";
};

ViewPlan plan_view(const LanguageSpec& language, const std::vector<std::pair<int, std::string>>& files,
                   std::int64_t work_dir_mb);

// Child side, inside the new user and mount namespaces. Returns nullptr, or what failed with
// errno set. On success the cwd is the work dir and / is read-only.
const char* enter_view(const ViewPlan& plan);

}  // namespace rlvr::sandbox::detail
