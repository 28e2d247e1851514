# Unbounded recursion in C (repr of a deeply nested list, recursion limit lifted, the stack
# limit lowered to 1 MiB so the overflow comes in milliseconds on any CPU): a segfault.
# expect: killed
import resource
import sys
resource.setrlimit(resource.RLIMIT_STACK, (1 << 20, resource.getrlimit(resource.RLIMIT_STACK)[1]))
sys.setrecursionlimit(10**9)
nested = []
for _ in range(300000):
    nested = [nested]
print("ESCAPED", len(repr(nested)))
