// The device-memory cache over a host backend (malloc with a byte budget, counting calls):
// reuse, size classes, the large-block bound, the out-of-memory retry and bad frees.
#include <gtest/gtest.h>

#include <cstdlib>
#include <unordered_map>

#include "common/error.h"
#include "kernels/block_cache.h"

namespace rlvr {
namespace {

// malloc that refuses to hold more than `budget` bytes at once, like a device running out.
struct BudgetBackend {
  size_t budget, held = 0;
  std::unordered_map<void*, size_t> sizes;
  explicit BudgetBackend(size_t b) : budget(b) {}
  BlockCache make() {
    return BlockCache(
        [this](size_t n) -> void* {
          if (held + n > budget) return nullptr;
          void* p = std::malloc(n);
          sizes[p] = n;
          held += n;
          return p;
        },
        [this](void* p) {
          held -= sizes.at(p);
          sizes.erase(p);
          std::free(p);
        });
  }
};

TEST(BlockCache, RoundsToSizeClasses) {
  const struct { size_t bytes, want; } cases[] = {
      {0, 512}, {1, 512}, {512, 512}, {513, 1024}, {(1 << 20) - 1, 1 << 20}, {1 << 20, 2 << 20},
      {(2 << 20) + 1, 4 << 20}, {(5 << 20) + 7, 6 << 20},
  };
  for (const auto& c : cases) EXPECT_EQ(BlockCache::rounded(c.bytes), c.want) << c.bytes;
}

TEST(BlockCache, FreedBlocksServeTheNextRequestsWithoutTheBackend) {
  BudgetBackend backend(size_t(1) << 30);
  BlockCache cache = backend.make();
  // One "step": a few tensors of mixed sizes, freed at its end; then the same step again.
  const size_t sizes[] = {100, 4096, 3 << 20, 700, 4096};
  for (int step = 0; step < 3; ++step) {
    std::vector<void*> held;
    for (size_t n : sizes) {
      void* p = cache.allocate(n);
      ASSERT_NE(p, nullptr);
      static_cast<char*>(p)[n - 1] = 1;  // the whole request is writable
      held.push_back(p);
    }
    for (void* p : held) cache.free(p);
  }
  const BlockCacheStats s = cache.stats();
  EXPECT_EQ(s.backend_allocs, 5u);  // the first step only
  EXPECT_EQ(s.hits, 10u);
  EXPECT_EQ(s.bytes_in_use, 0u);
  EXPECT_EQ(s.bytes_cached, 512u + 4096 * 2 + (4u << 20) + 1024);
  EXPECT_EQ(s.peak_bytes_in_use, s.bytes_cached);
  cache.empty_cache();
  EXPECT_EQ(backend.held, 0u);
  EXPECT_EQ(cache.stats().backend_frees, 5u);
}

TEST(BlockCache, SmallRequestsDoNotTakeLargeBlocks) {
  BudgetBackend backend(size_t(1) << 30);
  BlockCache cache = backend.make();
  cache.free(cache.allocate(10 << 20));
  void* small = cache.allocate(3 << 20);  // rounds to 4 MiB: the 10 MiB block is more than twice that
  EXPECT_EQ(cache.stats().hits, 0u);
  void* big = cache.allocate(5 << 20);  // 6 MiB: the idle 10 MiB block is within twice
  EXPECT_EQ(cache.stats().hits, 1u);
  cache.free(small);
  cache.free(big);
  void* tiny = cache.allocate(600);  // small classes are exact: none idle of 1024 bytes
  EXPECT_EQ(cache.stats().hits, 1u);
  cache.free(tiny);
}

TEST(BlockCache, OutOfMemoryReleasesIdleBlocksAndRetries) {
  BudgetBackend backend(size_t(10) << 20);
  BlockCache cache = backend.make();
  void* a = cache.allocate(4 << 20);
  void* b = cache.allocate(4 << 20);
  cache.free(a);
  cache.free(b);
  // 8 MiB cached, 2 MiB left in the budget: a 6 MiB block (neither idle 4 MiB block is big
  // enough) only fits once the idle blocks go back.
  void* c = cache.allocate(6 << 20);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(cache.stats().backend_frees, 2u);
  EXPECT_EQ(cache.stats().bytes_cached, 0u);
  EXPECT_EQ(cache.allocate(6 << 20), nullptr);  // still too much, with nothing left to release
  cache.free(c);
}

TEST(BlockCache, FreeingAForeignPointerIsAnError) {
  BudgetBackend backend(size_t(1) << 20);
  BlockCache cache = backend.make();
  int x = 0;
  EXPECT_THROW(cache.free(&x), Error);
  cache.free(nullptr);  // like free(NULL)
}

}  // namespace
}  // namespace rlvr
