// Capture of the program's stdout and stderr through pipes, each kept up to a cap, while
// waiting for the program to end or its wall-clock deadline to pass.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>

namespace rlvr::sandbox::detail {

class OutputCapture {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Stop { exited, deadline, over_cap };

  explicit OutputCapture(std::size_t cap);  // creates both pipes (close-on-exec)
  ~OutputCapture();
  OutputCapture(const OutputCapture&) = delete;
  OutputCapture& operator=(const OutputCapture&) = delete;

  int stdout_write_end() const { return out_.write_fd; }
  int stderr_write_end() const { return err_.write_fd; }
  void close_write_ends();  // in the parent, once the child has them

  // Reads both pipes until `ended_fd` becomes readable (a pidfd, or the zygote's run socket),
  // `deadline` passes, or a stream goes past the cap.
  Stop pump(int ended_fd, Clock::time_point deadline);
  // Reads what is left until both pipes reach end of file or `grace` passes (a killed
  // process tree takes a moment to let go of them).
  void drain(std::chrono::milliseconds grace);

  const std::string& stdout_text() const { return out_.text; }
  const std::string& stderr_text() const { return err_.text; }
  bool stdout_truncated() const { return out_.truncated; }
  bool stderr_truncated() const { return err_.truncated; }

 private:
  struct Stream {
    int read_fd = -1, write_fd = -1;
    std::string text;
    bool truncated = false, eof = false;
  };
  bool read_some(Stream& s);  // returns false when the stream went past the cap
  std::size_t cap_;
  Stream out_, err_;
};

}  // namespace rlvr::sandbox::detail
