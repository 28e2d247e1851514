# Reads /etc/shadow: /etc is not in the view.
# expect: runtime_error
print("ESCAPED", open("/etc/shadow").read()[:20])
