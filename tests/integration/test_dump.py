"""`tachyon dump PID` on every interpreter present: a sleeping target, a
computing one and a multi-threaded one, with --opcodes, --native,
--blocking and the error cases, plus a target inside the Debian unstable
root (its files are only readable through /proc/PID/root). Every check
reads the real stacks of a live target whose state is known by
construction."""
import os
import re
import subprocess
import textwrap
import time
import unittest

from support import TempDir, interpreters, run_tachyon

SID_ROOT = os.environ.get("TACHYON_SID_ROOT", "/var/cache/tachyon/sid-root")
# The unstable root's interpreters, run with a plain chroot: their files
# exist only inside the root.
SID_PYTHONS = ["python3.13", "python3.14", "python3.15"]

SCRIPT = """
import sys, threading, time

def spin_here(end):
    while time.perf_counter() < end:
        pass

def sleep_here():
    time.sleep(120)

def worker(n):
    sleep_here()

def main(kind, nthreads):
    for i in range(nthreads):
        threading.Thread(target=worker, args=(i,), daemon=True).start()
    print("ready", flush=True)
    if kind == "spin":
        spin_here(time.perf_counter() + 120)
    else:
        sleep_here()

main(sys.argv[1], int(sys.argv[2]))
"""

# A task tree that holds still: every task sleeps, except that with "spin"
# tg-leaf computes in a plain function, so it is the running task.
ASYNC_SCRIPT = """
import asyncio, sys, time

def spin():
    while True:
        pass

async def leaf(busy):
    if busy:
        print("ready", flush=True)
        spin()
    await asyncio.sleep(120)

async def waiter(task):
    await task

async def main(kind):
    shared = asyncio.create_task(leaf(False), name="shared")
    w1 = asyncio.create_task(waiter(shared), name="waiter-1")
    w2 = asyncio.create_task(waiter(shared), name="waiter-2")
    async with asyncio.TaskGroup() as tg:
        tg.create_task(leaf(kind == "spin"), name="tg-leaf")
        if kind != "spin":
            asyncio.get_running_loop().call_soon(lambda: print("ready", flush=True))
        await asyncio.gather(w1, w2)

asyncio.run(main(sys.argv[1]))
"""

def lineno(snippet, script=SCRIPT):
    """The line of the first line of script containing snippet, as the target sees it."""
    for n, line in enumerate(textwrap.dedent(script).splitlines(), 1):
        if snippet in line:
            return n
    raise AssertionError(snippet)


HEADER = re.compile(r"^Stack dump(?: for PID (\d+))?, thread (\d+) \((.*)most recent call last\):$")


def write(directory, text, name="dump_target.py"):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(textwrap.dedent(text))
    return path


def sections(text):
    """[(pid or None, tid, details, [lines])] of a dump."""
    out = []
    for line in text.splitlines():
        m = HEADER.match(line)
        if m:
            out.append((m.group(1), int(m.group(2)), m.group(3), []))
        elif out and line:
            out[-1][3].append(line)
    return out


