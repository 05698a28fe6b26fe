#!/usr/bin/env python3
"""Sampling benchmark: how fast tachyon samples, what a sample costs it, and
how much it slows the profiled program down.

    bench/sampling_bench.py [--build-dir DIR] [--python PATH]... [--repeats N]
                            [--duration S] [--iterations N] [--quick]
                            [--skip-decoder] [--skip-feed] [--skip-slowdown]

For each interpreter present (the four of this machine by default):

1. throughput: starts bench/workloads/deep30.py (CPU-bound, 30 frames deep)
   and runs `tachyon attach -i 1 -d S --pstats -o FILE PID` against it, then
   the same with `--collapsed -o /dev/null`. tachyon's own CPU time comes
   from os.wait4() on its process (user + system, start-up and the final
   write included); the sample count and error rate from its summary;
2. decoder only: bench_decoder (bench/decoder.c), which calls the decoder in
   a tight loop with no sampler loop and no plugin, and measures its own CPU
   time around that loop only;
3. plugin only: tachyon_feed --time feeding a 30-frame stack file shaped like
   deep30.py's samples to the pstats and collapsed plugins;
4. slowdown: bench/workloads/fixed_work.py (a fixed loop that prints the
   seconds it took) alone, next to bench/workloads/waker.py (woken every
   100 us, reads nothing: the control), under `tachyon run -i 100` (the
   default interval) and under `tachyon run -i 10`; best of N each.

Each measurement is repeated N times (default 3) and reported as best and
median. The machine is shared, so the load average is printed with the
results. Figures are printed, never asserted; the exit status is 0 unless the
build is missing.
"""
import argparse
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEEP30 = os.path.join(HERE, "workloads", "deep30.py")
FIXED_WORK = os.path.join(HERE, "workloads", "fixed_work.py")
WAKER = os.path.join(HERE, "workloads", "waker.py")

INTERPRETERS = [
    "/root/.pyenv/versions/3.11.7/bin/python3.11",
    "/root/.pyenv/versions/3.12.1/bin/python3.12",
    "/root/.pyenv/versions/3.13.0/bin/python3.13",
    "/usr/bin/python3.11",
]

# Frames of deep30.py as the sampler sees them, root first, for the plugin
# only figures. The two leaf lines alternate because the spinning loop spends
# its time on two lines, which is also what the live profiles show.
FEED_FILE = "bench/workloads/deep30.py"
FEED_SAMPLES = 100000

CAPTURED_RE = re.compile(r"Captured (\d+) samples? in ([\d.]+) seconds")
ERROR_RE = re.compile(r"Error rate: ([\d.]+)%")
ELAPSED_RE = re.compile(r"^elapsed ([\d.]+) cpu ([\d.]+)", re.M)
FEED_RE = re.compile(r"(\d+) samples, .*on_sample\+finish CPU ([\d.]+) s")
DECODER_HEAD_RE = re.compile(r"^(/\S+) \(pid \d+\)$")
DECODER_ROW_RE = re.compile(
    r"^(\S+)\s+(\S+)\s+([\d.]+) samples/CPU-s\s+([\d.]+) samples/s\s+([\d.]+) reads/sample\s+"
    r"failures ([\d.]+)%\s+depth (\d+)")


def loadavg():
    try:
        return "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "n/a"


def log(msg):
    print(msg, flush=True)


def best_median(values, higher_is_better=True):
    """(best, median) of a list of numbers, or (None, None) when empty."""
    if not values:
        return None, None
    best = max(values) if higher_is_better else min(values)
    return best, statistics.median(values)


def run_measured(argv, out_path, probe=None, probe_after=1.0):
    """Run argv with stdout and stderr into out_path; return (exit status,
    CPU seconds of that process and the children it waited for, output,
    probe result). probe(pid), if given, is called once the process has run
    for probe_after seconds (None if it ended before)."""
    probed = None
    with open(out_path, "wb") as out:
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        start = time.monotonic()
        while True:
            # wait4 with WNOHANG reaps the process only once it has ended,
            # and then hands over its resource usage.
            wpid, status, ru = os.wait4(p.pid, 0 if probe is None or probed is not None else os.WNOHANG)
            if wpid == p.pid:
                break
            if time.monotonic() - start >= probe_after:
                probed = probe(p.pid)
                continue
            time.sleep(0.02)
    # wait4 reaped it, so tell Popen not to wait again.
    p.returncode = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
    with open(out_path, "r", errors="replace") as f:
        text = f.read()
    return p.returncode, ru.ru_utime + ru.ru_stime, text, probed


