#!/usr/bin/env python3
"""Write the seed corpus of the fuzz targets into corpus/<target>/.

The seeds are small, deterministic and committed; this script documents
how they were made and regenerates them (crash reproducers found by the
fuzzers are added to the corpus by hand, named crash-*, and kept)."""
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def rec(off, data, late=False):
    """One fuzz_decoder record: offset, length (bit 7: after sample 1), bytes."""
    return struct.pack("<HB", off, len(data) | (0x80 if late else 0)) + data


def decoder():
    every = bytes([0x1F, 0x0B, 0x15])
    for kind, name in ((0, "313"), (1, "311"), (2, "312")):
        put("decoder", f"valid-{name}", bytes([kind]) + every)
        put("decoder", f"valid-{name}-main-only", bytes([kind, 0, 2, 4]))
        # Zeroed start of the image: types, debug block or runtime links.
        put("decoder", f"zero-head-{name}", bytes([kind]) + every + rec(0, bytes(63)))
        # All-ones words over the middle (pointers, sizes, owners).
        put("decoder", f"ones-mid-{name}", bytes([kind]) + every + rec(0x1800, b"\xff" * 63) +
            rec(0x2400, b"\xff" * 40))
        # A torn update between samples.
        put("decoder", f"torn-{name}", bytes([kind]) + every + rec(0x2000, b"\x08" * 32, late=True) +
            rec(0x1000, b"\x00\x00\x00\x10" * 8, late=True))
    # The 3.13 debug block: cookie, version, offsets beyond their structs.
    put("decoder", "debug-cookie", bytes([0]) + every + rec(0x1400, b"ydebugpy"))
    put("decoder", "debug-huge-offsets", bytes([0]) + every + rec(0x1400 + 24, struct.pack("<8Q", *([1 << 40] * 8))))
    put("decoder", "short", b"\x00\x1f")


def lt_entry_long(n, dline, dend, col, endcol):
    def varint(v):
        out = bytearray()
        while v >= 64:
            out.append(0x40 | (v & 63))
            v >>= 6
        out.append(v)
        return bytes(out)

    def svarint(v):
        return varint((-v << 1) | 1 if v < 0 else v << 1)
    return bytes([0x80 | (14 << 3) | (n - 1)]) + svarint(dline) + varint(dend) + varint(col + 1) + varint(endcol + 1)


def linetable():
    first = struct.pack("<i", 10)
    put("linetable", "long", first + lt_entry_long(8, 1, 0, 4, 20) + lt_entry_long(8, -3, 2, 0, 0))
    put("linetable", "short-forms", first + bytes([0x80 | (0 << 3) | 3, 0x12, 0x80 | (9 << 3) | 1, 7, 30]))
    put("linetable", "one-line-nocol-none", first + bytes([0x80 | (11 << 3) | 7, 0x80 | (13 << 3) | 2, 5,
                                                          0x80 | (15 << 3) | 7]))
    put("linetable", "truncated", first + lt_entry_long(8, 1, 0, 4, 20)[:-2])
    put("linetable", "varint-run", first + bytes([0x80 | (14 << 3) | 7]) + b"\x7f" * 40)
    put("linetable", "no-start-bit", first + b"\x01\x02\x03\x04")
    put("linetable", "huge-first", struct.pack("<i", 0x7FFFFFFF) + lt_entry_long(8, 0x40000000, 0, 0, 0))


