#!/usr/bin/env python3
"""The binary writer against upstream's, on one CPython 3.15 target.

Starts one 3.15 target in the Debian unstable root (bench/workloads/deep30.py
by default: a steady 30-frame-deep stack with a few changing leaves), then
attaches tachyon (`attach --binary`) and upstream CPython 3.15's profiler
(`python3.15 -m profiling.sampling attach --binary`) to it at the same time,
for the same duration and rate, once with zstd and once uncompressed. Prints,
per writer: thread-samples written, file bytes, bytes per sample, profiler
CPU seconds (user+sys of the whole profiler process tree) and CPU
microseconds per sample, then the tachyon/upstream ratios.

    bench/binary_writer.py [--build-dir DIR] [--duration S] [--rate HZ]
                           [--repeats N] [--workload FILE]

CPU per sample includes each profiler's whole sampling loop (reading the
target, decoding, writing), which is what a user pays for a --binary run;
both run concurrently on the same target, so their load is the same. The
row tachyon-re is tachyon's writer given exactly upstream's samples (a
replay of upstream's file into --binary): the two encodings on one stream."""
import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
SID_ROOT = os.environ.get("TACHYON_SID_ROOT", "/var/cache/tachyon/sid-root")


def sample_count(path):
    with open(path, "rb") as f:
        head = f.read(64)
    if head[:4] != b"HCAT":
        raise SystemExit(f"{path}: not a binary profile")
    return int.from_bytes(head[28:32], "little")


