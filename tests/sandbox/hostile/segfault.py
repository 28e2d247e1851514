# Dereferences a wild pointer through ctypes: SIGSEGV, reported as killed.
# expect: killed
import ctypes
print("ESCAPED", ctypes.cast(8, ctypes.POINTER(ctypes.c_long)).contents.value)
