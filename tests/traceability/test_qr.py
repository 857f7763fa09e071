"""QR codes (gs1/qr.py), read back with a real decoder: zbar, through pyzbar.

zbar is Debian's libzbar0, which `scripts/system-packages` installs; without it
this module fails to load, on purpose, rather than skip.
"""

import io
import re
import xml.etree.ElementTree as ET
from typing import Any, cast

import pytest
from PIL import Image

from gs1 import qr

try:
    from pyzbar import pyzbar
except ImportError as error:  # pragma: no cover - only on a machine without libzbar0
    raise RuntimeError(
        f"pyzbar cannot load zbar ({error}): install Debian's libzbar0 with scripts/system-packages"
    ) from error

SVG_NS = "{http://www.w3.org/2000/svg}"
HOST = "https://shancun.example"
DIGITAL_LINK = f"{HOST}/01/09506000134352/10/ABC123/21/X7Y8"
# A lot and a serial with characters GS1 allows that a URI path must percent-encode.
PERCENT_ENCODED = f"{HOST}/01/09506000134352/10/LOT%2F2025%25A/21/S%22%26%3C7%3E?linkType=gs1%3Apip"
SHORT = f"{HOST}/t/q3Vh8kZr2WmT5bNx"
URIS = [DIGITAL_LINK, PERCENT_ENCODED, SHORT]


def long_uri(length=qr.MAX_URI_LENGTH):
    """A Digital Link URI exactly `length` characters long, mostly lowercase (byte mode)."""
    head = f"{HOST}/01/09506000134352/10/LOT-2025-09/21/"
    filler = "abcdefghijklmnopqrstuvwxyz0123456789-._~%2F"
    return head + (filler * 10)[: length - len(head)]


def decode(image):
    results = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    return [result.data.decode("ascii") for result in results]


