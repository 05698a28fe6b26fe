"""Works briefly, then exits with the status given on the command line."""
import sys
import time


def work(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


if __name__ == "__main__":
    work(0.5)
    print("args:", " ".join(sys.argv[2:]))
    sys.exit(int(sys.argv[1]))
