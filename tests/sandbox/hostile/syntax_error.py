# Not even Python.
# expect: runtime_error
def broken(:
    pass
