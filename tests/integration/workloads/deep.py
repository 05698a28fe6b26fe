"""Recurses 200 levels deep, then spins at the bottom, so every sample
shows the whole chain: main -> recurse x 200 -> leaf."""
import sys
import time


def leaf(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def recurse(depth, seconds):
    if depth == 0:
        leaf(seconds)
        return
    recurse(depth - 1, seconds)


def main():
    sys.setrecursionlimit(5000)
    recurse(199, float(sys.argv[1]) if len(sys.argv) > 1 else 1.5)


if __name__ == "__main__":
    main()
