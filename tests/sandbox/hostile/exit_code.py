# Exits with a chosen code.
# expect: runtime_error
raise SystemExit(7)
