"""Interop: files tachyon records are replayed by upstream CPython 3.15's
`profiling.sampling replay` exactly as by `tachyon replay` (compressed and
not), and a recording killed outright still leaves a file both replay,
which tachyon reports as not finalized.

tachyon records CPython 3.15 targets (in the Debian unstable root, through
the launcher tests/integration/support.py makes) and a 3.13 one: upstream's
replay reads any version's file."""
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

import binsupport as b

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))
import support  # noqa: E402  (the unstable root's interpreter launchers)

# name, tachyon flags, workload kind, interpreter ("3.15" or "3.13")
RECORDINGS = [
    ("threads-zstd", ["-a"], "threads", "3.15"),
    ("gc-none", ["--compression", "none"], "gc", "3.15"),
    ("opcodes-exc", ["--opcodes", "--mode", "exception"], "exc", "3.15"),
    ("deep-313-none", ["--compression", "none"], "deep", "3.13"),
]


def require_py313():
    if not os.access(b.PY313, os.X_OK):
        raise AssertionError(f"CPython 3.13 target interpreter missing: {b.PY313}")


class Interop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_py313()
        cls.dir = b.SidDir().__enter__()
        cls.py315 = support.sid_python("python3.15")
        for name, flags, kind, version in RECORDINGS:
            python = cls.py315 if version == "3.15" else b.PY313
            b.tachyon("run", "--binary", "-o", cls.dir.path(name + ".bin"), "-r", "2khz", *flags,
                      "--python", python, b.WORKLOAD, kind, "0.6")

    @classmethod
    def tearDownClass(cls):
        cls.dir.__exit__(None, None, None)

    def test_upstream_replays_tachyon_files(self):
        for name, flags, _, version in RECORDINGS:
            with self.subTest(recording=name):
                with open(self.dir.path(name + ".bin"), "rb") as f:
                    head = f.read(64)
                self.assertEqual(head[56], 0 if "none" in flags else 1)
                self.assertEqual(head[8:10], bytes([3, int(version.split(".")[1])]))
                self.dir.upstream("replay", "--collapsed", "-o", name + ".up.txt", name + ".bin")
                b.tachyon("replay", "--collapsed", "-o", self.dir.path(name + ".ta.txt"), self.dir.path(name + ".bin"))
                up = b.read(self.dir.path(name + ".up.txt"), "rb")
                self.assertGreater(len(up), 0)
                self.assertEqual(up, b.read(self.dir.path(name + ".ta.txt"), "rb"))
                upp = self.dir.upstream("replay", "-l", "30", name + ".bin").stdout
                tap = b.tachyon("replay", "-l", "30", self.dir.path(name + ".bin")).stdout
                self.assertEqual(b.pstats_rows(upp), b.pstats_rows(tap))

    def test_header_config_and_threads(self):
        with open(self.dir.path("threads-zstd.bin"), "rb") as f:
            head = f.read(64)
        config = int.from_bytes(head[60:64], "little")
        self.assertEqual(config & 7, 1)            # wall
        self.assertTrue(config & 8)                # features known
        self.assertEqual((config >> 4) & 0x1f, 1 | 4)   # all threads + gc
        self.assertGreaterEqual(int.from_bytes(head[36:40], "little"), 4)
        with open(self.dir.path("opcodes-exc.bin"), "rb") as f:
            config = int.from_bytes(f.read(64)[60:64], "little")
        self.assertEqual(config & 7, 5)            # exception
        self.assertEqual((config >> 4) & 0x1f, 4 | 8)

    def test_killed_recording_keeps_its_checkpoints(self):
        out = self.dir.path("killed.bin")
        proc = subprocess.Popen([b.TACHYON, "run", "--binary", "-o", out, "-r", "1khz", "--python", b.PY313,
                                 b.WORKLOAD, "spin", "30"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            # Wait for at least two one-second checkpoints.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                time.sleep(0.5)
                if os.path.exists(out) and os.path.getsize(out) > 64:
                    with open(out, "rb") as f:
                        if int.from_bytes(f.read(32)[28:32], "little") > 1500:
                            break
            os.killpg(proc.pid, signal.SIGKILL)
        finally:
            proc.wait()
        r = b.tachyon("replay", "--collapsed", "-o", self.dir.path("killed.ta.txt"), out)
        self.assertIn("was not finalized (the recording was killed)", r.stderr)
        totals = b.collapsed_totals(b.read(self.dir.path("killed.ta.txt")))
        self.assertGreater(sum(totals.values()), 1000)
        self.assertTrue(any(k.endswith(":spin:15") or ":spin:" in k for k in totals), totals)
        self.dir.upstream("replay", "--collapsed", "-o", "killed.up.txt", "killed.bin")
        self.assertEqual(b.read(self.dir.path("killed.up.txt"), "rb"), b.read(self.dir.path("killed.ta.txt"), "rb"))


if __name__ == "__main__":
    unittest.main()
