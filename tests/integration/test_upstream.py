"""Upstream's own profiler as the reference: the same deterministic workloads
profiled by `python3.15 -m profiling.sampling run` inside the Debian unstable
root and by tachyon on the same 3.15 interpreter must show the same
functions on the same lines, with shares that agree within a few points.

Upstream's `run` starts the script through runpy, so its stacks begin with
"<frozen runpy>" launcher frames; they are dropped up to the script's own
first frame. Upstream also shows 3.14+'s __init__ cleanup shim as a frame
("__init__:__init__:-1"), which tachyon hides as it does on 3.13; it is
dropped too. Thread ids differ by design and are ignored.

Tolerance: 10 points absolute on the share of samples whose stack holds a
given file:function:line, for every such frame at 5% or more in either
profile. On an idle machine the two agree within 2 points (the workloads'
splits are set by deadlines; sampling error at the >= 2000 samples each
required is about one point). This machine is shared: at load averages of
12 to 16 on its 2 cores, upstream itself was measured 7 points off the
known 75/25 split of split.py, and tachyon up to 9 points off upstream on
the exceptions workload in a first run; so a workload whose profiles
disagree is run once more and the second pair decides. What the test is
for still fails at any such tolerance: a frame missing from one profile, or
on another line, differs by its whole share (33 to 100 points here)."""
import os
import subprocess
import unittest

from support import TempDir, interpreter, parse_collapsed, run_tachyon, sid_python, workload

TOLERANCE = 0.10
THRESHOLD = 0.05
RATE = "5khz"   # both profilers; upstream keeps up with it here
MIN_SAMPLES = 2000   # of 10000 slots: sampling error of a share under 1.1 points

# (name, script, args, extra flags for both profilers)
WORKLOADS = [
    ("split", workload("split.py"), ["2.0", "sleep"], []),
    ("threads", workload("threads.py"), ["2.0"], ["-a"]),
    ("deep", workload("deep.py"), ["2.0"], []),
    ("exceptions", workload("exceptions_mix.py"), ["2.0"], []),
    ("unicode", workload("unicode_names.py"), ["2.0"], []),
]


def normalise(stacks, script):
    """{file:func:line: share of samples whose stack holds it}, launcher
    frames and the __init__ shim dropped, thread ids ignored."""
    base = os.path.basename(script)
    held, total = {}, 0
    for frames, count in stacks:
        frames = [f for f in frames if not f.startswith("tid:")]
        while frames and not frames[0].startswith(base + ":"):
            frames.pop(0)
        frames = [f for f in frames if f != "__init__:__init__:-1"]
        if not frames:
            continue
        total += count
        for f in set(frames):
            held[f] = held.get(f, 0) + count
    return {f: n / total for f, n in held.items()}, total


class Upstream(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.python = interpreter("3.15-sid")
        cls.upstream = sid_python("python3.15")

    def profile_both(self, script, args, extra):
        with TempDir() as d:
            ours, theirs = os.path.join(d, "tachyon.txt"), os.path.join(d, "upstream.txt")
            r = run_tachyon(["run", "--python", self.python, "-r", RATE, "--collapsed", "-o", ours,
                             *extra, script, *args])
            self.assertEqual(r.returncode, 0, r.stderr)
            u = subprocess.run([self.upstream, "-m", "profiling.sampling", "run", "-r", RATE,
                                "--collapsed", "-o", theirs, *extra, script, *args],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(u.returncode, 0, u.stderr + u.stdout)
            with open(ours, encoding="utf-8") as f:
                a = parse_collapsed(f.read())
            with open(theirs, encoding="utf-8") as f:
                b = parse_collapsed(f.read())
        return a, b

    def compare(self, name, script, args, extra):
        a, b = self.profile_both(script, args, extra)
        ours, n_ours = normalise(a, script)
        theirs, n_theirs = normalise(b, script)
        self.assertGreater(n_ours, MIN_SAMPLES, name)
        self.assertGreater(n_theirs, MIN_SAMPLES, name)
        keys = {k for k, v in ours.items() if v >= THRESHOLD}
        keys |= {k for k, v in theirs.items() if v >= THRESHOLD}
        self.assertTrue(keys)
        diffs = {k: (round(ours.get(k, 0), 3), round(theirs.get(k, 0), 3)) for k in sorted(keys)
                 if abs(ours.get(k, 0) - theirs.get(k, 0)) > TOLERANCE}
        print(f"{name}: {len(keys)} frames at >= {THRESHOLD:.0%}, "
              f"{n_ours} tachyon / {n_theirs} upstream samples, {len(diffs)} differing")
        return diffs

    def test_same_frames_and_shares(self):
        for name, script, args, extra in WORKLOADS:
            with self.subTest(workload=name):
                diffs = self.compare(name, script, args, extra)
                if diffs:
                    print(f"{name}: first pair differs ({diffs}); once more")
                    diffs = self.compare(name, script, args, extra)
                self.assertFalse(diffs, f"{name}: frames whose share differs (tachyon, upstream)")


if __name__ == "__main__":
    unittest.main()
