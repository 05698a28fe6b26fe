"""A workload with a time split known by construction: it runs a fixed
20 ms schedule in which hot() owns the first 15 ms and cold() the last
5 ms, so a correct wall-clock profile puts 75% of the samples under hot
and 25% under cold.

Each phase waits until an absolute deadline rather than for a duration:
scheduling delays then shift both phase boundaries alike instead of adding
to every phase, and the split stays exact on a busy machine. With "sleep"
the phases sleep; with "spin" (the default) they burn CPU."""
import sys
import time

SLEEP = False


def spin(deadline):
    while time.perf_counter() < deadline:
        pass


def nap(deadline):
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return
        time.sleep(remaining)


def wait_until(deadline):
    (nap if SLEEP else spin)(deadline)


def hot(deadline):
    wait_until(deadline)


def cold(deadline):
    wait_until(deadline)


def main(total):
    t = time.perf_counter()
    end = t + total
    while t < end:
        t += 0.015
        hot(t)
        t += 0.005
        cold(t)


if __name__ == "__main__":
    SLEEP = len(sys.argv) > 2 and sys.argv[2] == "sleep"
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
