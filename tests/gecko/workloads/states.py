"""Workload for the gecko tests: every thread state the markers show.

Usage: python states.py [SECONDS]   (default 1.5)

Prints one line "threads MAIN_TID SLEEPER_TID" (native thread ids) when
both threads run, then works for SECONDS:
  main thread   cycles of hot_loop() (its line marked HOT is one
                instruction-heavy expression), make_cycles() (reference
                cycles, so the cyclic GC collects often: "GC Collecting"),
                and handled() which spends time inside an except block
                ("Has Exception").
  sleeper       sleeps in short naps the whole run: "No GIL", "Off CPU".
"""
import gc
import sys
import threading
import time


class Node:
    def __init__(self):
        self.ref = None
        self.payload = [None] * 8


def make_cycles(n):
    for _ in range(n):
        a = Node()
        b = Node()
        a.ref = b
        b.ref = a


def hot_loop(n):
    total = 0
    for i in range(n):
        total = (total + i * 7) & 0xFFFFF  # HOT
    return total


def handled():
    try:
        raise ValueError("handled")
    except ValueError:
        return hot_loop(20000)


def sleeper(stop):
    while not stop.is_set():
        time.sleep(0.1)


def main(seconds):
    stop = threading.Event()
    worker = threading.Thread(target=sleeper, args=(stop,), name="sleeper")
    worker.start()
    print("threads", threading.get_native_id(), worker.native_id, flush=True)
    end = time.perf_counter() + seconds
    rounds = 0
    while time.perf_counter() < end:
        hot_loop(60000)
        make_cycles(3000)
        handled()
        rounds += 1
        if rounds % 4 == 0:
            gc.collect()
    stop.set()
    worker.join()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.5)
