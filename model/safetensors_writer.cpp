// Saving tensors as safetensors: one atomic file, or size-limited shards plus an index.
#include <filesystem>

#include <nlohmann/json.hpp>

#include "model/atomic_file.h"
#include "model/safetensors.h"
#include "model/safetensors_format.h"

namespace rlvr {

namespace {

using json = nlohmann::ordered_json;

// Header JSON (keys sorted, __metadata__ first) padded with spaces to a multiple of 8 bytes.
std::string make_header(const TensorMap& tensors, const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header[std::string(kMetadataKey)] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    RLVR_CHECK(name != kMetadataKey, "model", "a tensor may not be named ", kMetadataKey);
    RLVR_CHECK(t.defined(), "model", "save: tensor '", name, "' is undefined");
    const uint64_t nbytes = t.nbytes();
    header[name] = {{"dtype", st_dtype_name(st_dtype_for(t.dtype()))},
                    {"shape", t.shape()},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string text = header.dump();
  text.resize((text.size() + 7) / 8 * 8, ' ');
  return text;
}

}  // namespace

void save_safetensors(const std::string& path, const TensorMap& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const std::string header = make_header(tensors, metadata);
  AtomicFile out(path);
  const uint64_t header_len = header.size();  // little-endian on every machine we build for
  out.write(&header_len, 8);
  out.write(header.data(), header.size());
  for (const auto& [name, t] : tensors) {
    const Tensor host = t.to(Device::CPU);
    out.write(host.raw(), host.nbytes());
  }
  out.commit();
}

std::vector<std::string> save_safetensors_sharded(const std::string& dir, const TensorMap& tensors,
                                                  uint64_t max_shard_bytes,
                                                  const std::map<std::string, std::string>& metadata,
                                                  const std::string& prefix) {
  RLVR_CHECK(max_shard_bytes > 0, "model", "save_safetensors_sharded: max_shard_bytes must be positive");
  std::filesystem::create_directories(dir);
  // Greedy in name order: start a new shard when the next tensor would overflow this one.
  std::vector<TensorMap> shards(1);
  uint64_t shard_bytes = 0;
  for (const auto& [name, t] : tensors) {
    RLVR_CHECK(t.defined(), "model", "save: tensor '", name, "' is undefined");
    if (shard_bytes > 0 && shard_bytes + t.nbytes() > max_shard_bytes) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back()[name] = t;
    shard_bytes += t.nbytes();
  }
  std::vector<std::string> files;
  for (size_t i = 0; i < shards.size(); ++i) {
    files.push_back(safetensors_shard_name(prefix, i + 1, shards.size()));
    save_safetensors(dir + "/" + files.back(), shards[i], metadata);
  }
  write_safetensors_index(dir, files, prefix);
  return files;
}

std::string safetensors_shard_name(const std::string& prefix, size_t index, size_t count) {
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, "-%05zu-of-%05zu.safetensors", index, count);
  return prefix + suffix;
}

void write_safetensors_index(const std::string& dir, const std::vector<std::string>& files, const std::string& prefix) {
  uint64_t total_bytes = 0;
  nlohmann::ordered_json weight_map = nlohmann::ordered_json::object();
  for (const std::string& file : files) {
    const auto f = SafetensorsFile::open(dir + "/" + file);
    for (const std::string& name : f->names()) {
      weight_map[name] = file;
      total_bytes += f->info(name).end - f->info(name).begin;
    }
  }
  nlohmann::ordered_json index = {{"metadata", {{"total_size", total_bytes}}}, {"weight_map", weight_map}};
  write_file_atomic(dir + "/" + prefix + ".safetensors.index.json", index.dump(2) + "\n");
}

}  // namespace rlvr