def png_image(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def parse_svg(text):
    """(size in modules, width, height, dark modules as a set of (x, y)) of our own SVG."""
    root = ET.fromstring(text)  # noqa: S314 - our own output, not untrusted input
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("shape-rendering") == "crispEdges"
    x0, y0, n, n2 = (int(v) for v in root.get("viewBox").split())
    assert (x0, y0) == (0, 0) and n == n2
    paths = root.findall(f"{SVG_NS}path")
    assert len(paths) == 1, "all dark modules are one <path>"
    assert root.findall(f".//{SVG_NS}image") == [], "vectors, not an embedded picture"
    assert paths[0].get("fill") == "#000"
    data = paths[0].get("d")
    run = re.compile(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z")
    assert run.sub("", data) == "", "the path is only unit-high rectangles"
    dark = set()
    for x, y, w, back in run.findall(data):
        x, y, w = int(x), int(y), int(w)
        assert int(back) == w and w > 0 and x + w <= n and y < n
        cells = {(x + i, y) for i in range(w)}
        assert not cells & dark, "runs do not overlap"
        dark |= cells
    return n, int(root.get("width")), int(root.get("height")), dark


def rasterise(n, dark, box=6):
    image = Image.new("1", (n, n), 1)
    for x, y in dark:
        image.putpixel((x, y), 0)
    return image.resize((n * box, n * box), Image.Resampling.NEAREST)


@pytest.mark.parametrize("uri", [*URIS, long_uri()], ids=["gs1", "percent", "short", "long"])
def test_the_png_decodes_to_exactly_the_uri(uri):
    image = png_image(qr.png(uri))
    assert image.format == "PNG" and image.mode == "1"
    assert decode(image) == [uri]


@pytest.mark.parametrize("uri", [*URIS, long_uri()], ids=["gs1", "percent", "short", "long"])
def test_the_svg_path_rasterised_decodes_to_exactly_the_uri(uri):
    n, width, height, dark = parse_svg(qr.svg(uri, scale=5))
    assert width == height == n * 5
    modules = qr.matrix(uri)
    assert n == len(modules)
    assert dark == {(x, y) for y, row in enumerate(modules) for x, on in enumerate(row) if on}
    assert decode(rasterise(n, dark)) == [uri]


def test_the_matrix_is_the_symbol_in_its_quiet_zone():
    bare = qr.matrix(DIGITAL_LINK, border=0)
    framed = qr.matrix(DIGITAL_LINK)
    size = len(bare)
    assert (size - 17) % 4 == 0, "a QR symbol is 17 + 4 × version modules wide"
    assert size == 37, "a typical Digital Link is version 5 at error correction Q"
    assert all(len(row) == size for row in bare)
    assert len(framed) == size + 2 * qr.QUIET_ZONE == 45
    q = qr.QUIET_ZONE
    assert [row[q:-q] for row in framed[q:-q]] == bare
    for i in range(len(framed)):
        for j in range(q):
            assert not framed[i][j] and not framed[i][-1 - j]
            assert not framed[j][i] and not framed[-1 - j][i]
    # The top-left finder pattern: a dark 7×7 ring round a light ring round a dark 3×3.
    assert bare[0][:7] == [True] * 7 and bare[1][:7] == [True] + [False] * 5 + [True]
    assert bare[3][:7] == [True, False, True, True, True, False, True]


def test_the_error_correction_level_is_q():
    # The format information (row 8, next to the top-left finder) encodes the level and
    # the mask, XOR 101010000010010; its first two bits are the level: Q is 11.
    bare = qr.matrix(DIGITAL_LINK, border=0)
    first_two = [bare[8][0], bare[8][1]]
    mask = [True, False]
    assert [a != b for a, b in zip(first_two, mask, strict=True)] == [True, True]


def test_the_longest_uri_fits_a_version_16_label_code():
    assert len(qr.matrix(long_uri(), border=0)) <= 17 + 4 * 16
    digits = HOST + "/01/" + "9" * (qr.MAX_URI_LENGTH - len(HOST) - 4)
    assert len(digits) == qr.MAX_URI_LENGTH
    assert decode(png_image(qr.png(digits, box_size=4))) == [digits]


def test_the_output_is_deterministic():
    for uri in URIS:
        assert qr.png(uri) == qr.png(uri)
        assert qr.svg(uri) == qr.svg(uri)
        assert qr.matrix(uri) == qr.matrix(uri)
    assert qr.png(DIGITAL_LINK) != qr.png(SHORT)


def test_the_matrix_is_a_fresh_list_each_call():
    first = qr.matrix(SHORT)
    first[0][0] = True
    first[1].append(True)
    assert qr.matrix(SHORT)[0][0] is False
    assert len({len(row) for row in qr.matrix(SHORT)}) == 1


def test_png_box_size_and_border():
    size = len(qr.matrix(SHORT, border=0))
    assert png_image(qr.png(SHORT, box_size=3, border=0)).size == (3 * size, 3 * size)
    big = png_image(qr.png(SHORT, box_size=10))
    assert big.size == (10 * (size + 8),) * 2
    assert decode(big) == [SHORT]
    assert len(qr.png(SHORT)) < 2_000, "a 1-bit PNG of a short URI stays small"


def test_the_svg_is_vector_and_small():
    text = qr.svg(DIGITAL_LINK)
    assert text.startswith("<svg ") and text.count("<path") == 1
    assert "<image" not in text and "base64" not in text
    assert 'viewBox="0 0 45 45"' in text and 'width="360"' in text
    assert len(text) < 8_000


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("", "empty"),
        (long_uri(qr.MAX_URI_LENGTH + 1), "at most 300"),
        ("x" * 5000, "at most 300"),
        (f"{HOST}/t/a b", "' '"),
        (f"{HOST}/t/ab\n", "'\\n'"),
        (f"{HOST}/t/ab\x00", "'\\x00'"),
        (f"{HOST}/t/紫米", "percent-encode"),
    ],
    ids=["empty", "one-too-long", "far-too-long", "space", "newline", "nul", "non-ascii"],
)
def test_bad_uris_are_a_clear_value_error(uri, message):
    for render in (qr.matrix, qr.png, qr.svg):
        with pytest.raises(ValueError, match=re.escape(message)):
            render(uri)


def test_a_non_string_is_a_type_error():
    with pytest.raises(TypeError, match="str"):
        qr.matrix(cast(Any, b"https://shancun.example/t/x"))  # bytes on purpose


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: qr.png(SHORT, box_size=0), "box_size"),
        (lambda: qr.png(SHORT, box_size=qr.MAX_BOX_SIZE + 1), "box_size"),
        (lambda: qr.png(SHORT, box_size=cast(Any, 2.5)), "box_size"),  # a float on purpose
        (lambda: qr.svg(SHORT, scale=0), "scale"),
        (lambda: qr.matrix(SHORT, border=-1), "border"),
        (lambda: qr.png(SHORT, border=True), "border"),
    ],
)
def test_bad_sizes_are_a_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
