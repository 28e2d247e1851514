# Thread bomb: threads count against RLIMIT_NPROC too.
# expect: runtime_error
import threading, time
while True:
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
