"""--browser: the HTML report is opened through $BROWSER (a fake browser
here, which records the URL it was given), then xdg-open; a report that
is not HTML is not opened; a browser that cannot be started is a warning
and the run still succeeds with its report written."""
import os
import stat
import textwrap
import time
import unittest

from support import TempDir, interpreters, run_tachyon

WORK = """
import time
end = time.perf_counter() + 0.3
while time.perf_counter() < end:
    pass
"""


def fake_browser(directory, name, record):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(f"#!/bin/sh\nprintf '%s|%s\\n' \"$1\" \"$2\" >> {record}\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return path


def recorded(record, timeout=5.0):
    """The lines the fake browser wrote (it runs detached, so wait for it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(record):
            with open(record) as f:
                text = f.read()
            if text.endswith("\n"):
                return text.splitlines()
        time.sleep(0.02)
    return []


class Browser(unittest.TestCase):
    def test_browser(self):
        name, python = interpreters()[0]
        with TempDir() as d:
            script = os.path.join(d, "work.py")
            with open(script, "w") as f:
                f.write(textwrap.dedent(WORK))
            record = os.path.join(d, "opened.txt")
            browser = fake_browser(d, "fakebrowser", record)

            # $BROWSER with an argument placeholder: the file URL replaces %s.
            out = os.path.join(d, "fg.html")
            r = run_tachyon(["run", "--python", python, "--flamegraph", "--browser", "-o", out, script],
                            env={"BROWSER": f"/nonexistent/browser:{browser} --new-tab %s"}, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(os.path.exists(out))
            self.assertEqual(recorded(record), [f"--new-tab|file://{os.path.realpath(out)}"])
            self.assertNotIn("Warning", r.stderr)

            # Default name, relative: the URL is still absolute.
            os.unlink(record)
            r = run_tachyon(["run", "--python", python, "--flamegraph", "--browser", script],
                            env={"BROWSER": browser}, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            lines = recorded(record)
            self.assertEqual(len(lines), 1, lines)
            url = lines[0].split("|")[0]
            self.assertRegex(url, r"^file://%s/flamegraph_\d+\.html$" % os.path.realpath(d))
            self.assertTrue(os.path.exists(url[len("file://"):]))

            # A heatmap is a folder (named without ".html"): its index.html opens.
            os.unlink(record)
            r = run_tachyon(["run", "--python", python, "--heatmap", "--browser", "-o", "hm.html", script],
                            env={"BROWSER": browser}, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(recorded(record), [f"file://{os.path.realpath(d)}/hm/index.html|"])

            # replay opens what it renders, as upstream's does.
            os.unlink(record)
            binary = os.path.join(d, "rec.bin")
            r = run_tachyon(["run", "--python", python, "--binary", "-o", binary, script], cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = os.path.join(d, "replayed.html")
            r = run_tachyon(["replay", "--flamegraph", "--browser", "-o", out, binary],
                            env={"BROWSER": browser}, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(recorded(record), [f"file://{os.path.realpath(out)}|"])
            self.assertTrue(os.path.exists(out))

            # --subprocesses: only the parent's report opens, not its child's.
            os.unlink(record)
            parent = os.path.join(d, "parent.py")
            with open(parent, "w") as f:
                f.write("import subprocess, sys\n"
                        f"subprocess.run([sys.executable, {script!r}])\n")
            r = run_tachyon(["run", "--python", python, "--subprocesses", "--flamegraph", "--browser", "-o",
                             os.path.join(d, "tree.html"), parent], env={"BROWSER": browser}, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("Started profiler for child process", r.stderr)
            time.sleep(0.3)
            self.assertEqual(recorded(record), [f"file://{os.path.realpath(d)}/tree.html|"])
            self.assertTrue([f for f in os.listdir(d) if f.startswith("tree_") and f.endswith(".html")])

            # Not an HTML report: nothing is opened.
            os.unlink(record)
            r = run_tachyon(["run", "--python", python, "--collapsed", "--browser", "-o",
                             os.path.join(d, "c.txt"), script], env={"BROWSER": browser}, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            time.sleep(0.3)
            self.assertFalse(os.path.exists(record))

            # No browser at all (xdg-open not on PATH either): a warning, and the report.
            out = os.path.join(d, "fg2.html")
            r = run_tachyon(["run", "--python", python, "--flamegraph", "--browser", "-o", out, script],
                            env={"BROWSER": "/nonexistent/browser", "PATH": "/nonexistent"}, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(os.path.exists(out))
            self.assertIn("Warning: Could not open browser:", r.stderr)
            self.assertIn("file://" + os.path.realpath(out), r.stderr)


if __name__ == "__main__":
    unittest.main()
