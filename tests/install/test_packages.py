"""`cpack -G DEB`: one package per component (tachyon-core, tachyon-sdk,
tachyon-plugin-NAME), with the right contents and dependencies; then core
plus ONE plugin unpacked into a scratch root must profile a real
interpreter, and must not see the plugins that were not installed."""
import os
import re
import shutil
import tempfile
import unittest

import installtest as it


def deb_field(deb, field):
    return it.run(["dpkg-deb", "-f", deb, field]).stdout.strip()


def deb_files(deb):
    """Regular files (not directories) in the package, as absolute paths."""
    out = it.run(["dpkg-deb", "-c", deb]).stdout
    files = []
    for line in out.splitlines():
        parts = line.split()
        if parts and not parts[0].startswith("d"):
            files.append(parts[5].lstrip("."))
    return sorted(files)


class DebianPackages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="tachyon-packages-")
        cls.out = os.path.join(cls.scratch, "debs")
        os.makedirs(cls.out)
        it.run([it.CPACK, "--config", os.path.join(it.BUILD, "CPackConfig.cmake"), "-G", "DEB",
                "-B", cls.out], cwd=cls.scratch)
        cls.debs = {}
        for name in os.listdir(cls.out):
            if name.endswith(".deb"):
                path = os.path.join(cls.out, name)
                cls.debs[deb_field(path, "Package")] = path
        cls.plugins = sorted(f[:-3] for f in os.listdir(os.path.join(it.BUILD, "plugins"))
                             if f.endswith(".so"))
        cls.version = os.environ.get("TACHYON_VERSION", "")
        cls.env = it.clean_env()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch, ignore_errors=True)
        shutil.rmtree(cls.env["XDG_CONFIG_HOME"], ignore_errors=True)

    def test_1_one_package_per_component(self):
        expected = {"tachyon-core", "tachyon-sdk"} | {"tachyon-plugin-" + p for p in self.plugins}
        self.assertEqual(set(self.debs), expected)
        for name, deb in self.debs.items():
            self.assertEqual(deb_field(deb, "Version"), self.version, name)
            self.assertTrue(os.path.basename(deb).startswith(name + "_"), deb)

    def test_2_contents(self):
        core = deb_files(self.debs["tachyon-core"])
        self.assertIn("/usr/bin/tachyon", core)
        self.assertIn("/usr/share/man/man1/tachyon.1", core)
        self.assertIn("/usr/share/doc/tachyon/tachyon.ini.example", core)
        self.assertFalse([f for f in core if f.endswith(".so") or "/include/" in f], core)

        sdk = deb_files(self.debs["tachyon-sdk"])
        for f in ("/usr/include/tachyon/plugin.h", "/usr/lib/pkgconfig/tachyon-plugin.pc",
                  "/usr/lib/cmake/Tachyon/TachyonConfig.cmake",
                  "/usr/lib/cmake/Tachyon/TachyonConfigVersion.cmake",
                  "/usr/share/doc/tachyon/sdk/ABI.md"):
            self.assertIn(f, sdk)
        self.assertNotIn("/usr/bin/tachyon", sdk)

        for p in self.plugins:
            files = deb_files(self.debs["tachyon-plugin-" + p])
            self.assertEqual(files, ["/usr/lib/tachyon/plugins/%s.so" % p])

    def test_3_dependencies(self):
        core_deps = deb_field(self.debs["tachyon-core"], "Depends")
        self.assertIn("libiniparser1", core_deps)
        self.assertIn("libc6", core_deps)
        for p in self.plugins:
            deb = self.debs["tachyon-plugin-" + p]
            deps = deb_field(deb, "Depends")
            self.assertIn("tachyon-core (= %s)" % self.version, deps, p)
            # shlibdeps: a plugin linking jansson must depend on its package.
            readelf = shutil.which("readelf")
            if readelf:
                dyn = it.run([readelf, "-d", os.path.join(it.BUILD, "plugins", p + ".so")]).stdout
                if "libjansson.so" in dyn:
                    self.assertIn("libjansson4", deps, p)

    def test_4_core_plus_one_plugin(self):
        root = os.path.join(self.scratch, "root")
        chosen = "pstats" if "pstats" in self.plugins else self.plugins[0]
        for pkg in ("tachyon-core", "tachyon-plugin-" + chosen):
            it.run(["dpkg-deb", "-x", self.debs[pkg], root])
        tachyon = os.path.join(root, "usr", "bin", "tachyon")
        plugindir = os.path.join(root, "usr", "lib", "tachyon", "plugins")
        self.assertEqual(os.listdir(plugindir), [chosen + ".so"])

        listing = it.run([tachyon, "plugins"], env=self.env).stdout
        self.assertIn(os.path.join(plugindir, chosen + ".so"), listing)
        for other in self.plugins:
            if other != chosen:
                self.assertNotIn(os.path.join(plugindir, other + ".so"), listing)

        script = os.path.join(self.scratch, "busy.py")
        with open(script, "w") as f:
            f.write(it.BUSY_SCRIPT)
        out = os.path.join(self.scratch, "profile.out")
        it.run([tachyon, "run", "--format", chosen, "-o", out, "--python",
                it.find_target_python(), script], env=self.env)
        self.assertTrue(os.path.getsize(out) > 0)
        if chosen == "pstats":
            # Without -o pstats prints its table; the hot function is named.
            proc = it.run([tachyon, "run", "--python", it.find_target_python(), script], env=self.env)
            self.assertTrue(re.search(r"\bleaf\b", proc.stdout), proc.stdout[-2000:])


if __name__ == "__main__":
    it.main([it.CPACK, "dpkg-deb", "dpkg-shlibdeps"])
