#!/usr/bin/env python3
"""Live view benchmark: the sampling rate with --live against the rate
without it, on the same target.

    bench/live_rate.py [--build-dir DIR] [--python PATH] [--duration S]
                       [--repeats N] [--interval US]... [--baseline FORMAT]...

Starts bench/workloads/deep30.py (CPU-bound, 30 frames deep) and attaches
to it alternately with
  * `tachyon attach -i US -d S --FORMAT -o TMPDIR/out.FORMAT PID`, FORMAT being
    collapsed and pstats by default (rate from the summary's "Sample rate"
    line; never -o /dev/null, which the atomic rename of outputs would
    replace with a regular file), and
  * `tachyon attach -i US -d S --live PID`, reading the rate from the final
    screen's "Samples: N total (R/s)" line once "PROFILING COMPLETE" shows.
Both start in a private tmux server (200x50) so they share one kind of
parent and session.
Both rates are attempts divided by the sampling time, computed by the same
host statistics. Intervals default to 1000 us (upstream's default rate)
and 100 us (ours). Prints best and median per interval and the ratio;
asserts nothing. Needs tmux.
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


class Tmux:
    """A private tmux server: both runs start from one, so they get the
    same parent, session and scheduling treatment."""

    count = 0

    def __init__(self):
        # A new socket each time: a server still shutting down under the
        # old name would make the next new-session fail.
        Tmux.count += 1
        self.sock = f"tachyon-live-bench-{os.getpid()}-{Tmux.count}"
        self.env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        self.tm = ["tmux", "-u", "-L", self.sock]

    def start(self, cmd):
        subprocess.run(self.tm + ["-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "50", "-s", "b",
                                  cmd], env=self.env, check=True)

    def screen(self):
        return subprocess.run(self.tm + ["capture-pane", "-p", "-t", "b"], capture_output=True, text=True,
                              env=self.env).stdout

    def stop(self):
        subprocess.run(self.tm + ["kill-server"], capture_output=True)


def wait_for(get, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = get()
        if v is not None:
            return v
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def plain_rate(tachyon, pid, interval, duration, tmp, fmt):
    log = os.path.join(tmp, "summary.txt")
    if os.path.exists(log):
        os.unlink(log)
    t = Tmux()
    t.start(f"{tachyon} attach -i {interval} -d {duration} --{fmt} -o {tmp}/out.{fmt} {pid} > {log}.part 2>&1;"
            f" mv {log}.part {log}; sleep 60")
    try:
        def rate():
            if not os.path.exists(log):
                return None
            with open(log) as f:
                text = f.read()
            m = re.search(r"Sample rate: ([\d.]+) samples/sec", text)
            if not m:
                raise RuntimeError(f"no sample rate in: {text}")
            return float(m.group(1))
        return wait_for(rate, duration + 30, "the summary")
    finally:
        t.stop()


def live_rate(tachyon, pid, interval, duration):
    t = Tmux()
    t.start(f"{tachyon} attach -i {interval} -d {duration} --live {pid}; sleep 60")
    try:
        def rate():
            screen = t.screen()
            m = re.search(r"Samples:\s+\d+ total \(\s*([\d.]+)/s\)", screen)
            return float(m.group(1)) if "PROFILING COMPLETE" in screen and m else None
        return wait_for(rate, duration + 30, "the live view to finish")
    finally:
        t.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.environ.get("TACHYON_BUILD_DIR", os.path.join(HERE, "..", "build")))
    ap.add_argument("--python", default="/root/.pyenv/versions/3.12.1/bin/python3.12")
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--interval", type=int, action="append")
    ap.add_argument("--baseline", action="append", help="format of the run without --live (collapsed, pstats)")
    a = ap.parse_args()
    intervals = a.interval or [1000, 100]
    baselines = a.baseline or ["collapsed", "pstats"]
    tachyon = os.path.join(a.build_dir, "tachyon")
    tmp = tempfile.mkdtemp(prefix="tachyon-live-bench-")
    target = subprocess.Popen([a.python, DEEP30, "3600"], stdout=subprocess.PIPE, text=True)
    try:
        if "ready" not in target.stdout.readline():
            sys.exit("deep30.py did not start")
        print(f"target: {a.python} deep30.py, pid {target.pid}; {a.repeats} x {a.duration} s per figure")
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        for interval in intervals:
            plain = {b: [] for b in baselines}
            live = []
            for _ in range(a.repeats):
                for b in baselines:
                    plain[b].append(plain_rate(tachyon, target.pid, interval, a.duration, tmp, b))
                live.append(live_rate(tachyon, target.pid, interval, a.duration))
            ml = statistics.median(live)
            print(f"-i {interval:>4} us (target {1e6 / interval:.0f}/s): --live best {max(live):9.1f}/s "
                  f"median {ml:9.1f}/s")
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
