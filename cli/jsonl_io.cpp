#include "cli/jsonl_io.h"

#include <filesystem>

#include "common/error.h"

namespace rlvr::cli {

void for_each_jsonl_object(const std::string& path,
                           const std::function<void(nlohmann::json& row, const std::string& where)>& fn) {
  std::ifstream in(path);
  RLVR_CHECK(in.good(), "cli", "cannot open the input file: ", path);
  std::string line;
  for (int64_t line_no = 1; std::getline(in, line); ++line_no) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = cat(path, ":", line_no);
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      RLVR_FAIL("cli", "invalid JSON", where, ": ", e.what());
    }
    RLVR_CHECK(row.is_object(), "cli", where, ": the line is not a JSON object");
    fn(row, where);
  }
}

JsonlOutput::JsonlOutput(std::string path) : path_(std::move(path)), out_(path_ + ".tmp", std::ios::trunc) {
  RLVR_CHECK(out_.good(), "cli", "cannot write the output file: ", path_);
}

void JsonlOutput::write(const nlohmann::json& row) {
  out_ << row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  ++lines_;
}

void JsonlOutput::commit() {
  out_.close();
  RLVR_CHECK(out_.good(), "cli", "failed writing the output file: ", path_);
  std::filesystem::rename(path_ + ".tmp", path_);
}

}  // namespace rlvr::cli
