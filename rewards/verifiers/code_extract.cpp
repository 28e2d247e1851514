// Fenced-block extraction. A fence is a line starting with ``` (up to three spaces of
// indent); the info string after it (e.g. "python") is ignored.
#include "rewards/verifiers/code_extract.h"

#include <vector>

namespace rlvr::rewards {
namespace {

bool is_fence(const std::string& line) {
  std::size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  return line.compare(i, 3, "```") == 0;
}

}  // namespace

std::string extract_program(const std::string& completion) {
  std::vector<std::string> lines;
  for (std::size_t start = 0; start <= completion.size();) {
    std::size_t end = completion.find('\n', start);
    if (end == std::string::npos) end = completion.size();
    std::string line = completion.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
    start = end + 1;
  }
  // Pair fences from the top: open, close, open, close... The last block wins; an opening
  // fence with no closing one (a completion cut off by the length limit) runs to the end.
  std::string last;
  bool found = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!is_fence(lines[i])) continue;
    std::size_t j = i + 1;
    while (j < lines.size() && !is_fence(lines[j])) ++j;
    std::string body;
    for (std::size_t k = i + 1; k < j; ++k) body += lines[k] + "\n";
    last = body;
    found = true;
    i = j;  // skip past the closing fence
  }
  if (found) return last;
  return completion;
}

}  // namespace rlvr::rewards
