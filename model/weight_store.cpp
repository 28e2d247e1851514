// WeightStore: one name space over a single safetensors file or the shards of an index.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "model/safetensors.h"

namespace rlvr {

namespace fs = std::filesystem;

namespace {

// Reads a sharded checkpoint's index: weight_map { tensor name: shard file name }.
std::map<std::string, std::string> read_weight_map(const std::string& index_path) {
  std::ifstream in(index_path);
  RLVR_CHECK(in.good(), "model", "cannot read safetensors index ", index_path);
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    RLVR_FAIL("model", "invalid safetensors index JSON", index_path, ": ", e.what());
  }
  RLVR_CHECK(index.is_object() && index.contains("weight_map") && index["weight_map"].is_object(), "model",
             index_path, ": expected an object with a 'weight_map' object");
  std::map<std::string, std::string> weight_map;
  for (const auto& [name, shard] : index["weight_map"].items()) {
    RLVR_CHECK(shard.is_string(), "model", index_path, ": weight_map['", name, "'] is ", shard.dump(),
               ", expected a file name");
    const std::string file = shard.get<std::string>();
    // The index is untrusted: a shard must be a plain file name beside it.
    RLVR_CHECK(!file.empty() && file.find('/') == std::string::npos && file != "." && file != "..", "model",
               index_path, ": weight_map['", name, "'] names '", file, "', expected a file name in the same directory");
    weight_map[name] = file;
  }
  return weight_map;
}

}  // namespace

std::string fp8_scale_name(const std::string& weight_name) { return weight_name + "_scale_inv"; }

WeightStore WeightStore::open(const std::string& path) {
  WeightStore store;
  store.origin_ = path;
  std::string target = path;
  if (fs::is_directory(path)) {
    const std::string index = path + "/model.safetensors.index.json";
    const std::string single = path + "/model.safetensors";
    RLVR_CHECK(fs::exists(index) || fs::exists(single), "model", "no model.safetensors.index.json or ",
               "model.safetensors in ", path);
    target = fs::exists(index) ? index : single;
  }
  if (target.size() >= 5 && target.compare(target.size() - 5, 5, ".json") == 0) {
    const fs::path dir = fs::path(target).parent_path();
    std::map<std::string, size_t> shard_slot;
    for (const auto& [name, shard] : read_weight_map(target)) {
      auto [it, fresh] = shard_slot.try_emplace(shard, store.files_.size());
      if (fresh) {
        const std::string shard_path = (dir / shard).string();
        RLVR_CHECK(fs::exists(shard_path), "model", target, ": shard '", shard, "' (holding '", name,
                   "') does not exist at ", shard_path);
        store.files_.push_back(SafetensorsFile::open(shard_path));
      }
      RLVR_CHECK(store.files_[it->second]->has(name), "model", target, ": tensor '", name, "' is mapped to '",
                 shard, "' but that shard does not hold it");
      store.where_[name] = it->second;
    }
    if (!store.files_.empty()) store.metadata_ = store.files_.front()->metadata();
    return store;
  }
  store.files_.push_back(SafetensorsFile::open(target));
  for (const std::string& name : store.files_[0]->names()) store.where_[name] = 0;
  store.metadata_ = store.files_[0]->metadata();
  return store;
}

std::vector<std::string> WeightStore::names() const {
  std::vector<std::string> out;
  out.reserve(where_.size());
  for (const auto& [name, slot] : where_) out.push_back(name);
  return out;
}

const SafetensorsFile& WeightStore::file_for(const std::string& name) const {
  const auto it = where_.find(name);
  RLVR_CHECK(it != where_.end(), "model", "weights at ", origin_, " have no tensor '", name, "'");
  return *files_[it->second];
}

const TensorInfo& WeightStore::info(const std::string& name) const { return file_for(name).info(name); }
const std::string& WeightStore::file_of(const std::string& name) const { return file_for(name).path(); }
Tensor WeightStore::load(const std::string& name) const { return file_for(name).load(name); }

Tensor WeightStore::load(const std::string& name, const Shape& expected_shape, DType expected_dtype) const {
  return file_for(name).load(name, expected_shape, expected_dtype);
}

bool WeightStore::has_fp8(const std::string& name) const {
  return has(name) && has(fp8_scale_name(name)) && info(name).dtype == StDType::F8_E4M3;
}

Fp8Weight WeightStore::load_fp8(const std::string& name, const Shape& expected_shape) const {
  RLVR_CHECK(expected_shape.size() == 2, "model", "load_fp8 '", name, "': expected shape ",
             shape_str(expected_shape), " is not [N, K]");
  const auto blocks = [](int64_t n) { return (n + kFp8WeightBlock - 1) / kFp8WeightBlock; };
  Fp8Weight w;
  w.weight = load(name, expected_shape, DType::E4M3);
  const std::string scale = fp8_scale_name(name);
  RLVR_CHECK(has(scale), "model", "weights at ", origin_, " have the FP8 tensor '", name, "' but no '", scale, "'");
  w.scale_inv = load(scale, {blocks(expected_shape[0]), blocks(expected_shape[1])}, DType::F32);
  return w;
}

}  // namespace rlvr
