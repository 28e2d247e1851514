// The CPU backend's thread pool (kernels/cpu/thread_pool.h).
#include "kernels/cpu/thread_pool.h"

#include <immintrin.h>
#include <sched.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace rlvr::cpu {
namespace {

int env_int(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return 0;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  return (*end == '\0' && n > 0 && n < 4096) ? int(n) : 0;
}

int default_threads() {
  if (const int n = env_int("RLVR_CPU_THREADS")) return n;
  cpu_set_t set;
  int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  if (sched_getaffinity(0, sizeof(set), &set) == 0) cores = CPU_COUNT(&set);
  // Ranks launched together on one node share its cores (Open MPI, MPICH / Hydra, Slurm).
  int local_ranks = 1;
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"})
    if (const int n = env_int(name)) {
      local_ranks = n;
      break;
    }
  return std::clamp(cores / local_ranks, 1, 256);
}

thread_local bool t_inside_piece = false;

// Pause instructions a waiting thread spins (some microseconds) before it yields or sleeps.
constexpr int kSpinPauses = 2000;

// One parallel_for call. A worker that wakes late finds the pieces all claimed and leaves
// without touching the caller's function: the caller waits for the pieces it handed out, never
// for a worker the scheduler has not run yet (which matters when cores are oversubscribed).
struct Job {
  const std::function<void(int64_t)>* piece = nullptr;
  int64_t pieces = 0;
  std::atomic<int64_t> next{0}, done{0};

  void work() {
    const bool outer = t_inside_piece;
    t_inside_piece = true;
    for (int64_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < pieces;) {
      (*piece)(i);
      done.fetch_add(1, std::memory_order_release);
    }
    t_inside_piece = outer;
  }
};

class Pool {
 public:
  explicit Pool(int threads) {
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
  }
  int threads() const { return int(workers_.size()) + 1; }

  // false when another thread holds the pool (the caller then runs the pieces itself).
  bool run(int64_t pieces, const std::function<void(int64_t)>& piece) {
    std::unique_lock<std::mutex> lock(run_mu_, std::try_to_lock);
    if (!lock.owns_lock()) return false;
    auto job = std::make_shared<Job>();
    job->piece = &piece;
    job->pieces = pieces;
    {
      std::lock_guard<std::mutex> g(job_mu_);
      job_ = job;
    }
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    job->work();
    for (int spins = 0; job->done.load(std::memory_order_acquire) < pieces; ++spins) {
      if (spins < kSpinPauses) _mm_pause();
      else std::this_thread::yield();
    }
    return true;
  }

 private:
  void worker_loop() {
    uint64_t seen = 0;
    for (;;) {
      uint64_t g = generation_.load(std::memory_order_acquire);
      for (int spins = 0; g == seen && spins < kSpinPauses; ++spins) {
        _mm_pause();
        g = generation_.load(std::memory_order_acquire);
      }
      while (g == seen) {
        generation_.wait(seen, std::memory_order_acquire);
        g = generation_.load(std::memory_order_acquire);
      }
      seen = g;
      std::shared_ptr<Job> job;
      {
        std::lock_guard<std::mutex> lock(job_mu_);
        job = job_;
      }
      if (job) job->work();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex run_mu_, job_mu_;
  std::shared_ptr<Job> job_;
  std::atomic<uint64_t> generation_{0};
};

Pool& pool() {
  // Never destroyed: workers sleep in the kernel at exit, and joining them from a static
  // destructor could race other exit paths.
  static Pool* p = new Pool(default_threads());
  return *p;
}

}  // namespace

int cpu_threads() { return pool().threads(); }

SerialPieces::SerialPieces() : saved_(t_inside_piece) { t_inside_piece = true; }
SerialPieces::~SerialPieces() { t_inside_piece = saved_; }

void parallel_for(int64_t pieces, const std::function<void(int64_t)>& piece) {
  if (pieces <= 0) return;
  if (pieces == 1 || t_inside_piece || pool().threads() == 1 || !pool().run(pieces, piece))
    for (int64_t i = 0; i < pieces; ++i) piece(i);
}

}  // namespace rlvr::cpu
