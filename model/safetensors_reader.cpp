// SafetensorsFile: mmap a .safetensors file, validate its header against the file, copy tensors out.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "model/safetensors.h"
#include "model/safetensors_format.h"

namespace rlvr {

namespace {

using json = nlohmann::json;

// Parses the header JSON, rejecting a key repeated within one object (nlohmann keeps the last).
json parse_header_json(const std::string& path, const char* text, size_t len) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto on_event = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) open_objects.emplace_back();
    else if (event == json::parse_event_t::object_end) open_objects.pop_back();
    else if (event == json::parse_event_t::key && !open_objects.empty()) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  json header;
  try {
    header = json::parse(text, text + len, on_event);
  } catch (const json::exception& e) {
    RLVR_FAIL("model", "invalid safetensors header JSON", path, ": ", e.what());
  }
  RLVR_CHECK(duplicate.empty(), "model", path, ": the header names '", duplicate, "' twice");
  RLVR_CHECK(header.is_object(), "model", path, ": the header is ", header.type_name(), ", expected an object");
  return header;
}

uint64_t json_u64(const std::string& path, const std::string& name, const char* field, const json& v) {
  RLVR_CHECK(v.is_number_unsigned(), "model", path, ": tensor '", name, "' field ", field,
             " holds ", v.dump(), ", expected a non-negative integer");
  return v.get<uint64_t>();
}

TensorInfo parse_entry(const std::string& path, const std::string& name, const json& entry) {
  RLVR_CHECK(entry.is_object(), "model", path, ": tensor '", name, "' is ", entry.type_name(), ", expected an object");
  for (const char* field : {"dtype", "shape", "data_offsets"})
    RLVR_CHECK(entry.contains(field), "model", path, ": tensor '", name, "' has no '", field, "'");
  TensorInfo info;
  info.name = name;
  const json& dtype = entry["dtype"];
  RLVR_CHECK(dtype.is_string(), "model", path, ": tensor '", name, "' dtype is ", dtype.dump());
  const std::optional<StDType> parsed = st_dtype_from_name(dtype.get<std::string>());
  RLVR_CHECK(parsed.has_value(), "model", path, ": tensor '", name, "' has unsupported dtype ", dtype.dump(),
             " (supported: F32, BF16, F16, F8_E4M3, F8_E5M2, I32, I64)");
  info.dtype = *parsed;

  const json& shape = entry["shape"];
  RLVR_CHECK(shape.is_array(), "model", path, ": tensor '", name, "' shape is ", shape.dump(), ", expected a list");
  uint64_t numel = 1;
  for (const json& d : shape) {
    const uint64_t dim = json_u64(path, name, "shape", d);
    RLVR_CHECK(dim <= uint64_t(std::numeric_limits<int64_t>::max()) && !__builtin_mul_overflow(numel, dim, &numel),
               "model", path, ": tensor '", name, "' shape ", shape.dump(), " overflows");
    info.shape.push_back(int64_t(dim));
  }
  const json& offsets = entry["data_offsets"];
  RLVR_CHECK(offsets.is_array() && offsets.size() == 2, "model", path, ": tensor '", name, "' data_offsets is ",
             offsets.dump(), ", expected [begin, end]");
  info.begin = json_u64(path, name, "data_offsets", offsets[0]);
  info.end = json_u64(path, name, "data_offsets", offsets[1]);
  RLVR_CHECK(info.begin <= info.end, "model", path, ": tensor '", name, "' data_offsets ", offsets.dump(),
             " end before they begin");
  uint64_t nbytes = 0;
  RLVR_CHECK(!__builtin_mul_overflow(numel, uint64_t(st_dtype_size(info.dtype)), &nbytes), "model", path,
             ": tensor '", name, "' byte size overflows");
  RLVR_CHECK(nbytes == info.end - info.begin, "model", path, ": tensor '", name, "' is ", st_dtype_name(info.dtype),
             shape_str(info.shape), " = ", nbytes, " bytes but data_offsets ", offsets.dump(), " span ",
             info.end - info.begin, " bytes");
  return info;
}

}  // namespace

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  RLVR_CHECK_ERRNO(fd, "model", "cannot open safetensors file ", path);
  struct stat st {};
  if (::fstat(fd, &st) == -1) {
    const int err = errno;
    ::close(fd);
    RLVR_FAIL("model", "fstat failed", path, ": ", std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    RLVR_FAIL("model", "not a regular file", path, " is not a regular file");
  }
  const size_t size = size_t(st.st_size);
  if (size < 8) {
    ::close(fd);
    RLVR_FAIL("model", "file too short", path, " is ", size, " bytes, shorter than the 8-byte header length");
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);  // the mapping keeps the file alive
  RLVR_CHECK(map != MAP_FAILED, "model", "mmap of ", path, " failed: ", std::strerror(err));
  file->map_ = static_cast<const std::byte*>(map);
  file->map_size_ = size;

  uint64_t header_len = 0;
  std::memcpy(&header_len, file->map_, 8);
  static_assert(std::endian::native == std::endian::little, "safetensors lengths are little-endian");
  RLVR_CHECK(header_len <= kMaxHeaderBytes, "model", path, ": header length ", header_len, " exceeds the ",
             kMaxHeaderBytes, "-byte limit");
  RLVR_CHECK(header_len <= size - 8, "model", path, ": header length ", header_len, " is larger than the file (",
             size, " bytes): truncated or not a safetensors file");
  file->parse_header(header_len);
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(const_cast<std::byte*>(map_), map_size_);
}

