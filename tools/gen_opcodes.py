#!/usr/bin/env python3
"""Generate tachyon's per-version CPython opcode tables (core/opcodes/opcodes_3XX.c).

Two sources feed the same model and the same C emitter:

  live MODE   run this script under the CPython whose table is wanted
              (3.11 to 3.15; 3.13-3.15 from the Debian unstable root, e.g.
              through the launchers tests/integration/support.py writes);
              the model comes from that interpreter's own `opcode` and `dis`
              modules:
                  python3.15 tools/gen_opcodes.py live core/opcodes/opcodes_315.c

  spec MODE   for versions that cannot run here (none today); the model
              comes from a hand-maintained fact file under tools/opcodes/
              whose header says which upstream file and commit each number
              was taken from:
                  python3 tools/gen_opcodes.py spec tools/opcodes/cpython_314.spec \
                          core/opcodes/opcodes_314.c

  dump        print the model of the running interpreter as text lines
              "NUM NAME BASE CACHES FLAGS" (used by hand to diff versions).

The model maps each of the 256 one-byte opcodes to: its name, the opcode of
the generic instruction it stands for (itself for a generic one), the inline
cache entries (16-bit code units) that follow the instruction, and flags.
Rules that are the same for every version live here, once:

  * a specialized (quickened) opcode maps to the family it belongs to;
  * INSTRUMENTED_X maps to X, because the instrumented form runs X and only
    adds a monitoring event, and it keeps X's cache layout;
  * INSTRUMENTED_LINE and INSTRUMENTED_INSTRUCTION are "indirect": the real
    instruction is kept in the code object's monitoring data, so neither
    the base nor the size can be told from the byte alone;
  * ENTER_EXECUTOR replaces a JUMP_BACKWARD when the tier-2 optimizer
    attaches an executor (3.13 and 3.14); it is mapped to JUMP_BACKWARD and
    flagged indirect, since the exact original opcode is in the executor;
  * pseudo opcodes (>= 256) never reach bytecode and are not in the table.
"""

import os
import sys

F_SPECIALIZED = 1   # a quickened / superinstruction form of base
F_INSTRUMENTED = 2  # an INSTRUMENTED_* form of base
F_INDIRECT = 4      # the real instruction is stored outside the bytecode
CACHES_UNKNOWN = 0xFF

INDIRECT_SELF = ("INSTRUMENTED_LINE", "INSTRUMENTED_INSTRUCTION")


class Model:
    def __init__(self, major, minor, source):
        self.major = major
        self.minor = minor
        self.source = source            # list of provenance lines
        self.provisional = False
        self.names = [None] * 256
        self.base = list(range(256))
        self.flags = [0] * 256
        self.base_caches = {}           # base name -> cache entries
        self.unknown_caches = set()     # base names whose cache size is not known
        self.extra_indirect = set()     # version-specific opcodes with no byte-level meaning

    def opmap(self):
        return {n: i for i, n in enumerate(self.names) if n}

    def caches_of(self, op):
        if self.flags[op] & F_INDIRECT and self.base[op] == op:
            return CACHES_UNKNOWN
        base_name = self.names[self.base[op]]
        if base_name in self.unknown_caches:
            return CACHES_UNKNOWN
        return self.base_caches.get(base_name, 0)

    def apply_common_rules(self, deopt_by_name, executor_base):
        """Fill base/flags from a specialized->base name map plus the
        version-independent rules described in the module docstring."""
        opmap = self.opmap()
        for op, name in enumerate(self.names):
            if name is None:
                continue
            if name in deopt_by_name and deopt_by_name[name] != name:
                self.base[op] = opmap[deopt_by_name[name]]
                self.flags[op] |= F_SPECIALIZED
            elif name in INDIRECT_SELF or name in self.extra_indirect:
                self.flags[op] |= F_INDIRECT
            elif name.startswith("INSTRUMENTED_"):
                plain = name[len("INSTRUMENTED_"):]
                if plain not in opmap:
                    raise SystemExit("no base for %s" % name)
                self.base[op] = opmap[plain]
                self.flags[op] |= F_INSTRUMENTED
            elif name == "ENTER_EXECUTOR":
                self.flags[op] |= F_INDIRECT
                if executor_base:
                    self.base[op] = opmap[executor_base]
        self.validate()

    def validate(self):
        seen = {}
        for op, name in enumerate(self.names):
            if name is None:
                continue
            if name in seen:
                raise SystemExit("duplicate name %s at %d and %d" % (name, seen[name], op))
            seen[name] = op
            b = self.base[op]
            if self.names[b] is None:
                raise SystemExit("%s maps to unused opcode %d" % (name, b))
            if self.base[b] != b:
                raise SystemExit("%s maps to %s, which is not generic" % (name, self.names[b]))
        for base_name in self.base_caches:
            if base_name not in seen:
                raise SystemExit("cache size given for unknown opcode %s" % base_name)


