"""`tachyon replay` on bad input: one clear `Error:` line and exit status 1
for every kind of damage (never a crash, a traceback or partial output),
usage errors with status 2, and every truncation of a valid file refused."""
import os
import struct
import tempfile
import unittest

import binsupport as b


class ReplayErrors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="tachyon-replay-err-")
        cls.d = cls.tmp.name
        for comp in ("none", "zstd"):
            b.feed("--format", "binary", "--plugin-opt", "binary.compression=" + comp, "-o",
                   os.path.join(cls.d, comp + ".bin"), "--generate", "3000,200,20,3")
        cls.none = b.read(os.path.join(cls.d, "none.bin"), "rb")
        cls.zstd = b.read(os.path.join(cls.d, "zstd.bin"), "rb")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def replay(self, data, *extra):
        path = os.path.join(self.d, "bad.bin")
        out = os.path.join(self.d, "out.txt")
        if os.path.exists(out):
            os.unlink(out)
        with open(path, "wb") as f:
            f.write(data)
        r = b.tachyon("replay", "--collapsed", "-o", out, *extra, path, check=False)
        return r, os.path.exists(out)

    def assert_refused(self, data, fragment):
        r, wrote = self.replay(data)
        self.assertEqual(r.returncode, 1, r.stderr)
        errors = [l for l in r.stderr.splitlines() if l.startswith("Error: ")]
        self.assertEqual(len(errors), 1, r.stderr)
        self.assertIn(fragment, errors[0])
        self.assertNotIn("Traceback", r.stderr)
        self.assertFalse(wrote, "no output may be left for a refused file")

    def patched(self, base, offset, fmt, *values):
        data = bytearray(base)
        struct.pack_into(fmt, data, offset, *values)
        return bytes(data)

    def test_valid_files_replay(self):
        for data in (self.none, self.zstd):
            r, wrote = self.replay(data)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(wrote)

    def test_header_damage(self):
        self.assert_refused(b"", "not a binary sampling profile")
        self.assert_refused(b"x" * 200, "not a binary sampling profile")
        self.assert_refused(self.patched(self.none, 4, "<I", 2), "format version 2 is not supported")
        self.assert_refused(self.patched(self.none, 0, "4s", b"TACH"), "wrong byte order")
        self.assert_refused(self.patched(self.none, 60, "<I", 7), "invalid profiling mode 7")
        self.assert_refused(self.patched(self.none, 56, "<I", 7), "unknown compression 7")
        self.assert_refused(self.patched(self.none, 40, "<QQ", 0, 0), "never finished its first checkpoint")
        self.assert_refused(self.patched(self.none, 40, "<Q", len(self.none) * 2), "do not fit")

    def test_counts_and_indices(self):
        foot = len(self.none) - 32
        self.assert_refused(self.patched(self.none, foot, "<I", 999999), "strings cannot fit")
        self.assert_refused(self.patched(self.none, 28, "<I", 5), "declares 5 samples")
        self.assert_refused(self.patched(self.none, 36, "<I", 1), "more threads than the 1")
        # The first record's frame index points past the table.
        first = bytearray(self.none)
        self.assertEqual(first[64 + 12], 1, "the first record is FULL")
        # depth varint at 64+13+delta+status: rewrite the first frame index instead
        str_off = struct.unpack_from("<Q", self.none, 40)[0]
        nframes = struct.unpack_from("<I", self.none, foot + 4)[0]
        o = 64 + 13
        while first[o] & 0x80:
            o += 1
        o += 2                      # delta end, status
        while first[o] & 0x80:      # depth
            o += 1
        o += 1
        first[o:o + 3] = bytes([0xff, 0xff, 0x7f])   # 2097151, far past the table
        self.assertLess(o, str_off)
        self.assertGreater(2097151, nframes)
        self.assert_refused(bytes(first), "frame index")

    def test_every_truncation_is_refused(self):
        for data in (self.none, self.zstd):
            step = max(1, len(data) // 60)
            for cut in list(range(0, len(data), step)) + [len(data) - 1]:
                with self.subTest(size=len(data), cut=cut):
                    r, wrote = self.replay(data[:cut])
                    self.assertEqual(r.returncode, 1, r.stderr)
                    self.assertEqual(sum(l.startswith("Error: ") for l in r.stderr.splitlines()), 1)
                    self.assertFalse(wrote)

    def test_zstd_stream_damage(self):
        data = bytearray(self.zstd)
        data[64 + 20] ^= 0x55
        r, wrote = self.replay(bytes(data))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertTrue(r.stderr.startswith("Error: ") or "\nError: " in r.stderr, r.stderr)

    def test_files_and_usage(self):
        r = b.tachyon("replay", os.path.join(self.d, "missing.bin"), check=False)
        self.assertEqual((r.returncode, r.stderr.strip()),
                         (1, "Error: Input file not found: " + os.path.join(self.d, "missing.bin")))
        r = b.tachyon("replay", self.d, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is a directory", r.stderr)
        for bad in (["-a"], ["--binary"], ["-r", "10khz"], ["--mode", "cpu"], ["--compression", "none"]):
            r = b.tachyon("replay", *bad, os.path.join(self.d, "none.bin"), check=False)
            self.assertEqual(r.returncode, 2, bad)
            self.assertIn("tachyon replay: error: unrecognized arguments: " + bad[0], r.stderr)
        r = b.tachyon("replay", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("the following arguments are required: input_file", r.stderr)
        r = b.tachyon("run", "--collapsed", "--compression", "zstd", "x.py", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--compression is only valid with --binary", r.stderr)
        r = b.tachyon("run", "--binary", "-o", "-", "x.py", check=False)
        self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    unittest.main()
