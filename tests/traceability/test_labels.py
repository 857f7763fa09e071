"""Label sheet PDFs (gs1/labels.py), checked with real tools.

Poppler (`pdfinfo`, `pdftoppm`, `pdftotext`, `pdfimages`, `pdffonts`), zbar
(through pyzbar) and the Noto CJK font come from Debian packages that
`scripts/system-packages` installs; without them these tests fail, on purpose,
rather than skip.
"""

import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from PIL import Image

from gs1 import labels, qr
from tests.helpers.pdf_tools import decode_page, pdfinfo_pages, run

HOST = "https://shancun.example"
MM = 72 / 25.4  # points in a millimetre
LONG_NAME = "云南省普洱市澜沧拉祜族自治县景迈山千年万亩古茶园头春古树普洱生茶"
CERTIFICATE = (
    "承诺达标合格证：我承诺对生产销售的食用农产品不使用禁限用农药兽药、不使用非法添加物、"
    "遵守农药安全间隔期和兽药休药期规定，销售的食用农产品符合农药兽药残留食品安全国家强制性标准。"
)


def make_label(i, **changes):
    fields = {
        "product": ["紫米", "高山土鸡蛋", "普洱古树茶"][i % 3],
        "product_en": ["Purple rice", "Free-range eggs", "Ancient-tree Pu'er tea"][i % 3],
        "variant": "5 kg 袋",
        "lot": f"ZM2025-{i:04d}",
        "produced_on": date(2025, 10, 1),
        "best_before": date(2026, 10, 1),
        "seller": "元阳县哈尼梯田合作社",
        "village": "新街镇全福庄村",
        "uri": f"{HOST}/01/09506000134352/10/ZM2025-{i:04d}/21/S{i:06d}",
        "serial": f"S{i:06d}",
    }
    fields.update(changes)
    return labels.Label(**fields)


def render(tmp_path, items, name="labels.pdf", **options):
    path = tmp_path / name
    pages = labels.render_sheet(items, path, **options)
    return path, pages


def words(path, page=1):
    """(text, xMin, yMin, xMax, yMax) in points of each word pdftotext finds on `page`."""
    html = run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-")
    root = ET.fromstring(html)  # noqa: S314 - poppler's output of our own PDF
    return [
        (w.text, *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
        for w in root.iter("{http://www.w3.org/1999/xhtml}word")
    ]


def test_thirty_labels_fill_two_a4_pages_and_every_qr_code_scans(tmp_path):
    items = [make_label(i) for i in range(30)]
    path, pages = render(tmp_path, items)
    assert pages == 2
    assert pdfinfo_pages(path) == 2
    assert b"A4" in run("pdfinfo", str(path))
    assert decode_page(path, 1, tmp_path) == sorted(label.uri for label in items[:24])
    assert decode_page(path, 2, tmp_path) == sorted(label.uri for label in items[24:])


def test_qr_codes_are_vectors_not_images(tmp_path):
    path, _ = render(tmp_path, [make_label(i) for i in range(3)])
    assert b"/Subtype /Image" not in path.read_bytes()
    listing = run("pdfimages", "-list", str(path)).decode().splitlines()
    assert len(listing) == 2, "pdfimages lists only its two header lines"


def test_chinese_text_is_embedded_and_extractable(tmp_path):
    path, _ = render(tmp_path, [make_label(i) for i in range(3)])
    text = run("pdftotext", str(path), "-").decode()
    for needle in ("紫米", "高山土鸡蛋", "普洱古树茶", "Purple rice", "ZM2025-0001", "5 kg 袋"):
        assert needle in text
    assert "元阳县哈尼梯田合作社" in text and "新街镇全福庄村" in text
    assert "单品编号 No. S000002" in text
    assert "2025-10-01" in text and "2026-10-01" in text
    fonts = run("pdffonts", str(path)).decode().splitlines()[2:]
    assert len(fonts) == 2 and all("NotoSans" in line for line in fonts)
    for line in fonts:
        emb, sub, uni = line.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), line


def assert_padding_is_blank(path, tmp_path, sheet, dpi=300):
    """No ink in any label's padding, seen on page 1 rasterised: nothing overflows."""
    run("pdftoppm", "-r", str(dpi), "-gray", "-f", "1", "-l", "1", "-singlefile", str(path),
        str(tmp_path / "ink"))  # fmt: skip
    px = dpi / 25.4
    inset = 0.2  # mm of anti-aliasing allowed at the edge of the inked area
    with Image.open(tmp_path / "ink.pgm") as image:
        ink = image.point(lambda v: 255 if v < 160 else 0)
        for slot in range(sheet.per_page):
            x, y = sheet.origin(slot)
            outer = (x, y, x + sheet.label_width, y + sheet.label_height)
            p = sheet.padding - inset
            inner = (x + p, y + p, x + sheet.label_width - p, y + sheet.label_height - p)
            strips = [
                (outer[0], outer[1], outer[2], inner[1]),
                (outer[0], inner[3], outer[2], outer[3]),
                (outer[0], outer[1], inner[0], outer[3]),
                (inner[2], outer[1], outer[2], outer[3]),
            ]
            for strip in strips:
                box = tuple(round(v * px) for v in strip)
                assert ink.crop(box).getbbox() is None, f"ink in the padding of label {slot + 1}"


