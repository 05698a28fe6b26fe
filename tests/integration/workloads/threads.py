"""Three worker threads, each in a function with its own name, plus the
main thread waiting in main_waits; with -a every thread must show up."""
import sys
import threading
import time


def spin_until(end):
    while time.perf_counter() < end:
        pass


def worker_alpha(end):
    spin_until(end)


def worker_beta(end):
    while time.perf_counter() < end:
        time.sleep(0.001)


def worker_gamma(end):
    spin_until(end)


def main_waits(threads):
    for t in threads:
        t.join()


if __name__ == "__main__":
    end = time.perf_counter() + (float(sys.argv[1]) if len(sys.argv) > 1 else 1.5)
    threads = [threading.Thread(target=f, args=(end,)) for f in (worker_alpha, worker_beta, worker_gamma)]
    for t in threads:
        t.start()
    main_waits(threads)
