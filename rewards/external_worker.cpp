// One external verifier process (see external_worker.h). Line I/O uses the raw pipe ends with
// poll(2), so every wait has a deadline; SIGPIPE is blocked around writes so that a dead
// worker yields EPIPE here instead of killing us.
#include "rewards/external_worker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include <boost/process.hpp>

#include "common/error.h"

namespace bp = boost::process;

namespace rlvr::rewards {
namespace {

constexpr size_t kMaxDetailBytes = 1000;  // a verdict's detail is a short note, whatever the program sends

// Spawns are serialized so that no child inherits the pipe ends meant for a sibling.
std::mutex spawn_mutex;

void set_cloexec(int fd) {
  int flags = fcntl(fd, F_GETFD);
  if (flags != -1) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

int ms_until(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<long>(0, std::min<long>(left.count(), 60'000)));
}

}  // namespace

ExternalWorker::ExternalWorker(std::vector<std::string> command, size_t max_line_bytes, size_t max_stderr_bytes,
                               bool one_shot)
    : command_(std::move(command)),
      max_line_bytes_(max_line_bytes),
      max_stderr_bytes_(max_stderr_bytes),
      one_shot_(one_shot) {}

ExternalWorker::~ExternalWorker() { stop(); }

void ExternalWorker::start() {
  std::lock_guard lock(spawn_mutex);
  bp::pipe in, out, err;
  boost::filesystem::path exe = command_[0];
  if (command_[0].find('/') == std::string::npos) exe = bp::search_path(command_[0]);
  RLVR_CHECK(!exe.empty(), "rewards", "external verifier: command not found", "'", command_[0], "'");
  std::vector<std::string> args(command_.begin() + 1, command_.end());
  child_ = std::make_unique<bp::child>(exe, bp::args(args), bp::std_in < in, bp::std_out > out, bp::std_err > err);
  in_fd_ = in.native_sink();
  out_fd_ = out.native_source();
  err_fd_ = err.native_source();
  in.assign_sink(-1);
  out.assign_source(-1);
  err.assign_source(-1);
  for (int fd : {in_fd_, out_fd_, err_fd_}) set_cloexec(fd);
  fcntl(err_fd_, F_SETFL, fcntl(err_fd_, F_GETFL) | O_NONBLOCK);
  out_buf_.clear();
  err_buf_.clear();
}

void ExternalWorker::stop() {
  for (int* fd : {&in_fd_, &out_fd_, &err_fd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  if (child_) {
    std::error_code ec;
    if (child_->running(ec)) child_->terminate(ec);
    child_->wait(ec);
    child_.reset();
  }
}

bool ExternalWorker::write_all(const std::string& data) {
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  bool ok = true, got_epipe = false;
  for (size_t done = 0; done < data.size();) {
    ssize_t n = ::write(in_fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      got_epipe = errno == EPIPE;
      ok = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (got_epipe) {  // consume the pending SIGPIPE before unblocking it
    timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  return ok;
}

void ExternalWorker::drain_stderr() {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(err_fd_, buf, sizeof buf);
    if (n <= 0) return;
    err_buf_.append(buf, static_cast<size_t>(n));
    if (err_buf_.size() > 2 * max_stderr_bytes_) err_buf_.erase(0, err_buf_.size() - max_stderr_bytes_);
  }
}

std::string ExternalWorker::stderr_tail() const {
  std::string tail = err_buf_.size() > max_stderr_bytes_ ? err_buf_.substr(err_buf_.size() - max_stderr_bytes_) : err_buf_;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
  for (char& c : tail)
    if (c == '\n' || c == '\0') c = ' ';
  return tail;
}

std::string ExternalWorker::exit_description() {
  std::error_code ec;
  // The worker closed stdout; give it a moment to exit before killing it.
  for (int i = 0; i < 20 && child_->running(ec); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (child_->running(ec)) {
    child_->terminate(ec);
    return "worker closed its stdout";
  }
  int status = child_->native_exit_code();
  if (WIFSIGNALED(status)) return "worker killed by signal " + std::to_string(WTERMSIG(status));
  return "worker exited with code " + std::to_string(WEXITSTATUS(status));
}

std::string ExternalWorker::read_line(std::chrono::steady_clock::time_point deadline, std::string* why,
                                      bool* timed_out) {
  char buf[65536];
  for (;;) {
    if (size_t nl = out_buf_.find('\n'); nl != std::string::npos) {
      std::string line = out_buf_.substr(0, nl);
      out_buf_.erase(0, nl + 1);
      return line;
    }
    if (out_buf_.size() > max_line_bytes_) {
      *why = "answer line longer than " + std::to_string(max_line_bytes_) + " bytes";
      return {};
    }
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    int wait_ms = ms_until(deadline);
    int rc = ::poll(fds, 2, wait_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (fds[1].revents) drain_stderr();
    if (rc == 0 && wait_ms == 0) {
      *timed_out = true;
      return {};
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(out_fd_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        drain_stderr();
        // A one-shot program may end its answer with EOF instead of a line break.
        if (one_shot_ && !out_buf_.empty()) return std::exchange(out_buf_, {});
        *why = exit_description();
        return {};
      }
      out_buf_.append(buf, static_cast<size_t>(n));
    }
  }
}

Verdict ExternalWorker::call(const std::string& request_line, std::chrono::steady_clock::time_point deadline) {
  if (!child_) {
    try {
      start();
    } catch (const std::exception& e) {
      stop();
      return {0.0, status::kError, std::string("cannot start external verifier: ") + e.what()};
    }
  }
  err_buf_.clear();
  auto with_stderr = [this](std::string detail) {
    std::string tail = stderr_tail();
    return tail.empty() ? detail : detail + "; stderr: " + tail;
  };
  if (!write_all(request_line)) {
    drain_stderr();
    std::string why = exit_description();
    Verdict v{0.0, status::kError, with_stderr("cannot write to external verifier (" + why + ")")};
    stop();
    return v;
  }
  if (one_shot_) {  // the program may read stdin to its end
    ::close(in_fd_);
    in_fd_ = -1;
  }
  Verdict v = read_verdict(deadline, with_stderr);
  if (one_shot_) stop();
  return v;
}

Verdict ExternalWorker::read_verdict(std::chrono::steady_clock::time_point deadline,
                                     const std::function<std::string(std::string)>& with_stderr) {
  std::string why;
  bool timed_out = false;
  std::string line = read_line(deadline, &why, &timed_out);
  if (timed_out || !why.empty()) {
    Verdict v = timed_out ? Verdict{0.0, status::kTimeout, with_stderr(one_shot_ ? "external verifier timed out; process killed"
                                                                                 : "external verifier timed out; worker restarted")}
                          : Verdict{0.0, status::kError, with_stderr("external verifier failed: " + why)};
    stop();
    return v;
  }
  drain_stderr();
  nlohmann::json answer = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object() || !answer.contains("reward") || !answer["reward"].is_number()) {
    std::string shown = line.substr(0, 120);
    return {0.0, status::kError, with_stderr("external verifier answered without a numeric \"reward\": " + shown)};
  }
  Verdict v;
  v.reward = answer["reward"].get<double>();
  auto status_it = answer.find("status");
  v.status = status_it != answer.end() && status_it->is_string() ? status_it->get<std::string>()
                                                                   : (v.reward > 0 ? status::kCorrect : status::kWrong);
  auto detail_it = answer.find("detail");
  v.detail = detail_it != answer.end() && detail_it->is_string() ? detail_it->get<std::string>() : "";
  if (v.detail.size() > kMaxDetailBytes) v.detail = v.detail.substr(0, kMaxDetailBytes) + "...";
  if (std::string tail = stderr_tail(); !tail.empty()) v.detail += (v.detail.empty() ? "stderr: " : "; stderr: ") + tail;
  return v;
}

}  // namespace rlvr::rewards
