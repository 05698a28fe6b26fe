"""Structural checker for Firefox Profiler "processed" profiles (the layout
tachyon's gecko plugin and upstream write, preprocessedProfileVersion 57).

The Firefox Profiler's loader accepts files with out-of-range indices, so
this checks what it does not: every index in range, prefixes pointing
backwards, equal column lengths, non-decreasing sample times, markers that
end after they start, string indices inside shared.stringArray.

usage: python3 check_gecko.py FILE...   (exit status 1 and one line per
problem when a file is not well formed)
"""
import json
import numbers
import sys

TABLE_COLUMNS = {
    "samples": ("stack", "time", "eventDelay"),
    "stackTable": ("frame", "category", "subcategory", "prefix"),
    "frameTable": ("address", "category", "subcategory", "func", "innerWindowID", "implementation",
                   "optimizations", "line", "column", "inlineDepth", "nativeSymbol"),
    "funcTable": ("name", "isJS", "relevantForJS", "resource", "fileName", "lineNumber", "columnNumber"),
    "resourceTable": ("lib", "name", "host", "type"),
    "nativeSymbols": ("libIndex", "address", "name", "functionSize"),
    "markers": ("data", "name", "startTime", "endTime", "phase", "category"),
}


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


class Problems:
    def __init__(self):
        self.items = []

    def add(self, where, msg):
        if len(self.items) < 50:
            self.items.append(f"{where}: {msg}")


def check_index(p, where, v, n, nullable=False):
    if v is None:
        if not nullable:
            p.add(where, "null where an index is required")
        return False
    if not is_int(v) or not 0 <= v < n:
        p.add(where, f"index {v!r} out of range 0..{n - 1}")
        return False
    return True


def check_categories(p, meta):
    cats = meta.get("categories")
    if not isinstance(cats, list) or not cats:
        p.add("meta.categories", "missing or empty")
        return []
    subs = []
    for i, c in enumerate(cats):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not isinstance(c.get("color"), str):
            p.add(f"meta.categories[{i}]", "needs a name and a color")
        sc = c.get("subcategories") if isinstance(c, dict) else None
        if not isinstance(sc, list) or not sc:
            p.add(f"meta.categories[{i}]", "needs at least one subcategory")
            sc = []
        subs.append(len(sc))
    if not any(isinstance(c, dict) and c.get("color") == "grey" for c in cats):
        p.add("meta.categories", "no grey category (the viewer's default)")
    return subs


def check_schema(p, meta):
    names = set()
    schema = meta.get("markerSchema")
    if not isinstance(schema, list):
        p.add("meta.markerSchema", "not a list")
        return names
    for i, s in enumerate(schema):
        where = f"meta.markerSchema[{i}]"
        if not isinstance(s, dict) or not isinstance(s.get("name"), str):
            p.add(where, "needs a name")
            continue
        names.add(s["name"])
        if not isinstance(s.get("display"), list):
            p.add(where, "display is not a list")
        fields = s.get("fields")
        if not isinstance(fields, list):
            p.add(where, "fields is not a list")
            continue
        for j, f in enumerate(fields):
            if not isinstance(f, dict) or not isinstance(f.get("key"), str) or not isinstance(f.get("format"), str):
                p.add(f"{where}.fields[{j}]", "needs a key and a format")
    return names


