// The two ways a run starts: exec a fresh interpreter with Boost.Process (every language,
// and the reference), or fork the pre-initialized Python zygote. Both isolate the same way.
#pragma once

#include <cstdint>
#include <optional>

#include "sandbox/languages.h"
#include "sandbox/output_capture.h"
#include "sandbox/sandbox.h"

namespace rlvr::sandbox::detail {

struct Outcome {
  int wait_status = 0;  // as from waitpid
  double cpu_ms = 0;
  std::int64_t peak_memory_kb = 0;
  OutputCapture::Stop stop = OutputCapture::Stop::exited;
};

// Runs to the end (or the deadline / output cap), then drains the output pipes.
Outcome run_exec(const LanguageSpec& language, const Program& program, const SandboxLimits& limits,
                 bool namespaces, OutputCapture& capture);

// The same through the zygote; std::nullopt when there is none (the caller falls back to exec).
std::optional<Outcome> run_in_zygote(const Program& program, const SandboxLimits& limits,
                                     OutputCapture& capture);

}  // namespace rlvr::sandbox::detail
