"""End-to-end profiles of real targets on every interpreter present:
known time splits, deep stacks, threads, non-ASCII names, attach, the
target exiting early, Ctrl-C, pstats output and its marshal file."""
import os
import re
import signal
import subprocess
import sys
import time
import unittest

import support
from support import (TACHYON, Target, TempDir, frame_func, interpreters, parse_collapsed, run_tachyon,
                     workload)


def collapsed_profile(test, python, script, *args, extra=(), timeout=120):
    with TempDir() as d:
        out = os.path.join(d, "stacks.txt")
        r = run_tachyon(["run", "--python", python, "--collapsed", "-o", out, *extra, script, *args],
                        timeout=timeout)
        test.assertEqual(r.returncode, 0, r.stderr)
        with open(out, encoding="utf-8") as f:
            return parse_collapsed(f.read()), r


class Profiles(unittest.TestCase):
    def test_time_split(self):
        for name, python in interpreters():
            with self.subTest(python=name):
                stacks, r = collapsed_profile(self, python, workload("split.py"), "2.0", "sleep")
                total = sum(c for _, c in stacks)
                self.assertGreater(total, 2000, r.stdout)
                hot = sum(c for s, c in stacks if "hot" in map(frame_func, s))
                cold = sum(c for s, c in stacks if "cold" in map(frame_func, s))
                share = hot / (hot + cold)
                self.assertGreater(hot + cold, 0.9 * total)
                self.assertAlmostEqual(share, 0.75, delta=0.05, msg=f"hot={hot} cold={cold}")

    def test_deep_recursion_whole_and_in_order(self):
        for name, python in interpreters():
            with self.subTest(python=name):
                stacks, _ = collapsed_profile(self, python, workload("deep.py"), "1.5")
                best, count = max(stacks, key=lambda sc: sc[1])
                funcs = [frame_func(f) for f in best[1:]]   # drop tid:N
                self.assertEqual(funcs[0], "<module>")
                self.assertEqual(funcs[1:3], ["main", "recurse"])
                self.assertEqual(funcs.count("recurse"), 200)
                self.assertEqual(funcs[-1], "leaf")
                i = funcs.index("recurse")
                self.assertEqual(funcs[i:i + 200], ["recurse"] * 200)
                # Line numbers: every level but the innermost is on the recursive
                # call; the innermost is on the call to leaf().
                lines = [int(f.rsplit(":", 1)[1]) for f in best[1:] if frame_func(f) == "recurse"]
                src = open(workload("deep.py")).read().splitlines()
                self.assertEqual(len(set(lines[:-1])), 1, lines)
                self.assertIn("recurse(depth - 1, seconds)", src[lines[0] - 1])
                self.assertIn("leaf(seconds)", src[lines[-1] - 1])

    def test_all_threads(self):
        for name, python in interpreters():
            with self.subTest(python=name):
                stacks, _ = collapsed_profile(self, python, workload("threads.py"), "1.5", extra=["-a"])
                tids = {s[0] for s, _ in stacks}
                funcs = {frame_func(f) for s, _ in stacks for f in s[1:]}
                for fn in ("worker_alpha", "worker_beta", "worker_gamma", "main_waits"):
                    self.assertIn(fn, funcs)
                self.assertGreaterEqual(len(tids), 4, tids)
                self.assertTrue(all(t.startswith("tid:") for t in tids))
                # Without -a only the main thread is sampled.
                # 2 s: a debug build on a loaded machine can spend the first
                # second starting its threads.
                stacks, _ = collapsed_profile(self, python, workload("threads.py"), "2.0")
                funcs = {frame_func(f) for s, _ in stacks for f in s[1:]}
                self.assertIn("main_waits", funcs)
                self.assertNotIn("worker_alpha", funcs)
                self.assertEqual(len({s[0] for s, _ in stacks}), 1)

    def test_non_ascii_names(self):
        for name, python in interpreters():
            with self.subTest(python=name):
                stacks, _ = collapsed_profile(self, python, workload("unicode_names.py"), "1.0")
                funcs = {frame_func(f) for s, _ in stacks for f in s[1:]}
                self.assertIn("ñandú_función", funcs)
                self.assertIn("Größe.计算", funcs)
                self.assertIn("\U0001f40d_astral", funcs)

    def test_pstats_table(self):
        name, python = interpreters()[-1]
        r = run_tachyon(["run", "--python", python, workload("split.py"), "1.5"], env={"NO_COLOR": "1"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"Captured [\d,]+ samples in \d+\.\d\d seconds")
        self.assertIn("Sample rate:", r.stdout)
        self.assertIn("Error rate:", r.stdout)
        self.assertIn("Profile Stats", r.stdout)
        self.assertRegex(r.stdout, r"split\.py:\d+\(hot\)")
        self.assertNotIn("\x1b[", r.stdout)

    def test_pstats_marshal_loads_in_every_interpreter(self):
        _, python = interpreters()[0]
        with TempDir() as d:
            out = os.path.join(d, "prof.pstats")
            r = run_tachyon(["run", "--python", python, "--pstats", "-o", out, workload("split.py"), "1.0"])
            self.assertEqual(r.returncode, 0, r.stderr)
            for name, py in interpreters():
                with self.subTest(reader=name):
                    check = subprocess.run(
                        [py, "-c", "import pstats,sys,io\n"
                         "s=pstats.Stats(sys.argv[1], stream=io.StringIO())\n"
                         "keys=[k for k in s.stats if k[2]=='hot']\n"
                         "assert keys, list(s.stats)[:5]\n"
                         "callers=s.stats[keys[0]][4]\n"
                         "assert any(k[2]=='main' for k in callers), callers\n"
                         "s.print_stats(); s.print_callers()\n", out],
                        capture_output=True, text=True, timeout=60)
                    self.assertEqual(check.returncode, 0, check.stderr)

    def test_module_target_and_arguments(self):
        _, python = interpreters()[0]
        with TempDir() as d:
            out = os.path.join(d, "m.txt")
            r = run_tachyon(["run", "--python", python, "--collapsed", "-o", out, "-m", "demo_pkg"],
                            cwd=os.path.dirname(workload("split.py")))
            self.assertEqual(r.returncode, 0, r.stderr)
            funcs = {frame_func(f) for s, _ in parse_collapsed(open(out).read()) for f in s}
            self.assertIn("module_work", funcs)

    def test_target_exit_status_and_args_pass_through(self):
        _, python = interpreters()[0]
        with TempDir() as d:
            out = os.path.join(d, "e.txt")
            r = run_tachyon(["run", "--python", python, "--collapsed", "-o", out, "-d", "30",
                             workload("exit_code.py"), "3", "--flag", "value"])
            self.assertEqual(r.returncode, 3, r.stderr)
            self.assertIn("args: --flag value", r.stdout)
            # The target exited long before -d 30: the output is still written.
            stacks = parse_collapsed(open(out).read())
            self.assertTrue(any("work" in map(frame_func, s) for s, _ in stacks))

    def test_attach(self):
        for name, python in interpreters():
            with self.subTest(python=name):
                with Target(python, workload("forever.py"), ready_marker="ready") as t, TempDir() as d:
                    out = os.path.join(d, "a.txt")
                    r = run_tachyon(["attach", "--collapsed", "-o", out, "-d", "1", str(t.pid)])
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assertIsNone(t.proc.poll(), "attach must not disturb the target")
                    stacks = parse_collapsed(open(out).read())
                    self.assertTrue(any("busy_forever" in map(frame_func, s) for s, _ in stacks))
                    self.assertGreater(sum(c for _, c in stacks), 1000)

    def test_target_killed_mid_run_still_writes(self):
        _, python = interpreters()[-1]
        with Target(python, workload("forever.py"), ready_marker="ready") as t, TempDir() as d:
            out = os.path.join(d, "k.txt")
            p = subprocess.Popen([TACHYON, "attach", "--collapsed", "-o", out, str(t.pid)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(1.5)
            t.proc.kill()
            so, se = p.communicate(timeout=30)
            self.assertEqual(p.returncode, 0, se)
            self.assertTrue(any("busy_forever" in map(frame_func, s) for s, _ in parse_collapsed(open(out).read())))

    def test_launchers_that_exec_the_interpreter(self):
        _, python = interpreters()[0]
        with TempDir() as d:
            wrapper = os.path.join(d, "python-wrapper")
            with open(wrapper, "w") as f:
                f.write("#!/bin/sh\n# a launcher like pyenv's shims: it execs the real interpreter\n"
                        f"exec {python} \"$@\"\n")
            os.chmod(wrapper, 0o755)
            launchers = [wrapper]
            shim = os.path.join(support._pyenv_root(), "shims", "python3")
            if os.access(shim, os.X_OK):
                launchers.append(shim)
            for launcher in launchers:
                with self.subTest(launcher=launcher):
                    stacks, _ = collapsed_profile(self, launcher, workload("split.py"), "1.0", "sleep")
                    self.assertTrue(any("hot" in map(frame_func, s) for s, _ in stacks))
                    # Sampling starts at the script's own code: no start-up
                    # (<frozen site>, getpath, importlib) at the root of a stack.
                    # The interpreter's own shutdown (threading._shutdown) may
                    # still be caught after <module> returns.
                    roots = [s[1] for s, _ in stacks]
                    self.assertFalse([r for r in roots if r.startswith("<frozen")], roots)
                    main = sum(c for s, c in stacks if frame_func(s[1]) == "<module>")
                    self.assertGreater(main, 0.99 * sum(c for _, c in stacks))

    def test_sampling_rate_and_realtime_stats(self):
        _, python = interpreters()[0]
        with TempDir() as d:
            out = os.path.join(d, "r.txt")
            r = run_tachyon(["run", "--python", python, "-r", "1khz", "-d", "2", "--realtime-stats",
                             "--collapsed", "-o", out, workload("forever.py")])
            self.assertEqual(r.returncode, 0, r.stderr)
            m = re.search(r"Captured ([\d,]+) samples in ([\d.]+) seconds", r.stdout)
            self.assertIsNotNone(m, r.stdout)
            count, secs = int(m.group(1).replace(",", "")), float(m.group(2))
            self.assertAlmostEqual(secs, 2.0, delta=0.3)
            # 1 kHz for 2 s: never more than the schedule allows, and not far below.
            self.assertLessEqual(count, 2001)
            self.assertGreater(count, 1000)
            # stdout is a pipe here: plain lines, no terminal escapes (issue 9).
            self.assertRegex(r.stdout, r"(?m)^Stats: [\d.]+Hz \([\d.]+\xb5s\) Min: [\d.]+Hz Max: [\d.]+Hz N=\d+$")
            self.assertNotIn("\x1b", r.stdout)

    def test_ctrl_c_still_writes(self):
        _, python = interpreters()[0]
        with TempDir() as d:
            out = os.path.join(d, "c.txt")
            p = subprocess.Popen([TACHYON, "run", "--python", python, "--collapsed",
                                  "-o", out, workload("forever.py")],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(2.0)
            p.send_signal(signal.SIGINT)
            so, se = p.communicate(timeout=30)
            self.assertIn("Interrupted by user.", so + se)
            self.assertTrue(os.path.exists(out), se)
            self.assertTrue(any("busy_forever" in map(frame_func, s) for s, _ in parse_collapsed(open(out).read())))
            leftovers = [f for f in os.listdir(d) if f != "c.txt"]
            self.assertEqual(leftovers, [], "no temporary files are left behind")


if __name__ == "__main__":
    unittest.main()
