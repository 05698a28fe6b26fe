"""The live view (--live) driven through tmux: the hot function shows up
first, every key changes the screen as upstream's does, resizing redraws,
the finished banner, the too-few-samples message, and the terminal is
restored after q, Ctrl-C and a crash signal."""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import support  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, "workloads", "live_target.py")
PROMPT = "PROMPT$"      # capture-pane drops the space after it


class Tmux:
    """A private tmux server with one bash pane of a fixed size."""
    count = 0

    def __init__(self, cols, rows):
        Tmux.count += 1
        self.sock = f"tachyon-live-{os.getpid()}-{Tmux.count}"
        self.env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", PS1=PROMPT)
        self.env.pop("NO_COLOR", None)
        self.tmux("-f", "/dev/null", "new-session", "-d", "-x", str(cols), "-y", str(rows), "-s", "t",
                  f"env PS1='{PROMPT} ' LANG=C.UTF-8 LC_ALL=C.UTF-8 bash --norc --noprofile")
        self.tmux("set-option", "-g", "status", "off")
        self.tmux("set-option", "-g", "window-size", "manual")
        self.resize(cols, rows)
        self.wait_for(lambda s: PROMPT in s, 5, "shell prompt")

    def tmux(self, *args):
        return subprocess.run(["tmux", "-u", "-L", self.sock] + list(args), env=self.env, check=True,
                              capture_output=True, text=True).stdout

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "t", *keys)

    def type(self, text):
        self.tmux("send-keys", "-t", "t", "-l", text)
        self.keys("Enter")

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "t")

    def resize(self, cols, rows):
        self.tmux("resize-window", "-t", "t", "-x", str(cols), "-y", str(rows))

    def alternate_on(self):
        return self.tmux("display-message", "-p", "-t", "t", "#{alternate_on}").strip() == "1"

    def wait_for(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            s = self.screen()
            if pred(s):
                return s
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; screen:\n{s}")
            time.sleep(0.05)

    def close(self):
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True)


def table_rows(screen):
    """Data rows below the column header line."""
    lines = screen.splitlines()
    for i, line in enumerate(lines):
        if "nsamples" in line and "function" in line and not line.startswith("nsamples:"):
            rows = []
            for row in lines[i + 1:]:
                if not row.strip() or row.startswith("nsamples:") or row.startswith("─── Opcodes"):
                    break
                rows.append(row)
            return rows
    return []


def field(screen, regex):
    m = re.search(regex, screen)
    return m.group(1) if m else None


def samples(screen):
    v = field(screen, r"Samples:\s+(\d+) total")
    return int(v) if v is not None else None


def exited(screen):
    """The shell printed the exit status of the command (not the command
    line itself, which contains "EXIT=$?")."""
    return re.search(r"(?m)^EXIT=\d+", screen)


def python():
    return support.interpreters()[0][1]


class TerminalChecks:
    def assert_restored(self, t):
        """Back on the normal screen, the TUI gone, and the tty cooked and
        echoing again: a typed command shows up and runs."""
        t.wait_for(lambda s: not t.alternate_on() and "Tachyon Profiler" not in s, 5, "normal screen")
        t.type("stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo")
        s = t.wait_for(lambda s: re.search(r"^(-?icanon|-?echo) (-?icanon|-?echo)$", s, re.M), 5, "stty")
        self.assertRegex(s, r"(?m)^icanon echo$")