void SafetensorsFile::parse_header(uint64_t header_len) {
  const json header = parse_header_json(path_, reinterpret_cast<const char*>(map_) + 8, header_len);
  data_ = map_ + 8 + header_len;
  const uint64_t data_size = map_size_ - 8 - header_len;
  std::vector<const TensorInfo*> by_offset;
  for (const auto& [name, entry] : header.items()) {
    if (name == kMetadataKey) {
      RLVR_CHECK(entry.is_object(), "model", path_, ": __metadata__ is ", entry.type_name(), ", expected an object");
      for (const auto& [key, value] : entry.items()) {
        RLVR_CHECK(value.is_string(), "model", path_, ": __metadata__ '", key, "' is ", value.dump(),
                   ", expected a string");
        metadata_[key] = value.get<std::string>();
      }
      continue;
    }
    TensorInfo info = parse_entry(path_, name, entry);
    RLVR_CHECK(info.end <= data_size, "model", path_, ": tensor '", name, "' data_offsets [", info.begin, ", ",
               info.end, "] run past the data section (", data_size, " bytes): truncated file or lying header");
    by_offset.push_back(&(index_[name] = std::move(info)));
  }
  // The tensors must tile the data section exactly: no overlap, no gap, nothing left over.
  std::sort(by_offset.begin(), by_offset.end(), [](const TensorInfo* a, const TensorInfo* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t expected = 0;
  const TensorInfo* previous = nullptr;
  for (const TensorInfo* t : by_offset) {
    RLVR_CHECK(t->begin >= expected, "model", path_, ": tensor '", t->name, "' data [", t->begin, ", ", t->end,
               ") overlaps tensor '", previous ? previous->name : "", "' which ends at ", expected);
    RLVR_CHECK(t->begin == expected, "model", path_, ": tensor '", t->name, "' data starts at ", t->begin,
               " leaving a gap after offset ", expected, ": the data is not contiguous");
    expected = t->end;
    previous = t;
  }
  RLVR_CHECK(expected == data_size, "model", path_, ": ", data_size - expected,
             " bytes after the last tensor (offset ", expected, ") belong to no tensor");
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  out.reserve(index_.size());
  for (const auto& [name, info] : index_) out.push_back(name);
  return out;
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const {
  const auto it = index_.find(name);
  RLVR_CHECK(it != index_.end(), "model", path_, " has no tensor '", name, "'");
  return it->second;
}

Tensor SafetensorsFile::load(const std::string& name) const {
  const TensorInfo& ti = info(name);
  Tensor t = Tensor::empty(ti.shape, ti.load_dtype());
  const std::byte* src = data_ + ti.begin;
  const size_t n = size_t(t.numel());
  switch (ti.dtype) {
    case StDType::F16: {
      float* dst = t.data<float>();
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        dst[i] = f16_bits_to_float(h);
      }
      break;
    }
    case StDType::I64: {
      int32_t* dst = t.data<int32_t>();
      for (size_t i = 0; i < n; ++i) {
        int64_t v;
        std::memcpy(&v, src + 8 * i, 8);
        RLVR_CHECK(v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max(), "model",
                   path_, ": I64 tensor '", name, "' element ", i, " = ", v, " does not fit the I32 it loads as");
        dst[i] = int32_t(v);
      }
      break;
    }
    default: std::memcpy(t.raw(), src, ti.end - ti.begin); break;
  }
  return t;
}

Tensor SafetensorsFile::load(const std::string& name, const Shape& expected_shape, DType expected_dtype) const {
  const TensorInfo& ti = info(name);
  RLVR_CHECK(ti.shape == expected_shape, "model", path_, ": tensor '", name, "' has shape ", shape_str(ti.shape),
             ", expected ", shape_str(expected_shape));
  RLVR_CHECK(ti.load_dtype() == expected_dtype, "model", path_, ": tensor '", name, "' has dtype ",
             st_dtype_name(ti.dtype), " (loads as ", dtype_name(ti.load_dtype()), "), expected ",
             dtype_name(expected_dtype));
  return load(name);
}

}  // namespace rlvr