def one_run(args, tachyon, workdir, compression):
    """Target and upstream run in one private mount namespace with /proc
    mounted in the root (upstream finds the target's runtime only from
    there); tachyon attaches to the same pid from outside."""
    inner = "/tmp/" + os.path.basename(workdir)
    with open(args.workload, "rb") as src, open(os.path.join(workdir, "target.py"), "wb") as dst:
        dst.write(src.read())
    with open(os.path.join(workdir, "rusage.py"), "w") as f:
        f.write("import resource, subprocess, sys\n"
                "r = subprocess.run(sys.argv[1:])\n"
                "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
                "open('cpu', 'w').write(str(u.ru_utime + u.ru_stime))\n"
                "sys.exit(r.returncode)\n")
    script = f"""
mount -t proc proc {shlex.quote(os.path.join(SID_ROOT, 'proc'))} || exit 1
chroot {shlex.quote(SID_ROOT)} sh -c 'cd {inner} && echo $$ >tpid && exec python3.15 target.py {args.duration + 30:g} >ready' &
tp=$!
while ! grep -q ready {shlex.quote(workdir)}/ready 2>/dev/null; do sleep 0.1; done
pid=$(cat {shlex.quote(workdir)}/tpid)
echo $pid > {shlex.quote(workdir)}/pid
while [ ! -e {shlex.quote(workdir)}/go ]; do sleep 0.05; done
chroot {shlex.quote(SID_ROOT)} sh -c 'cd {inner} && exec python3.15 rusage.py python3.15 -m profiling.sampling attach --binary --compression {compression} -r {args.rate} -d {args.duration:g} -o upstream.bin '$pid
rc=$?
kill $pid 2>/dev/null
wait $tp 2>/dev/null
exit $rc
"""
    ns = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        pid_file = os.path.join(workdir, "pid")
        deadline = time.monotonic() + 60
        while not (os.path.exists(pid_file) and open(pid_file).read().strip()):
            if time.monotonic() > deadline or ns.poll() is not None:
                raise SystemExit("the 3.15 target did not start: " + ns.stderr.read().decode(errors="replace"))
            time.sleep(0.1)
        pid = open(pid_file).read().strip()
        ta_out = os.path.join(workdir, "tachyon.bin")
        ta = subprocess.Popen([tachyon, "attach", "--binary", "--compression", compression, "-r", str(args.rate),
                               "-d", str(args.duration), "-o", ta_out, pid],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        open(os.path.join(workdir, "go"), "w").close()
        _, status, ru = os.wait4(ta.pid, 0)
        ta_err = ta.stderr.read().decode(errors="replace")
        ta.stderr.close()
        ta.returncode = os.waitstatus_to_exitcode(status)
        if ta.returncode != 0:
            raise SystemExit(f"tachyon failed ({ta.returncode}):\n{ta_err}")
        _, up_err = ns.communicate(timeout=args.duration + 60)
        if ns.returncode != 0:
            raise SystemExit(f"upstream failed ({ns.returncode}):\n{up_err.decode(errors='replace')}")
        up_cpu = float(open(os.path.join(workdir, "cpu")).read())
        out = {}
        for name, path, cpu in (("tachyon", ta_out, ru.ru_utime + ru.ru_stime),
                                ("upstream", os.path.join(workdir, "upstream.bin"), up_cpu)):
            out[name] = (sample_count(path), os.path.getsize(path), cpu)
        # The two profilers rarely reach the same rate on a loaded machine, and
        # a slower rate means fewer repeated stacks: tachyon's writer is also
        # given exactly upstream's samples (a replay into --binary) so the
        # encodings compare on the same stream. Its CPU is the whole replay.
        re_out = os.path.join(workdir, "reencoded.bin")
        r = subprocess.run([tachyon, "replay", "--format", "binary", "--plugin-opt",
                            "binary.compression=" + compression, "-o", re_out,
                            os.path.join(workdir, "upstream.bin")], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit("re-encoding failed:\n" + r.stderr)
        out["tachyon-re"] = (sample_count(re_out), os.path.getsize(re_out), None)
        return out
    finally:
        if ns.poll() is None:
            ns.kill()
            ns.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.environ.get("TACHYON_BUILD_DIR", os.path.join(SOURCE, "build")))
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--rate", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workload", default=os.path.join(HERE, "workloads", "deep30.py"))
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args()
    tachyon = os.path.join(os.path.abspath(args.build_dir), "tachyon")
    print(f"target: CPython 3.15 (the unstable root) running {os.path.basename(args.workload)}; "
          f"{args.duration:g} s at {args.rate} Hz, {args.repeats} repeats, load {os.getloadavg()[0]:.2f}")
    for compression in ("zstd", "none"):
        rows = {"tachyon": [], "upstream": [], "tachyon-re": []}
        for _ in range(args.repeats):
            workdir = tempfile.mkdtemp(prefix="tachyon-binbench-", dir=os.path.join(SID_ROOT, "tmp"))
            try:
                for name, v in one_run(args, tachyon, workdir, compression).items():
                    rows[name].append(v)
            finally:
                if not os.environ.get("BINBENCH_KEEP"):
                    subprocess.run(["rm", "-rf", workdir])
        print(f"\ncompression {compression}:")
        print(f"  {'writer':11} {'samples':>9} {'samples/s':>9} {'bytes':>10} {'bytes/sample':>13} {'CPU s':>7} "
              f"{'CPU us/sample':>14}")
        med = {}
        for name, vals in rows.items():
            bps = statistics.median(size / n for n, size, _ in vals)
            cps = statistics.median(cpu / n * 1e6 for n, _, cpu in vals) if vals[0][2] is not None else None
            n, size, cpu = vals[len(vals) // 2]
            med[name] = (bps, cps)
            print(f"  {name:11} {n:9d} {n / args.duration:9.0f} {size:10d} {bps:13.3f} "
                  + (f"{cpu:7.2f} {cps:14.2f}" if cps is not None else f"{'-':>7} {'-':>14}"))
        print(f"  ratio tachyon/upstream: bytes per sample {med['tachyon'][0] / med['upstream'][0]:.2f} "
              f"(same samples: {med['tachyon-re'][0] / med['upstream'][0]:.2f}), "
              f"CPU per sample {med['tachyon'][1] / med['upstream'][1]:.2f}")

    if not args.skip_memory:
        memory(os.path.abspath(args.build_dir))


def memory(build_dir):
    """Peak RSS of the writer over 1 and 10 minutes' worth of 10 kHz samples
    (synthetic, through tachyon_feed): flat means the 10-minute recording
    costs no more memory than the 1-minute one."""
    feed = os.path.join(build_dir, "tests", "tools", "tachyon_feed")
    print("\nwriter memory (tachyon_feed --generate, 30-deep stacks over 2000 frames, 4 threads):")
    with tempfile.TemporaryDirectory() as d:
        for minutes in (1, 10):
            n = minutes * 60 * 10000
            r = subprocess.run([feed, "--format", "binary", "-o", os.path.join(d, "m.bin"), "--interval", "100",
                                "--time", "--generate", f"{n},2000,30,1"], capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit(r.stderr)
            line = [l for l in r.stderr.splitlines() if l.startswith("tachyon_feed:")][-1]
            print(f"  {minutes:2d} min ({n:,} samples): {line.split(', ', 2)[2]}, "
                  f"{os.path.getsize(os.path.join(d, 'm.bin')) / n:.2f} bytes/sample")


if __name__ == "__main__":
    main()