class LiveSession(unittest.TestCase, TerminalChecks):
    """One long target run, every key checked against it."""

    def test_keys_resize_and_quit(self):
        t = Tmux(200, 50)
        self.addCleanup(t.close)
        t.type(f"{support.TACHYON} run -a --live --python {python()} {TARGET} 120; echo EXIT=$?")
        start = time.monotonic()
        s = t.wait_for(lambda s: (table_rows(s) or [""])[0].find("hot_spin") >= 0, 5, "hot_spin on the first row")
        self.assertLess(time.monotonic() - start, 2.0, "the hot function took more than 2 s to reach row 1")
        self.assertIn("▼tottime", s)
        self.assertIn("Sort: Total Time | 't':mode 'x':trends ←→:thread 'h':help 'q':quit", s)
        for label in ("Tachyon Profiler", "Thread: ALL", "Interval: 100µs", "Display: 10.0Hz",
                      "Efficiency:[", "% on gil", "% waiting for gil", "Functions:", "Top 3:     🥇 hot_spin"):
            self.assertIn(label, s)
        # Every optional column fits at 200 columns.
        header = [l for l in s.splitlines() if "function" in l and "nsamples" in l][0]
        self.assertRegex(header, r"nsamples\s+%\s+▼tottime\s+%\s+cumtime\s+function\s+file:line")
        self.assertRegex(table_rows(s)[0], r"^\s+(\d+)/(\d+)\s+\d+\.\d\s+\d+\.\d{3}\s+\d+\.\d\s+\d+\.\d{3}\s+hot_spin\s+\S*live_target\.py:\d+")

        # s / S move the sort marker and the footer's name.
        t.keys("s")
        s = t.wait_for(lambda s: "Sort: Cumulative %" in s, 2, "sort forward")
        self.assertRegex(s, r"tottime\s+▼%\s+cumtime")
        t.keys("s")
        t.wait_for(lambda s: "Sort: Cumulative Time" in s and "▼cumtime" in s, 2, "sort forward again")
        t.keys("S", "S", "S")
        t.wait_for(lambda s: "Sort: Sample %" in s, 2, "sort backward")
        t.keys("S")
        s = t.wait_for(lambda s: "Sort: Direct Samples" in s and "▼nsamples" in s, 2, "sort backward again")
        t.keys("s", "s")
        t.wait_for(lambda s: "Sort: Total Time" in s, 2, "back to total time")

        # h shows the help; any key closes it.
        t.keys("h")
        s = t.wait_for(lambda s: "Tachyon Profiler - Interactive Commands" in s, 2, "help")
        self.assertIn("Press any key to close this help screen", s)
        self.assertNotIn("nsamples", s)
        t.keys("z")
        t.wait_for(lambda s: "Top 3:" in s, 2, "help closed")
        t.keys("?")
        t.wait_for(lambda s: "Tachyon Profiler - Interactive Commands" in s, 2, "help with ?")
        t.keys("?")
        t.wait_for(lambda s: "Top 3:" in s, 2, "help toggled off with ?")

        # p freezes the display while sampling goes on.
        t.keys("p")
        s = t.wait_for(lambda s: "[PAUSED]" in s, 2, "paused")
        frozen = samples(s)
        time.sleep(1.0)
        self.assertEqual(samples(t.screen()), frozen, "the display changed while paused")
        t.keys("p")
        s = t.wait_for(lambda s: "[PAUSED]" not in s and samples(s) != frozen, 2, "unpaused")
        self.assertGreater(samples(s), frozen)

        # / opens the filter prompt; Enter applies, c clears, Esc cancels.
        t.keys("/")
        t.wait_for(lambda s: "Function filter: _" in s, 2, "filter prompt")
        t.tmux("send-keys", "-t", "t", "-l", "other")
        t.wait_for(lambda s: "Function filter: other_" in s, 2, "filter typing")
        t.keys("Enter")
        s = t.wait_for(lambda s: "[Filter: other (c to clear)] Sort:" in s, 2, "filter applied")
        rows = table_rows(s)
        self.assertTrue(rows)
        self.assertTrue(all("other_worker" in r for r in rows), rows)
        self.assertRegex(s, r"Functions:\s+\d+ total .*\s{0,4}%d shown" % len(rows))
        t.keys("c")
        s = t.wait_for(lambda s: "[Filter:" not in s and "hot_spin" in "".join(table_rows(s)), 2, "filter cleared")
        t.keys("/")
        t.tmux("send-keys", "-t", "t", "-l", "zzz")
        t.wait_for(lambda s: "Function filter: zzz_" in s, 2, "second prompt")
        t.keys("Escape")
        s = t.wait_for(lambda s: "Function filter" not in s, 2, "prompt cancelled")
        self.assertNotIn("[Filter:", s)
        self.assertIn("hot_spin", "".join(table_rows(s)))

        # x toggles trend colours, + and - change the refresh rate.
        t.keys("x")
        t.wait_for(lambda s: "[Trend colors: OFF] Sort: Total Time" in s, 2, "trends off")
        t.keys("x")
        t.wait_for(lambda s: "[Trend colors: OFF]" not in s, 2, "trends on")
        t.keys("+")
        t.wait_for(lambda s: "Display: 20.0Hz" in s, 2, "faster")
        t.keys("-", "-", "-")
        t.wait_for(lambda s: "Display: 5.0Hz" in s, 2, "slower")
        t.keys("+", "+")
        t.wait_for(lambda s: "Display: 10.0Hz" in s, 2, "10 Hz again")

        # t: one thread at a time, arrows change thread with wrap-around.
        # Threads are numbered in the order they were first seen, so either
        # may be 1/2; each shows only its own functions.
        t.keys("t")
        s = t.wait_for(lambda s: re.search(r"Thread: \d+ \(1/2\)", s), 2, "per-thread view")
        first = "".join(table_rows(s))
        first_id = field(s, r"Thread: (\d+) \(1/2\)")
        t.keys("Right")
        s = t.wait_for(lambda s: re.search(r"Thread: \d+ \(2/2\)", s), 2, "second thread")
        second = "".join(table_rows(s))
        self.assertNotEqual(field(s, r"Thread: (\d+) \(2/2\)"), first_id)
        if "hot_spin" in first:
            main_rows, worker_rows = first, second
        else:
            main_rows, worker_rows = second, first
        self.assertIn("hot_spin", main_rows)
        self.assertNotIn("other_worker", main_rows)
        self.assertIn("other_worker", worker_rows)
        self.assertNotIn("hot_spin", worker_rows)
        t.keys("Right")
        t.wait_for(lambda s: re.search(r"Thread: \d+ \(1/2\)", s), 2, "wrap forward")
        t.keys("Left")
        t.wait_for(lambda s: re.search(r"Thread: \d+ \(2/2\)", s), 2, "wrap backward")
        t.keys("t")
        t.wait_for(lambda s: "Thread: ALL" in s, 2, "all threads again")

        # r restarts the statistics: counts and uptime start again.
        time.sleep(1.5)
        before = samples(t.screen())
        t.keys("r")
        s = t.wait_for(lambda s: samples(s) is not None and samples(s) < before / 2, 2, "reset")
        self.assertRegex(s, r"Uptime: 0m0[01]s")

        # Resizing redraws at the new size, with fewer columns, then back.
        t.resize(70, 15)
        s = t.wait_for(lambda s: len(s.splitlines()[0]) <= 70 and "Tachyon Profiler" in s
                       and re.search(r"nsamples\s+function", s), 3, "70x15 layout")
        self.assertNotIn("tottime", s)
        self.assertIn("hot_spin", "".join(table_rows(s)))
        t.resize(50, 10)
        s = t.wait_for(lambda s: "Terminal too small!" in s, 3, "too small")
        self.assertIn("Need: 60x12", s)
        self.assertIn("Have: 50x10", s)
        t.resize(200, 50)
        s = t.wait_for(lambda s: "▼tottime" in s and "cumtime" in s, 3, "200x50 again")

        # The target's own output never reached the screen.
        self.assertNotIn("NOISE", s)

        # q quits: the shell is back, the target stopped, its stderr shown.
        t.keys("q")
        s = t.wait_for(exited, 10, "exit")
        self.assertIn("EXIT=0", s)
        self.assertIn("NOISE-ERR 0", s)
        self.assertNotIn("NOISE-OUT", s)
        self.assert_restored(t)


