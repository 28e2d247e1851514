# Opens files until RLIMIT_NOFILE refuses.
# expect: runtime_error
files = []
while True:
    files.append(open("/dev/null"))
