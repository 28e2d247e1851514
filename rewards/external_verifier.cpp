// The external verifier: a pool of ExternalWorker processes shared by the calling threads.
#include "rewards/external_verifier.h"

#include <condition_variable>
#include <mutex>

#include "common/error.h"
#include "rewards/external_worker.h"
#include "rewards/options.h"

namespace rlvr::rewards {
namespace {

class ExternalVerifier : public Verifier {
 public:
  explicit ExternalVerifier(const nlohmann::json& options) {
    OptionReader r(options, "external");
    std::vector<std::string> command;
    if (options.contains("command") && options["command"].is_string()) {
      // A command line given as one string is split at spaces (no shell quoting).
      std::string line = r.string("command", "");
      for (size_t start = 0, sp; start < line.size(); start = sp + 1) {
        sp = line.find(' ', start);
        if (sp == std::string::npos) sp = line.size();
        if (sp > start) command.push_back(line.substr(start, sp - start));
      }
    } else {
      command = r.strings("command");
    }
    RLVR_OPTION_CHECK(!command.empty(), "command", "external verifier needs option 'command' (the program to run)");
    long workers = r.integer("workers", 2);
    RLVR_OPTION_CHECK(workers >= 1 && workers <= 256, "workers", "option 'workers' of external must be in 1..256, got ",
                      workers);
    timeout_ = std::chrono::duration<double>(r.number("timeout_s", 10.0));
    RLVR_OPTION_CHECK(timeout_.count() > 0, "timeout_s", "option 'timeout_s' of external must be positive");
    std::string mode = r.string("mode", "persistent");
    RLVR_OPTION_CHECK(mode == "persistent" || mode == "oneshot", "mode",
                      "option 'mode' of external must be \"persistent\" or \"oneshot\", got '", mode, "'");
    long max_line = r.integer("max_line_bytes", 1 << 20);
    RLVR_OPTION_CHECK(max_line > 0, "max_line_bytes", "option 'max_line_bytes' of external must be positive");
    r.reject_unknown();
    for (long i = 0; i < workers; ++i) {
      workers_.push_back(std::make_unique<ExternalWorker>(command, static_cast<size_t>(max_line), 2048, mode == "oneshot"));
      free_.push_back(workers_.back().get());
    }
  }

  Verdict verify(const Sample& sample) const override {
    nlohmann::json request = {{"prompt", sample.prompt},
                              {"completion", sample.completion},
                              {"row", sample.row.is_null() ? nlohmann::json::object() : sample.row}};
    // Invalid UTF-8 in a completion is replaced, not an exception.
    std::string line = request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout_);
    ExternalWorker* worker = acquire();
    Verdict v = worker->call(line, deadline);
    release(worker);
    return v;
  }

 private:
  ExternalWorker* acquire() const {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [this] { return !free_.empty(); });
    ExternalWorker* w = free_.back();
    free_.pop_back();
    return w;
  }
  void release(ExternalWorker* w) const {
    {
      std::lock_guard lock(mutex_);
      free_.push_back(w);
    }
    available_.notify_one();
  }

  std::chrono::duration<double> timeout_;
  std::vector<std::unique_ptr<ExternalWorker>> workers_;
  mutable std::vector<ExternalWorker*> free_;
  mutable std::mutex mutex_;
  mutable std::condition_variable available_;
};

}  // namespace

std::unique_ptr<Verifier> make_external_verifier(const nlohmann::json& options) {
  return std::make_unique<ExternalVerifier>(options);
}

}  // namespace rlvr::rewards
