"""A small program with an obvious hotspot, for the quick start: about
60% of its time goes to slow_fibonacci, about 20% to parse_records and
about 20% to sleeping in wait_for_io (visible in wall-clock mode; absent
with --mode=cpu)."""
import json
import time


def slow_fibonacci(n):
    return n if n < 2 else slow_fibonacci(n - 1) + slow_fibonacci(n - 2)


def parse_records(count):
    blob = json.dumps([{"id": i, "name": f"item-{i}", "tags": ["a", "b"]} for i in range(count)])
    return len(json.loads(blob))


def wait_for_io():
    time.sleep(0.05)


def main():
    for _ in range(4):
        slow_fibonacci(30)
        parse_records(20000)
        wait_for_io()


if __name__ == "__main__":
    main()
