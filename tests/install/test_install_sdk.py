"""`cmake --install` into a scratch prefix, then the SDK as a third party
sees it: the example plugin built out of tree from the installed copy, once
with CMake (find_package(Tachyon 1)) and once with the documented
`cc ... $(pkg-config --cflags tachyon-plugin)` line, each loaded into the
INSTALLED tachyon and used to profile a real interpreter."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import installtest as it


class InstalledSdk(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="tachyon-install-")
        cls.prefix = os.path.join(cls.scratch, "prefix")
        it.run([it.CMAKE, "--install", it.BUILD, "--prefix", cls.prefix])
        cls.tachyon = os.path.join(cls.prefix, "bin", "tachyon")
        cls.plugindir = os.path.join(cls.prefix, "lib", "tachyon", "plugins")
        cls.python = it.find_target_python()
        cls.script = os.path.join(cls.scratch, "busy.py")
        with open(cls.script, "w") as f:
            f.write(it.BUSY_SCRIPT)
        cls.env = it.clean_env(PKG_CONFIG_PATH=os.path.join(cls.prefix, "lib", "pkgconfig"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch, ignore_errors=True)
        shutil.rmtree(cls.env["XDG_CONFIG_HOME"], ignore_errors=True)

    def pkgconfig(self, *args):
        return it.run(["pkg-config"] + list(args), env=self.env).stdout.strip()

    def example_copy(self, name):
        """A private copy of the example sources as installed."""
        src = os.path.join(self.prefix, "share", "doc", "tachyon", "sdk", "examples", "topn")
        dst = os.path.join(self.scratch, name)
        shutil.copytree(src, dst)
        return dst

    def profile_topn(self, n, extra=()):
        """Run the installed tachyon with --format=topn; return parsed rows."""
        proc = it.run([self.tachyon, "run", "--format=topn", "--plugin-opt", "topn.n=%d" % n,
                       "--python", self.python] + list(extra) + [self.script], env=self.env)
        rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        return rows, proc

    def check_rows(self, rows, n):
        self.assertTrue(1 <= len(rows) <= n, rows)
        self.assertEqual([r["rank"] for r in rows], list(range(1, len(rows) + 1)))
        # The script spends nearly all its time in leaf().
        self.assertEqual(rows[0]["function"], "leaf", rows)
        self.assertEqual(rows[0]["file"], self.script)
        self.assertGreater(rows[0]["self"], 100)
        self.assertGreater(rows[0]["self_pct"], 50.0)
        selfs = [r["self"] for r in rows]
        self.assertEqual(selfs, sorted(selfs, reverse=True))
        names = {r["function"] for r in rows}
        if len(rows) >= 3:
            self.assertTrue({"busy", "<module>"} & names, rows)

    def exported_symbols(self, path):
        nm = shutil.which("nm")
        if not nm:
            return None
        out = it.run([nm, "-D", "--defined-only", path]).stdout
        return sorted(line.split()[-1] for line in out.splitlines() if line.split())

    def test_1_layout(self):
        for rel in ("bin/tachyon",
                    "include/tachyon/plugin.h",
                    "lib/pkgconfig/tachyon-plugin.pc",
                    "lib/cmake/Tachyon/TachyonConfig.cmake",
                    "lib/cmake/Tachyon/TachyonConfigVersion.cmake",
                    "lib/cmake/Tachyon/TachyonPlugin.cmake",
                    "lib/cmake/Tachyon/TachyonTargets.cmake",
                    "share/man/man1/tachyon.1",
                    "share/doc/tachyon/tachyon.ini.example",
                    "share/doc/tachyon/sdk/ABI.md",
                    "share/doc/tachyon/sdk/examples/topn/topn.c",
                    "share/doc/tachyon/sdk/examples/topn/CMakeLists.txt"):
            self.assertTrue(os.path.isfile(os.path.join(self.prefix, rel)), rel)
        built = sorted(f for f in os.listdir(os.path.join(it.BUILD, "plugins")) if f.endswith(".so"))
        self.assertTrue(built)
        self.assertEqual(sorted(os.listdir(self.plugindir)), built)

    def test_2_sample_config_is_valid_and_inert(self):
        # The installed sample must load cleanly and change nothing.
        sample = os.path.join(self.prefix, "share/doc/tachyon/tachyon.ini.example")
        default = it.run([self.tachyon, "config"], env=self.env).stdout
        loaded = it.run([self.tachyon, "config", "--config", sample], env=self.env).stdout
        self.assertEqual(default, loaded)

    def test_3_pkgconfig(self):
        self.assertEqual(self.pkgconfig("--modversion", "tachyon-plugin"), it.abi_version())
        plugindir = self.pkgconfig("--variable=plugindir", "tachyon-plugin")
        self.assertEqual(os.path.realpath(plugindir), os.path.realpath(self.plugindir))
        cflags = self.pkgconfig("--cflags", "tachyon-plugin")
        self.assertTrue(cflags.startswith("-I"), cflags)
        incdir = cflags.split()[0][2:]
        self.assertTrue(os.path.isfile(os.path.join(incdir, "tachyon", "plugin.h")), cflags)

    def test_4_cmake_package_version(self):
        # SameMajorVersion on the ABI version: 1 matches, 2 must not.
        proj = os.path.join(self.scratch, "needs-v2")
        os.makedirs(proj)
        with open(os.path.join(proj, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.20)\nproject(p LANGUAGES C)\n"
                    "find_package(Tachyon 2 REQUIRED)\n")
        proc = it.run([it.CMAKE, "-S", proj, "-B", os.path.join(proj, "b"),
                       "-DCMAKE_PREFIX_PATH=" + self.prefix], check=False, env=self.env)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("Tachyon", proc.stderr)

    def test_5_cmake_build_and_profile(self):
        src = self.example_copy("topn-cmake")
        build = os.path.join(src, "build")
        it.run([it.CMAKE, "-S", src, "-B", build, "-DCMAKE_PREFIX_PATH=" + self.prefix,
                "-DCMAKE_C_COMPILER=" + it.CC, "-DCMAKE_C_FLAGS=-Wall -Wextra -Werror"], env=self.env)
        it.run([it.CMAKE, "--build", build], env=self.env)
        built = os.path.join(build, "topn.so")
        self.assertTrue(os.path.isfile(built), os.listdir(build))
        syms = self.exported_symbols(built)
        if syms is not None:
            self.assertEqual(syms, ["tachyon_plugin_entry_v1"])
        it.run([it.CMAKE, "--install", build], env=self.env)
        installed = os.path.join(self.plugindir, "topn.so")
        self.assertTrue(os.path.isfile(installed))

        listing = it.run([self.tachyon, "plugins"], env=self.env).stdout
        self.assertIn(installed, listing)
        self.assertIn("topn.n", listing)
        rows, _ = self.profile_topn(3)
        self.check_rows(rows, 3)

        # The same through -o: the host's output service writes the file.
        out = os.path.join(self.scratch, "top.jsonl")
        it.run([self.tachyon, "run", "--format=topn", "-o", out, "--python", self.python,
                self.script], env=self.env)
        with open(out) as f:
            rows = [json.loads(line) for line in f]
        self.check_rows(rows, 10)
        os.unlink(installed)

    def test_6_cc_line_build_and_profile(self):
        src = self.example_copy("topn-cc")
        # The exact form documented in the example's README.
        line = ("%s -std=c99 -O2 -Wall -Wextra -Werror -fvisibility=hidden -shared -fPIC "
                "$(pkg-config --cflags tachyon-plugin) -o topn.so topn.c" % it.CC)
        it.run(line, shell=True, cwd=src, env=self.env)
        built = os.path.join(src, "topn.so")
        syms = self.exported_symbols(built)
        if syms is not None:
            self.assertEqual(syms, ["tachyon_plugin_entry_v1"])
        dest = self.pkgconfig("--variable=plugindir", "tachyon-plugin")
        shutil.copy(built, dest)
        listing = it.run([self.tachyon, "plugins"], env=self.env).stdout
        self.assertIn("topn", listing)
        rows, _ = self.profile_topn(5)
        self.check_rows(rows, 5)
        # A bad option value is refused before sampling starts.
        proc = subprocess.run([self.tachyon, "run", "--format=topn", "--plugin-opt", "topn.sort=sideways",
                               "--python", self.python, self.script],
                              env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("sort", proc.stderr)


if __name__ == "__main__":
    it.main([it.CMAKE, it.CC, "pkg-config"])
