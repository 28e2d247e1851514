// Pulls the program out of a model completion: the last fenced code block (``` with or
// without a language tag, closed or cut off at the end), else the whole completion.
#pragma once

#include <string>

namespace rlvr::rewards {

std::string extract_program(const std::string& completion);

}  // namespace rlvr::rewards
