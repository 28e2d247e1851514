// External verifiers: any executable speaking one JSON object per line. For each sample we write
// {"prompt", "completion", "row"} on its stdin and read {"reward", "status"?, "detail"?} from its
// stdout. A pool of such processes (Boost.Process) is kept alive; a worker that crashes is
// restarted for the next sample, one that exceeds the per-sample timeout is killed and
// restarted, and what it wrote to stderr goes into the verdict's detail.
// mode = "oneshot" runs a fresh process per sample instead: the request line, then EOF on stdin;
// the first line (or everything up to EOF) on stdout is the answer.
// Options: command (string or list), mode ("persistent"), workers (2: processes at once),
// timeout_s (10), max_line_bytes (1 MiB).
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "rewards/verifier.h"

namespace rlvr::rewards {

std::unique_ptr<Verifier> make_external_verifier(const nlohmann::json& options);

}  // namespace rlvr::rewards
