"""Product pictures drawn with Pillow, so the demo ships no image files.

Only Latin text is drawn: a CJK font is not installed everywhere.
"""

import io
import math

from PIL import Image, ImageDraw, ImageFont

SIZE = 800
SKY = ((250, 236, 208), (214, 232, 222))
MOUNTAINS = ((150, 180, 160), (104, 146, 122))


def product_picture(title, motif):
    """A JPEG of a mountain landscape, the product's motif and its English name."""
    image = Image.new("RGB", (SIZE, SIZE))
    draw = ImageDraw.Draw(image)
    _landscape(draw)
    MOTIFS[motif](draw, SIZE // 2, SIZE // 2 + 20)
    _caption(draw, title)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _landscape(draw):
    top, bottom = SKY
    for y in range(SIZE):
        t = y / SIZE
        draw.line(
            [(0, y), (SIZE, y)],
            fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    draw.ellipse((600, 70, 700, 170), fill=(248, 196, 92))
    for colour, base, peaks in zip(
        MOUNTAINS,
        (560, 640),
        ([(0, 360), (230, 250), (430, 380)], [(250, 420), (560, 300), (800, 410)]),
        strict=True,
    ):
        draw.polygon([(0, base), *peaks, (SIZE, base), (SIZE, SIZE), (0, SIZE)], fill=colour)


def _caption(draw, title):
    draw.rectangle((0, SIZE - 120, SIZE, SIZE), fill=(255, 250, 240))
    size = 48
    font = ImageFont.load_default(size)
    while draw.textlength(title, font=font) > SIZE - 60 and size > 20:
        size -= 2
        font = ImageFont.load_default(size)
    draw.text((SIZE // 2, SIZE - 60), title, font=font, fill=(60, 60, 60), anchor="mm")


def _leaf(draw, x, y, length, angle, colour):
    """A pointed leaf (two sine arcs) rotated by `angle` degrees around (x, y)."""
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    half = [(t / 20 * length, length * 0.22 * math.sin(math.pi * t / 20)) for t in range(21)]
    outline = half + [(u, -v) for u, v in reversed(half)]
    draw.polygon([(x + u * cos - v * sin, y + u * sin + v * cos) for u, v in outline], fill=colour)
    draw.line([(x, y), (x + length * cos, y + length * sin)], fill=(240, 250, 230), width=3)


def _plate(draw, x, y, radius=230):
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(255, 255, 255))


def _rice(draw, x, y):
    draw.pieslice((x - 220, y - 170, x + 220, y + 230), 0, 180, fill=(70, 110, 160))
    draw.ellipse((x - 220, y - 30, x + 220, y + 90), fill=(84, 40, 78))
    for i in range(60):
        gx = x + 190 * math.cos(i * 2.4) * (i % 10) / 10
        gy = y + 30 + 45 * math.sin(i * 2.4) * (i % 10) / 10
        draw.ellipse((gx - 11, gy - 6, gx + 11, gy + 6), fill=(120, 60, 112))


def _tea(draw, x, y):
    _plate(draw, x, y)
    for angle, colour in ((-150, (88, 140, 64)), (-100, (110, 160, 80)), (-40, (70, 124, 52))):
        _leaf(draw, x - 20, y + 120, 240, angle, colour)


def _eggs(draw, x, y):
    _plate(draw, x, y)
    for dx, dy in ((-95, 40), (95, 40), (0, -70)):
        draw.ellipse((x + dx - 70, y + dy - 92, x + dx + 70, y + dy + 92), fill=(226, 190, 150))
        draw.ellipse((x + dx - 40, y + dy - 70, x + dx - 10, y + dy - 30), fill=(240, 214, 184))


def _chicken(draw, x, y):
    _plate(draw, x, y)
    draw.ellipse((x - 150, y - 60, x + 110, y + 150), fill=(196, 120, 64))
    draw.ellipse((x + 40, y - 170, x + 160, y - 50), fill=(206, 134, 74))
    draw.polygon([(x + 80, y - 175), (x + 100, y - 215), (x + 125, y - 170)], fill=(210, 50, 50))
    draw.polygon([(x + 158, y - 120), (x + 200, y - 105), (x + 155, y - 92)], fill=(240, 180, 40))
    draw.ellipse((x + 110, y - 132, x + 126, y - 116), fill=(40, 30, 20))
    _leaf(draw, x - 140, y + 20, 170, 200, (150, 80, 40))


def _meat(draw, x, y):
    _plate(draw, x, y)
    draw.ellipse((x - 190, y - 130, x + 190, y + 130), fill=(245, 230, 220))
    draw.ellipse((x - 170, y - 110, x + 170, y + 110), fill=(176, 44, 50))
    for dx in (-90, -20, 50, 110):
        draw.arc(
            (x + dx - 60, y - 80, x + dx + 60, y + 80), 200, 320, fill=(236, 200, 196), width=5
        )


def _mutton(draw, x, y):
    _plate(draw, x, y)
    draw.rounded_rectangle((x + 60, y - 30, x + 220, y + 10), radius=20, fill=(250, 244, 230))
    draw.ellipse((x - 180, y - 150, x + 100, y + 130), fill=(245, 226, 214))
    draw.ellipse((x - 160, y - 130, x + 80, y + 110), fill=(196, 80, 84))


def _kiwi(draw, x, y):
    draw.ellipse((x - 210, y - 210, x + 210, y + 210), fill=(120, 86, 50))
    draw.ellipse((x - 190, y - 190, x + 190, y + 190), fill=(168, 200, 70))
    draw.ellipse((x - 95, y - 95, x + 95, y + 95), fill=(200, 48, 60))
    draw.ellipse((x - 45, y - 45, x + 45, y + 45), fill=(246, 240, 210))
    for i in range(24):
        angle = i * math.pi / 12
        sx, sy = x + 110 * math.cos(angle), y + 110 * math.sin(angle)
        draw.ellipse((sx - 7, sy - 7, sx + 7, sy + 7), fill=(30, 24, 20))


def _pear(draw, x, y):
    _plate(draw, x, y)
    draw.ellipse((x - 150, y - 40, x + 150, y + 220), fill=(236, 214, 120))
    draw.ellipse((x - 90, y - 170, x + 90, y + 40), fill=(236, 214, 120))
    draw.polygon(
        [(x - 88, y - 50), (x + 88, y - 50), (x + 145, y + 60), (x - 145, y + 60)],
        fill=(236, 214, 120),
    )
    draw.line([(x, y - 165), (x + 15, y - 215)], fill=(110, 80, 40), width=10)
    _leaf(draw, x + 15, y - 200, 110, -30, (96, 150, 70))


MOTIFS = {
    "rice": _rice,
    "tea": _tea,
    "eggs": _eggs,
    "chicken": _chicken,
    "beef": _meat,
    "mutton": _mutton,
    "kiwi": _kiwi,
    "pear": _pear,
}
