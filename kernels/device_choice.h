// The device a command or a run asks for by name: "auto" (CUDA when a device is present, else
// the CPU), "cpu" or "cuda" (which needs a CUDA device). The CLI's --device and the run config's
// run.device both resolve through here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kernels/dtype.h"

namespace rlvr {

// Throws rlvr::Error(component, "<setting> ...") for another name or for "cuda" without a CUDA
// device; `setting` is the caller's context, e.g. "--device" or "run.toml:3:10: run.device".
Device resolve_device(std::string_view name, const std::string& component, const std::string& setting);

// The current CUDA device's total memory in bytes; 0 without one (or without the CUDA backend).
uint64_t cuda_device_memory_bytes();

}  // namespace rlvr