def elf():
    src = ("const char PY_VERSION_TAG[] = \"3.13\";\n"
           "int Py_Version = 0x030d00f0;\n"
           "__attribute__((section(\".PyRuntime\"))) char _PyRuntime[64] = \"xdebugpy\";\n"
           "int _Py_NoneStruct[4];\n")
    with tempfile.TemporaryDirectory() as d:
        c = os.path.join(d, "t.c")
        so = os.path.join(d, "t.so")
        with open(c, "w") as f:
            f.write(src)
        subprocess.run(["cc", "-shared", "-nostdlib", "-fPIC", "-Wl,-z,max-page-size=4096",
                        "-Wl,--build-id=none", "-o", so, c], check=True)
        data = open(so, "rb").read()
    put("elf", "valid-so", data)
    put("elf", "header-only", data[:64])
    put("elf", "truncated-half", data[: len(data) // 2])
    hostile = bytearray(data)
    struct.pack_into("<Q", hostile, 0x28, 0xFFFFFFFFFFFFFF00)   # e_shoff
    put("elf", "bad-shoff", bytes(hostile))
    hostile = bytearray(data)
    struct.pack_into("<HHH", hostile, 0x3A, 64, 0xFFFF, 0xFFFE)  # shentsize, shnum, shstrndx
    put("elf", "bad-shnum", bytes(hostile))
    put("elf", "not-elf", b"#!/bin/sh\necho hello\n")


def config():
    put("config", "valid", b"""# tachyon settings
[sampling]
interval = 100us
duration = 5s
all_threads = true
mode = cpu
native = yes

[output]
format = collapsed

[plugin.flamegraph]
title = A "quoted" title
""")
    put("config", "bad-values", b"[sampling]\ninterval = -1\nduration = 1e309s\nall_threads = maybe\n")
    put("config", "unknown-keys", b"[nowhere]\nkey=value\n[sampling]\nnot_a_key = 1\n")
    put("config", "broken-syntax", b"[sampling\ninterval\n= 5\n[]\n[plugin.]\nx.y.z=1\n")
    put("config", "binary", bytes(range(256)))
    put("config", "long-line", b"[sampling]\ninterval = " + b"9" * 5000 + b"\n")
    put("config", "empty", b"")


def asyncio():
    def patch(off, data):
        return struct.pack("<HB", off, len(data)) + data
    for flags, name in ((0, "314-running"), (1, "315-running"), (2, "314-all"), (3, "315-all")):
        put("asyncio", f"valid-{name}", bytes([flags]))
        # All-ones and zero words over the objects after the types.
        put("asyncio", f"ones-{name}", bytes([flags]) + patch(0xB00, b"\xff" * 200) + patch(0x1400, b"\xff" * 120))
        put("asyncio", f"zeros-{name}", bytes([flags]) + patch(0xC00, bytes(255)) + patch(0x1100, bytes(255)))
        # Pointers redirected into the middle of other objects.
        put("asyncio", f"shifted-{name}", bytes([flags]) + patch(0xD08, b"\x08\x0d\x00\x20" + bytes(4)) +
            patch(0x1208, b"\x48\x12\x00\x20" + bytes(4)))
        # Debug blocks: offsets of the task object and of the generator.
        put("asyncio", f"debug-{name}", bytes([flags | 4]) + patch(8 * 1 + 1, b"\xf0\x0f") +
            patch(8 * 85, b"\x00\x10") + patch(8 * 101, b"\x00\x03"))


def real_block(name):
    """A real debug-offsets block, from the arrays of
    tests/unit/test_py_layout_debug.c (copied from 3.14.10 and 3.15.2)."""
    import re
    src = open(os.path.join(HERE, "..", "unit", "test_py_layout_debug.c"), encoding="utf-8").read()
    body = src.split("static const uint64_t %s[] = {" % name, 1)[1].split("};", 1)[0]
    words = [int(w) for w in re.findall(r"\b\d+\b", re.sub(r"/\*.*?\*/", "", body))]
    return b"xdebugpy" + struct.pack("<%dQ" % (len(words) - 1), *words[1:])


def debug_offsets():
    b14, b15 = real_block("block_14"), real_block("block_15")
    put("debug_offsets", "314", b"\x01" + b14)
    put("debug_offsets", "315", b"\x02" + b15)
    put("debug_offsets", "315-free-threaded", b"\x02" + b15[:16] + struct.pack("<Q", 1) + b15[24:])
    put("debug_offsets", "315-truncated", b"\x02" + b15[:400])
    put("debug_offsets", "314-as-315", b"\x02" + b14)
    put("debug_offsets", "316", b"\x03" + b15)
    put("debug_offsets", "315-huge-offsets", b"\x02" + b15[:24] + b"\xff" * (len(b15) - 24))


if __name__ == "__main__":
    for fn in (decoder, linetable, elf, config, debug_offsets, asyncio):
        fn()
    sys.exit(0)
