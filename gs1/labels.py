"""Label sheets: print-ready A4 PDFs of traceability labels, the QR codes as vectors.

One label carries the product (Chinese and English name, variant or unit), the
lot, the harvest or production date, the best-before date, the seller and
village, the QR code of the traceability URI, on a unit's label its serial
as its provenance page shows it (单品编号: a buyer compares the two) and a
reserved box, two lines at 5 pt under the text, for the commitment certificate
of conformity (承诺达标合格证, filled in by the certification issue; blank until
then). The captions are fixed
bilingual Chinese/English, not translated per request: the label is printed for
the goods, which are sold in China, whoever orders the sheet.

Choices:

- **fpdf2** (LGPL-3.0, pure Python) rather than reportlab: reportlab's TTFont
  refuses fonts with PostScript (CFF) outlines, which every Noto CJK font has,
  so it could only name the non-embedded Adobe font STSong-Light, and a print
  shop cannot rely on the printer having it. fpdf2 embeds a subset of the CFF
  font (a few kB per sheet), with a ToUnicode map so the text can be searched.
- **Font**: Noto Sans CJK SC (and its Mono face for identifiers: no 0/O
  confusion) from Debian's `fonts-noto-cjk`, which `scripts/system-packages`
  installs. A missing font file, or a character the font has no glyph for, is
  a `LabelFontError` / `ValueError`, never a silently blank box.
- **QR modules as vectors**: one filled path per symbol, one rectangle per
  horizontal run of dark modules, written in module units under a scaling
  transform so the operators are short integers. The runs are written to the
  page stream with fpdf2's `_out`, the primitive all its drawing methods use:
  calling `rect()` per run costs about 2.4 ms a label, a quarter of building
  the QR matrix, and the issue wants the whole job within 1.25 x that time.
  `qr_drawing()` is the expensive part (the matrix) and is a pure function of
  the URI, so workers can compute drawings in parallel and one process adds
  them to the document.
- **Layout** (`A4_24`): 3 x 8 labels of 70 x 37 mm on A4, 0.5 mm above and
  below, no side margin (the common 24-up sheet, e.g. Avery 3474). Content is
  kept 2.5 mm inside each label, so the printer must print to within 2.5 mm of
  the sides and 3 mm of the top; for one that cannot, use a `Sheet` with
  margins. The QR code fills a 32 mm square on the left, its 4-module quiet
  zone included: 0.36 mm a module for the largest code `qr.py` makes (version
  16), 0.71 mm for a typical Digital Link (version 5), above the 0.33 mm that
  phone cameras read reliably. `Sheet` checks this for any layout.
- **Text never overflows**: names that do not fit are cut with an ellipsis;
  identifiers (lot, dates, serial) are never cut but set smaller, down to
  `MIN_FONT_PT`, and a label whose identifier still does not fit is refused.
- **Footer**: a sheet may print one line of its own on every page (the trace
  log key's fingerprint, say), at 5 pt, centred in the blank band under the
  last row's content: the sheet's bottom margin and the last row's padding,
  3 mm on `A4_24`, which has almost no margin. It touches no label's text or
  QR code.
- **Deterministic**: the creation date is `INVARIANT_DATE` unless one is given,
  and the file ID is a hash of the content, so the same labels give the same
  bytes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from fpdf import FPDF
from fpdf.fonts import TTFFont

from gs1 import qr

FONT_PATH = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
# The faces inside the collection, by index, with the name each must have.
SANS_FACE = (2, "NotoSansCJKSC")
MONO_FACE = (7, "NotoSansMonoCJKSC")

PT = 25.4 / 72  # millimetres in a point
MIN_MODULE_MM = 0.33
MIN_FONT_PT = 4.5
# The largest symbol `qr.py` draws: version 16 (81 modules) for MAX_URI_LENGTH.
LARGEST_SYMBOL = 81

# The creation date written when none is given, as reportlab's `invariant` does.
INVARIANT_DATE = datetime(2000, 1, 1, tzinfo=UTC)
_ELLIPSIS = "…"
SERIAL_CAPTION = "单品编号 No."  # the provenance page's words for the serial
_DARK_RUN = re.compile(b"\x01+")


class LabelFontError(RuntimeError):
    """The CJK font cannot be loaded: the sheet would print empty boxes."""


@dataclass(frozen=True)
class Label:
    """What one label shows; `certificate` stays empty until certification lands."""

    product: str
    product_en: str
    variant: str
    lot: str
    produced_on: date
    best_before: date | None
    seller: str
    village: str
    uri: str
    serial: str = ""  # a unit's serial, as its page shows it; none on a batch label
    certificate: str = ""


@dataclass(frozen=True)
class _Line:
    """One line of the text column: its size and leading, and whether it may be cut."""

    size_pt: float
    leading_mm: float
    mono: bool = False
    identifier: bool = False  # set smaller to fit, never cut


_PRODUCT = _Line(9, 3.8)
_SMALL = _Line(6, 2.6)
_BODY = _Line(6.5, 2.75)
_IDENT = _Line(6.5, 2.75, mono=True, identifier=True)
_DATE = _Line(6.5, 2.75, identifier=True)
_CODE = _Line(7, 3.0, mono=True, identifier=True)
# Product, English name, variant, lot, produced, best before, seller, village, serial.
_LINES = (_PRODUCT, _SMALL, _BODY, _IDENT, _DATE, _DATE, _BODY, _BODY, _CODE)
_TEXT_HEIGHT = sum(line.leading_mm for line in _LINES)
_CERTIFICATE = _Line(5, 2.3)
FOOTER_PT = 5.0
_CERTIFICATE_MIN_MM = 2 * _CERTIFICATE.leading_mm
_ASCENT = 0.88  # Noto Sans CJK's ascender, in em: from a line's top to its baseline


def _texts(label: Label) -> tuple[str, ...]:
    """The label's lines, in the order of `_LINES`."""
    best_before = (
        f"保质期至 Best before {label.best_before.isoformat()}" if label.best_before else ""
    )
    return (
        label.product,
        label.product_en,
        label.variant,
        f"批号 Lot {label.lot}",
        f"生产日期 Produced {label.produced_on.isoformat()}",
        best_before,
        label.seller,
        label.village,
        f"{SERIAL_CAPTION} {label.serial}" if label.serial else "",
    )


