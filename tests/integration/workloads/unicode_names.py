"""Functions whose names need every PEP 393 string kind: ASCII, Latin-1
(1 byte), a CJK name for the 2-byte kind, and a code object renamed to
"🐍_astral" for the 4-byte kind (identifiers cannot hold characters beyond
the BMP: NFKC folds the letter-like ones); a class gives a qualified name."""
import sys
import time


def ñandú_función(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def astral(seconds):
    ñandú_función(seconds)


astral.__code__ = astral.__code__.replace(co_qualname="\U0001f40d_astral")


class Größe:
    def 计算(self, seconds):
        astral(seconds)


if __name__ == "__main__":
    Größe().计算(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
