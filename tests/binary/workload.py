"""Targets for the binary-format tests; the first argument picks one.

Each kind runs for about SECONDS (second argument, default 0.8) and
exercises what the binary format must carry: several threads, deep stacks,
the garbage collector, exceptions being handled, asyncio tasks, and a
mix of running and sleeping for cpu mode."""
import asyncio
import gc
import sys
import threading
import time


def spin(seconds):
    end = time.perf_counter() + seconds
    x = 0
    while time.perf_counter() < end:
        x += 1
    return x


def slow_part(seconds):
    return spin(seconds)


def fast_part(seconds):
    return spin(seconds)


def sleeper(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        time.sleep(0.005)


def threads(total):
    ts = [threading.Thread(target=spin, args=(total,)), threading.Thread(target=sleeper, args=(total,)),
          threading.Thread(target=spin, args=(total / 2,))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def recurse(n, total):
    if n == 0:
        return spin(total)
    return recurse(n - 1, total)


class Node:
    def __init__(self):
        self.ref = None


def make_cycles(n):
    for _ in range(n):
        a, b = Node(), Node()
        a.ref, b.ref = b, a


def gc_work(total):
    end = time.perf_counter() + total
    while time.perf_counter() < end:
        make_cycles(2000)
        gc.collect()


def handled(total):
    end = time.perf_counter() + total
    while time.perf_counter() < end:
        try:
            raise ValueError("x")
        except ValueError:
            spin(0.01)
        spin(0.01)


async def task_work(seconds):
    for _ in range(int(seconds / 0.01)):
        spin(0.005)
        await asyncio.sleep(0.005)


async def async_main(total):
    await asyncio.gather(task_work(total), task_work(total))


def cpu_mix(total):
    end = time.perf_counter() + total
    while time.perf_counter() < end:
        spin(0.02)
        time.sleep(0.02)


def diff_work(total, factor):
    """slow_part costs `factor` times fast_part's time."""
    end = time.perf_counter() + total
    while time.perf_counter() < end:
        fast_part(0.01)
        slow_part(0.01 * factor)


def main():
    kind = sys.argv[1]
    total = float(sys.argv[2]) if len(sys.argv) > 2 else 0.8
    if kind == "threads":
        threads(total)
    elif kind == "deep":
        recurse(120, total)
    elif kind == "gc":
        gc_work(total)
    elif kind == "exc":
        handled(total)
    elif kind == "async":
        asyncio.run(async_main(total))
    elif kind == "cpu":
        cpu_mix(total)
    elif kind == "diff":
        diff_work(total, float(sys.argv[3]) if len(sys.argv) > 3 else 1.0)
    else:
        spin(total)


if __name__ == "__main__":
    main()
