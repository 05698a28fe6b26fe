"""Bad input gets one clear line naming the problem and the documented exit
status: 2 with a usage line for command-line mistakes, 1 otherwise."""
import os
import subprocess
import sys
import time
import unittest

from support import TACHYON, Target, TempDir, interpreters, run_tachyon, workload
import support


def last_line(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1] if lines else ""


class UsageErrors(unittest.TestCase):
    def assertUsage(self, args, message):
        r = run_tachyon(args)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("usage: tachyon", r.stderr)
        self.assertIn(message, last_line(r.stderr))

    def test_no_command(self):
        self.assertUsage([], "the following arguments are required: command")

    def test_unknown_command(self):
        self.assertUsage(["profile"], "invalid choice: 'profile'")

    def test_missing_target(self):
        self.assertUsage(["run"], "the following arguments are required: target")

    def test_bad_pid(self):
        self.assertUsage(["attach", "abc"], "argument pid: invalid int value: 'abc'")
        self.assertUsage(["attach", "-5"], "unrecognized arguments: -5")

    def test_bad_rate(self):
        self.assertUsage(["run", "-r", "10 khz", "x.py"], "Invalid sampling rate format: 10 khz")
        self.assertUsage(["run", "-r", "0", "x.py"], "Sampling rate must be positive: 0")
        self.assertUsage(["run", "-r", "2000khz", "x.py"], "Sampling rate too high: 2000khz")

    def test_bad_interval_and_duration(self):
        self.assertUsage(["run", "-i", "0", "x.py"], "argument -i/--interval")
        self.assertUsage(["run", "-i", "ten", "x.py"], "argument -i/--interval")
        self.assertUsage(["run", "-d", "-3", "x.py"], "argument -d/--duration")

    def test_bad_choices(self):
        self.assertUsage(["run", "--mode", "fast", "x.py"], "argument --mode: invalid choice: 'fast'")
        self.assertUsage(["run", "--sort", "size", "x.py"], "argument --sort: invalid choice: 'size'")

    def test_exclusive_formats(self):
        self.assertUsage(["run", "--pstats", "--collapsed", "x.py"],
                         "argument --collapsed: not allowed with argument --pstats")

    def test_pstats_only_options(self):
        self.assertUsage(["run", "--collapsed", "--sort", "tottime", "x.py"],
                         "Options --sort are only valid with --pstats, not --collapsed")
        self.assertUsage(["run", "--collapsed", "-l", "5", "--no-summary", "x.py"],
                         "Options --limit, --no-summary are only valid with --pstats, not --collapsed")

    def test_async_rules(self):
        self.assertUsage(["run", "--async-mode", "all", "x.py"],
                         "--async-mode requires --async-aware to be enabled.")
        self.assertUsage(["run", "--async-aware", "-a", "--no-gc", "x.py"],
                         "Options --no-gc, --all-threads are incompatible with --async-aware.")

    def test_unknown_format(self):
        self.assertUsage(["run", "--format", "nosuchformat", "x.py"],
                         "no installed plugin provides the output format 'nosuchformat'")


class RuntimeErrors(unittest.TestCase):
    def test_missing_script(self):
        r = run_tachyon(["run", "/nonexistent/script.py"])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(last_line(r.stderr), "Error: Script '/nonexistent/script.py' not found.")

    def test_missing_module(self):
        name, python = interpreters()[0]
        r = run_tachyon(["run", "--python", python, "-m", "no_such_module_xyz"])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(last_line(r.stderr), "Error: Module 'no_such_module_xyz' not found.")

    def test_missing_interpreter(self):
        r = run_tachyon(["run", "--python", "/nonexistent/python9", workload("split.py")])
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot run /nonexistent/python9", last_line(r.stderr))

    def test_unwritable_output_is_refused_before_profiling(self):
        name, python = interpreters()[0]
        r = run_tachyon(["run", "--python", python, "--collapsed", "-o", "/nonexistent-dir/x.txt",
                         workload("exit_code.py"), "0"])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(last_line(r.stderr), "Error: cannot write the output to /nonexistent-dir/x.txt: "
                                              "directory /nonexistent-dir: No such file or directory")
        self.assertNotIn("args:", r.stdout, "the target must not have been started")

    def test_no_such_process(self):
        # A PID that existed and is now gone.
        p = subprocess.Popen(["true"])
        p.wait()
        r = run_tachyon(["attach", str(p.pid)])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(last_line(r.stderr), f"Error: Process with PID '{p.pid}' does not exist.")

    def test_not_python(self):
        p = subprocess.Popen(["sleep", "30"])
        try:
            r = run_tachyon(["attach", "-d", "1", str(p.pid)])
        finally:
            p.kill()
            p.wait()
        self.assertEqual(r.returncode, 1)
        self.assertIn(str(p.pid), last_line(r.stderr))
        self.assertIn("Python", last_line(r.stderr))

    def test_unsupported_python_version(self):
        versions = os.path.join(support._pyenv_root(), "versions")
        old = [p for p in (os.path.join(versions, "3.10.13", "bin", "python3.10"),
                           os.path.join(versions, "3.9.18", "bin", "python3.9")) if os.access(p, os.X_OK)]
        if not old:
            self.skipTest("no CPython older than 3.11 installed")
        r = run_tachyon(["run", "--python", old[0], workload("split.py"), "0.5", "sleep"])
        self.assertEqual(r.returncode, 1, r.stderr)
        line = last_line(r.stderr)
        self.assertTrue(line.startswith("Error: unsupported Python version 3."), line)
        self.assertIn(old[0].rsplit("python", 1)[1], line)

    def test_permission_denied(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to drop privileges")
        name, python = interpreters()[0]
        with Target(python, workload("forever.py"), ready_marker="ready") as t:
            r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                TACHYON, "attach", "-d", "1", str(t.pid)],
                               capture_output=True, text=True, timeout=60,
                               env=dict(os.environ, HOME="/tmp", XDG_CONFIG_HOME="/tmp/tachyon-nobody-config"))
        self.assertEqual(r.returncode, 1, r.stderr)
        line = last_line(r.stderr)
        self.assertIn("permission", line.lower())
        self.assertIn("ptrace_scope", line)
        self.assertIn("CAP_SYS_PTRACE", line)


if __name__ == "__main__":
    unittest.main()
