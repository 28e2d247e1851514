// The caching allocator for device memory (see block_cache.h).
#include "kernels/block_cache.h"

#include <algorithm>

#include "common/error.h"

namespace rlvr {

namespace {
constexpr size_t kSmallGranule = 512, kLargeGranule = size_t(2) << 20, kLargeFrom = size_t(1) << 20;
size_t round_up(size_t n, size_t granule) { return (n + granule - 1) / granule * granule; }
}  // namespace

BlockCache::BlockCache(Alloc alloc, Release release) : alloc_(std::move(alloc)), release_(std::move(release)) {}

BlockCache::~BlockCache() { empty_cache(); }

size_t BlockCache::rounded(size_t bytes) {
  const size_t n = std::max<size_t>(bytes, 1);
  return n < kLargeFrom ? round_up(n, kSmallGranule) : round_up(n, kLargeGranule);
}

void* BlockCache::take_cached(size_t size) {
  auto it = idle_.lower_bound(size);
  // Small blocks are exact size classes; a large request may take a block up to twice its size.
  const size_t limit = size < kLargeFrom ? size : 2 * size;
  if (it == idle_.end() || it->first > limit) return nullptr;
  void* p = it->second;
  live_.emplace(p, it->first);
  stats_.bytes_cached -= it->first;
  stats_.bytes_in_use += it->first;
  idle_.erase(it);
  ++stats_.hits;
  return p;
}

void* BlockCache::allocate(size_t bytes) {
  const size_t size = rounded(bytes);
  std::lock_guard<std::mutex> lock(mu_);
  if (void* p = take_cached(size)) {
    stats_.peak_bytes_in_use = std::max(stats_.peak_bytes_in_use, stats_.bytes_in_use);
    return p;
  }
  void* p = alloc_(size);
  if (!p && !idle_.empty()) {  // out of memory: give back what is idle and try once more
    release_idle();
    p = alloc_(size);
  }
  if (!p) return nullptr;
  ++stats_.backend_allocs;
  live_.emplace(p, size);
  stats_.bytes_in_use += size;
  stats_.peak_bytes_in_use = std::max(stats_.peak_bytes_in_use, stats_.bytes_in_use);
  return p;
}

void BlockCache::free(void* p) {
  if (!p) return;
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = live_.find(p);
  RLVR_CHECK(it != live_.end(), "kernels", "BlockCache::free: ", "a pointer this cache did not hand out");
  idle_.emplace(it->second, p);
  stats_.bytes_in_use -= it->second;
  stats_.bytes_cached += it->second;
  live_.erase(it);
}

void BlockCache::release_idle() {
  for (auto& [n, p] : idle_) release_(p), ++stats_.backend_frees;
  idle_.clear();
  stats_.bytes_cached = 0;
}

void BlockCache::empty_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  release_idle();
}

BlockCacheStats BlockCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace rlvr
