// Block-buffered line splitting and tolerant JSON object parsing for run logs.
#include "runlog/jsonl_reader.h"

#include <cstring>

#include "common/error.h"

namespace rlvr::runlog {

namespace {
constexpr size_t kBlock = 4 << 20;
}

void ReadProblems::add(long line, const std::string& why) {
  ++bad_lines;
  if (messages.size() < kKeep) messages.push_back(cat(path, ":", line, ": ", why));
}

LineReader::LineReader(const std::string& path) : path_(path), buffer_(kBlock) {
  file_ = std::fopen(path.c_str(), "rb");
  RLVR_CHECK(file_ != nullptr, "runlog", "cannot open '", path, "': ", std::strerror(errno));
}

LineReader::~LineReader() {
  if (file_) std::fclose(file_);
}

// Moves the unread tail to the front and reads more; grows the buffer for lines longer than it.
bool LineReader::fill() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
  size_t n = std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_);
  RLVR_CHECK(!std::ferror(file_), "runlog", "read error on '", path_, "'");
  if (n == 0) eof_ = true;
  end_ += n;
  bytes_read_ += static_cast<long long>(n);
  return n > 0;
}

bool LineReader::next(std::string_view& line, bool& terminated) {
  size_t scanned = begin_;
  for (;;) {
    const char* start = buffer_.data() + begin_;
    const void* newline = std::memchr(buffer_.data() + scanned, '\n', end_ - scanned);
    if (newline) {
      size_t length = static_cast<const char*>(newline) - start;
      line = std::string_view(start, length);
      begin_ += length + 1;
      terminated = true;
      ++line_number_;
      return true;
    }
    size_t unread = end_ - begin_;
    if (!fill()) {
      if (end_ == begin_) return false;
      line = std::string_view(buffer_.data() + begin_, end_ - begin_);
      begin_ = end_;
      terminated = false;
      ++line_number_;
      return true;
    }
    scanned = begin_ + unread;  // fill() moved the unread bytes to the front
  }
}

// A line without a newline at the end of the file that does not parse is a write in progress.
static bool is_partial(std::string_view line) { return !nlohmann::json::accept(line); }

void for_each_line(const std::string& path, ReadProblems& problems,
                   const std::function<bool(std::string_view, long)>& on_line) {
  problems.path = path;
  LineReader reader(path);
  std::string_view line;
  bool terminated = true;
  while (reader.next(line, terminated)) {
    ++problems.lines;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (!terminated && is_partial(line)) {
      problems.partial_last_line = true;
      break;
    }
    if (!on_line(line, reader.line_number())) break;
  }
  problems.bytes = reader.bytes_read();
}

bool parse_object_line(std::string_view line, long number, ReadProblems& problems,
                       const std::function<bool(const nlohmann::json&, long)>& on_object) {
  nlohmann::json object;
  try {
    object = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    problems.add(number, cat("not valid JSON: ", e.what()));
    return true;
  }
  if (!object.is_object()) {
    problems.add(number, cat("expected a JSON object, got ", object.type_name()));
    return true;
  }
  try {
    return on_object(object, number);
  } catch (const BadRecord& e) {
    problems.add(number, e.what());
    return true;
  }
}

void for_each_object(const std::string& path, ReadProblems& problems,
                     const std::function<bool(const nlohmann::json&, long)>& on_object) {
  for_each_line(path, problems, [&](std::string_view line, long number) {
    return parse_object_line(line, number, problems, on_object);
  });
}

}  // namespace rlvr::runlog
