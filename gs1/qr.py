"""QR codes of a traceability URI: the module matrix, a PNG and an SVG.

The URI is a GS1 Digital Link (`https://shancun.example/01/09506000134352/10/ABC123`)
or a short platform one (`https://shancun.example/t/<code>`); this module only
draws it, it does not check what the URI means (that is `digital_link.py`'s job).

Choices, all fixed so that the same URI always gives the same bytes:

- Error correction **Q** (about 25% of the codewords can be lost). The labels
  are printed on bags of rice and tea: paper and film that crease, scuff,
  get wet and bend round the contents. M (15%) gives a slightly smaller
  symbol (version 4 instead of 5 for a typical Digital Link) but fails sooner
  on a worn label; H (30%) grows it more for little gain.
- The smallest version that holds the URI, the mask with the lowest penalty
  (ISO/IEC 18004's rules, as computed by the `qrcode` package).
- A quiet zone of `QUIET_ZONE` (4) light modules around the symbol, as the
  standard requires; `matrix(..., border=0)` gives the bare symbol for a label
  sheet that keeps the margin blank itself.
- At most `MAX_URI_LENGTH` (300) characters, printable ASCII without spaces
  (a URI percent-encodes everything else). That is far below what a version-40
  code holds at Q (1,663 bytes) on purpose: 300 characters always fit in
  version 16 (81×81 modules, 89 with the quiet zone), about 36 mm at 0.4 mm a
  module, still a label a phone reads. A Digital Link with this 23-character
  host, a GTIN-14 and a 20-character lot and serial, both fully
  percent-encoded (the worst case), is 169 characters.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
from PIL import Image

ERROR_CORRECTION = "Q"
QUIET_ZONE = 4
MAX_URI_LENGTH = 300
MAX_BOX_SIZE = 64

_LEVEL = qrcode.constants.ERROR_CORRECT_Q


def check_uri(uri: str) -> str:
    """Return `uri` if it can be drawn, otherwise raise ValueError saying why."""
    if not isinstance(uri, str):
        raise TypeError(f"the URI must be a str, not {type(uri).__name__}")
    if not uri:
        raise ValueError("the URI is empty: there is nothing to encode")
    if len(uri) > MAX_URI_LENGTH:
        raise ValueError(
            f"the URI is {len(uri)} characters long; a label QR code holds at most "
            f"{MAX_URI_LENGTH} (version 16 at error correction {ERROR_CORRECTION})"
        )
    bad = next((ch for ch in uri if not "\x21" <= ch <= "\x7e"), None)
    if bad is not None:
        raise ValueError(
            f"the URI contains {bad!r} at position {uri.index(bad)}: "
            "only printable ASCII without spaces; percent-encode anything else"
        )
    return uri


def _symbol(uri: str) -> list[list[bool]]:
    """The bare symbol (no quiet zone), rows top to bottom, True = dark."""
    code = qrcode.QRCode(error_correction=_LEVEL, border=0)
    code.add_data(check_uri(uri))
    code.make(fit=True)
    return [[bool(module) for module in row] for row in code.get_matrix()]


def _check_border(border: int) -> int:
    if isinstance(border, bool) or not isinstance(border, int) or border < 0:
        raise ValueError(f"border must be a whole number of modules, 0 or more (got {border!r})")
    return border


def matrix(uri: str, *, border: int = QUIET_ZONE) -> list[list[bool]]:
    """The modules of the QR code of `uri`, rows top to bottom, True for dark.

    The symbol is surrounded by `border` light modules on each side (default
    `QUIET_ZONE`, the 4 the standard requires; pass 0 for the bare symbol when
    the drawing keeps that margin blank itself). The result is square, a fresh
    list each call, and the same for the same arguments.
    """
    _check_border(border)
    symbol = _symbol(uri)
    width = len(symbol) + 2 * border
    blank = [False] * border
    return (
        [[False] * width for _ in range(border)]
        + [blank + row + blank for row in symbol]
        + [[False] * width for _ in range(border)]
    )


def png(uri: str, *, box_size: int = 8, border: int = QUIET_ZONE) -> bytes:
    """A 1-bit PNG of the QR code, `box_size` pixels a module (black on white)."""
    if isinstance(box_size, bool) or not isinstance(box_size, int):
        raise ValueError(f"box_size must be a whole number of pixels (got {box_size!r})")
    if not 1 <= box_size <= MAX_BOX_SIZE:
        raise ValueError(f"box_size must be 1 to {MAX_BOX_SIZE} pixels (got {box_size})")
    modules = matrix(uri, border=border)
    width = len(modules)
    image = Image.new("1", (width, width), 1)
    image.putdata([0 if dark else 1 for row in modules for dark in row])
    if box_size > 1:
        image = image.resize((width * box_size, width * box_size), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def svg_path_data(modules: list[list[bool]]) -> str:
    """SVG path data drawing every dark module, one rectangle per horizontal run.

    Each run is `M{x} {y}h{w}v1h-{w}z` in module units, rows top to bottom and
    runs left to right, so a label sheet can reuse it with its own transform.
    """
    parts: list[str] = []
    for y, row in enumerate(modules):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            run = x - start
            parts.append(f"M{start} {y}h{run}v1h-{run}z")
    return "".join(parts)


def svg(uri: str, *, scale: int = 8, border: int = QUIET_ZONE) -> str:
    """An SVG of the QR code: one `<path>` for all dark modules on a white square.

    The viewBox is in modules (`0 0 N N`, quiet zone included); `width` and
    `height` are N × `scale` user units (pixels), and any size works since it
    is vector. `shape-rendering="crispEdges"` keeps renderers from blurring
    module edges. No XML declaration, so it can also be inlined in HTML.
    """
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= MAX_BOX_SIZE:
        raise ValueError(f"scale must be a whole number from 1 to {MAX_BOX_SIZE} (got {scale!r})")
    modules = matrix(uri, border=border)
    n = len(modules)
    size = n * scale
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {n} {n}" shape-rendering="crispEdges">'
        f'<rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path fill="#000" d="{svg_path_data(modules)}"/>'
        "</svg>\n"
    )
