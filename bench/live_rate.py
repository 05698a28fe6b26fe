#!/usr/bin/env python3
"""Live view benchmark: the sampling rate with --live against the rate
without it, on the same target.

    bench/live_rate.py [--build-dir DIR] [--python PATH] [--duration S]
                       [--repeats N] [--interval US]... [--baseline FORMAT]... [--rt]

Starts bench/workloads/deep30.py (CPU-bound, 30 frames deep) and attaches
to it alternately with
  * `tachyon attach -i US -d S --FORMAT -o TMPDIR/out.FORMAT PID`, FORMAT being
    collapsed and pstats by default (rate from the summary's "Sample rate"
    line; never -o /dev/null, which the atomic rename of outputs would
    replace with a regular file), and
  * `tachyon attach -i US -d S --live PID` with TACHYON_DEBUG=1, which makes
    the live plugin log, after the view closes, its refresh cost and the
    rate it reached ("N samples in X seconds (R samples/sec)"); 'q' is typed
    once the "PROFILING COMPLETE" banner shows.
Both run on a 200x50 pseudo-terminal made by script(1), so they share one
kind of parent and terminal. Both rates are attempts divided by the
sampling time, from the same host statistics. Intervals default to 1000 us
(upstream's default rate) and 100 us (ours). On a shared machine the
scheduler decides most of the rate: --rt runs tachyon (both ways) as a
SCHED_FIFO task so the figures compare what the two cost. Prints best and
median per interval and the ratio; asserts nothing.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEEP30 = os.path.join(HERE, "workloads", "deep30.py")


# "chrt -f 10 " with --rt: both runs as real-time tasks, so the figures show
# what each costs rather than how the scheduler of a busy machine treated it.
PREFIX = ""


def on_pty(cmd, log, until=None, keys=b"", timeout=60):
    """Run cmd on a 200x50 pseudo-terminal (script(1)), its output in log.
    When until shows up in the output, type keys. Returns the output."""
    if os.path.exists(log):
        os.unlink(log)
    p = subprocess.Popen(["script", "-qfec", f"stty cols 200 rows 50; {cmd}", log],
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm"))
    deadline = time.monotonic() + timeout
    sent = until is None
    try:
        while p.poll() is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out: {cmd}")
            if not sent and os.path.exists(log):
                with open(log, "rb") as f:
                    if until.encode() in f.read():
                        p.stdin.write(keys)
                        p.stdin.flush()
                        sent = True
            time.sleep(0.1)
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()
    with open(log, "rb") as f:
        return f.read().decode("utf-8", "replace")


def plain_rate(tachyon, pid, interval, duration, tmp, fmt):
    out = on_pty(f"{PREFIX}{tachyon} attach -i {interval} -d {duration} --{fmt} -o {tmp}/out.{fmt} {pid}",
                 os.path.join(tmp, "plain.log"), timeout=duration + 60)
    m = re.search(r"Sample rate: ([\d.]+) samples/sec", out)
    if not m:
        raise RuntimeError(f"no sample rate in: {out}")
    return float(m.group(1))


def live_rate(tachyon, pid, interval, duration, tmp):
    out = on_pty(f"TACHYON_DEBUG=1 {PREFIX}{tachyon} attach -i {interval} -d {duration} --live {pid}",
                 os.path.join(tmp, "live.log"), until="PROFILING COMPLETE", keys=b"q",
                 timeout=duration + 60)
    m = re.search(r"live: debug: (\d+) refreshes, ([\d.]+) us of CPU each.*\(([\d.]+) samples/sec\)", out)
    if not m:
        raise RuntimeError(f"no live rate in the output: {out[-2000:]}")
    return float(m.group(3)), float(m.group(2))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.environ.get("TACHYON_BUILD_DIR", os.path.join(HERE, "..", "build")))
    ap.add_argument("--python", default="/root/.pyenv/versions/3.12.1/bin/python3.12")
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--interval", type=int, action="append")
    ap.add_argument("--baseline", action="append", help="format of the run without --live (collapsed, pstats)")
    ap.add_argument("--rt", action="store_true", help="run tachyon under chrt -f 10 (needs root)")
    a = ap.parse_args()
    global PREFIX
    if a.rt:
        PREFIX = "chrt -f 10 "
    intervals = a.interval or [1000, 100]
    baselines = a.baseline or ["collapsed", "pstats"]
    tachyon = os.path.join(a.build_dir, "tachyon")
    tmp = tempfile.mkdtemp(prefix="tachyon-live-bench-")
    target = subprocess.Popen([a.python, DEEP30, "3600"], stdout=subprocess.PIPE, text=True)
    try:
        if "ready" not in target.stdout.readline():
            sys.exit("deep30.py did not start")
        print(f"target: {a.python} deep30.py, pid {target.pid}; {a.repeats} x {a.duration} s per figure"
              + ("; tachyon under chrt -f 10" if a.rt else ""))
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        for interval in intervals:
            plain = {b: [] for b in baselines}
            live, draws = [], []
            for _ in range(a.repeats):
                for b in baselines:
                    plain[b].append(plain_rate(tachyon, target.pid, interval, a.duration, tmp, b))
                rate, draw_us = live_rate(tachyon, target.pid, interval, a.duration, tmp)
                live.append(rate)
                draws.append(draw_us)
            ml = statistics.median(live)
            print(f"-i {interval:>4} us (target {1e6 / interval:.0f}/s): --live best {max(live):9.1f}/s "
                  f"median {ml:9.1f}/s (a refresh: {statistics.median(draws):.0f} us of CPU, 10 per second)")
            for b in baselines:
                mp = statistics.median(plain[b])
                print(f"   --{b:<10} best {max(plain[b]):9.1f}/s median {mp:9.1f}/s   "
                      f"live/{b} median {100.0 * ml / mp:6.2f}%")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        target.kill()
        target.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
