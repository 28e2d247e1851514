// The messages between the sandbox library and the Python zygote (a pre-initialized
// interpreter that forks once per run and isolates each child exactly like the exec path).
// Both sides are our code; the program being run never sees these sockets.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>

#include "sandbox/rlimits.h"

namespace rlvr::sandbox::detail {

// Sent on the zygote's control socket (SOCK_SEQPACKET) with kZygoteFdCount descriptors:
// stdin, stdout, stderr, the program's source, and the run socket.
struct ZygoteRequest {
  RlimitPlan rlimits;
  std::int64_t work_dir_mb = 64;
};
inline constexpr int kZygoteFdCount = 5;

// Sent back by the run's setup process on the run socket when the program has ended. Any byte
// sent the other way on the run socket (or closing it) means "kill the program now".
struct ZygoteReport {
  int wait_status = 0;
  std::int64_t cpu_us = 0;
  std::int64_t maxrss_kb = 0;
  int setup_errno = 0;  // non-zero when isolation failed before the program started
  char setup_error[96] = {};
};

// sendmsg/recvmsg of one fixed-size message with descriptors. Return false on failure.
inline bool send_with_fds(int sock, const void* data, std::size_t size, const int* fds, int count) {
  char control[CMSG_SPACE(sizeof(int) * 8)] = {};
  iovec iov{const_cast<void*>(data), size};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (count > 0) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * count);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * count);
    for (int i = 0; i < count; ++i) reinterpret_cast<int*>(CMSG_DATA(c))[i] = fds[i];
  }
  return sendmsg(sock, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(size);
}

// Returns the number of descriptors received (into fds, close-on-exec), or -1.
inline int recv_with_fds(int sock, void* data, std::size_t size, int* fds, int max_fds) {
  char control[CMSG_SPACE(sizeof(int) * 8)] = {};
  iovec iov{data, size};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  if (n != static_cast<ssize_t>(size)) return -1;
  int count = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int n_fds = static_cast<int>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < n_fds; ++i) {
      int fd = reinterpret_cast<int*>(CMSG_DATA(c))[i];
      if (count < max_fds)
        fds[count++] = fd;
      else
        close(fd);
    }
  }
  return count;
}

}  // namespace rlvr::sandbox::detail
