# Fork bomb that ignores fork failures: stopped by RLIMIT_NPROC, then the clock.
# expect: timeout
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