@dataclass(frozen=True)
class Sheet:
    """A page of equal labels in a grid, all lengths in millimetres.

    `padding` is kept blank inside every label edge. The QR code takes a square
    as tall as the label less its padding, on the left; the text column the
    rest. The checks make sure every label `qr.py` can draw fits at a scannable
    module size and the text column is wide and tall enough.
    """

    columns: int = 3
    rows: int = 8
    label_width: float = 70.0
    label_height: float = 37.0
    page_width: float = 210.0
    page_height: float = 297.0
    margin_left: float = 0.0
    margin_top: float = 0.5
    gap_x: float = 0.0
    gap_y: float = 0.0
    padding: float = 2.5

    def __post_init__(self) -> None:
        if self.columns < 1 or self.rows < 1:
            raise ValueError("a sheet needs at least one column and one row")
        right = self.margin_left + self.columns * self.label_width + (self.columns - 1) * self.gap_x
        bottom = self.margin_top + self.rows * self.label_height + (self.rows - 1) * self.gap_y
        if right > self.page_width + 1e-9 or bottom > self.page_height + 1e-9:
            raise ValueError(
                f"{self.columns} x {self.rows} labels of {self.label_width} x "
                f"{self.label_height} mm do not fit on a {self.page_width} x "
                f"{self.page_height} mm page"
            )
        module = self.qr_size / (LARGEST_SYMBOL + 2 * qr.QUIET_ZONE)
        if module < MIN_MODULE_MM:
            raise ValueError(
                f"the QR square is {self.qr_size:.1f} mm: {module:.3f} mm a module for the "
                f"largest code, below {MIN_MODULE_MM} mm"
            )
        if self.text_width < 25:
            raise ValueError(f"the text column is {self.text_width:.1f} mm wide, less than 25")
        if self.qr_size < _TEXT_HEIGHT + _CERTIFICATE_MIN_MM:
            raise ValueError(
                f"the text column is {self.qr_size:.1f} mm tall, less than the "
                f"{_TEXT_HEIGHT + _CERTIFICATE_MIN_MM:.1f} mm the lines need"
            )

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def qr_size(self) -> float:
        """The side of the QR square, quiet zone included."""
        return self.label_height - 2 * self.padding

    @property
    def text_width(self) -> float:
        return self.label_width - 2 * self.padding - self.qr_size

    def pages(self, count: int) -> int:
        """How many pages `count` labels take."""
        return math.ceil(count / self.per_page)

    def origin(self, slot: int) -> tuple[float, float]:
        """The top-left corner of the label in `slot` (0 to per_page - 1, row by row)."""
        row, column = divmod(slot, self.columns)
        return (
            self.margin_left + column * (self.label_width + self.gap_x),
            self.margin_top + row * (self.label_height + self.gap_y),
        )


