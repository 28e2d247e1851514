// Streaming JSONL reading for run logs: one object at a time from a file of any size, a corrupt
// line reported by number while the rest is still read, a partial last line (run still writing)
// tolerated.
#pragma once

#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace rlvr::runlog {

// What went wrong while reading one file: the first few bad lines in full, the rest counted.
struct ReadProblems {
  static constexpr size_t kKeep = 20;
  std::string path;
  std::vector<std::string> messages;  // "rollouts.jsonl:17: <why>"
  long bad_lines = 0;
  bool partial_last_line = false;  // no trailing newline and not parseable: still being written
  long lines = 0;                  // lines read, good or bad
  long long bytes = 0;

  void add(long line, const std::string& why);
  bool clean() const { return bad_lines == 0; }
};

// Thrown by record parsers for a line whose JSON is fine but whose fields are not
// ("field 'reward' must be a number"); for_each_object records it with the line number.
struct BadRecord : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads lines of a file in large blocks; a line is a view into the reader's buffer, valid until
// the next call. The last line may have no newline (then `terminated` is false).
class LineReader {
 public:
  explicit LineReader(const std::string& path);  // throws rlvr::Error when it cannot be opened
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  bool next(std::string_view& line, bool& terminated);
  long line_number() const { return line_number_; }  // of the line last returned, from 1
  long long bytes_read() const { return bytes_read_; }

 private:
  bool fill();
  std::FILE* file_ = nullptr;
  std::string path_;
  std::vector<char> buffer_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  long line_number_ = 0;
  long long bytes_read_ = 0;
};

// Calls on_line(line, line_number) for each non-blank line but a partial last one; returns
// false to stop early. For readers with a fast path that hand hard lines to parse_object_line.
void for_each_line(const std::string& path, ReadProblems& problems,
                   const std::function<bool(std::string_view, long)>& on_line);

// Parses one line as for_each_object does: bad JSON, a non-object or a BadRecord from on_object
// go to `problems`. Returns what on_object returned (true for a bad line).
bool parse_object_line(std::string_view line, long number, ReadProblems& problems,
                       const std::function<bool(const nlohmann::json&, long)>& on_object);

// Calls on_object(object, line_number) for each line that is a JSON object; blank lines are
// skipped; a line that is not an object, or on which on_object throws BadRecord, is recorded
// in `problems` and reading goes on. on_object returns false to stop early.
void for_each_object(const std::string& path, ReadProblems& problems,
                     const std::function<bool(const nlohmann::json&, long)>& on_object);

}  // namespace rlvr::runlog
