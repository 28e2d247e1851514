# Busy loop: RLIMIT_CPU (or the wall clock) ends it.
# expect: timeout
while True:
    pass
