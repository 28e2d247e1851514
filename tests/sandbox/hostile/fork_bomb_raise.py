# Fork bomb that stops at the first failure: RLIMIT_NPROC makes fork fail.
# expect: runtime_error
import os
while True:
    os.fork()
