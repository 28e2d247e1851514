// Append-only JSONL logs of a run (metrics.jsonl, rollouts.jsonl): one object per line, flushed
// per write, so a reader sees whole lines while the run goes on.
#pragma once

#include <cstdio>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace rlvr::trainer {

class JsonlLog {
 public:
  JsonlLog() = default;
  explicit JsonlLog(const std::string& path);  // appends; creates the file
  ~JsonlLog();
  JsonlLog(JsonlLog&& o) noexcept;
  JsonlLog& operator=(JsonlLog&& o) noexcept;
  void write(const nlohmann::json& line);
  void flush();

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
};

// Rewrites path keeping the lines for which keep(line) is true (a resumed run drops what was
// logged after its checkpoint); lines that do not parse (a torn last write) are dropped too.
void filter_jsonl(const std::string& path, const std::function<bool(const nlohmann::json&)>& keep);

}  // namespace rlvr::trainer