def test_long_names_are_cut_and_no_text_leaves_its_label(tmp_path):
    items = [
        make_label(
            i,
            product=LONG_NAME,
            product_en="Spring first-flush raw Pu'er from thousand-year-old tea gardens " * 2,
            variant="357 克 × 7 饼 一提 竹壳包装 礼盒装 " * 3,
            seller="澜沧拉祜族自治县惠民镇景迈山古茶种植农民专业合作社联合社",
            village="芒景村委会翁基村民小组",
            certificate=CERTIFICATE,
        )
        for i in range(24)
    ]
    path, _ = render(tmp_path, items)
    sheet = labels.A4_24
    found = words(path)
    assert found
    for text, x0, _, x1, _ in found:
        column = int(x0 / MM // sheet.label_width)
        left = column * sheet.label_width + sheet.padding + sheet.qr_size
        right = (column + 1) * sheet.label_width - sheet.padding
        assert left * MM - 0.1 <= x0 and x1 <= right * MM + 0.1, f"{text!r} leaves its column"
    assert_padding_is_blank(path, tmp_path, sheet)
    text = run("pdftotext", str(path), "-").decode()
    first_line = next(w for w, *_ in found if w.startswith("云南"))
    assert first_line.endswith("…") and LONG_NAME.startswith(first_line[:-1])
    assert "承诺达标合格证" in text, "the certificate box shows its text"


def test_a_footer_prints_on_every_page_below_every_labels_content(tmp_path):
    """The sheet's own line (the trace log key's fingerprint) sits in the band under
    the last row's content: no label's text or QR code is crowded, all still scan."""
    footer = "追溯日志密钥指纹 Trace log key fingerprint 0123 4567 89ab cdef"
    items = [make_label(i) for i in range(30)]
    path, pages = render(tmp_path, items, footer=footer)
    sheet = labels.A4_24
    content_end = (sheet.margin_top + sheet.rows * sheet.label_height - sheet.padding) * MM
    for page in range(1, pages + 1):
        found = words(path, page)
        feet = [word for word in found if word[2] >= content_end]
        assert " ".join(text for text, *_box in feet) == footer
        assert all(y1 <= sheet.page_height * MM for *_rest, y1 in feet)
        assert all(y1 <= content_end for *_rest, y1 in found if (*_rest, y1) not in feet)
    assert decode_page(path, 1, tmp_path) == sorted(label.uri for label in items[:24])
    assert decode_page(path, 2, tmp_path) == sorted(label.uri for label in items[24:])


def test_a_sheet_without_room_under_its_labels_refuses_a_footer():
    tight = labels.Sheet(rows=8, label_height=37.125, margin_top=0, padding=0.5)
    with pytest.raises(ValueError, match="too little for a footer"):
        labels.LabelDocument(tight, footer="key 0123")


def test_cut_text_is_never_wider_than_the_column():
    document = labels.LabelDocument()
    width = labels.A4_24.text_width
    for size in (5, 6.5, 9):

        def measure(text, size=size):
            return document.measure(text, size_pt=size)

        for text in (LONG_NAME, "W" * 80, "i" * 300, "紫米 Purple rice " * 5):
            cut = labels.truncate(text, width, measure)
            assert cut.endswith("…") and text.startswith(cut[:-1].rstrip())
            assert measure(cut) <= width
            kept = len(cut) - 1
            while text[kept] == " ":  # spaces the cut dropped before the ellipsis
                kept += 1
            assert measure(text[: kept + 1] + "…") > width, "the longest prefix that fits"
        assert labels.truncate("紫米", width, measure) == "紫米"


def test_identifiers_shrink_to_fit_and_are_never_cut(tmp_path):
    lot = "ABCDEFGHIJKLMNOPQRST"  # the 20 characters GS1 allows
    serial = "Q" * 20  # as long as GS1 allows
    path, _ = render(tmp_path, [make_label(0, lot=lot, serial=serial)])
    text = run("pdftotext", str(path), "-").decode()
    assert lot in text and f"{labels.SERIAL_CAPTION} {serial}" in text
    with pytest.raises(ValueError, match="does not fit") as caught:
        render(tmp_path, [make_label(0, serial="Q" * 60)])
    assert any("label 1" in note for note in caught.value.__notes__)


def test_zero_labels_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="at least one label"):
        labels.render_sheet([], tmp_path / "empty.pdf")
    with pytest.raises(ValueError, match="at least one label"):
        labels.LabelDocument().write(io.BytesIO())
    assert not (tmp_path / "empty.pdf").exists()