def reader_backend(target_pid):
    """Which memory backend a running tachyon uses: it keeps /proc/PID/mem
    of the target open only when it reads through it (core/mem)."""
    def probe(tachyon_pid):
        fd_dir = "/proc/%d/fd" % tachyon_pid
        mem = "/proc/%d/mem" % target_pid
        try:
            for fd in os.listdir(fd_dir):
                try:
                    if os.readlink(os.path.join(fd_dir, fd)) == mem:
                        return "proc_mem"
                except OSError:
                    pass
        except OSError:
            return "?"
        return "vm_readv"
    return probe


def start_target(python, seconds):
    """Start deep30.py and wait for its "ready" line; None if it never came."""
    p = subprocess.Popen([python, DEEP30, str(seconds)], stdout=subprocess.PIPE,
                         stdin=subprocess.DEVNULL)
    ready, _, _ = select.select([p.stdout], [], [], 30)
    line = p.stdout.readline().decode(errors="replace") if ready else ""
    if not line.startswith("ready"):
        stop_target(p)
        return None
    return p


def stop_target(p):
    if p.poll() is None:
        p.kill()
    p.wait()
    p.stdout.close()


# ---------------------------------------------------------------- throughput

def attach_once(tachyon, pid, duration, fmt_args, tmp):
    argv = [tachyon, "attach", "-i", "1", "-d", str(duration)] + fmt_args + [str(pid)]
    rc, cpu, text, backend = run_measured(argv, os.path.join(tmp, "attach.out"),
                                          probe=reader_backend(pid), probe_after=min(1.0, duration / 2))
    m = CAPTURED_RE.search(text)
    e = ERROR_RE.search(text)
    if rc != 0 or not m:
        log("    tachyon attach failed (status %d): %s" % (rc, text.strip()[-300:]))
        return None
    samples, wall = int(m.group(1)), float(m.group(2))
    return {
        "samples": samples,
        "wall_rate": samples / wall if wall else 0.0,
        "cpu_rate": samples / cpu if cpu else 0.0,
        "us_per_sample": 1e6 * cpu / samples if samples else float("inf"),
        "error_pct": float(e.group(1)) if e else float("nan"),
        "cpu": cpu,
        "backend": backend or "?",
    }


def throughput(tachyon, python, args, tmp):
    configs = [
        ("pstats -o FILE", ["--pstats", "-o", os.path.join(tmp, "x.pstats")]),
        ("collapsed -o /dev/null", ["--collapsed", "-o", "/dev/null"]),
    ]
    results = {name: [] for name, _ in configs}
    # One long-lived target per interpreter; it is killed when done.
    target = start_target(python, args.duration * args.repeats * len(configs) + 60)
    if target is None:
        log("    deep30.py did not start under %s" % python)
        return results
    try:
        for r in range(args.repeats):
            for name, fmt_args in configs:
                res = attach_once(tachyon, target.pid, args.duration, fmt_args, tmp)
                if res:
                    results[name].append(res)
                    log("    run %d %-24s %8.0f samples/s %8.0f samples/CPU-s %6.2f CPU us/sample "
                        "err %.2f%% %s  (load %s)" % (r + 1, name, res["wall_rate"], res["cpu_rate"],
                                                      res["us_per_sample"], res["error_pct"],
                                                      res["backend"], loadavg()))
    finally:
        stop_target(target)
    return results


# -------------------------------------------------------------- decoder only

