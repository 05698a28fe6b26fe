"""A second, deliberately simple decoder of binary profiles, written from
the format description (not from tachyon's C reader), so tests can check
the writer against something other than the code under test.

Prints the header fields, then one line per sample:
    sample TID IID T_US STATUS DEPTH FRAME;FRAME... (innermost first)
with T_US relative to the header's start time and frames as
file:func:line. Compressed streams are inflated with the zstd command."""
import struct
import subprocess
import sys


def varint(b, o):
    r = s = 0
    while True:
        x = b[o]
        o += 1
        r |= (x & 0x7F) << s
        if not x & 0x80:
            return r, o
        s += 7


def zigzag(v):
    return (v >> 1) ^ -(v & 1)


def decode(raw):
    assert raw[:4] == b"HCAT", raw[:4]
    start, interval = struct.unpack_from("<QQ", raw, 12)
    count, _, threads, str_off, frame_off, comp, config = struct.unpack_from("<IIIQQII", raw, 28)
    nstr, nframes, size = struct.unpack_from("<IIQ", raw, len(raw) - 32)
    assert size == len(raw)
    o, strings = str_off, []
    for _ in range(nstr):
        n, o = varint(raw, o)
        strings.append(raw[o:o + n].decode())
        o += n
    assert o == frame_off
    frames = []
    for _ in range(nframes):
        fn, o = varint(raw, o)
        fu, o = varint(raw, o)
        line, o = varint(raw, o)
        for _ in range(3):
            _, o = varint(raw, o)
        o += 1
        frames.append(f"{strings[fn]}:{strings[fu]}:{zigzag(line)}")
    data = raw[64:str_off]
    if comp == 1:
        data = subprocess.run(["zstd", "-d", "-c", "-q"], input=data, capture_output=True, check=True).stdout
    hdr = dict(start=start, interval=interval, count=count, threads=threads, compression=comp,
               config=hex(config), unfinished=raw[11], strings=nstr, frames=nframes)
    state, out, o = {}, [], 0
    while o < len(data):
        tid, iid, enc = struct.unpack_from("<QIB", data, o)
        o += 13
        st = state.setdefault((tid, iid), {"stack": [], "ts": start})
        if enc == 0:
            n, o = varint(data, o)
            for _ in range(n):
                dt, o = varint(data, o)
                status = data[o]
                o += 1
                st["ts"] += dt
                out.append((tid, iid, st["ts"] - start, status, list(st["stack"])))
            continue
        dt, o = varint(data, o)
        status = data[o]
        o += 1
        a, o = varint(data, o)
        if enc == 1:
            keep, push = [], a
        else:
            n, o = varint(data, o)
            keep = st["stack"][len(st["stack"]) - a:] if enc == 2 else st["stack"][a:]
            if enc == 2 and a == 0:
                keep = []
            push = n
        new = []
        for _ in range(push):
            f, o = varint(data, o)
            new.append(f)
        st["stack"] = new + keep
        st["ts"] += dt
        out.append((tid, iid, st["ts"] - start, status, list(st["stack"])))
    assert len(out) == count, (len(out), count)
    return hdr, frames, out


def main():
    with open(sys.argv[1], "rb") as f:
        hdr, frames, samples = decode(f.read())
    for k, v in hdr.items():
        print(f"{k}: {v}")
    for tid, iid, ts, status, stack in samples:
        print("sample", tid, iid, ts, status, len(stack), ";".join(frames[i] for i in stack))


if __name__ == "__main__":
    main()