class LiveFinished(unittest.TestCase, TerminalChecks):

    def test_banner_opcodes_and_quit(self):
        # Every interpreter: the opcode panel depends on each version's tables.
        for name, path in support.interpreters():
            with self.subTest(interpreter=name):
                self.banner_opcodes_and_quit(path)

    def banner_opcodes_and_quit(self, interpreter):
        t = Tmux(200, 50)
        self.addCleanup(t.close)
        t.type(f"{support.TACHYON} run --live --opcodes --python {interpreter} {TARGET} 1.5; echo EXIT=$?")
        s = t.wait_for(lambda s: "PROFILING COMPLETE" in s, 15, "finished banner")
        self.assertIn("✓ PROFILING COMPLETE - Final Results Below - Press 'q' to Quit", s)
        self.assertIn("[PROFILING FINISHED - Press 'q' to quit]", s.splitlines()[-1])
        self.assertNotIn("Sort:", s)
        rows = table_rows(s)
        self.assertTrue(rows[0].startswith("►"), rows[0])
        self.assertIn("hot_spin", rows[0])
        self.assertIn("─── Opcodes for hot_spin() ", s)
        self.assertRegex(s, r"\[[█░]{20}\] [A-Z_]+.*\d+\.\d% \(\s*\d+\)")
        # Frozen: the numbers do not move any more.
        frozen = samples(s)
        time.sleep(0.5)
        self.assertEqual(samples(t.screen()), frozen)
        # Keys still work on the final results: j selects the next row.
        # The function is the sixth column (file names may hold spaces:
        # "<frozen importlib._bootstrap>").
        second = rows[1].lstrip("► ").split()[5]
        t.keys("j")
        s = t.wait_for(lambda s: f"─── Opcodes for {second}() " in s or f"No opcode data for {second}()" in s,
                       2, "selection moved")
        self.assertTrue(table_rows(s)[1].startswith("►"))
        t.keys("k")
        s = t.wait_for(lambda s: table_rows(s)[0].startswith("►"), 2, "selection back up")
        self.assertIn("─── Opcodes for hot_spin() ", s)
        t.keys("Down")
        t.wait_for(lambda s: table_rows(s)[1].startswith("►"), 2, "selection down with the arrow")
        t.keys("s")
        t.wait_for(lambda s: "▼%" in s and "▼tottime" not in s, 2, "sort while finished")
        t.keys("q")
        s = t.wait_for(exited, 5, "exit")
        self.assertIn("EXIT=0", s)
        self.assert_restored(t)

    def test_too_few_samples(self):
        t = Tmux(120, 30)
        self.addCleanup(t.close)
        t.type(f"{support.TACHYON} run --live -i 2000 --python {python()} {TARGET} 0.1; echo EXIT=$?")
        s = t.wait_for(exited, 15, "exit")
        self.assertRegex(s, r"Only \d+ sample\(s\) collected \(minimum 200 required for TUI\) - process \d+ "
                            r"exited too quickly\.")
        self.assert_restored(t)