def decoder_runs(bench_decoder, args):
    """{interpreter path: {backend: [row per run]}} from bench_decoder's own
    output, for both memory backends (tachyon picks one at attach time)."""
    per_python = {}
    seconds = 1.5 if not args.quick else 0.5
    for r in range(args.repeats):
        try:
            text = subprocess.run([bench_decoder, str(seconds)], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=600).stdout.decode(errors="replace")
        except subprocess.TimeoutExpired:
            log("    bench_decoder timed out")
            continue
        current = None
        for line in text.splitlines():
            h = DECODER_HEAD_RE.match(line)
            if h:
                current = h.group(1)
                continue
            m = DECODER_ROW_RE.match(line)
            if m and current:
                rate = float(m.group(3))
                backend = "vm_readv" if m.group(2) == "process_vm_readv" else m.group(2)
                row = {"cpu_rate": rate, "backend": backend, "wall_rate": float(m.group(4)),
                       "us_per_sample": 1e6 / rate if rate else float("inf"),
                       "error_pct": float(m.group(6)), "depth": int(m.group(7))}
                per_python.setdefault(current, {}).setdefault(backend, []).append(row)
                log("    run %d %-44s %-8s %8.0f samples/CPU-s %6.2f CPU us/sample depth %d" % (
                    r + 1, current, backend, rate, row["us_per_sample"], row["depth"]))
    return per_python


# --------------------------------------------------------------- plugin only

def write_feed_file(path):
    root = ["%s|<module>|39" % FEED_FILE, "%s|main|36" % FEED_FILE]
    root += ["%s|recurse|29" % FEED_FILE] * 26 + ["%s|recurse|31" % FEED_FILE]
    prefix = ";".join(root)
    with open(path, "w") as f:
        f.write("# thread status weight time_us frames (deep30.py, 30 frames)\n")
        for i in range(FEED_SAMPLES):
            f.write("1 0x3 1 %d %s;%s|spin|%d\n" % (i * 3, prefix, FEED_FILE, 22 + (i & 1)))


def feed_runs(feed, plugin_dir, args, tmp):
    stack_file = os.path.join(tmp, "deep30.stacks")
    write_feed_file(stack_file)
    results = {}
    for fmt in ("pstats", "collapsed"):
        for r in range(args.repeats):
            argv = [feed, "--plugin-dir", plugin_dir, "--format", fmt,
                    "-o", os.path.join(tmp, "feed." + fmt), "--time", stack_file]
            proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            text = proc.stdout.decode(errors="replace")
            m = FEED_RE.search(text)
            if proc.returncode != 0 or not m:
                log("    tachyon_feed %s failed: %s" % (fmt, text.strip()[-300:]))
                continue
            samples, cpu = int(m.group(1)), float(m.group(2))
            us = 1e6 * cpu / samples if samples else float("inf")
            results.setdefault(fmt, []).append({"us_per_sample": us,
                                                "cpu_rate": samples / cpu if cpu else float("inf")})
            log("    run %d %-10s %d samples of 30 frames: %.3f CPU us/sample" % (r + 1, fmt, samples, us))
    os.unlink(stack_file)
    return results


# ------------------------------------------------------------------ slowdown

def fixed_work_once(argv, tmp, control=None):
    """One fixed_work.py run; control, if given, is a command kept running
    next to it for the whole run."""
    side = None
    if control:
        side = subprocess.Popen(control, stdin=subprocess.DEVNULL)
    try:
        rc, _, text, _ = run_measured(argv, os.path.join(tmp, "work.out"))
    finally:
        if side:
            side.kill()
            side.wait()
    m = ELAPSED_RE.search(text)
    if rc != 0 or not m:
        log("    fixed_work failed (status %d): %s" % (rc, text.strip()[-300:]))
        return None
    c = CAPTURED_RE.search(text)
    return {"elapsed": float(m.group(1)), "cpu": float(m.group(2)),
            "samples": int(c.group(1)) if c else None}


SLOWDOWN_CONFIGS = ("alone", "waker 100", "-i 100", "-i 10")


