"""Live-view workload: the main thread spends its time in hot_spin (one
line, so one row), a second thread moves between five lines of
other_worker, and both threads write to stdout and stderr, which must not
reach the live view's screen. argv[1]: seconds to run."""
import sys
import threading
import time


def hot_spin(end):
    x = 0
    while time.perf_counter() < end: x += 1  # noqa: E701 -- one line on purpose
    return x


def other_worker(end):
    n = 0
    while time.perf_counter() < end:
        if n < 5:
            print(f"NOISE-OUT {n}", flush=True)
            print(f"NOISE-ERR {n}", file=sys.stderr, flush=True)
        n += 1
        time.sleep(0.001)
        time.sleep(0.001)
        time.sleep(0.001)
        time.sleep(0.001)
        time.sleep(0.001)


def main(seconds):
    end = time.perf_counter() + seconds
    t = threading.Thread(target=other_worker, args=(end,))
    t.start()
    while time.perf_counter() < end:
        hot_spin(min(end, time.perf_counter() + 0.2))
    t.join()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)
