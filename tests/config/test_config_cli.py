"""Configuration through the real tachyon binary (TACHYON_BIN).

Covers what the unit tests cannot: the CLI's use of config_load() and
config_print(), the exit status and one-line message of a bad file, and
the privilege rules as the kernel applies them (a setgid copy of the binary
runs with AT_SECURE set)."""
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

TACHYON = os.environ.get("TACHYON_BIN", "")


def parse_listing(text):
    """{'section.key': (value, comment)} from `tachyon config` output."""
    result, section = {}, None
    for line in text.splitlines():
        m = re.match(r"^\[(.+)\]$", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"^(\w+) = (.*?)\s*; (.*)$", line)
        if m and section:
            result[section + "." + m.group(1)] = (m.group(2), m.group(3))
    return result


class ConfigCli(unittest.TestCase):
    def setUp(self):
        if not TACHYON or not os.access(TACHYON, os.X_OK):
            self.skipTest("TACHYON_BIN not set")
        self.dir = tempfile.mkdtemp(prefix="tachyon-config-cli-")
        os.chmod(self.dir, 0o755)
        self.xdg = os.path.join(self.dir, "xdg")
        os.makedirs(os.path.join(self.xdg, "tachyon"))
        self.env = dict(os.environ)
        for key in ("TACHYON_CONFIG", "TACHYON_PLUGIN_PATH"):
            self.env.pop(key, None)
        self.env["XDG_CONFIG_HOME"] = self.xdg

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, rel, text, mode=0o644):
        path = os.path.join(self.dir, rel)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def tachyon(self, *args, binary=None, check=True):
        proc = subprocess.run([binary or TACHYON] + list(args), env=self.env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        if check and proc.returncode != 0:
            self.fail("tachyon %s failed (%d): %s" % (" ".join(args), proc.returncode, proc.stderr))
        return proc

    def test_defaults(self):
        listing = parse_listing(self.tachyon("config").stdout)
        self.assertEqual(listing["sampling.interval"], ("100", "default"))
        self.assertEqual(listing["sampling.gc"], ("true", "default"))
        self.assertEqual(listing["sampling.mode"][0], "wall")
        self.assertEqual(listing["output.format"][0], "pstats")
        for key in ("duration", "all_threads", "native", "opcodes", "async_aware", "async_mode",
                    "realtime_stats"):
            self.assertIn("sampling." + key, listing)
        for key in ("output.output", "run.python", "plugins.path"):
            self.assertIn(key, listing)

    def test_layers_and_origins(self):
        user = self.write("xdg/tachyon/tachyon.ini",
                          "[sampling]\ninterval = 250\nmode = cpu\n[plugin.pstats]\nlimit = 7\n")
        env_file = self.write("env.ini", "[sampling]\n\ninterval = 500\n")
        explicit = self.write("explicit.ini", "[output]\nformat = collapsed\n")
        self.env["TACHYON_CONFIG"] = env_file
        listing = parse_listing(self.tachyon("config").stdout)
        self.assertEqual(listing["sampling.interval"][0], "500")
        self.assertIn(env_file + ":3", listing["sampling.interval"][1])
        self.assertEqual(listing["sampling.mode"], ("cpu", "user file %s:3" % user))
        self.assertEqual(listing["plugin.pstats.limit"], ("7", "user file %s:5" % user))
        self.assertEqual(listing["output.format"], ("pstats", "default"))

        # --config takes the place of TACHYON_CONFIG.
        listing = parse_listing(self.tachyon("config", "--config", explicit).stdout)
        self.assertEqual(listing["sampling.interval"][0], "250")
        self.assertEqual(listing["output.format"][0], "collapsed")
        self.assertIn(explicit + ":2", listing["output.format"][1])

    def test_listing_reloads_to_the_same_values(self):
        src = self.write("src.ini", "[sampling]\nduration = 2.5\nall_threads = yes\nasync_mode = all\n"
                                    "[output]\noutput = 'a;b #c.txt'\n[run]\npython = /usr/bin/python3\n"
                                    "[plugins]\npath = /x:/y\n[plugin.pstats]\nsort = name\n")
        first = self.tachyon("config", "--config", src).stdout
        saved = self.write("saved.ini", first)
        second = self.tachyon("config", "--config", saved).stdout
        a, b = parse_listing(first), parse_listing(second)
        self.assertEqual({k: v[0] for k, v in a.items()}, {k: v[0] for k, v in b.items()})
        self.assertEqual(a["output.output"][0], '"a;b #c.txt"')
        self.assertEqual(a["sampling.duration"][0], "2.5")

    def test_bad_files_give_one_line(self):
        cases = [
            ("[sampling]\ninterval = fast\n", ":2", ["sampling.interval", "microseconds"]),
            ("[sampling]\n\n\nbogus = 1\n", ":4", ["unknown key 'bogus'"]),
            ("[smapling]\ngc = 1\n", ":1", ["unknown section [smapling]"]),
            ("[sampling]\nnative yes\n", ":2", ["syntax error"]),
            ("[sampling]\ngc = maybe\n", ":2", ["sampling.gc", "boolean"]),
        ]
        for text, line, words in cases:
            path = self.write("bad.ini", text)
            proc = self.tachyon("config", "--config", path, check=False)
            self.assertEqual(proc.returncode, 1, proc.stderr)
            self.assertEqual(proc.stdout, "")
            lines = proc.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, proc.stderr)
            self.assertIn(path + line, lines[0])
            for w in words:
                self.assertIn(w, lines[0])
        missing = os.path.join(self.dir, "missing.ini")
        proc = self.tachyon("config", "--config", missing, check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn(missing, proc.stderr)

    def test_plugin_options_reach_the_plugin(self):
        # The first interpreter of the tests' list (tests/integration/support.py,
        # which fails when an expected one is missing).
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                        "integration"))
        import support
        python = support.interpreters()[0][1]
        script = self.write("busy.py", "def leaf(n):\n    s = 0\n    for i in range(n):\n"
                                       "        s += i * i\n    return s\n"
                                       "def busy():\n    for _ in range(400):\n        leaf(3000)\n"
                                       "busy()\n")
        user = self.write("xdg/tachyon/tachyon.ini", "[plugin.pstats]\nlimit = 1\n")

        def table_rows(*extra):
            out = self.tachyon("run", "--python", python, *extra, script).stdout
            lines = out.splitlines()
            start = next(i for i, l in enumerate(lines) if "filename:lineno(function)" in l)
            rows = []
            for l in lines[start + 1:]:
                if not l.strip():
                    break
                rows.append(l)
            return rows

        self.assertEqual(len(table_rows()), 1)
        # The command line wins over the file.
        self.assertEqual(len(table_rows("--plugin-opt", "pstats.limit=2")), 2)
        # A key the plugin does not declare is an error naming file and line.
        self.write("xdg/tachyon/tachyon.ini", "[plugin.pstats]\nlimit = 1\nbogus = 1\n")
        proc = self.tachyon("run", "--python", python, script, check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("bogus", proc.stderr)
        self.assertIn(user + ":3", proc.stderr)

    @unittest.skipUnless(os.geteuid() == 0, "needs root")
    def test_root_refuses_files_others_can_write(self):
        path = self.write("shared.ini", "[sampling]\ngc = false\n", mode=0o666)
        self.env["TACHYON_CONFIG"] = path
        proc = self.tachyon("config", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn(path, proc.stderr)
        self.assertIn("writable", proc.stderr)
        os.chown(path, 65534, 65534)
        os.chmod(path, 0o644)
        proc = self.tachyon("config", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("owned by uid 65534", proc.stderr)
        # Root's own, private file is honoured, environment and all.
        os.chown(path, 0, 0)
        listing = parse_listing(self.tachyon("config").stdout)
        self.assertEqual(listing["sampling.gc"][0], "false")

    @unittest.skipUnless(os.geteuid() == 0, "needs root to make a setgid binary")
    def test_secure_execution_ignores_user_configuration(self):
        if os.statvfs(self.dir).f_flag & os.ST_NOSUID:
            self.skipTest("scratch directory is mounted nosuid")
        setgid = os.path.join(self.dir, "tachyon-setgid")
        shutil.copy(TACHYON, setgid)
        os.chown(setgid, 0, 65534)
        os.chmod(setgid, 0o755 | stat.S_ISGID)
        self.write("xdg/tachyon/tachyon.ini", "[sampling]\ninterval = 250\n")
        self.env["TACHYON_CONFIG"] = self.write("env.ini", "[sampling]\nmode = gil\n")
        self.env["TACHYON_PLUGIN_PATH"] = self.dir

        normal = parse_listing(self.tachyon("config").stdout)
        self.assertEqual(normal["sampling.interval"][0], "250")
        self.assertEqual(normal["sampling.mode"][0], "gil")

        # The real group differs from the effective one, so the kernel sets
        # AT_SECURE: the user file and TACHYON_CONFIG no longer count.
        out = self.tachyon("config", binary=setgid).stdout
        secure = parse_listing(out)
        self.assertEqual(secure["sampling.interval"], ("100", "default"))
        self.assertEqual(secure["sampling.mode"], ("wall", "default"))
        self.assertNotIn("TACHYON_PLUGIN_PATH", out)
        proc = self.tachyon("config", "--config", self.env["TACHYON_CONFIG"], binary=setgid, check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("--config", proc.stderr)
        self.assertIn("privileges", proc.stderr)


if __name__ == "__main__":
    unittest.main()