def slowdown(tachyon, python, args, tmp):
    work = [FIXED_WORK, str(args.iterations)]
    out = os.path.join(tmp, "slow.pstats")
    # The waker is the control: a process woken every 100 us that reads
    # nothing. It is started with the Python running this driver, and
    # killed when the loop ends, so its own lifetime does not matter.
    configs = [
        ("alone", [python] + work, None),
        ("waker 100", [python] + work, [sys.executable, WAKER, "100", "3600"]),
        ("-i 100", [tachyon, "run", "--python", python, "-i", "100", "--pstats", "-o", out] + work, None),
        ("-i 10", [tachyon, "run", "--python", python, "-i", "10", "--pstats", "-o", out] + work, None),
    ]
    results = {name: [] for name, _, _ in configs}
    # Interleaved, so a burst of load from other users hits every
    # configuration rather than one.
    for r in range(args.repeats):
        for name, argv, control in configs:
            res = fixed_work_once(argv, tmp, control)
            if res:
                results[name].append(res)
                extra = "" if res["samples"] is None else "  %d samples" % res["samples"]
                log("    run %d %-9s elapsed %.3f s  cpu %.3f s%s  (load %s)" % (
                    r + 1, name, res["elapsed"], res["cpu"], extra, loadavg()))
    return results


# --------------------------------------------------------------------- table

def fmt_pair(pair, spec, scale=1.0):
    best, med = pair
    if best is None:
        return "-"
    return (spec % (best * scale)) + "/" + (spec % (med * scale))


def backends_seen(rows):
    """"proc_mem" when every run used it, else "proc_mem 2, vm_readv 1"."""
    counts = {}
    for r in rows:
        counts[r.get("backend", "?")] = counts.get(r.get("backend", "?"), 0) + 1
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join("%s %d" % kv for kv in sorted(counts.items()))


def throughput_row(label, rows):
    wall = best_median([r["wall_rate"] for r in rows if "wall_rate" in r])
    cpu = best_median([r["cpu_rate"] for r in rows])
    us = best_median([r["us_per_sample"] for r in rows], higher_is_better=False)
    err = best_median([r["error_pct"] for r in rows if "error_pct" in r], higher_is_better=False)
    return "  %-34s %13s %13s %11s %9s  %s" % (label, fmt_pair(wall, "%.0fk", 1e-3),
                                               fmt_pair(cpu, "%.0fk", 1e-3), fmt_pair(us, "%.2f"),
                                               fmt_pair(err, "%.1f"), backends_seen(rows))


def slowdown_pct(res, name, key):
    """(best, median) slowdown in percent of configuration name over alone,
    on the fixed_work figure key ("elapsed" or "cpu"); best compares the
    best runs, median the medians."""
    alone = [r[key] for r in res.get("alone", [])]
    prof = [r[key] for r in res.get(name, [])]
    if not alone or not prof:
        return None, None
    return (100.0 * (min(prof) / min(alone) - 1.0),
            100.0 * (statistics.median(prof) / statistics.median(alone) - 1.0))


def short_name(python):
    """"pyenv 3.12.1" for a pyenv interpreter, else the path."""
    parts = python.split(os.sep)
    if "versions" in parts and parts.index("versions") + 1 < len(parts):
        return "pyenv " + parts[parts.index("versions") + 1]
    return python


def slowdown_cells(res):
    cells = []
    for key in ("elapsed", "cpu"):
        cells.append(fmt_pair(best_median([r[key] for r in res.get("alone", [])], False), "%.2f"))
        for name in SLOWDOWN_CONFIGS[1:]:
            cells.append(fmt_pair(slowdown_pct(res, name, key), "%+.0f%%"))
    return cells


