"""Code objects created and freed all the time: each round compiles a
function fn_K (K cycling 0..7) with K statements before its loop and 8 - K
in a branch after it that never runs (so every fn_K's code object has the
same size), runs it
for about a millisecond and drops it, so new code objects keep landing at
the addresses of freed ones. fn_K runs lines 2 to K+5 of its file gen_K.py
(def, statements, loop, the branch's test). A profiler that trusts a cached
code object after it was freed names the old function and maps the new
instruction through the old line table: for a later K, a line inside the
branch that never runs."""
import sys
import time

TEMPLATE = """
def fn_{k}(deadline):
{pre}    while time.perf_counter() < deadline:
        pass
    if deadline is None:
{post}"""


def main():
    end = time.perf_counter() + (float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
    k = 0
    while time.perf_counter() < end:
        scope = {"time": time}
        source = TEMPLATE.format(k=k, pre="    x = 0\n" * k, post="        x = 0\n" * (8 - k) + "        pass\n")
        exec(compile(source, f"gen_{k}.py", "exec"), scope)
        scope[f"fn_{k}"](time.perf_counter() + 0.001)
        scope.clear()   # breaks the function <-> globals cycle: freed now, not by the GC
        k = (k + 1) % 8


if __name__ == "__main__":
    main()
