# Reads the project's files (the loader puts the real checkout for @SOURCE_DIR@): not in the view.
# expect: runtime_error
for path in ("@SOURCE_DIR@/README.md", "@SOURCE_DIR@/sandbox/sandbox.h", "@SOURCE_DIR@/.git/config",
             "/root/.bashrc"):
    try:
        open(path).read()
        print("ESCAPED", path)
    except OSError:
        pass
raise SystemExit(1)
