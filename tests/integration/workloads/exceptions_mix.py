"""Exceptions with a time split known by construction: a 30 ms schedule,
repeated for SECONDS (default 2.0), gives 10 ms to each of
  in_except()           spinning inside an `except ValueError:` block,
  ordinary()            spinning with no exception anywhere,
  finally_unwinding()   spinning in a `finally:` block while a KeyError
                        propagates through it (the caller catches it),
each phase ending at an absolute deadline, so a correct wall-clock profile
shows each at one third, and a profiler starved of CPU for a while loses
every phase alike (unlike one long phase after another)."""
import sys
import time

PHASE = 0.010


def spin(deadline):
    while time.perf_counter() < deadline:
        pass


def in_except(deadline):
    try:
        raise ValueError("handled while working")
    except ValueError:
        spin(deadline)


def ordinary(deadline):
    spin(deadline)


def raise_through_finally(deadline):
    try:
        raise KeyError("propagating")
    finally:
        spin(deadline)


def finally_unwinding(deadline):
    try:
        raise_through_finally(deadline)
    except KeyError:
        pass


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    t = time.perf_counter()
    end = t + seconds
    while t < end:
        in_except(t + PHASE)
        ordinary(t + 2 * PHASE)
        finally_unwinding(t + 3 * PHASE)
        t += 3 * PHASE


if __name__ == "__main__":
    main()
