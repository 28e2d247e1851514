# Overwrites and creates files in the project's checkout (@SOURCE_DIR@ is filled in by the loader).
# expect: runtime_error
for path, mode in (("@SOURCE_DIR@/README.md", "a"), ("@SOURCE_DIR@/pwned", "w"),
                   ("@SOURCE_DIR@/tests/sandbox/hostile/write_project.py", "w")):
    try:
        open(path, mode).write("pwned")
        print("ESCAPED", path)
    except OSError:
        pass
raise SystemExit(1)
