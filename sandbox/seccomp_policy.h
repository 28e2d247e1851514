// The seccomp-bpf filter applied to every sandboxed program: built once with libseccomp in the
// parent, installed in the child with plain syscalls (nothing that allocates after fork).
#pragma once

#include <linux/filter.h>

#include <vector>

namespace rlvr::sandbox::detail {

// The compiled filter; the same for every run. Throws rlvr::Error when libseccomp fails.
const std::vector<sock_filter>& seccomp_program();

// Child side, after fork: sets no_new_privs and installs the filter. Returns 0 or -1 (errno set).
int install_seccomp(const std::vector<sock_filter>& program);

}  // namespace rlvr::sandbox::detail
