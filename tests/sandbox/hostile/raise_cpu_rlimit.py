# Raises its CPU limit: the hard limit equals the soft one.
# expect: runtime_error
import resource
resource.setrlimit(resource.RLIMIT_CPU, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
print("ESCAPED")
