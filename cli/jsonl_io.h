// JSONL in and out for the commands that transform a file line by line (score, tokenize):
// every non-blank input line must be a JSON object (errors name path:line); the output is
// written to PATH.tmp and renamed into place when complete.
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace rlvr::cli {

// Calls fn(object, "path:line") for each non-blank line of path.
void for_each_jsonl_object(const std::string& path,
                           const std::function<void(nlohmann::json& row, const std::string& where)>& fn);

class JsonlOutput {
 public:
  explicit JsonlOutput(std::string path);  // opens PATH.tmp
  void write(const nlohmann::json& row);
  void commit();  // flushes, checks the stream, renames PATH.tmp to PATH
  int64_t lines() const { return lines_; }

 private:
  std::string path_;
  std::ofstream out_;
  int64_t lines_ = 0;
};

}  // namespace rlvr::cli
