// The one exception type of rlvr and the check macros that throw it.
// Message shape: "component: what failed: detail (file:line)". Only cli/ turns it into an exit code.
#pragma once

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>

namespace rlvr {

class Error : public std::runtime_error {
 public:
  Error(std::string component, std::string what, const char* file, int line, std::string detail = {})
      : std::runtime_error(format(component, what, file, line, detail)),
        component_(std::move(component)) {}
  const std::string& component() const { return component_; }
  // The message without its "component: " prefix, for an error re-raised by another component.
  std::string reason() const { return std::string(what()).substr(component_.size() + 2); }

 private:
  static std::string format(const std::string& component, const std::string& what, const char* file,
                            int line, const std::string& detail) {
    std::ostringstream os;
    const char* base = std::strrchr(file, '/');
    os << component << ": " << what;
    if (!detail.empty()) os << ": " << detail;
    os << " (" << (base ? base + 1 : file) << ":" << line << ")";
    return os.str();
  }
  std::string component_;
};

// Builds a detail string from stream-able pieces: rlvr::cat("shape ", a, " vs ", b).
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream os;
  ((os << parts), ...);
  return os.str();
}

}  // namespace rlvr

// Throws rlvr::Error when cond is false; the remaining arguments are streamed into the message
// (the condition's text stands in when there are none).
#define RLVR_CHECK(cond, component, ...)                                                    \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::string rlvr_msg_ = ::rlvr::cat("" __VA_OPT__(, ) __VA_ARGS__);                  \
      throw ::rlvr::Error(component, rlvr_msg_.empty() ? std::string(#cond) : rlvr_msg_,    \
                          __FILE__, __LINE__);                                              \
    }                                                                                       \
  } while (0)

// Throws unconditionally with a message.
#define RLVR_FAIL(component, what, ...) \
  throw ::rlvr::Error(component, what, __FILE__, __LINE__, ::rlvr::cat(__VA_ARGS__))

// Checks a libc call that returns -1 and sets errno.
#define RLVR_CHECK_ERRNO(expr, component, ...)                                              \
  do {                                                                                      \
    if ((expr) == -1) {                                                                     \
      int rlvr_errno_ = errno;                                                              \
      throw ::rlvr::Error(component, #expr, __FILE__, __LINE__,                             \
                          ::rlvr::cat(std::strerror(rlvr_errno_), " ", ##__VA_ARGS__));     \
    }                                                                                       \
  } while (0)