def model_from_live():
    import dis
    import opcode

    v = sys.version_info
    m = Model(v.major, v.minor, [
        "Generated from the live interpreter %s (%s)" % (sys.version.split()[0], sys.executable),
        "with tools/gen_opcodes.py live: dis._all_opname, dis.deoptmap and",
        "opcode._inline_cache_entries."])
    for op, name in enumerate(dis._all_opname[:256]):
        if not name.startswith("<"):
            m.names[op] = name
    caches = opcode._inline_cache_entries
    if hasattr(caches, "items"):           # 3.13+: keyed by name (a frozendict in 3.15)
        m.base_caches = {k: v for k, v in caches.items() if v}
    else:                                  # 3.11/3.12: indexed by opcode
        m.base_caches = {m.names[i]: n for i, n in enumerate(caches) if n and m.names[i]}
    # 3.15's JIT trace recorder writes TRACE_RECORD over the instruction it
    # records: the byte alone does not tell the real one.
    if "TRACE_RECORD" in m.opmap():
        m.extra_indirect.add("TRACE_RECORD")
    executor_base = "JUMP_BACKWARD" if "ENTER_EXECUTOR" in m.opmap() else None
    m.apply_common_rules(dict(dis.deoptmap), executor_base)
    return m


def model_from_spec(path):
    """Spec lines:  version 3.14 | source TEXT | provisional
                    op NUM NAME [BASE] | cache BASE N | cache BASE unknown
                    executor-base NAME | indirect NAME"""
    m = None
    deopt = {}
    executor_base = None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            words = line.split()
            key = words[0]
            if key == "version":
                major, minor = words[1].split(".")
                m = Model(int(major), int(minor), [])
            elif m is None:
                raise SystemExit("%s:%d: 'version' must come first" % (path, lineno))
            elif key == "source":
                m.source.append(raw.strip()[len("source"):].strip())
            elif key == "provisional":
                m.provisional = True
            elif key == "op":
                num = int(words[1])
                if not 0 <= num < 256 or m.names[num] is not None:
                    raise SystemExit("%s:%d: bad or reused opcode %d" % (path, lineno, num))
                m.names[num] = words[2]
                if len(words) > 3:
                    deopt[words[2]] = words[3]
            elif key == "cache":
                if words[2] == "unknown":
                    m.unknown_caches.add(words[1])
                else:
                    m.base_caches[words[1]] = int(words[2])
            elif key == "indirect":
                m.extra_indirect.add(words[1])
            elif key == "executor-base":
                executor_base = words[1]
            else:
                raise SystemExit("%s:%d: unknown key %r" % (path, lineno, key))
    if m is None:
        raise SystemExit("%s: empty spec" % path)
    missing = [b for b in deopt.values() if b not in m.opmap()]
    if missing:
        raise SystemExit("%s: unknown base opcodes %s" % (path, missing))
    m.apply_common_rules(deopt, executor_base)
    return m


def emit_c(m, out_path):
    tag = "%d%d" % (m.major, m.minor)
    lines = [
        "/* GENERATED by tools/gen_opcodes.py -- do not edit; regenerate instead.",
        " *",
        " * CPython %d.%d opcode table." % (m.major, m.minor),
    ]
    for s in m.source:
        lines.append(" * " + s if s else " *")
    lines += [" */", '#include "opcode_tables.h"', "",
              "const struct opcode_table opcode_table_%s = {" % tag,
              "    .major = %d," % m.major,
              "    .minor = %d," % m.minor,
              "    .provisional = %d," % (1 if m.provisional else 0),
              "    .ops = {"]
    for op, name in enumerate(m.names):
        if name is None:
            continue
        flags = []
        if m.flags[op] & F_SPECIALIZED:
            flags.append("OPCODE_F_SPECIALIZED")
        if m.flags[op] & F_INSTRUMENTED:
            flags.append("OPCODE_F_INSTRUMENTED")
        if m.flags[op] & F_INDIRECT:
            flags.append("OPCODE_F_INDIRECT")
        caches = m.caches_of(op)
        lines.append('        [%d] = {"%s", %d, %s, %s},' % (
            op, name, m.base[op],
            "OPCODE_CACHES_UNKNOWN" if caches == CACHES_UNKNOWN else str(caches),
            " | ".join(flags) if flags else "0"))
    lines += ["    },", "};", ""]
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def dump(m):
    for op, name in enumerate(m.names):
        if name is not None:
            print(op, name, m.base[op], m.caches_of(op), m.flags[op])


def main(argv):
    if len(argv) == 3 and argv[1] == "live":
        emit_c(model_from_live(), argv[2])
    elif len(argv) == 4 and argv[1] == "spec":
        emit_c(model_from_spec(argv[2]), argv[3])
    elif len(argv) == 2 and argv[1] == "dump":
        dump(model_from_live())
    elif len(argv) == 3 and argv[1] == "dump":
        dump(model_from_spec(argv[2]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
