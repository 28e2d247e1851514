// The configurable sandbox limits (see limit_fields.h).
#include "sandbox/limit_fields.h"

#include <array>
#include <type_traits>

#include "common/error.h"

namespace rlvr::sandbox {

namespace {

using L = SandboxLimits;

const std::array<LimitField, 9> kFields = {{
    {"wall_time_s", &L::wall_time_s, 0, true},
    {"cpu_time_s", &L::cpu_time_s, 0, true},
    {"memory_mb", &L::memory_mb, 1},
    {"max_processes", &L::max_processes, 1},
    {"max_file_mb", &L::max_file_mb, 0},
    {"max_open_files", &L::max_open_files, 4},
    {"max_output_bytes", &L::max_output_bytes, 0},
    {"work_dir_mb", &L::work_dir_mb, 1},
    {"use_namespaces", &L::use_namespaces},
}};

}  // namespace

bool LimitField::accepts(double value) const { return minimum_open ? value > minimum : value >= minimum; }

std::string LimitField::allowed() const { return cat(minimum_open ? "> " : ">= ", minimum); }

std::span<const LimitField> limit_fields() { return kFields; }

void check_limits(const SandboxLimits& limits) {
  for (const LimitField& f : kFields)
    std::visit(
        [&](auto member) {
          const auto value = limits.*member;
          if constexpr (!std::is_same_v<std::decay_t<decltype(value)>, bool>)
            RLVR_CHECK(f.accepts(double(value)), "sandbox", "limit out of range: ", f.key, " = ", value,
                       " (allowed: ", f.allowed(), ")");
        },
        f.member);
}

}  // namespace rlvr::sandbox
