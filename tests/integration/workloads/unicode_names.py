"""Functions whose names need every PEP 393 string kind: Latin-1
(1 byte), BMP (2 bytes) and beyond the BMP is not a valid identifier, so
a CJK name covers the 2-byte kind; a class gives a qualified name."""
import sys
import time


def ñandú_función(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


class Größe:
    def 计算(self, seconds):
        ñandú_función(seconds)


if __name__ == "__main__":
    Größe().计算(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
