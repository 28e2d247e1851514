// A caching allocator for device memory, independent of CUDA: blocks freed by tensors go back to
// a cache and are handed out again for requests of a close size, so the steady state of a
// training or decode step makes no cudaMalloc/cudaFree calls (cudaFree synchronizes the whole
// device). All work is in one stream order, so a block freed after its last kernel was enqueued
// can be reused by the next kernel at once, as PyTorch's caching allocator does per stream.
//
// Sizes are rounded up (to 512 B below 1 MiB, to 2 MiB above), and a request takes the
// smallest cached block of at least its rounded size, up to twice it for large blocks (so a
// small request does not pin a huge block). When the backend's allocation fails, every cached
// block is released and the allocation retried once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>

namespace rlvr {

struct BlockCacheStats {
  size_t backend_allocs = 0, backend_frees = 0;  // calls that reached the backend
  size_t hits = 0;                               // allocations served from the cache
  size_t bytes_in_use = 0, bytes_cached = 0;     // held by tensors / idle in the cache
  size_t peak_bytes_in_use = 0;
};

class BlockCache {
 public:
  // alloc returns nullptr on failure (out of memory); release frees what alloc returned.
  using Alloc = std::function<void*(size_t)>;
  using Release = std::function<void(void*)>;
  BlockCache(Alloc alloc, Release release);
  ~BlockCache();  // returns every cached block to the backend
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  static size_t rounded(size_t bytes);
  void* allocate(size_t bytes);  // nullptr only when the backend fails even after emptying the cache
  void free(void* p);            // p from allocate
  void empty_cache();            // every idle block back to the backend
  BlockCacheStats stats() const;

 private:
  void* take_cached(size_t size);  // caller holds mu_
  void release_idle();             // caller holds mu_

  Alloc alloc_;
  Release release_;
  mutable std::mutex mu_;
  std::multimap<size_t, void*> idle_;             // by size
  std::unordered_map<void*, size_t> live_;        // block -> its (rounded) size
  BlockCacheStats stats_;
};

// The cache behind CUDA tensors (all zeros without the CUDA backend or with RLVR_CUDA_CACHE=0).
BlockCacheStats cuda_memory_stats();

}  // namespace rlvr
