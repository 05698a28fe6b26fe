"""A CPU-bound workload with a time split known by construction: hot()
spins three times as long as cold() on every round, so a correct profile
puts 75% of the samples under hot and 25% under cold."""
import sys
import time


def spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def hot():
    spin(0.015)


def cold():
    spin(0.005)


def main(total):
    end = time.perf_counter() + total
    while time.perf_counter() < end:
        hot()
        cold()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