class LiveSignals(unittest.TestCase, TerminalChecks):
    """attach --live left by Ctrl-C and killed by a crash signal: the
    terminal comes back both times and the target keeps running."""

    def test_ctrl_c_and_crash(self):
        target = subprocess.Popen([python(), TARGET, "120"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(target.wait)
        self.addCleanup(target.kill)
        t = Tmux(160, 40)
        self.addCleanup(t.close)
        t.type(f"{support.TACHYON} attach --live {target.pid}; echo EXIT=$?")
        t.wait_for(lambda s: "hot_spin" in "".join(table_rows(s)), 10, "live view")
        t.keys("C-c")
        s = t.wait_for(exited, 5, "exit after Ctrl-C")
        self.assertIn("EXIT=0", s)
        self.assert_restored(t)
        self.assertIsNone(target.poll(), "attach must leave the target running")

        pidfile = tempfile.NamedTemporaryFile(delete=False)
        pidfile.close()
        self.addCleanup(os.unlink, pidfile.name)
        t.type("clear")
        t.type(f"sh -c 'echo $$ > {pidfile.name}; exec {support.TACHYON} attach --live {target.pid}'; echo EXIT=$?")
        t.wait_for(lambda s: "hot_spin" in "".join(table_rows(s)), 10, "live view again")
        with open(pidfile.name) as f:
            pid = int(f.read().strip())
        os.kill(pid, signal.SIGSEGV)
        s = t.wait_for(exited, 5, "exit after SIGSEGV")
        self.assertIn(f"EXIT={128 + signal.SIGSEGV}", s)
        self.assert_restored(t)
        self.assertIsNone(target.poll())


class LiveRefusals(unittest.TestCase):

    def test_refusals(self):
        r = support.run_tachyon(["run", "--live", "--flamegraph", TARGET])
        self.assertEqual(r.returncode, 2)
        self.assertIn("error: --live is incompatible with --flamegraph. Live mode uses a TUI interface.", r.stderr)
        r = support.run_tachyon(["run", "--live", "--limit", "5", TARGET])
        self.assertEqual(r.returncode, 2)
        self.assertIn("error: Options --limit are incompatible with --live. Live mode uses a TUI interface with "
                      "its own controls.", r.stderr)
        # Standard output is a pipe here.
        for args in (["run", "--live", TARGET, "1"], ["run", "--format=live", TARGET, "1"],
                     ["attach", "--live", str(os.getpid())]):
            r = support.run_tachyon(args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("error: --live needs standard output to be a terminal. Live mode uses a TUI interface.",
                          r.stderr)
            self.assertEqual(r.stdout, "")


if __name__ == "__main__":
    unittest.main()
