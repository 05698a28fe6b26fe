#!/usr/bin/env python3
"""Torn samples with and without --blocking, and what --blocking costs the
target.

The workload recurses to a random depth (up to 400 frames) and unwinds,
again and again, so its stack changes several times per microsecond of
sampling. A sample is torn when the decoder rejects it as inconsistent (it
counts as a failed attempt: the "Error rate" line) or when the stack it
delivers could not have existed: every valid stack is <module> -> main ->
dive x N, with every dive but the innermost one at its call line. Both are
counted from a collapsed profile of the same run.

The profiler attaches to the running workload for a fixed time, so the
interpreter's start-up and shutdown (whose samples fail in any mode) stay
out of the figures. The slowdown is the workload's own iteration rate
while attached against its rate alone.

    bench/blocking_torn.py [--build-dir DIR] [--python PATH]... [--seconds S] [--interval US]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PYTHONS = ["/root/.pyenv/versions/3.11.7/bin/python3.11", "/root/.pyenv/versions/3.12.1/bin/python3.12",
                   "/root/.pyenv/versions/3.13.0/bin/python3.13", "/usr/bin/python3.11"]

WORKLOAD = """\
import random, sys, time

def dive(n):
    if n:
        return dive(n - 1) + 1
    x = 0
    for i in range(20):
        x += i
    return x

def main(seconds):
    rnd = random.Random(1)
    end = time.perf_counter() + seconds
    iterations = 0
    report = time.perf_counter()
    while time.perf_counter() < end:
        dive(rnd.randrange(50, 400))
        iterations += 1
        if time.perf_counter() >= report:
            print("iterations", iterations, flush=True)
            report += 0.1
    print("iterations", iterations, flush=True)

main(float(sys.argv[1]))
"""
CALL_LINE = 5      # "return dive(n - 1) + 1"
LEAF_LINES = {3, 4, 5, 6, 7, 8, 9}   # 3: the RESUME of a call just made
MAIN_CALL_LINE = 17
MODULE_LINE = 24


def check_stack(frames):
    """True when a collapsed stack (tid first, root first) could exist."""
    frames = frames[1:]
    if len(frames) < 2:
        return False
    parsed = []
    for fr in frames:
        parts = fr.rsplit(":", 2)
        if len(parts) != 3 or not parts[2].lstrip("-").isdigit():
            parts = [fr, fr, "-1"]
        parsed.append((parts[0], parts[1], int(parts[2])))
    while parsed and parsed[-1][1] in ("<GC>", "<native>"):
        parsed.pop()                   # a collection on top of any frame is fine
    if len(parsed) < 2:
        return False
    if parsed[0][1] == "<module>" and parsed[0][2] == 1:
        return True                    # start-up: importing random
    if parsed[0][1] != "<module>" or parsed[0][2] != MODULE_LINE or parsed[1][1] != "main":
        return False
    rest = parsed[2:]
    if not rest:
        return True                    # main itself is running
    if parsed[1][2] != MAIN_CALL_LINE:
        return False
    if rest[0][1] != "dive":
        # random.randrange and what it calls: no dive can be above them.
        return all(f[1] != "dive" for f in rest)
    if any(f[1] != "dive" for f in rest):
        return False
    if any(f[2] != CALL_LINE for f in rest[:-1]):
        return False
    return rest[-1][2] in LEAF_LINES


def run(tachyon, python, script, seconds, interval, blocking):
    """Attach for `seconds` to a workload already running, so interpreter
    start-up and shutdown (whose samples fail whatever the mode) stay out
    of the figures; the workload's rate is taken over the same window."""
    target = subprocess.Popen([python, script, str(seconds + 3)], stdout=subprocess.PIPE, text=True)
    progress = []

    def read():
        for line in target.stdout:
            progress.append((time.monotonic(), int(line.split()[1])))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while len(progress) < 5:
            time.sleep(0.05)
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "c.txt")
            argv = [tachyon, "attach", "-i", str(interval), "-d", str(seconds), "--collapsed", "-o", out]
            if blocking:
                argv.append("--blocking")
            t0 = time.monotonic()
            r = subprocess.run(argv + [str(target.pid)], capture_output=True, text=True)
            t1 = time.monotonic()
            text = r.stdout + r.stderr
            attempts = int(re.search(r"Captured (\d+) samples", text).group(1))
            err = float(re.search(r"Error rate: ([\d.]+)", text).group(1))
            good = bad = 0
            with open(out) as f:
                for line in f:
                    stack, _, count = line.rstrip("\n").rpartition(" ")
                    if check_stack(stack.split(";")):
                        good += int(count)
                    else:
                        bad += int(count)
    finally:
        target.kill()
        target.wait()
        reader.join(1)
    window = [(t, n) for t, n in progress if t0 <= t <= t1]
    rate = (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0]) if len(window) > 1 else 0.0
    return rate, attempts, err, good, bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default=os.environ.get("TACHYON_BUILD_DIR", os.path.join(HERE, "..", "build")))
    ap.add_argument("--python", action="append")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--interval", type=int, default=200)
    args = ap.parse_args()
    tachyon = os.path.join(args.build_dir, "tachyon")
    pythons = args.python or [p for p in DEFAULT_PYTHONS if os.access(p, os.X_OK)]
    with tempfile.TemporaryDirectory() as d:
        script = os.path.join(d, "recurse.py")
        with open(script, "w") as f:
            f.write(WORKLOAD)
        print(f"load average {os.getloadavg()[0]:.2f}; {args.seconds:g} s per run, interval {args.interval} us")
        print(f"{'python':<48} {'mode':<10} {'attempts':>9} {'failed%':>8} {'bad stacks%':>12} "
              f"{'torn%':>7} {'iter/s':>9} {'slowdown':>9}")
        for python in pythons:
            alone = subprocess.run([python, script, str(args.seconds)], capture_output=True, text=True)
            base = int(alone.stdout.split()[-1]) / args.seconds
            print(f"{python:<48} {'alone':<10} {'':>9} {'':>8} {'':>12} {'':>7} {base:>9.0f} {'1.00x':>9}")
            for blocking in (False, True):
                rate, attempts, err, good, bad = run(tachyon, python, script, args.seconds, args.interval, blocking)
                failed = attempts * err / 100.0
                torn = (failed + bad) / attempts * 100 if attempts else 0.0
                bad_pct = bad / (good + bad) * 100 if good + bad else 0.0
                print(f"{'':<48} {'blocking' if blocking else 'default':<10} {attempts:>9} {err:>8.2f} "
                      f"{bad_pct:>12.3f} {torn:>7.3f} {rate:>9.0f} {base / rate if rate else 0:>8.2f}x")


if __name__ == "__main__":
    sys.exit(main())
