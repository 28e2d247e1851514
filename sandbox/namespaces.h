// Identity and namespaces for the child: drop to a non-root uid when started as root, then
// enter new user, mount, net, pid, ipc and uts namespaces where the kernel allows them.
#pragma once

#include <sys/types.h>

#include <string>

namespace rlvr::sandbox::detail {

struct IdentityPlan {
  bool drop_root = false;  // we are root: become `uid`/`gid` before anything else
  uid_t uid = 0;
  gid_t gid = 0;
  std::string uid_map, gid_map;  // "<uid> <uid> 1": the same ids inside the user namespace
};

// The uid/gid the program runs as: 65534 (nobody/nogroup) under root, else our own.
IdentityPlan plan_identity();

// Whether the kernel lets us create the namespaces; probed once by a throw-away child. When it
// does not, `why` says what failed, and one message goes to stderr the first time.
bool namespaces_available(std::string* why);

// Child side. drop_identity: setgroups/setresgid/setresuid. enter_namespaces: unshare and write
// the id maps. Each returns nullptr, or what failed with errno set.
const char* drop_identity(const IdentityPlan& plan);
const char* enter_namespaces(const IdentityPlan& plan);

}  // namespace rlvr::sandbox::detail
