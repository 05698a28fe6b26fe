#!/usr/bin/env python3
"""tachyon against upstream's profiler on the same CPython 3.15 target.

    bench/upstream_bench.py [--build-dir DIR] [--duration SECONDS] [--repeats N]
                            [--skip-others]

Starts workloads/deep30.py (a CPU-bound spin 30 frames deep) once under the
Debian unstable root's python3.15 (through the chroot launcher the tests use,
tests/integration/support.py) and attaches to that one process, alternately:

  tachyon  attach -i 1 -d SECONDS --collapsed -o /dev/null PID
  upstream python3.15 -m profiling.sampling attach -r 1000khz -d SECONDS
           --collapsed -o FILE PID      (inside the root, in the target's
           mount namespace through nsenter, /proc mounted)

Both are asked for a sample every microsecond, so each samples as fast as it
can. The figure is samples per profiler CPU-second (the samples each reports
as "Captured N samples", divided by its user + system CPU time from wait4),
so the share of a core the scheduler gives each does not matter; the ratio
tachyon/upstream is printed per repeat and for the medians.

Unless --skip-others, the same tachyon run is then measured on deep30.py under
every other interpreter of the test list (3.11-3.13 pyenv and Debian, the
root's 3.13 and 3.14), for a no-regression comparison with the figures in
bench/README.md. Prints figures only; asserts nothing.
"""
import argparse
import os
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
sys.path.insert(0, HERE)

import sampling_bench as sb  # noqa: E402  (helpers: run_measured, start_target, ...)


def upstream_once(pid, duration, tmp):
    out = os.path.join(tmp, "upstream.txt")
    # Upstream finds the runtime by opening the files named in the target's
    # maps, so it runs in the target's own mount namespace and root (the
    # chroot launcher gave the target a private one, with /proc mounted).
    argv = ["nsenter", "-t", str(pid), "-m", "-r", "/usr/bin/python3.15", "-m", "profiling.sampling", "attach", "-r", "1000khz", "-d", str(duration),
            "--collapsed", "-o", out, str(pid)]
    rc, cpu, text, _ = sb.run_measured(argv, os.path.join(tmp, "upstream.out"))
    m = sb.CAPTURED_RE.search(text)
    if rc != 0 or not m:
        sb.log("    upstream attach failed (status %d): %s" % (rc, text.strip()[-300:]))
        return None
    samples, wall = int(m.group(1)), float(m.group(2))
    return {"samples": samples, "wall_rate": samples / wall if wall else 0.0,
            "cpu_rate": samples / cpu if cpu else 0.0, "cpu": cpu}


def tachyon_once(tachyon, pid, duration, tmp):
    return sb.attach_once(tachyon, pid, duration, ["--collapsed", "-o", "/dev/null"], tmp)


def median(rows, key):
    vals = [r[key] for r in rows if r]
    return statistics.median(vals) if vals else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default=os.environ.get("TACHYON_BUILD_DIR",
                                                          os.path.join(os.path.dirname(HERE), "build")))
    ap.add_argument("--duration", type=int, default=4)   # upstream takes whole seconds
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-others", action="store_true")
    args = ap.parse_args()
    os.environ["TACHYON_BUILD_DIR"] = os.path.abspath(args.build_dir)
    import support  # after TACHYON_BUILD_DIR: the launchers go into that build tree

    tachyon = os.path.join(args.build_dir, "tachyon")
    if not os.access(tachyon, os.X_OK):
        sys.exit("no tachyon in %s: build it first" % args.build_dir)
    pythons = support.interpreters()
    py315 = support.interpreter("3.15-sid")
    sb.log("load average at start: %s" % sb.loadavg())

    with tempfile.TemporaryDirectory(prefix="tachyon-bench-") as tmp:
        target = sb.start_target(py315, args.duration * args.repeats * 2 + 60)
        if target is None:
            sys.exit("deep30.py did not start under %s" % py315)
        ours, theirs = [], []
        try:
            for r in range(args.repeats):
                a = tachyon_once(tachyon, target.pid, args.duration, tmp)
                b = upstream_once(target.pid, args.duration, tmp)
                ours.append(a)
                theirs.append(b)
                if a and b:
                    sb.log("  run %d: tachyon %8.0f samples/CPU-s (%6.0f/s wall), upstream %8.0f samples/CPU-s "
                           "(%6.0f/s wall): ratio %.2f  (load %s)"
                           % (r + 1, a["cpu_rate"], a["wall_rate"], b["cpu_rate"], b["wall_rate"],
                              a["cpu_rate"] / b["cpu_rate"], sb.loadavg()))
        finally:
            sb.stop_target(target)

        others = []
        if not args.skip_others:
            for name, python in pythons:
                if name == "3.15-sid" or name.endswith("-dbg"):
                    continue
                t = sb.start_target(python, args.duration * args.repeats + 60)
                if t is None:
                    sb.log("  deep30.py did not start under %s" % name)
                    continue
                try:
                    rows = [tachyon_once(tachyon, t.pid, args.duration, tmp) for _ in range(args.repeats)]
                finally:
                    sb.stop_target(t)
                others.append((name, rows))

    print()
    print("deep30.py (30 frames, CPU-bound), samples per profiler CPU-second, median of %d runs of %d s"
          % (args.repeats, args.duration))
    print("| Target | tachyon | upstream 3.15 | tachyon / upstream |")
    print("| --- | --- | --- | --- |")
    t_med, u_med = median(ours, "cpu_rate"), median(theirs, "cpu_rate")
    print("| 3.15-sid | %.0fk | %.0fk | %.2f |" % (t_med / 1e3, u_med / 1e3, t_med / u_med))
    for name, rows in others:
        print("| %s | %.0fk | - | - |" % (name, median(rows, "cpu_rate") / 1e3))
    print("load average at end: %s" % sb.loadavg())


if __name__ == "__main__":
    main()
