#include "trainer/jsonl_log.h"

#include <filesystem>
#include <fstream>
#include <utility>

#include "common/error.h"
#include "model/atomic_file.h"

namespace rlvr::trainer {

JsonlLog::JsonlLog(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "ae")) {
  RLVR_CHECK(f_ != nullptr, "logs", "cannot open ", path, " for appending: ", std::strerror(errno));
}

JsonlLog::~JsonlLog() {
  if (f_) std::fclose(f_);
}

JsonlLog::JsonlLog(JsonlLog&& o) noexcept : path_(std::move(o.path_)), f_(std::exchange(o.f_, nullptr)) {}

JsonlLog& JsonlLog::operator=(JsonlLog&& o) noexcept {
  if (this != &o) {
    if (f_) std::fclose(f_);
    path_ = std::move(o.path_);
    f_ = std::exchange(o.f_, nullptr);
  }
  return *this;
}

void JsonlLog::write(const nlohmann::json& line) {
  RLVR_CHECK(f_ != nullptr, "logs", "write to a closed log");
  const std::string s = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  RLVR_CHECK(std::fwrite(s.data(), 1, s.size(), f_) == s.size(), "logs", "writing ", path_, " failed: ",
             std::strerror(errno));
  flush();
}

void JsonlLog::flush() {
  if (f_) std::fflush(f_);
}

void filter_jsonl(const std::string& path, const std::function<bool(const nlohmann::json&)>& keep) {
  if (!std::filesystem::exists(path)) return;
  std::ifstream in(path);
  RLVR_CHECK(in.good(), "logs", "cannot open ", path);
  AtomicFile out(path);
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !keep(j)) continue;
    line += '\n';
    out.write(line.data(), line.size());
  }
  out.commit();
}

}  // namespace rlvr::trainer