def check_thread(p, ti, t, nstr, subs, schema_names):
    w = f"threads[{ti}]"
    for key in ("name", "processName", "processType"):
        if not isinstance(t.get(key), str):
            p.add(f"{w}.{key}", "not a string")
    if not isinstance(t.get("pid"), str):
        p.add(f"{w}.pid", "not a string (processed profiles use string pids)")
    if not is_int(t.get("tid")):
        p.add(f"{w}.tid", "not an integer")
    if not isinstance(t.get("isMainThread"), bool):
        p.add(f"{w}.isMainThread", "not a boolean")
    lengths = {}
    for table, cols in TABLE_COLUMNS.items():
        tb = t.get(table)
        if not isinstance(tb, dict):
            p.add(f"{w}.{table}", "missing")
            return
        n = tb.get("length")
        if not is_int(n) or n < 0:
            p.add(f"{w}.{table}.length", f"bad length {n!r}")
            return
        lengths[table] = n
        for col in cols:
            v = tb.get(col)
            if not isinstance(v, list) or len(v) != n:
                p.add(f"{w}.{table}.{col}", f"has {len(v) if isinstance(v, list) else v!r} entries, length is {n}")
                return
    ncat = len(subs)

    def cat_ok(where, c, sc):
        if check_index(p, where + ".category", c, ncat) and not (is_int(sc) and 0 <= sc < subs[c]):
            p.add(where + ".subcategory", f"{sc!r} out of range for category {c}")

    s = t["samples"]
    nstack = lengths["stackTable"]
    last = None
    for i, (st, tm) in enumerate(zip(s["stack"], s["time"])):
        check_index(p, f"{w}.samples.stack[{i}]", st, nstack, nullable=True)
        if not is_num(tm):
            p.add(f"{w}.samples.time[{i}]", f"{tm!r} is not a number")
        elif last is not None and tm < last:
            p.add(f"{w}.samples.time[{i}]", f"{tm} goes back in time (previous {last})")
        else:
            last = tm
    weight = s.get("weight")
    if weight is not None:
        if not isinstance(weight, list) or len(weight) != lengths["samples"]:
            p.add(f"{w}.samples.weight", "not null and not one entry per sample")
        elif any(not is_num(x) or x < 0 for x in weight):
            p.add(f"{w}.samples.weight", "holds a negative or non-numeric weight")
    if s.get("weightType") not in ("samples", "tracing-ms", "bytes"):
        p.add(f"{w}.samples.weightType", f"unknown {s.get('weightType')!r}")

    stt = t["stackTable"]
    nframe = lengths["frameTable"]
    for i in range(nstack):
        pre = stt["prefix"][i]
        if pre is not None and (not is_int(pre) or not 0 <= pre < i):
            p.add(f"{w}.stackTable.prefix[{i}]", f"{pre!r} is not an earlier stack")
        check_index(p, f"{w}.stackTable.frame[{i}]", stt["frame"][i], nframe)
        cat_ok(f"{w}.stackTable[{i}]", stt["category"][i], stt["subcategory"][i])

    ft = t["frameTable"]
    nfunc = lengths["funcTable"]
    for i in range(nframe):
        check_index(p, f"{w}.frameTable.func[{i}]", ft["func"][i], nfunc)
        cat_ok(f"{w}.frameTable[{i}]", ft["category"][i], ft["subcategory"][i])
        for col in ("line", "column"):
            v = ft[col][i]
            if v is not None and not is_int(v):
                p.add(f"{w}.frameTable.{col}[{i}]", f"{v!r} is not an integer or null")

    fn = t["funcTable"]
    nres = lengths["resourceTable"]
    for i in range(nfunc):
        check_index(p, f"{w}.funcTable.name[{i}]", fn["name"][i], nstr)
        check_index(p, f"{w}.funcTable.fileName[{i}]", fn["fileName"][i], nstr, nullable=True)
        r = fn["resource"][i]
        if r != -1:
            check_index(p, f"{w}.funcTable.resource[{i}]", r, nres, nullable=True)
        for col in ("isJS", "relevantForJS"):
            if not isinstance(fn[col][i], bool):
                p.add(f"{w}.funcTable.{col}[{i}]", "not a boolean")

    for i in range(nres):
        check_index(p, f"{w}.resourceTable.name[{i}]", t["resourceTable"]["name"][i], nstr)

    mk = t["markers"]
    for i in range(lengths["markers"]):
        wm = f"{w}.markers[{i}]"
        check_index(p, wm + ".name", mk["name"][i], nstr)
        check_index(p, wm + ".category", mk["category"][i], ncat)
        st, en, ph = mk["startTime"][i], mk["endTime"][i], mk["phase"][i]
        if ph not in (0, 1, 2, 3):
            p.add(wm + ".phase", f"unknown phase {ph!r}")
        if st is not None and not is_num(st) or en is not None and not is_num(en):
            p.add(wm, "start or end time is not a number")
        elif ph == 1 and (st is None or en is None or st > en):
            p.add(wm, f"interval marker ends before it starts ({st} > {en})")
        data = mk["data"][i]
        if data is not None:
            if not isinstance(data, dict) or not isinstance(data.get("type"), str):
                p.add(wm + ".data", "payload without a type")
            elif data["type"] == "Opcode" and "Opcode" not in schema_names:
                p.add(wm + ".data", "Opcode payload without an Opcode marker schema")


def check_profile(prof):
    """The list of problems found in a parsed profile (empty when sound)."""
    p = Problems()
    if not isinstance(prof, dict):
        return ["top level: not an object"]
    for key in ("meta", "libs", "threads", "shared"):
        if key not in prof:
            p.add("top level", f"no {key!r}")
    if p.items:
        return p.items
    meta = prof["meta"]
    if not is_int(meta.get("preprocessedProfileVersion")):
        p.add("meta.preprocessedProfileVersion", "missing: not a processed profile")
    if not is_num(meta.get("interval")) or meta.get("interval") <= 0:
        p.add("meta.interval", f"{meta.get('interval')!r} is not a positive number")
    subs = check_categories(p, meta)
    schema_names = check_schema(p, meta)
    strings = prof["shared"].get("stringArray")
    if not isinstance(strings, list) or any(not isinstance(s, str) for s in strings):
        p.add("shared.stringArray", "not a list of strings")
        return p.items
    if not isinstance(prof["threads"], list):
        p.add("threads", "not a list")
        return p.items
    for ti, t in enumerate(prof["threads"]):
        if not isinstance(t, dict):
            p.add(f"threads[{ti}]", "not an object")
            continue
        check_thread(p, ti, t, len(strings), subs, schema_names)
    return p.items


def check_file(path):
    with open(path, encoding="utf-8") as f:
        return check_profile(json.load(f))


def main(argv):
    bad = 0
    for path in argv[1:]:
        problems = check_file(path)
        for line in problems:
            print(f"{path}: {line}")
        bad |= bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