def test_an_over_long_uri_fails_with_the_qr_modules_message(tmp_path):
    uri = f"{HOST}/t/" + "a" * qr.MAX_URI_LENGTH
    with pytest.raises(
        ValueError, match=r"characters long; a label QR code holds at most 300"
    ) as e:
        render(tmp_path, [make_label(0), make_label(1, uri=uri)])
    assert any("label 2" in note and "ZM2025-0001" in note for note in e.value.__notes__)
    assert not (tmp_path / "labels.pdf").exists()


def test_the_largest_qr_code_still_scans_at_300_dpi(tmp_path):
    head = f"{HOST}/01/09506000134352/10/LOT-2025-09/21/"
    uri = (
        head + ("abcdefghijklmnopqrstuvwxyz0123456789-._~%2F" * 10)[: qr.MAX_URI_LENGTH - len(head)]
    )
    assert len(uri) == qr.MAX_URI_LENGTH
    assert labels.qr_drawing(uri).modules == labels.LARGEST_SYMBOL
    path, _ = render(tmp_path, [make_label(0, uri=uri)])
    assert decode_page(path, 1, tmp_path) == [uri]


def test_a_character_the_font_lacks_is_refused_not_printed_blank(tmp_path):
    with pytest.raises(ValueError, match="no glyph for '🍚'"):
        render(tmp_path, [make_label(0, product="紫米🍚")])


def test_a_missing_font_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(labels, "FONT_PATH", tmp_path / "NotoSansCJK-Regular.ttc")
    with pytest.raises(labels.LabelFontError, match="fonts-noto-cjk"):
        labels.LabelDocument()


def test_the_font_is_installed():
    """The real font, not a stand-in: a machine without it must fail here."""
    assert labels.FONT_PATH.is_file(), "install fonts-noto-cjk with scripts/system-packages"


def test_output_is_deterministic_and_chunks_make_the_same_file(tmp_path):
    items = [make_label(i) for i in range(30)]
    one, _ = render(tmp_path, items, name="one.pdf")
    again, _ = render(tmp_path, items, name="again.pdf")
    assert one.read_bytes() == again.read_bytes()

    document = labels.LabelDocument()
    assert document.add(items[:7]) == 7
    drawings = [labels.qr_drawing(label.uri) for label in items[7:]]  # e.g. from other workers
    assert document.add(items[7:], drawings) == 30
    assert document.pages == 2
    chunked = tmp_path / "chunked.pdf"
    document.write(chunked)
    assert chunked.read_bytes() == one.read_bytes()

    dated, _ = render(tmp_path, items, name="dated.pdf", created=datetime(2025, 10, 2, tzinfo=UTC))
    assert b"2025" in run("pdfinfo", str(dated)).split(b"CreationDate:")[1].split(b"\n")[0]


def test_drawings_must_match_the_labels():
    with pytest.raises(ValueError, match="2 QR drawings for 1 labels"):
        labels.LabelDocument().add([make_label(0)], [labels.qr_drawing(f"{HOST}/t/a")] * 2)


def test_the_qr_drawing_is_one_rectangle_per_dark_run():
    uri = f"{HOST}/t/q3Vh8kZr2WmT5bNx"
    modules = qr.matrix(uri, border=0)
    drawing = labels.qr_drawing(uri)
    assert drawing.modules == len(modules)
    dark = set()
    for line in drawing.path.splitlines():
        x, y, width, height, op = line.split()
        assert (op, height) == ("re", "1")
        dark.update((int(x) + dx, int(y)) for dx in range(int(width)))
    assert dark == {(x, y) for y, row in enumerate(modules) for x, on in enumerate(row) if on}


def test_the_default_sheet_is_a4_3_by_8_and_scannable():
    sheet = labels.A4_24
    assert (sheet.per_page, sheet.page_width, sheet.page_height) == (24, 210, 297)
    assert [sheet.pages(n) for n in (1, 24, 25, 48, 49)] == [1, 1, 2, 2, 3]
    assert sheet.qr_size / (labels.LARGEST_SYMBOL + 2 * qr.QUIET_ZONE) >= labels.MIN_MODULE_MM
    assert sheet.origin(23) == (140, 0.5 + 7 * 37)


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ({"columns": 4}, "do not fit"),
        ({"label_height": 30}, "mm a module"),
        ({"label_width": 55}, "text column is"),
        ({"rows": 0}, "at least one column"),
    ],
)
def test_a_layout_that_cannot_print_is_refused(layout, message):
    with pytest.raises(ValueError, match=message):
        labels.Sheet(**layout)


def test_a_label_that_fails_leaves_nothing_on_the_sheet(tmp_path):
    document = labels.LabelDocument()
    document.add([make_label(0)])
    with pytest.raises(ValueError, match="does not fit"):
        document.add([make_label(1, product="坏标签", serial="Q" * 60)])
    assert document.add([make_label(2)]) == 2
    path = tmp_path / "after-failure.pdf"
    document.write(path)
    assert decode_page(path, 1, tmp_path) == [make_label(0).uri, make_label(2).uri]
    text = run("pdftotext", str(path), "-").decode()
    assert "紫米" in text and "普洱古树茶" in text and "坏标签" not in text