def print_tables(all_results, feed, args, load_start):
    log("")
    log("=" * 104)
    log("Summary: best/median of %d runs; load average at start %s, at end %s; %d CPUs" % (
        args.repeats, load_start, loadavg(), os.cpu_count() or 0))
    log("Throughput, sampling as fast as possible (-i 1), target deep30.py (30 frames):")
    log("  %-34s %13s %13s %11s %9s  %s" % ("", "samples/s", "samples/", "CPU us/", "error %",
                                            "backend"))
    log("  %-34s %13s %13s %11s %9s" % ("", "(wall)", "CPU-second", "sample", ""))
    for python, res in all_results:
        log(" %s" % python)
        for name, rows in res.get("throughput", {}).items():
            if rows:
                log(throughput_row("tachyon " + name, rows))
        for backend, rows in sorted(res.get("decoder", {}).items(), reverse=True):
            log(throughput_row("decoder only, %d frames" % rows[0]["depth"], rows))
    if feed:
        log(" plugin only, no decoding (tachyon_feed --time, 30-frame samples of weight 1):")
        for fmt, rows in feed.items():
            cpu = best_median([r["cpu_rate"] for r in rows])
            us = best_median([r["us_per_sample"] for r in rows], higher_is_better=False)
            log("  %-34s %13s %13s %11s" % (fmt + " plugin", "", fmt_pair(cpu, "%.0fk", 1e-3),
                                             fmt_pair(us, "%.2f")))
    if not args.skip_slowdown:
        log("Slowdown of fixed_work.py (%d iterations) under tachyon run, against the same loop alone:"
            % args.iterations)
        row = "  %-19s" + " %10s" * 4 + " |" + " %10s" * 4
        log("  %-19s %-43s | %s" % ("", "wall time of the loop", "CPU time of the target"))
        log(row % (("",) + ("alone (s)", "waker 100", "-i 100", "-i 10") * 2))
        for python, res in all_results:
            if "slowdown" in res:
                log(row % ((short_name(python),) + tuple(slowdown_cells(res["slowdown"]))))
        log("  (waker 100: the loop alone next to workloads/waker.py, a process woken every 100 us")
        log("  that reads nothing: the cost of the wake-ups alone, the control for -i 100)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.environ.get("TACHYON_BUILD_DIR",
                                                          os.path.join(REPO, "build")))
    ap.add_argument("--python", action="append", help="interpreter to measure (repeatable)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--duration", type=float, default=5.0, help="seconds per attach run")
    ap.add_argument("--iterations", type=int, default=20000000, help="fixed_work.py loop count")
    ap.add_argument("--quick", action="store_true", help="1 repeat, 2 s attach runs, 2M iterations")
    ap.add_argument("--skip-decoder", action="store_true")
    ap.add_argument("--skip-feed", action="store_true")
    ap.add_argument("--skip-slowdown", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.repeats, args.duration, args.iterations = 1, 2.0, 2000000

    build = os.path.abspath(args.build_dir)
    tachyon = os.path.join(build, "tachyon")
    plugin_dir = os.path.join(build, "plugins")
    bench_decoder = os.path.join(build, "bench", "bench_decoder")
    feed = os.path.join(build, "tests", "tools", "tachyon_feed")
    if not os.access(tachyon, os.X_OK):
        sys.exit("missing %s: build the tachyon target (or pass --build-dir)" % tachyon)
    pythons = [p for p in (args.python or INTERPRETERS) if os.access(p, os.X_OK)]
    load_start = loadavg()
    log("tachyon %s, load average %s, %d CPUs" % (tachyon, load_start, os.cpu_count() or 0))

    tmp = tempfile.mkdtemp(prefix="tachyon-sampling-bench.")
    all_results = []
    feed_results = {}
    try:
        for python in pythons:
            log("== %s" % python)
            res = {"throughput": throughput(tachyon, python, args, tmp)}
            if not args.skip_slowdown:
                res["slowdown"] = slowdown(tachyon, python, args, tmp)
            all_results.append((python, res))
        if not args.skip_decoder:
            if os.access(bench_decoder, os.X_OK):
                log("== decoder only: %s" % bench_decoder)
                dec = decoder_runs(bench_decoder, args)
                for python, res in all_results:
                    if python in dec:
                        res["decoder"] = dec[python]
            else:
                log("== decoder only: %s missing (build target bench_decoder), skipped" % bench_decoder)
        if not args.skip_feed:
            if os.access(feed, os.X_OK):
                log("== plugin only: %s" % feed)
                feed_results = feed_runs(feed, plugin_dir, args, tmp)
            else:
                log("== plugin only: %s missing (build target tachyon_feed), skipped" % feed)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print_tables(all_results, feed_results, args, load_start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
