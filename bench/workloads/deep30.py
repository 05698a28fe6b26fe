"""CPU-bound target for the sampling benchmark, 30 Python frames deep.

    deep30.py [SECONDS]      (default 60)

The stack is <module> -> main -> recurse x27 -> spin: 30 frames, the depth
the sampling benchmark is specified for. Prints "ready <depth>" once spin()
runs, then burns CPU until SECONDS have passed or it is killed. The clock is
only checked every 65,536 iterations so the target is almost always
executing bytecode when it is sampled.
"""
import sys
import time

DEPTH = 30
# <module> and main are two frames, spin is the last one.
RECURSE = DEPTH - 3


def spin(deadline):
    x = 0
    while True:
        x += 1
        if not x & 0xFFFF and time.monotonic() >= deadline:
            return x


def recurse(n, deadline):
    if n > 1:
        return recurse(n - 1, deadline)
    print("ready", DEPTH, flush=True)
    return spin(deadline)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    recurse(RECURSE, time.monotonic() + seconds)


main()
