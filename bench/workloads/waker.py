"""Control for the slowdown benchmark: a process that wakes up every
INTERVAL_US microseconds and does nothing else.

    waker.py INTERVAL_US [SECONDS]      (default 60)

Running fixed_work.py next to it shows how much of the slowdown measured
under the profiler comes from another process being woken at the sampling
interval at all (preemption, cache refills, on a machine with few cores),
rather than from the profiler's reads of the target. Deadlines are absolute,
so oversleeping one period shortens the next, as in the profiler's loop.
"""
import sys
import time


def main():
    interval = float(sys.argv[1]) / 1e6
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    now = time.monotonic()
    deadline, nxt = now + seconds, now + interval
    while nxt < deadline:
        delay = nxt - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        nxt += interval


main()
