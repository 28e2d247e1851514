# Sleeps past the wall-clock limit, using no CPU.
# expect: timeout
import time
time.sleep(100)
