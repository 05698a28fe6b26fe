"""Shared helpers of the install tests: locating tools and a CPython target,
running commands with their output kept for failure messages, and the
skip convention (exit status 77 = a prerequisite program is absent)."""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SKIP = 77
BUILD = os.environ.get("TACHYON_BUILD_DIR", "")
SOURCE = os.environ.get("TACHYON_SOURCE_DIR", "")
CMAKE = os.environ.get("TACHYON_CMAKE") or shutil.which("cmake")
CPACK = os.environ.get("TACHYON_CPACK") or shutil.which("cpack")
CC = os.environ.get("TACHYON_CC") or shutil.which("cc")

BUSY_SCRIPT = """\
import time

def leaf(n):
    total = 0
    for i in range(n):
        total += i * i
    return total

def busy(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        leaf(3000)

busy(1.0)
"""


def find_target_python():
    """A real CPython 3.11+ to profile, or None."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = sorted(glob.glob(os.path.join(root, "versions", "3.1[1-5].*", "bin", "python3.1[1-5]")))
    candidates.append("/usr/bin/python3.11")
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    return None


def run(cmd, check=True, env=None, cwd=None, shell=False, timeout=600):
    """Run cmd; on failure raise AssertionError carrying its output."""
    proc = subprocess.run(cmd, env=env, cwd=cwd, shell=shell, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and proc.returncode != 0:
        raise AssertionError("command failed (%d): %s\n--- stdout\n%s\n--- stderr\n%s"
                             % (proc.returncode, cmd, proc.stdout[-4000:], proc.stderr[-4000:]))
    return proc


def clean_env(**extra):
    """The environment minus anything that would make tachyon look for
    plugins or configuration outside the tree under test."""
    env = dict(os.environ)
    for key in ("TACHYON_PLUGIN_PATH", "TACHYON_CONFIG", "PKG_CONFIG_PATH", "CMAKE_PREFIX_PATH"):
        env.pop(key, None)
    env["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="tachyon-xdg-")
    env.update(extra)
    return env


def abi_version():
    """'MAJOR.MINOR' as defined in the public header."""
    major = minor = None
    with open(os.path.join(SOURCE, "sdk/include/tachyon/plugin.h")) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "#define":
                if parts[1] == "TACHYON_ABI_VERSION":
                    major = parts[2]
                elif parts[1] == "TACHYON_ABI_MINOR":
                    minor = parts[2]
    return "%s.%s" % (major, minor)


def main(required_programs):
    """unittest.main with the skip convention: exit 77 when a required
    program is missing, so ctest reports a skip rather than a pass."""
    missing = [p for p in required_programs if not p or not (os.access(p, os.X_OK) or shutil.which(p))]
    if not BUILD or not SOURCE:
        print("TACHYON_BUILD_DIR/TACHYON_SOURCE_DIR not set: run through ctest")
        sys.exit(2)
    if missing:
        print("skipping: missing programs: %s" % ", ".join(str(p) for p in missing))
        sys.exit(SKIP)
    if find_target_python() is None:
        print("skipping: no CPython 3.11+ interpreter to profile")
        sys.exit(SKIP)
    prog = unittest.main(exit=False, verbosity=2)
    sys.exit(0 if prog.result.wasSuccessful() else 1)
