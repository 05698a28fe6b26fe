#!/usr/bin/env python3
"""How long `tachyon dump -a` takes on a 200-thread target, per interpreter,
and upstream's `python3.15 -m profiling.sampling dump -a` on the same
kind of target in the Debian unstable root (when the root exists).

Each figure is the wall time of the whole command (process start, finding
the runtime, one snapshot, source lines, printing) over REPEATS runs: best
and median, plus the CPU time it used (user+sys, median).

    bench/dump_bench.py [--build-dir DIR] [--repeats N] [--threads N]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SID_ROOT = os.environ.get("TACHYON_SID_ROOT", "/var/cache/tachyon/sid-root")
PYTHONS = [("3.11.7", ["/root/.pyenv/versions/3.11.7/bin/python3.11"]),
           ("3.12.1", ["/root/.pyenv/versions/3.12.1/bin/python3.12"]),
           ("3.13.0", ["/root/.pyenv/versions/3.13.0/bin/python3.13"]),
           ("3.11 static", ["/usr/bin/python3.11"]),
           ("sid 3.14", ["chroot", SID_ROOT, "python3.14"]),
           ("sid 3.15", ["chroot", SID_ROOT, "python3.15"])]

TARGET = """\
import sys, threading, time
def parked():
    time.sleep(600)
for _ in range(int(sys.argv[1])):
    threading.Thread(target=parked, daemon=True).start()
print("ready", flush=True)
time.sleep(600)
"""


def timed(argv):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return r, wall, cpu


def bench(label, argv, repeats):
    walls, cpus = [], []
    for _ in range(repeats):
        r, wall, cpu = timed(argv)
        if r.returncode != 0:
            print(f"{label:<34} failed: {r.stderr.decode(errors='replace').strip()[:200]}")
            return
        walls.append(wall)
        cpus.append(cpu)
    threads = r.stdout.decode(errors="replace").count("Stack dump")
    print(f"{label:<34} {threads:>7} {min(walls) * 1e3:>9.1f} {statistics.median(walls) * 1e3:>10.1f} "
          f"{statistics.median(cpus) * 1e3:>9.1f}")


TIMER = """\
import resource, statistics, subprocess, sys, time
pid, repeats = sys.argv[1], int(sys.argv[2])
walls, cpus = [], []
for _ in range(repeats):
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "profiling.sampling", "dump", "-a", pid], capture_output=True)
    walls.append(time.perf_counter() - t0)
    a = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append(a.ru_utime - b.ru_utime + a.ru_stime - b.ru_stime)
print(r.returncode, r.stdout.decode().count("Stack dump"), min(walls), statistics.median(walls), statistics.median(cpus))
"""


def upstream(work, inside, args):
    """Upstream reads /proc from inside the root, so its target and its runs
    share a private mount namespace with /proc mounted in the root."""
    timer = os.path.join(work, "timer.py")
    with open(timer, "w") as f:
        f.write(TIMER)
    timer_inside = "/" + os.path.relpath(timer, SID_ROOT)
    cmd = (f"mount -t proc proc {SID_ROOT}/proc || exit 1; "
           f"chroot {SID_ROOT} python3.15 {inside} {args.threads} > {work}/ready & t=$!; "
           f"while ! [ -s {work}/ready ]; do sleep 0.05; done; "
           f"chroot {SID_ROOT} python3.15 {timer_inside} $t {args.repeats}; kill $t")
    r = subprocess.run(["unshare", "-m", "sh", "-c", cmd], capture_output=True, text=True)
    try:
        rc, threads, best, median, cpu = r.stdout.split()
    except ValueError:
        print(f"{'upstream dump -a (sid 3.15)':<34} failed: {r.stderr.strip()[:200]}")
        return
    print(f"{'upstream dump -a (sid 3.15)':<34} {threads:>7} {float(best) * 1e3:>9.1f} {float(median) * 1e3:>10.1f} "
          f"{float(cpu) * 1e3:>9.1f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default=os.environ.get("TACHYON_BUILD_DIR", os.path.join(HERE, "..", "build")))
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--threads", type=int, default=200)
    args = ap.parse_args()
    tachyon = os.path.join(args.build_dir, "tachyon")
    have_root = os.path.isdir(SID_ROOT)
    work = tempfile.mkdtemp(prefix="dump-bench-", dir=os.path.join(SID_ROOT, "tmp") if have_root else None)
    script = os.path.join(work, "target.py")
    with open(script, "w") as f:
        f.write(TARGET)
    inside = "/" + os.path.relpath(script, SID_ROOT) if have_root else script
    print(f"load average {os.getloadavg()[0]:.2f}; {args.repeats} runs each")
    print(f"{'command':<34} {'threads':>7} {'best ms':>9} {'median ms':>10} {'cpu ms':>9}")
    try:
        for label, py in PYTHONS:
            if py[0] == "chroot" and not have_root or py[0] != "chroot" and not os.access(py[0], os.X_OK):
                continue
            path = inside if py[0] == "chroot" else script
            target = subprocess.Popen(py + [path, str(args.threads)], stdout=subprocess.PIPE)
            try:
                target.stdout.readline()
                bench(f"tachyon dump -a ({label})", [tachyon, "dump", "-a", str(target.pid)], args.repeats)
            finally:
                target.kill()
                target.wait()
        if have_root:
            upstream(work, inside, args)
    finally:
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    sys.exit(main())
