"""A workload with a time split known by construction: on every round
hot() takes three times as long as cold(), so a correct wall-clock profile
puts 75% of the samples under hot and 25% under cold. With "sleep" the
rounds wait instead of spinning, which keeps the split exact however busy
the machine is; "spin" burns CPU for the same times."""
import sys
import time


def spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


WAIT = spin


def hot():
    WAIT(0.015)


def cold():
    WAIT(0.005)


def main(total):
    end = time.perf_counter() + total
    while time.perf_counter() < end:
        hot()
        cold()


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "sleep":
        WAIT = time.sleep
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
