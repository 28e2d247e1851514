// Private to model/: the safetensors format constants and dtype spellings shared by reader and writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "model/safetensors.h"

namespace rlvr {

constexpr std::string_view kMetadataKey = "__metadata__";
constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the limit of the reference implementation

std::optional<StDType> st_dtype_from_name(std::string_view name);
StDType st_dtype_for(DType t);  // how a tensor of dtype t is stored
float f16_bits_to_float(uint16_t h);

}  // namespace rlvr
