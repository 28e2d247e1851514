// Pipe reading with poll(2); the child's exit is a pidfd becoming readable.
#include "sandbox/output_capture.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>

#include "common/error.h"

namespace rlvr::sandbox::detail {

OutputCapture::OutputCapture(std::size_t cap) : cap_(cap) {
  for (Stream* s : {&out_, &err_}) {
    int fds[2];
    RLVR_CHECK_ERRNO(pipe2(fds, O_CLOEXEC | O_NONBLOCK), "sandbox", "output pipe");
    s->read_fd = fds[0];
    s->write_fd = fds[1];
    // The child's end must block: a program writing fast should wait for us, not fail.
    fcntl(s->write_fd, F_SETFL, 0);
  }
}

OutputCapture::~OutputCapture() {
  for (Stream* s : {&out_, &err_}) {
    if (s->read_fd >= 0) close(s->read_fd);
    if (s->write_fd >= 0) close(s->write_fd);
  }
}

void OutputCapture::close_write_ends() {
  for (Stream* s : {&out_, &err_}) {
    if (s->write_fd >= 0) close(s->write_fd);
    s->write_fd = -1;
  }
}

bool OutputCapture::read_some(Stream& s) {
  char buffer[65536];
  while (!s.eof) {
    ssize_t n = read(s.read_fd, buffer, sizeof buffer);
    if (n == 0) s.eof = true;
    if (n <= 0) break;
    std::size_t room = cap_ - std::min(cap_, s.text.size());
    s.text.append(buffer, std::min<std::size_t>(room, n));
    if (static_cast<std::size_t>(n) > room) {
      s.truncated = true;
      return false;
    }
  }
  return true;
}

OutputCapture::Stop OutputCapture::pump(int ended_fd, Clock::time_point deadline) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Stop::deadline;
    pollfd fds[3] = {{out_.eof ? -1 : out_.read_fd, POLLIN, 0},
                     {err_.eof ? -1 : err_.read_fd, POLLIN, 0},
                     {ended_fd, POLLIN, 0}};
    int ready = poll(fds, 3, static_cast<int>(std::min<long>(left, 1000)));
    if (ready < 0 && errno != EINTR) return Stop::exited;
    if (!read_some(out_) || !read_some(err_)) return Stop::over_cap;
    if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) return Stop::exited;
  }
}

void OutputCapture::drain(std::chrono::milliseconds grace) {
  auto deadline = Clock::now() + grace;
  while (!(out_.eof && err_.eof)) {
    if (!read_some(out_) || !read_some(err_)) return;
    if (out_.eof && err_.eof) return;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return;
    pollfd fds[2] = {{out_.eof ? -1 : out_.read_fd, POLLIN, 0}, {err_.eof ? -1 : err_.read_fd, POLLIN, 0}};
    poll(fds, 2, static_cast<int>(left));
  }
}

}  // namespace rlvr::sandbox::detail
