"""Shared helpers for the plugin tests: where the tools are and how to run them."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
EXPECTED = os.path.join(HERE, "expected")
FEED = os.environ.get("TACHYON_FEED", "")
PLUGIN_DIR = os.environ.get("TACHYON_PLUGIN_DIR", "")
MOCK_HOST = os.environ.get("PLUGIN_MOCK_HOST", "")

# Every interpreter the marshal file must load in: the integration tests'
# list (tests/integration/support.py), which fails when one is missing.
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import support  # noqa: E402


def interpreter_paths():
    return [path for _, path in support.interpreters()]


def fixture(name):
    return os.path.join(FIXTURES, name)


def expected(name):
    with open(os.path.join(EXPECTED, name), encoding="utf-8") as f:
        return f.read()


def clean_env(**extra):
    """The environment without colour switches, plus extra (None removes)."""
    env = dict(os.environ)
    for key in ("NO_COLOR", "FORCE_COLOR"):
        env.pop(key, None)
    env["TERM"] = "xterm"
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def feed(fmt, stackfile, *args, env=None, check=True):
    """Runs tachyon_feed; returns the CompletedProcess (text mode)."""
    cmd = [FEED, "--plugin-dir", PLUGIN_DIR, "--format", fmt, *args, stackfile]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env or clean_env(),
                          timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError("%s failed (%d): %s" % (" ".join(cmd), proc.returncode, proc.stderr))
    return proc


def mock(plugin, fmt, stackfile, *args, check=True):
    """Runs plugin_mock_host on PLUGIN_DIR/plugin.so."""
    so = os.path.join(PLUGIN_DIR, plugin + ".so")
    cmd = [MOCK_HOST, so, fmt, *args, stackfile]
    proc = subprocess.run(cmd, capture_output=True, env=clean_env(), timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError("%s failed (%d): %s" % (" ".join(cmd), proc.returncode, proc.stderr))
    return proc


class ToolTest(unittest.TestCase):
    """Fails (not skips) when the tools under test were not built."""

    def setUp(self):
        for what, path in (("TACHYON_FEED", FEED), ("PLUGIN_MOCK_HOST", MOCK_HOST)):
            if not path or not os.access(path, os.X_OK):
                self.fail("%s is not set to an executable (run through ctest)" % what)
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def path(self, name):
        return os.path.join(self.tmp.name, name)
