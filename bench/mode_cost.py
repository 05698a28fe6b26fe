#!/usr/bin/env python3
"""What a sample costs the profiler in each mode: tachyon's own CPU time per
sample attempt, wall mode against cpu mode (which also reads each thread's
/proc task stat), gil and exception modes, and --opcodes / --native.

Usage: bench/mode_cost.py [--tachyon PATH] [--python PATH] [--seconds S] [--threads N] [--repeat R]

The target is a pure-Python loop on N threads (default 4), so every sample
walks N stacks. Each configuration attaches `tachyon attach -a -i 1000 -d S`
(1 kHz, so the profiler is never the bottleneck on a shared machine) to a
fresh target R times; the CPU time of the tachyon process (user + system,
from wait4's rusage; attach does not reap the target, so its time is not
included) is divided by its sample attempts, parsed from the summary line
"Captured N samples".
Prints one line per configuration; nothing is asserted."""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

TARGET = """
import sys, threading, time
def spin(seconds):
    end = time.perf_counter() + seconds
    acc = 0
    while time.perf_counter() < end:
        for i in range(200):
            acc = (acc + i) % 1000003
n = int(sys.argv[1]); s = float(sys.argv[2])
ts = [threading.Thread(target=spin, args=(s,)) for _ in range(n - 1)]
for t in ts: t.start()
spin(s)
for t in ts: t.join()
"""

CONFIGS = [
    ("wall", []),
    ("cpu", ["--mode", "cpu"]),
    ("gil", ["--mode", "gil"]),
    ("exception", ["--mode", "exception"]),
    ("wall --native", ["--native"]),
    ("wall --opcodes", ["--opcodes", "--format", "flamegraph"]),
]


def run_once(tachyon, python, script, seconds, threads, extra, outdir):
    out = os.path.join(outdir, "out")
    target = subprocess.Popen([python, script, str(threads), str(seconds + 3)])
    try:
        time.sleep(0.5)
        cmd = [tachyon, "attach", "-i", "1000", "-d", str(seconds), "-a", "-o", out] + extra
        if "--format" not in extra:
            cmd.append("--collapsed")
        cmd.append(str(target.pid))
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        _, status, ru = os.wait4(proc.pid, 0)
        text = proc.stdout.read()
        proc.stdout.close()
    finally:
        target.kill()
        target.wait()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{text}")
    m = re.search(r"Captured (\d+) samples", text)
    if not m:
        raise RuntimeError(f"no summary in:\n{text}")
    return ru.ru_utime + ru.ru_stime, int(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tachyon", default=os.path.join(ROOT, "build", "tachyon"))
    ap.add_argument("--python", default="/root/.pyenv/versions/3.13.0/bin/python3.13")
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        script = os.path.join(d, "target.py")
        with open(script, "w") as f:
            f.write(TARGET)
        print(f"python={a.python} threads={a.threads} seconds={a.seconds} repeat={a.repeat}")
        print("note: CPU includes attaching and writing the output, the same in every mode")
        base = None
        for name, extra in CONFIGS:
            cpu = samples = 0
            for _ in range(a.repeat):
                c, n = run_once(a.tachyon, a.python, script, a.seconds, a.threads, extra, d)
                cpu += c
                samples += n
            per = 1e6 * cpu / max(samples, 1)
            base = per if base is None else base
            print(f"{name:16s} {per:8.1f} us CPU per sample attempt  ({samples} attempts, "
                  f"{cpu:.2f} s CPU, {per - base:+.1f} us vs wall)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
