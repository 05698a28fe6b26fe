#!/usr/bin/env python3
"""What --async-aware costs per sample on a program with 1,000 live asyncio
tasks: tachyon's own CPU time per sample attempt in plain wall mode, in
--async-aware (running) and --async-aware --async-mode all, and the same
for upstream's profiler (python3.15 -m profiling.sampling) where it runs.

Usage: bench/async_cost.py [--tachyon PATH] [--version 3.15] [--seconds S] [--repeat R] [--no-upstream]

The target runs in the Debian unstable root (TACHYON_SID_ROOT, default
/var/cache/tachyon/sid-root), in a private mount namespace: 10 group tasks
gathered by main, each running a TaskGroup of 100 workers that spin 0.2 ms
and sleep 10 ms, so about 1,011 tasks are alive and one of them runs at a
time. Each configuration attaches at 1 kHz for S seconds to a fresh target
R times; the profiler's CPU time (user + system from wait4's rusage) is
divided by its sample attempts ("Captured N samples").
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
SID = os.environ.get("TACHYON_SID_ROOT", "/var/cache/tachyon/sid-root")

TARGET = """
import asyncio, sys, time
def busy(s):
    end = time.perf_counter() + s
    while time.perf_counter() < end:
        pass
async def worker(until):
    while time.perf_counter() < until:
        busy(0.0002)
        await asyncio.sleep(0.01)
async def group(until):
    async with asyncio.TaskGroup() as tg:
        for i in range(100):
            tg.create_task(worker(until))
async def main(seconds):
    until = time.perf_counter() + seconds
    await asyncio.gather(*(asyncio.create_task(group(until), name=f"group-{i}") for i in range(10)))
asyncio.run(main(float(sys.argv[1])))
"""


def in_root(argv, tmp):
    """argv run inside the unstable root, with /proc and tmp mounted; every
    step execs the next, so the pid is the final program's."""
    script = ('set -e; R="$0"; D="$1"; shift; mount -t proc proc "$R/proc"; mkdir -p "$R$D"; '
              'mount --rbind "$D" "$R$D"; exec chroot "$R" "$@"')
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, SID, tmp] + argv


# Upstream resolves the target's files through its own mount namespace, so
# it runs in the target's: one shell starts both, and a small wrapper inside
# the root reports the profiler's own rusage.
WRAP = ("import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:]); _, s, ru = os.wait4(p.pid, 0); "
        "print('RUSAGE', ru.ru_utime + ru.ru_stime, os.waitstatus_to_exitcode(s), flush=True)")


def run_upstream(args, script, seconds, tmp):
    sh = ('set -e; R="$0"; D="$1"; S="$2"; N="$3"; shift 3; mount -t proc proc "$R/proc"; mkdir -p "$R$D"; '
          'mount --rbind "$D" "$R$D"; chroot "$R" python3.15 "$S" "$N" & T=$!; sleep 1.5; '
          'chroot "$R" python3.15 -c "$WRAP" python3.15 -m profiling.sampling attach "$@" "$T" || true; '
          'kill $T; wait $T || true')
    cmd = ["unshare", "-m", "--propagation", "private", "sh", "-c", sh, SID, tmp, script, str(seconds + 4)] + args
    proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, WRAP=WRAP), timeout=120)
    text = proc.stdout + proc.stderr
    m = re.search(r"RUSAGE ([\d.]+) (-?\d+)", text)
    n = re.search(r"Captured ([\d,]+) samples", text)
    if not m or m.group(2) != "0" or not n:
        raise RuntimeError(f"upstream failed:\n{text}")
    return float(m.group(1)), int(n.group(1).replace(",", ""))


def run_once(profiler, python, script, seconds, tmp):
    if profiler[0] == "upstream":
        return run_upstream(profiler[1:], script, seconds, tmp)
    target = subprocess.Popen(in_root([python, script, str(seconds + 4)], tmp))
    try:
        time.sleep(1.5)   # let every task start
        cmd = [a.replace("{pid}", str(target.pid)) for a in profiler]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        _, status, ru = os.wait4(proc.pid, 0)
        text = proc.stdout.read()
        proc.stdout.close()
    finally:
        target.kill()
        target.wait()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{text}")
    m = re.search(r"Captured ([\d,]+) samples", text)
    if not m:
        raise RuntimeError(f"no summary in:\n{text}")
    return ru.ru_utime + ru.ru_stime, int(m.group(1).replace(",", ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tachyon", default=os.path.join(ROOT, "build", "tachyon"))
    ap.add_argument("--version", default="3.15")
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-upstream", action="store_true")
    a = ap.parse_args()
    python = f"python{a.version}"
    with tempfile.TemporaryDirectory() as d:
        script = os.path.join(d, "tasks1000.py")
        with open(script, "w") as f:
            f.write(TARGET)
        out = os.path.join(d, "out")
        t = [a.tachyon, "attach", "-r", "1khz", "-d", str(a.seconds), "--collapsed", "-o", out]
        configs = [
            ("tachyon wall", t + ["{pid}"]),
            ("tachyon async running", t + ["--async-aware", "{pid}"]),
            ("tachyon async all", t + ["--async-aware", "--async-mode", "all", "{pid}"]),
        ]
        if not a.no_upstream and a.version == "3.15":
            u = ["upstream", "-r", "1khz", "-d", str(a.seconds), "--collapsed", "-o", out]
            configs += [
                ("upstream wall", u),
                ("upstream async running", u + ["--async-aware"]),
                ("upstream async all", u + ["--async-aware", "--async-mode", "all"]),
            ]
        print(f"target: python{a.version}, ~1011 live tasks; {a.seconds} s at 1 kHz, repeat={a.repeat}")
        print("note: CPU includes attaching and writing the output (and, upstream, starting Python)")
        for name, cmd in configs:
            cpu = samples = 0
            for _ in range(a.repeat):
                c, n = run_once(cmd, python, script, a.seconds, d)
                cpu += c
                samples += n
            per = 1e6 * cpu / max(samples, 1)
            print(f"{name:24s} {per:9.1f} us CPU per sample attempt  ({samples} attempts, {cpu:.2f} s CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
