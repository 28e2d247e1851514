# Raises its process limit.
# expect: runtime_error
import resource
soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
resource.setrlimit(resource.RLIMIT_NPROC, (hard + 1000, hard + 1000))
print("ESCAPED")
