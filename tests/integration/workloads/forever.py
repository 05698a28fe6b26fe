"""Runs until killed, printing a ready line first so a test can attach."""
import sys
import time


def busy_forever():
    while True:
        end = time.perf_counter() + 0.01
        while time.perf_counter() < end:
            pass


if __name__ == "__main__":
    print("ready", flush=True)
    busy_forever()
