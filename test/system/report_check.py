#!/usr/bin/python3
# Helper of test/system/report.sh: reads what leadqual_report wrote and what
# Chromium made of it.  Python 3's standard library only.
#
#   report_check.py table HTML ID        the rows of the table with this id,
#                                        one a line, cells separated by the
#                                        unit separator (0x1f), a NULL cell
#                                        (data-null) empty: as psql -At -F
#                                        prints the same rows
#   report_check.py marks HTML           per chart (an <svg> whose id starts
#                                        with chart-): its id and the number
#                                        of marks (elements of class "mark")
#                                        drawn in it with a size
#   report_check.py elements HTML TAG    how many TAG elements the document has
#   report_check.py png FILE             "WIDTH HEIGHT NON_WHITE_PERMILLE
#                                        COLOURS BLUE_PIXELS" of a PNG (8-bit
#                                        RGB or RGBA, not interlaced), BLUE
#                                        being the charts' first colour

import html.parser
import struct
import sys
import zlib

SEP = "\x1f"
CHART_BLUE = (0x00, 0x72, 0xB2)


class Tables(html.parser.HTMLParser):
    """The rows of one table: the text of its <td>s, data-null ones empty."""

    def __init__(self, table_id):
        super().__init__(convert_charrefs=True)
        self.table_id, self.depth, self.rows = table_id, 0, []
        self.row = self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (self.depth or attrs.get("id") == self.table_id):
            self.depth += 1
        elif self.depth and tag == "tr":
            self.row = []
        elif self.depth and tag == "td" and self.row is not None and "colspan" not in attrs:
            self.cell = None if "data-null" in attrs else []

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag == "td" and self.row is not None:
            self.row.append("" if self.cell is None else "".join(self.cell))
            self.cell = None
        elif self.depth and tag == "tr" and self.row is not None:
            if self.row:
                self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.depth and isinstance(self.cell, list):
            self.cell.append(data)


class Marks(html.parser.HTMLParser):
    """Per chart svg, the marks drawn in it with a width and height above 0
    (a rect) or any (other shapes)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.charts, self.current, self.depth = {}, None, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg" and (attrs.get("id") or "").startswith("chart-"):
            self.current, self.depth = attrs["id"], 1
            self.charts.setdefault(self.current, 0)
        elif self.current:
            self.depth += tag == "svg"
            if "mark" in (attrs.get("class") or "").split() and \
                    (tag != "rect" or (float(attrs.get("width", 0)) > 0 and float(attrs.get("height", 0)) > 0)):
                self.charts[self.current] += 1

    def handle_endtag(self, tag):
        if self.current and tag == "svg":
            self.depth -= 1
            if self.depth == 0:
                self.current = None


class Elements(html.parser.HTMLParser):
    def __init__(self, tag):
        super().__init__(convert_charrefs=True)
        self.tag, self.count = tag, 0

    def handle_starttag(self, tag, attrs):
        self.count += tag == self.tag


def png_pixels(path):
    """Width, height, channels and the unfiltered rows of a PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise SystemExit(f"{path}: not 8-bit RGB(A), non-interlaced")
        elif kind == b"IDAT":
            idat.append(body)
    raw = zlib.decompress(b"".join(idat))
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    prev, rows = bytearray(stride), []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        unfilter(kind, line, prev, bpp)
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def unfilter(kind, line, prev, bpp):
    """Undoes a PNG row filter (RFC 2083, 6), in place."""
    if kind == 1:
        for i in range(bpp, len(line)):
            line[i] = (line[i] + line[i - bpp]) & 255
    elif kind == 2:
        line[:] = bytes((a + b) & 255 for a, b in zip(line, prev))
    elif kind == 3:
        for i in range(len(line)):
            line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
    elif kind == 4:
        for i in range(len(line)):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255


def png_stats(path):
    width, height, bpp, rows = png_pixels(path)
    colours, non_white, blue = set(), 0, 0
    for line in rows:
        pixels = list(zip(line[0::bpp], line[1::bpp], line[2::bpp]))
        colours.update(pixels)
        non_white += len(pixels) - pixels.count((255, 255, 255))
        blue += pixels.count(CHART_BLUE)
    return width, height, non_white * 1000 // (width * height), len(colours), blue


def parse(parser, path):
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    parser.close()
    return parser


def main(argv):
    what = argv[1]
    if what == "table":
        for row in parse(Tables(argv[3]), argv[2]).rows:
            print(SEP.join(row))
    elif what == "marks":
        for chart, n in parse(Marks(), argv[2]).charts.items():
            print(chart, n)
    elif what == "elements":
        print(parse(Elements(argv[3]), argv[2]).count)
    elif what == "png":
        print(*png_stats(argv[2]))
    else:
        raise SystemExit(f"report_check.py: unknown command {what}")


if __name__ == "__main__":
    main(sys.argv)
