# Unbounded recursion in C (repr of a deeply nested list, recursion limit lifted): a segfault.
# expect: killed
import sys
sys.setrecursionlimit(10**9)
nested = []
for _ in range(300000):
    nested = [nested]
print("ESCAPED", len(repr(nested)))
