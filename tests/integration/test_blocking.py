"""--blocking on every interpreter present: the target's threads are
stopped for each sample and always resumed, also when tachyon is killed
with SIGKILL while they are stopped, when threads come and go during the
stops, and a target another debugger traces is refused with a clear
error. The torn-sample figures are measured by bench/blocking_torn.py."""
import ctypes
import os
import signal
import subprocess
import sys
import textwrap
import time
import unittest

from support import TACHYON, TempDir, frame_func, interpreters, parse_collapsed, run_tachyon

PROGRESS = """
import sys, threading, time

def spin():
    while True:
        x = 0
        for i in range(1000):
            x += i

for _ in range(3):
    threading.Thread(target=spin, daemon=True).start()
n = 0
while True:
    n += 1
    print(n, flush=True)
    time.sleep(0.01)
"""

CHURN = """
import sys, threading, time

def short():
    x = 0
    for i in range(2000):
        x += i

end = time.perf_counter() + float(sys.argv[1])
while time.perf_counter() < end:
    threads = [threading.Thread(target=short) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
sys.exit(7)
"""


def write(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(textwrap.dedent(text))
    return path


def thread_states(pid):
    states = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                states[int(tid)] = f.read().rpartition(")")[2].split()[0]
        except OSError:
            pass
    return states


def tracer_of(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("TracerPid:"):
                return int(line.split()[1])
    return -1


def progress_after(proc, seconds):
    """Lines the target printed within seconds (it prints every 10 ms)."""
    os.set_blocking(proc.stdout.fileno(), False)
    got = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if chunk:
                got += chunk
        except BlockingIOError:
            pass
        time.sleep(0.01)
    return got.count(b"\n")


class Blocking(unittest.TestCase):
    def test_sigkill_mid_sample_releases_the_target(self):
        for name, python in interpreters():
            with self.subTest(python=name), TempDir() as d:
                script = write(d, "progress.py", PROGRESS)
                target = subprocess.Popen([python, script], stdout=subprocess.PIPE)
                prof = None
                try:
                    target.stdout.readline()
                    prof = subprocess.Popen([TACHYON, "attach", "--blocking", "-a", "-i", "200", "--collapsed",
                                             "-o", os.path.join(d, "out.txt"), str(target.pid)],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(0.3)
                    # Freeze tachyon at a moment its tracees are stopped, so
                    # the kill lands mid-sample for certain.
                    caught = False
                    for _ in range(2000):
                        os.kill(prof.pid, signal.SIGSTOP)
                        time.sleep(0.001)
                        states = thread_states(target.pid)
                        if tracer_of(target.pid) == prof.pid and "t" in states.values():
                            caught = True
                            break
                        os.kill(prof.pid, signal.SIGCONT)
                        time.sleep(0.0005)
                    self.assertTrue(caught, "never caught tachyon with the target's threads stopped")
                    os.kill(prof.pid, signal.SIGKILL)
                    prof.wait()
                    # The kernel detached the tracees: none is stopped or traced,
                    # and the target keeps making progress.
                    # (it prints every 10 ms; a loaded machine may run it far less)
                    self.assertGreater(progress_after(target, 1.0), 5)
                    self.assertNotIn("t", thread_states(target.pid).values())
                    self.assertEqual(tracer_of(target.pid), 0)
                    self.assertIsNone(target.poll())
                finally:
                    if prof and prof.poll() is None:
                        prof.kill()
                        prof.wait()
                    target.kill()
                    target.wait()
                    target.stdout.close()

    def test_threads_come_and_go_during_stops(self):
        for name, python in interpreters():
            with self.subTest(python=name), TempDir() as d:
                script = write(d, "churn.py", CHURN)
                out = os.path.join(d, "out.txt")
                r = run_tachyon(["run", "--python", python, "--blocking", "-a", "-i", "200", "--collapsed",
                                 "-o", out, script, "1.5"], timeout=60)
                # run returns the target's own exit status: it ran to its end.
                self.assertEqual(r.returncode, 7, r.stderr)
                with open(out) as f:
                    stacks = parse_collapsed(f.read())
                funcs = {frame_func(fr) for frames, _ in stacks for fr in frames[1:]}
                self.assertIn("short", funcs)
                self.assertIn("Error rate:", r.stdout + r.stderr)

    def test_traced_target_is_refused(self):
        name, python = interpreters()[0]
        with TempDir() as d:
            script = write(d, "progress.py", PROGRESS)
            target = subprocess.Popen([python, script], stdout=subprocess.DEVNULL)
            libc = ctypes.CDLL(None, use_errno=True)
            PTRACE_SEIZE, PTRACE_DETACH = 0x4206, 17
            try:
                time.sleep(0.2)
                # This test process plays the debugger.
                self.assertEqual(libc.ptrace(PTRACE_SEIZE, target.pid, None, None), 0, os.strerror(ctypes.get_errno()))
                for argv in (["attach", "--blocking", "-d", "1", str(target.pid)],
                             ["dump", "--blocking", str(target.pid)]):
                    r = run_tachyon(argv)
                    self.assertEqual(r.returncode, 1, r.stderr)
                    self.assertIn(f"already being traced by process {os.getpid()}", r.stderr)
                    self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
            finally:
                target.kill()
                target.wait()

    def test_short_interval_warning(self):
        name, python = interpreters()[0]
        with TempDir() as d:
            script = write(d, "churn.py", CHURN)
            r = run_tachyon(["run", "--python", python, "--blocking", "-i", "50", "--collapsed", "-o",
                             os.path.join(d, "o.txt"), script, "0.2"])
            self.assertEqual(r.returncode, 7, r.stderr)
            self.assertIn("Warning: --blocking with a 50 \u00b5s interval will stop all threads 20000 times per "
                          "second. Consider using --sampling-rate 1khz or lower to reduce overhead.\n", r.stderr)
            r = run_tachyon(["run", "--python", python, "--blocking", "-r", "1khz", "--collapsed", "-o",
                             os.path.join(d, "o.txt"), script, "0.2"])
            self.assertNotIn("Warning: --blocking", r.stderr)


if __name__ == "__main__":
    unittest.main()
