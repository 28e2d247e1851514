// Every built-in verifier, registered here with one line each (explicit, so that the static
// library's linker cannot drop one). Keep the list sorted.
#include "rewards/external_verifier.h"
#include "rewards/registry.h"
#include "rewards/verifiers/boxed_math.h"
#include "rewards/verifiers/code_tests.h"
#include "rewards/verifiers/format.h"

namespace rlvr::rewards {

void register_builtin_verifiers(Registry& r) {
  r.add("boxed_math", make_boxed_math_verifier);
  r.add("code_tests", make_code_tests_verifier);
  r.add("external", make_external_verifier);
  r.add("format", make_format_verifier);
}

}  // namespace rlvr::rewards
