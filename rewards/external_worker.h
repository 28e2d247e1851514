// One external verifier process and its three pipes; private to rewards/external_verifier.cpp.
// Persistent workers answer many samples; a one-shot worker runs a fresh process per sample
// (request on stdin, then EOF; one answer line; the process is then reaped).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/process/child.hpp>

#include "rewards/verifier.h"

namespace rlvr::rewards {

class ExternalWorker {
 public:
  ExternalWorker(std::vector<std::string> command, size_t max_line_bytes, size_t max_stderr_bytes,
                 bool one_shot = false);
  ~ExternalWorker();

  // Sends one request line and waits for one answer line until the deadline. Starts the
  // process first when it is not running; kills it on timeout or protocol error.
  Verdict call(const std::string& request_line, std::chrono::steady_clock::time_point deadline);

 private:
  void start();
  void stop();
  bool write_all(const std::string& data);
  // Reads stdout/stderr until a full line is buffered; "" and sets why on failure.
  std::string read_line(std::chrono::steady_clock::time_point deadline, std::string* why, bool* timed_out);
  void drain_stderr();
  std::string stderr_tail() const;
  std::string exit_description();
  // Reads and parses the answer line; kills the process on timeout or a broken pipe.
  Verdict read_verdict(std::chrono::steady_clock::time_point deadline,
                       const std::function<std::string(std::string)>& with_stderr);

  std::vector<std::string> command_;
  size_t max_line_bytes_, max_stderr_bytes_;
  bool one_shot_;
  std::unique_ptr<boost::process::child> child_;
  int in_fd_ = -1, out_fd_ = -1, err_fd_ = -1;
  std::string out_buf_, err_buf_;
};

}  // namespace rlvr::rewards