A4_24 = Sheet()


@dataclass(frozen=True)
class QrDrawing:
    """A QR symbol as PDF path operators in module units (one `re` per dark run)."""

    modules: int  # symbol width, quiet zone excluded
    path: str


def qr_drawing(uri: str) -> QrDrawing:
    """The QR code of `uri` ready to draw: the costly part of a label, parallelisable.

    Raises `qr`'s ValueError for a URI it cannot encode (empty, too long, not
    printable ASCII).
    """
    modules = qr.matrix(uri, border=0)
    parts: list[str] = []
    for y, row in enumerate(modules):
        parts.extend(
            f"{run.start()} {y} {run.end() - run.start()} 1 re"
            for run in _DARK_RUN.finditer(bytes(row))  # True is 1
        )
    return QrDrawing(modules=len(modules), path="\n".join(parts))


def _prefix_within(text: str, width: float, measure: Callable[[str], float]) -> int:
    """The length of the longest prefix of `text` that `measure` finds no wider than `width`."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def truncate(text: str, width: float, measure: Callable[[str], float]) -> str:
    """`text` if it fits `width`, otherwise its longest prefix that fits with an ellipsis."""
    if measure(text) <= width:
        return text
    cut = _prefix_within(text, width - measure(_ELLIPSIS), measure)
    return text[:cut].rstrip() + _ELLIPSIS


class LabelDocument:
    """A label PDF built in chunks and written once.

    `add()` fills the next free slots, starting pages as needed, so a task can
    add a few hundred labels at a time, report progress and still produce a
    single file with `write()`.
    """

    def __init__(
        self, sheet: Sheet = A4_24, *, created: datetime | None = None, footer: str = ""
    ) -> None:
        self.sheet = sheet
        self.count = 0
        self._pdf = FPDF(unit="mm", format=(sheet.page_width, sheet.page_height))
        self._pdf.set_auto_page_break(False)
        self._pdf.set_margin(0)
        self._pdf.set_lang("zh-CN")
        self._pdf.set_title("Traceability labels 追溯标签")
        self._pdf.set_creation_date(created or INVARIANT_DATE)
        self._sans = self._load_font("sans", *SANS_FACE)
        self._mono = self._load_font("mono", *MONO_FACE)
        self._fitted: dict[tuple[str, _Line, float, float], tuple[str, bool, float, float]] = {}
        self._footer = self._fit_footer(footer) if footer else None

    def _load_font(self, family: str, index: int, name: str) -> dict[int, str]:
        """Embed face `index` of FONT_PATH; return its character map."""
        if not FONT_PATH.is_file():
            raise LabelFontError(
                f"the label font {FONT_PATH} is missing: install Debian's fonts-noto-cjk "
                "(scripts/system-packages)"
            )
        self._pdf.add_font(family, fname=FONT_PATH, collection_font_number=index)
        font = self._pdf.fonts[family]
        if not isinstance(font, TTFFont) or font.name != name:
            raise LabelFontError(f"face {index} of {FONT_PATH} is {font.name}, not {name}")
        return font.cmap

    @property
    def pages(self) -> int:
        return self.sheet.pages(self.count)

    def _fit_footer(self, footer: str) -> tuple[str, float, float]:
        """(text, left, baseline) of the footer, centred in the band under the last
        row's content, cut to the page's width less its padding; ValueError if
        the band is lower than the text."""
        sheet = self.sheet
        last_row_end = sheet.origin(sheet.per_page - 1)[1] + sheet.label_height
        band_top = last_row_end - sheet.padding
        band = sheet.page_height - band_top
        height = FOOTER_PT * PT
        if band < height:
            raise ValueError(
                f"the sheet has {band:.1f} mm under its labels, too little for a footer"
            )
        self._use(footer, mono=False, size_pt=FOOTER_PT)
        text = truncate(footer, sheet.page_width - 2 * sheet.padding, self._pdf.get_string_width)
        left = (sheet.page_width - self._pdf.get_string_width(text)) / 2
        return text, left, band_top + (band - height) / 2 + _ASCENT * height

    def add(self, labels: Iterable[Label], drawings: Sequence[QrDrawing] | None = None) -> int:
        """Draw `labels` in the next slots; return how many labels the document has.

        `drawings`, when given, are the labels' `qr_drawing(label.uri)` in the
        same order (computed elsewhere); otherwise they are computed here. A
        label that cannot be drawn raises ValueError noting which one it is.
        """
        labels = list(labels)
        if drawings is not None and len(drawings) != len(labels):
            raise ValueError(f"{len(drawings)} QR drawings for {len(labels)} labels")
        for index, label in enumerate(labels):
            try:
                drawing = drawings[index] if drawings is not None else qr_drawing(label.uri)
                self._add_one(label, drawing)
            except ValueError as error:
                error.add_note(
                    f"label {self.count + 1} (lot {label.lot!r}, serial {label.serial!r})"
                )
                raise
        return self.count

    def _add_one(self, label: Label, drawing: QrDrawing) -> None:
        """Lay the label out first, so one that cannot be drawn leaves nothing behind."""
        lines = self._layout(label)
        slot = self.count % self.sheet.per_page
        x, y = self.sheet.origin(slot)
        left, top = x + self.sheet.padding, y + self.sheet.padding
        module = self.sheet.qr_size / (drawing.modules + 2 * qr.QUIET_ZONE)
        if module < MIN_MODULE_MM:
            raise ValueError(f"the QR code would print at {module:.3f} mm a module")
        if slot == 0:
            self._pdf.add_page()
            if self._footer is not None:
                text, footer_left, baseline = self._footer
                self._pdf.set_font("sans", size=FOOTER_PT)
                self._pdf.text(footer_left, baseline, text)
        self._draw_qr(drawing, module, left, top)
        for text, mono, size, offset in lines:
            self._pdf.set_font("mono" if mono else "sans", size=size)
            self._pdf.text(left + self.sheet.qr_size, top + offset + _ASCENT * size * PT, text)
        self.count += 1

    def _draw_qr(self, drawing: QrDrawing, module: float, left: float, top: float) -> None:
        inset = qr.QUIET_ZONE * module
        scale = module / PT
        tx = (left + inset) / PT
        ty = (self._pdf.h - top - inset) / PT
        # Module (x, y) of the symbol, y downwards, lands at (tx + x·s, ty − y·s).
        self._pdf._out(
            f"q 0 g {scale:.4f} 0 0 {-scale:.4f} {tx:.3f} {ty:.3f} cm\n{drawing.path}\nf Q"
        )

    def _layout(self, label: Label) -> list[tuple[str, bool, float, float]]:
        """(text, mono, size in pt, offset from the column top in mm) of each line."""
        width = self.sheet.text_width
        lines = []
        offset = 0.0
        for line, text in zip(_LINES, _texts(label), strict=True):
            if text:
                lines.append(self._fit(text, line, width, offset))
            offset += line.leading_mm
        room = self.sheet.qr_size - _TEXT_HEIGHT
        rest = label.certificate
        for remaining in range(int(room // _CERTIFICATE.leading_mm), 0, -1):
            if not rest:
                break
            self._use(rest, mono=False, size_pt=_CERTIFICATE.size_pt)
            cut = _prefix_within(rest, width, self._pdf.get_string_width)
            # The last line of the box is cut with an ellipsis; the others wrap.
            piece = rest if remaining == 1 else rest[: max(cut, 1)]
            lines.append(self._fit(piece, _CERTIFICATE, width, offset))
            rest = rest[len(piece) :].lstrip()
            offset += _CERTIFICATE.leading_mm
        return lines

    def _fit(
        self, text: str, line: _Line, width: float, offset: float
    ) -> tuple[str, bool, float, float]:
        """One line that fits `width`: an identifier set smaller, anything else cut.

        Measured once per document: the labels of a job repeat most lines.
        """
        key = (text, line, width, offset)
        fitted = self._fitted.get(key)
        if fitted is None:
            fitted = self._fitted[key] = self._fit_anew(text, line, width, offset)
        return fitted

    def _fit_anew(
        self, text: str, line: _Line, width: float, offset: float
    ) -> tuple[str, bool, float, float]:
        size = line.size_pt
        self._use(text, mono=line.mono, size_pt=size)
        if line.identifier:
            while self._pdf.get_string_width(text) > width:
                size -= 0.25
                if size < MIN_FONT_PT:
                    raise ValueError(
                        f"{text!r} does not fit the {width:.1f} mm label column "
                        f"even at {MIN_FONT_PT} pt"
                    )
                self._pdf.set_font_size(size)
        else:
            text = truncate(text, width, self._pdf.get_string_width)
        return text, line.mono, size, offset

    def measure(self, text: str, *, size_pt: float, mono: bool = False) -> float:
        """The width of `text` in millimetres as the labels set it."""
        self._use(text, mono=mono, size_pt=size_pt)
        return float(self._pdf.get_string_width(text))

    def _use(self, text: str, *, mono: bool, size_pt: float) -> None:
        """Select the face and size, refusing characters the face cannot draw."""
        cmap = self._mono if mono else self._sans
        missing = sorted({ch for ch in text if ord(ch) not in cmap})
        if missing:
            raise ValueError(
                f"the label font has no glyph for {''.join(missing)!r} in {text!r}; "
                "it would print as an empty box"
            )
        self._pdf.set_font("mono" if mono else "sans", size=size_pt)

    def write(self, out: str | Path | BinaryIO) -> None:
        """Write the PDF to a path or a binary file; the document is finished then."""
        if not self.count:
            raise ValueError("no labels: a label sheet needs at least one label")
        data = bytes(self._pdf.output())
        if isinstance(out, str | Path):
            Path(out).write_bytes(data)
        else:
            out.write(data)


def render_sheet(
    labels: Iterable[Label],
    out: str | Path | BinaryIO,
    *,
    sheet: Sheet = A4_24,
    created: datetime | None = None,
    footer: str = "",
) -> int:
    """Write `labels` as a PDF of label sheets to `out`, each page with `footer`;
    return the number of pages."""
    labels = list(labels)
    if not labels:
        raise ValueError("no labels: a label sheet needs at least one label")
    document = LabelDocument(sheet, created=created, footer=footer)
    document.add(labels)
    document.write(out)
    return document.pages
