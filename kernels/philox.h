// Philox 4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
// counter-based RNG, the one curand and JAX use. Same (key, counter), same numbers, on any
// device and in any order, which is what batch-independent sampling needs.
#pragma once

#include <array>
#include <cstdint>

namespace rlvr {

using PhiloxBlock = std::array<uint32_t, 4>;

constexpr PhiloxBlock philox4x32_10(PhiloxBlock ctr, std::array<uint32_t, 2> key) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t(kMul0) * ctr[0];
    const uint64_t p1 = uint64_t(kMul1) * ctr[2];
    ctr = {uint32_t(p1 >> 32) ^ ctr[1] ^ key[0], uint32_t(p1), uint32_t(p0 >> 32) ^ ctr[3] ^ key[1],
           uint32_t(p0)};
    key = {key[0] + kWeyl0, key[1] + kWeyl1};
  }
  return ctr;
}

// Four 32-bit words for (seed, stream, counter): seed is the key, (counter, stream) the block.
constexpr PhiloxBlock philox_draw(uint64_t seed, uint64_t stream, uint64_t counter) {
  return philox4x32_10({uint32_t(counter), uint32_t(counter >> 32), uint32_t(stream), uint32_t(stream >> 32)},
                       {uint32_t(seed), uint32_t(seed >> 32)});
}

// A uniform double in [0, 1) from two words (53 random bits).
constexpr double philox_uniform(const PhiloxBlock& b) {
  const uint64_t bits = (uint64_t(b[0]) << 21) ^ (uint64_t(b[1]) >> 11);
  return double(bits & ((uint64_t(1) << 53) - 1)) * 0x1p-53;
}

}  // namespace rlvr
