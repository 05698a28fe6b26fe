"""The collapsed format: exact lines for a fixture, weights, ordering, and
frames that stay single frames for flamegraph.pl."""
import os
import re
import unittest

from plugintest import ToolTest, expected, feed, fixture, mock

# flamegraph.pl reads "stack count" with the count as the last blank-separated
# token and frames split on ';'.
LINE = re.compile(r"^(tid:\d+(?:;[^;\n]+)+) (\d+)$")


def parse(text):
    """[(frames, count)], checking every line against the convention."""
    assert text.endswith("\n"), "output must end with a newline"
    out = []
    for line in text[:-1].split("\n"):
        m = LINE.match(line)
        assert m, "not a collapsed line: %r" % line
        out.append((m.group(1).split(";"), int(m.group(2))))
    return out


class CollapsedTest(ToolTest):
    def write(self, stackfile, *args):
        out = self.path("stacks.txt")
        feed("collapsed", stackfile, "-o", out, *args)
        with open(out, encoding="utf-8") as f:
            return f.read()

    def test_fixture_output_is_exact(self):
        self.assertEqual(self.write(fixture("collapsed_basic.txt")),
                         expected("collapsed_basic.txt"))

    def test_weights_add_up_and_order_is_by_count(self):
        lines = parse(self.write(fixture("collapsed_basic.txt")))
        # The fixture's weights: 3+1+2+4+2+1+2+1.
        self.assertEqual(sum(count for _, count in lines), 16)
        counts = [count for _, count in lines]
        self.assertEqual(counts, sorted(counts, reverse=True))
        # Ties are in byte order of the stack text, for stable output.
        for (a, ca), (b, cb) in zip(lines, lines[1:]):
            if ca == cb:
                self.assertLess(";".join(a).encode(), ";".join(b).encode())

    def test_thread_is_the_first_frame(self):
        lines = parse(self.write(fixture("collapsed_basic.txt")))
        self.assertEqual({frames[0] for frames, _ in lines}, {"tid:1", "tid:2"})

    def test_weight_is_counted_not_lines(self):
        src = self.path("one.txt")
        with open(src, "w") as f:
            f.write("5 3 1 0 /x/a.py|a|1;/x/b.py|b|2\n"
                    "5 3 1000000 10 /x/a.py|a|1;/x/b.py|b|2\n")
        self.assertEqual(self.write(src), "tid:5;a.py:a:1;b.py:b:2 1000001\n")

    def test_separators_inside_names_are_replaced(self):
        out = self.path("escaped.txt")
        mock("collapsed", "collapsed", fixture("mock_collapsed.txt"), "-o", out)
        with open(out, "rb") as f:
            text = f.read().decode("utf-8")
        self.assertEqual(text, "tid:7;a,b.py:f,g:3;x.py:line break :4 3\n"
                               "tid:7;x.py:tab here:5 2\n")
        parse(text)

    def test_nothing_to_write_without_samples(self):
        src = self.path("empty.txt")
        with open(src, "w") as f:
            f.write("# no samples\n")
        out = self.path("never.txt")
        proc = feed("collapsed", src, "-o", out)
        self.assertFalse(os.path.exists(out))
        self.assertIn("No stack data to export", proc.stderr)


if __name__ == "__main__":
    unittest.main()