def wait_state(pid, want, timeout=10.0):
    """Wait until the main thread's kernel state letter is in want."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rpartition(")")[2].split()[0] in want:
                return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} never reached state {want}")


class Started:
    def __init__(self, argv, cwd=None):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
        line = self.proc.stdout.readline()
        if "ready" not in line:
            self.close()
            raise AssertionError(f"target did not start: {line!r} {self.proc.stderr.read()}")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Dump(unittest.TestCase):
    def check_sleeping(self, r, pid, script_name):
        self.assertEqual(r.returncode, 0, r.stderr)
        secs = sections(r.stdout)
        self.assertEqual(len(secs), 1, r.stdout)
        first_pid, tid, details, lines = secs[0]
        self.assertEqual(int(first_pid), pid)
        self.assertEqual(tid, pid)
        self.assertEqual(details, "main thread, idle; ")
        # Root first: <module>, then main, then sleep_here, each with its source line.
        files = [l for l in lines if l.startswith("  File ")]
        self.assertRegex(files[0], r'^  File ".*%s", line %d, in <module>$' % (re.escape(script_name), lineno("main(sys.argv")))
        self.assertRegex(files[1], r'line %d, in main$' % lineno("        sleep_here()"))
        self.assertRegex(files[2], r'line %d, in sleep_here$' % lineno("time.sleep(120)"))
        self.assertEqual(lines[-1], "    time.sleep(120)")
        self.assertIn("    main(sys.argv[1], int(sys.argv[2]))", lines)

    def test_targets_on_every_interpreter(self):
        for name, python in interpreters():
            with self.subTest(python=name), TempDir() as d:
                script = write(d, SCRIPT)
                with Started([python, script, "sleep", "3"], cwd=d) as t:
                    wait_state(t.proc.pid, "S")
                    # Run from the script's directory: its path prints relative.
                    r = run_tachyon(["dump", str(t.proc.pid)], cwd=d)
                    self.check_sleeping(r, t.proc.pid, "dump_target.py")
                    self.assertIn('File "dump_target.py", line %d' % lineno("main(sys.argv"), r.stdout)

                    r = run_tachyon(["dump", "-a", "--opcodes", str(t.proc.pid)])
                    self.assertEqual(r.returncode, 0, r.stderr)
                    secs = sections(r.stdout)
                    self.assertEqual(len(secs), 4, r.stdout)
                    self.assertIsNotNone(secs[0][0])
                    self.assertTrue(all(s[0] is None for s in secs[1:]))
                    tids = {int(x) for x in os.listdir(f"/proc/{t.proc.pid}/task")}
                    self.assertEqual({s[1] for s in secs}, tids)
                    self.assertEqual(sum("main thread" in s[2] for s in secs), 1)
                    workers = [s for s in secs if "main thread" not in s[2]]
                    for s in workers:
                        self.assertTrue(any(l.endswith("in worker  opcode=CALL") or
                                            re.search(r"in worker  opcode=CALL\w*( \(CALL\))?$", l)
                                            for l in s[3]), s[3])
                    self.assertTrue(all("opcode=" in l for s in secs for l in s[3] if l.startswith("  File ")))

                    # --blocking: the stopped threads claim neither idle nor on CPU.
                    r = run_tachyon(["dump", "--blocking", "-a", str(t.proc.pid)])
                    self.assertEqual(r.returncode, 0, r.stderr)
                    secs = sections(r.stdout)
                    self.assertEqual(len(secs), 4, r.stdout)
                    self.assertEqual(secs[0][2] if secs[0][1] == t.proc.pid else
                                     [s for s in secs if s[1] == t.proc.pid][0][2], "main thread; ")
                    self.assertFalse(any("idle" in s[2] or "on CPU" in s[2] for s in secs))
                    # The target runs on afterwards (not left stopped).
                    wait_state(t.proc.pid, "S")
                    with open(f"/proc/{t.proc.pid}/status") as f:
                        self.assertIn("TracerPid:\t0", f.read())

                with Started([python, script, "spin", "0"], cwd=d) as t:
                    r = run_tachyon(["dump", "--native", str(t.proc.pid)])
                    self.assertEqual(r.returncode, 0, r.stderr)
                    first_pid, tid, details, lines = sections(r.stdout)[0]
                    self.assertIn("main thread", details)
                    self.assertIn("has GIL", details)
                    self.assertNotIn("idle", details)
                    self.assertTrue(any(l.endswith("in spin_here") for l in lines), lines)
                    self.assertIn(lines[-1], ("    while time.perf_counter() < end:", "    pass"))

    def test_two_hundred_threads(self):
        name, python = interpreters()[-1]
        with TempDir() as d:
            script = write(d, SCRIPT)
            with Started([python, script, "sleep", "200"]) as t:
                started = time.monotonic()
                r = run_tachyon(["dump", "-a", str(t.proc.pid)])
                elapsed = time.monotonic() - started
                self.assertEqual(r.returncode, 0, r.stderr)
                secs = sections(r.stdout)
                self.assertEqual(len(secs), 201)
                self.assertEqual(len({s[1] for s in secs}), 201)
                print(f"\ndump of 201 threads on {name}: {elapsed * 1000:.1f} ms including process start")

    def test_target_in_unstable_root(self):
        self.assertTrue(os.path.isdir(SID_ROOT), f"the Debian unstable root is missing: {SID_ROOT}")
        for py in SID_PYTHONS:
            with self.subTest(python=py):
                work = os.path.join(SID_ROOT, "tmp", f"tachyon-dump-{os.getpid()}")
                os.makedirs(work, exist_ok=True)
                try:
                    write(work, SCRIPT)
                    inside = "/tmp/" + os.path.basename(work) + "/dump_target.py"
                    with Started(["chroot", SID_ROOT, py, inside, "sleep", "1"]) as t:
                        wait_state(t.proc.pid, "S")
                        r = run_tachyon(["dump", "-a", str(t.proc.pid)], cwd="/")
                        self.assertEqual(r.returncode, 0, r.stderr)
                        secs = sections(r.stdout)
                        self.assertEqual(len(secs), 2, r.stdout)
                        main = [s for s in secs if "main thread" in s[2]][0]
                        # Paths are the target's own; the source comes from inside the root.
                        self.assertIn(f'  File "{inside[1:]}", line {lineno("main(sys.argv")}, in <module>', main[3])
                        self.assertEqual(main[3][-1], "    time.sleep(120)")
                        worker = [s for s in secs if "main thread" not in s[2]][0]
                        self.assertTrue(any(l.startswith(f'  File "usr/lib/{py}/threading.py"') for l in worker[3]))
                        self.assertTrue(any(l.strip().startswith("self.") for l in worker[3]))
                finally:
                    subprocess.run(["rm", "-rf", work])

    def test_async_aware(self):
        """dump --async-aware: one section per leaf task, every task in the
        default mode, only the running one with --async-mode running, and
        the same sections as upstream's own dump of the same process."""
        L = lambda snippet: lineno(snippet, ASYNC_SCRIPT)
        root = ['  File "<task>", in Task-1', f'  File "async_target.py", line {L("await asyncio.gather")}, in main',
                "    await asyncio.gather(w1, w2)"]
        sleeping = [f'  File "async_target.py", line {L("await asyncio.sleep(120)")}, in leaf',
                    "    await asyncio.sleep(120)"]
        tested = 0
        for name, python in interpreters():
            if not re.match(r"3\.1[4-9]", name):
                continue
            tested += 1
            with self.subTest(python=name), TempDir() as d:
                write(d, ASYNC_SCRIPT, "async_target.py")
                with Started([python, "async_target.py", "sleep"], cwd=d) as t:
                    wait_state(t.proc.pid, "S")
                    r = run_tachyon(["dump", "--async-aware", str(t.proc.pid)], cwd=d)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    secs = sections(r.stdout)
                    self.assertEqual(len(secs), 2, r.stdout)
                    self.assertIsNotNone(secs[0][0])
                    by_leaf = {}
                    for _, tid, details, lines in secs:
                        self.assertEqual(tid, t.proc.pid)
                        self.assertRegex(details, r"^task \d+; $")
                        self.assertEqual(lines[:3], root, lines)
                        by_leaf[[l for l in lines if l.startswith('  File "<task>"')][-1]] = lines[3:]
                    # The shared task has two awaiters; the one at the lower
                    # address is followed (which one that is varies by run).
                    shared = by_leaf['  File "<task>", in shared (2 parents)']
                    self.assertIn(shared[0], ('  File "<task>", in waiter-1', '  File "<task>", in waiter-2'))
                    self.assertEqual(shared[1:4], [f'  File "async_target.py", line {L("await task")}, in waiter',
                                                   "    await task", '  File "<task>", in shared (2 parents)'])
                    self.assertEqual(shared[4:6], sleeping)
                    self.assertRegex(shared[6], r'^  File ".*asyncio/tasks.py", line \d+, in sleep$')
                    tg_leaf = by_leaf['  File "<task>", in tg-leaf']
                    self.assertEqual(tg_leaf[1:3], sleeping)
                    # Nothing runs, so the running task's view is empty.
                    r = run_tachyon(["dump", "--async-aware", "--async-mode", "running", str(t.proc.pid)])
                    self.assertEqual((r.returncode, r.stdout), (0, f"No Python stacks found for PID {t.proc.pid}\n"))
                    if name == "3.15-sid":
                        self.same_as_upstream(t.proc.pid, d)
                with Started([python, "async_target.py", "spin"], cwd=d) as t:
                    r = run_tachyon(["dump", "--async-aware", "--async-mode", "running", str(t.proc.pid)], cwd=d)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    secs = sections(r.stdout)
                    self.assertEqual(len(secs), 1, r.stdout)
                    lines = secs[0][3]
                    # The running task's stack goes on below its coroutine.
                    self.assertEqual(lines[:4], root + ['  File "<task>", in tg-leaf'], lines)
                    self.assertEqual(lines[4:6], [f'  File "async_target.py", line {L("        spin()")}, in leaf',
                                                  "    spin()"])
                    self.assertRegex(lines[6], r'^  File "async_target.py", line \d+, in spin$')
        self.assertGreaterEqual(tested, 2, "no interpreter of 3.14 or later to test --async-aware on")
        # Before 3.14 there are no asyncio debug offsets: one clear line.
        name, python = interpreters()[0]
        with TempDir() as d, Started([python, write(d, SCRIPT), "sleep", "0"]) as t:
            r = run_tachyon(["dump", "--async-aware", str(t.proc.pid)])
            self.assertEqual(r.returncode, 1)
            self.assertRegex(r.stderr, r"^Error: --async-aware needs Python 3\.14 or newer.*\n$")

    def same_as_upstream(self, pid, cwd):
        """Upstream's dump of the same still process, run in the target's
        own mount namespace and root: the same sections, in any order."""
        up = subprocess.run(["nsenter", "-t", str(pid), "-m", "-r", "-w", "/usr/bin/python3.15", "-m",
                             "profiling.sampling", "dump", "--async-aware", str(pid)],
                            capture_output=True, text=True, timeout=60, cwd=cwd)
        self.assertEqual(up.returncode, 0, up.stderr)
        ours = run_tachyon(["dump", "--async-aware", str(pid)], cwd=cwd)
        key = lambda secs: sorted((s[1], s[2], s[3]) for s in secs)
        self.assertEqual(key(sections(ours.stdout)), key(sections(up.stdout)), (ours.stdout, up.stdout))
        self.assertIsNotNone(sections(up.stdout)[0][0])

    def test_errors(self):
        r = run_tachyon(["dump", "999999"])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, "Error: Process with PID '999999' does not exist.\n")
        with subprocess.Popen(["sleep", "30"]) as p:
            try:
                r = run_tachyon(["dump", str(p.pid)])
                self.assertEqual(r.returncode, 1)
                self.assertIn("No Python runtime found in process", r.stderr)
                self.assertEqual(r.stderr.count("\n"), 1)
            finally:
                p.kill()
        r = run_tachyon(["dump", "--async-mode", "all", "1"])
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.endswith("error: --async-mode requires --async-aware to be enabled.\n"), r.stderr)
        r = run_tachyon(["dump"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("the following arguments are required: pid", r.stderr)
        # Every conflicting option is named, in upstream's order.
        r = run_tachyon(["dump", "--async-aware", "-a", "--no-gc", "--native", "1"])
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.endswith("error: Options --native, --no-gc, --all-threads are incompatible with "
                                          "--async-aware. Async-aware profiling uses task-based stack "
                                          "reconstruction.\n"), r.stderr)
        r = run_tachyon(["dump", "--interval", "5", "1"])
        self.assertEqual(r.returncode, 2)
        r = run_tachyon(["dump", "--help"])
        self.assertEqual(r.returncode, 0)
        for flag in ("-a, --all-threads", "--native", "--no-gc", "--opcodes", "--async-aware", "--blocking"):
            self.assertIn(flag, r.stdout)


if __name__ == "__main__":
    unittest.main()
