"""Workload: reference cycles allocated in a tight loop, the collector timed
by gc.callbacks.

Usage: python gc_cycles.py [SECONDS]   (default 2.0)

Every cycle is made by a class's __init__: instances are created through the
interpreter's __init__ specialization (3.13+ pushes a shim frame while
__init__ runs), and allocations only trigger a collection at the next check
of the eval breaker, inside __init__, so nearly every collection runs with
the shim on the stack (3.13.0's shim once made every such sample fail). A
long-lived heap makes the older collections costly. At the end it prints
"gc_share X": the fraction of the loop's wall time spent between the "start"
and "stop" callbacks of every collection, the reference a sampling profiler's
<GC> share is compared with."""
import gc
import sys
import time

in_gc = 0.0
started = None


def on_gc(phase, info):
    global in_gc, started
    if phase == "start":
        started = time.perf_counter()
    elif started is not None:
        in_gc += time.perf_counter() - started
        started = None


class Pair:
    def __init__(self, peer):
        self.peer = peer
        self.me = self


def churn(deadline):
    made = 0
    while time.perf_counter() < deadline:
        for _ in range(200):
            Pair(Pair(None))
            made += 1
    return made


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    heap = [[i, (i,)] for i in range(50_000)]
    gc.collect()
    gc.callbacks.append(on_gc)
    t0 = time.perf_counter()
    churn(t0 + seconds)
    wall = time.perf_counter() - t0
    gc.callbacks.remove(on_gc)
    print(f"gc_share {in_gc / wall:.4f} heap {len(heap)}", flush=True)


if __name__ == "__main__":
    main()
