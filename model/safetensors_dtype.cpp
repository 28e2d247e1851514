// Safetensors dtype names and sizes, their mapping to rlvr dtypes, and the IEEE half decoder.
#include <bit>
#include <cmath>

#include "model/safetensors_format.h"

namespace rlvr {

namespace {
struct StDTypeRow {
  StDType st;
  std::string_view name;
  size_t size;
  DType loads_as;
};
constexpr StDTypeRow kRows[] = {
    {StDType::F32, "F32", 4, DType::F32},         {StDType::BF16, "BF16", 2, DType::BF16},
    {StDType::F16, "F16", 2, DType::F32},         {StDType::F8_E4M3, "F8_E4M3", 1, DType::E4M3},
    {StDType::F8_E5M2, "F8_E5M2", 1, DType::E5M2}, {StDType::I32, "I32", 4, DType::I32},
    {StDType::I64, "I64", 8, DType::I32},
};
const StDTypeRow& row(StDType t) { return kRows[size_t(t)]; }
}  // namespace

std::string_view st_dtype_name(StDType t) { return row(t).name; }
size_t st_dtype_size(StDType t) { return row(t).size; }
DType st_load_dtype(StDType t) { return row(t).loads_as; }

std::optional<StDType> st_dtype_from_name(std::string_view name) {
  for (const StDTypeRow& r : kRows)
    if (r.name == name) return r.st;
  return std::nullopt;
}

StDType st_dtype_for(DType t) {
  switch (t) {
    case DType::F32: return StDType::F32;
    case DType::BF16: return StDType::BF16;
    case DType::E4M3: return StDType::F8_E4M3;
    case DType::E5M2: return StDType::F8_E5M2;
    case DType::I32: return StDType::I32;
  }
  RLVR_FAIL("model", "unknown dtype", int(t));
}

float f16_bits_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const int exp = (h >> 10) & 0x1f;
  const uint32_t man = h & 0x3ffu;
  if (exp == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (man << 13));  // inf / nan
  if (exp == 0) {  // zero or subnormal: man * 2^-24
    const float mag = std::ldexp(float(man), -24);
    return sign ? -mag : mag;
  }
  return std::bit_cast<float>(sign | (uint32_t(exp - 15 + 127) << 23) | (man << 13));
}

}  // namespace rlvr
