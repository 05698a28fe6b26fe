"""A fixed, deterministic amount of CPU-bound work that times itself.

    fixed_work.py [ITERATIONS]      (default 20,000,000)

Runs the same arithmetic loop ITERATIONS times at the bottom of a 30-frame
stack (like deep30.py) and prints "elapsed <seconds> cpu <seconds>": wall
time (time.perf_counter) and CPU time of this process (time.process_time)
around the loop only, so interpreter start-up and the profiler's attach time
are not part of either figure. The sampling benchmark compares them alone and
under the profiler to get the slowdown; the CPU figure separates the target
losing its core from the target running slower on it.
"""
import sys
import time

DEPTH = 30
RECURSE = DEPTH - 3


def work(iterations):
    acc = 0
    for i in range(iterations):
        acc = (acc * 31 + i) & 0xFFFFFFFF
    return acc


def recurse(n, iterations):
    if n > 1:
        return recurse(n - 1, iterations)
    start, cpu_start = time.perf_counter(), time.process_time()
    result = work(iterations)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print("elapsed %.6f cpu %.6f checksum %d" % (elapsed, cpu, result), flush=True)
    return result


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000_000
    recurse(RECURSE, iterations)


main()
