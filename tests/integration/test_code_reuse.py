"""Cached code objects are re-checked once freed: a workload that keeps
freeing code objects and compiling new ones (often at the same addresses)
must show every function on its own lines.

From 3.14 the check rides on the interpreter's code-object generation, which
CPython bumps whenever a code object is freed (core/python/walk.c), so it is
exact, and this test runs on every 3.14+ interpreter (it fails when the
generation compare is removed). 3.11 to 3.13 have no such counter: a cached
code object is re-checked by comparing its fields, pointers included, and
this workload defeats that (a new code object AND its new name strings at
the addresses of the freed ones: seen on 1 to 2 samples in 10,000 under
ASan), so those versions are not held to it here."""
import os
import unittest

from support import TempDir, interpreters, parse_collapsed, run_tachyon, workload


class CodeReuse(unittest.TestCase):
    def test_no_stale_code_objects(self):
        for name, python in interpreters():
            if not name.startswith(("3.14", "3.15")):
                continue   # no code-object generation before 3.14: see above
            with self.subTest(python=name):
                with TempDir() as d:
                    out = os.path.join(d, "c.txt")
                    r = run_tachyon(["run", "--python", python, "--collapsed", "-o", out,
                                     workload("code_churn.py"), "1.5"])
                    self.assertEqual(r.returncode, 0, r.stderr)
                    with open(out, encoding="utf-8") as f:
                        stacks = parse_collapsed(f.read())
                seen, wrong = 0, []
                for frames, n in stacks:
                    for f in frames[1:]:
                        if f.count(":") < 2:
                            continue   # <GC>, <native>
                        file, func, line = f.rsplit(":", 2)
                        if func.startswith("fn_"):
                            k = int(func[3:])
                            seen += n
                            # def, the statements before the loop, the loop and
                            # the test of the branch that never runs.
                            if file != f"gen_{k}.py" or not 2 <= int(line) <= k + 5:
                                wrong.append(f)
                self.assertGreater(seen, 1000, name)
                self.assertFalse(wrong, f"{name}: functions shown off their own lines (a stale code object)")


if __name__ == "__main__":
    unittest.main()
