"""Product pictures drawn with Pillow, so the demo ships no image files.

They carry no text (the page shows the name, in the reader's language). Each is
laid out from a seed, the product's slug: the sky's colours, the sun, the
mountains and where and how the product's motif sits all differ from one
product to the next, even between two teas.
"""

import colorsys
import hashlib
import io
import math
import random
from collections.abc import Callable

from PIL import Image, ImageDraw

SIZE = 800

Colour = tuple[int, ...]
Draw = ImageDraw.ImageDraw


def product_picture(seed: str, motif: str) -> bytes:
    """A JPEG of a mountain landscape and the product's motif, composed from `seed`."""
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    image = Image.new("RGB", (SIZE, SIZE))
    _landscape(ImageDraw.Draw(image), rng)
    layer = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    plate = _cloth(ImageDraw.Draw(layer), rng)
    MOTIFS[motif](ImageDraw.Draw(layer), SIZE // 2, SIZE // 2, plate)
    layer, position = _placed(layer, rng)
    image.paste(layer, position, layer)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _colour(hue: float, saturation: float, value: float) -> Colour:
    return tuple(round(c * 255) for c in colorsys.hsv_to_rgb(hue % 1, saturation, value))


def _landscape(draw: Draw, rng: random.Random) -> None:
    """A sky in the seed's colours, a sun or a moon, and two or three ridges."""
    hue = rng.random()
    top, bottom = _colour(hue, 0.28, 0.98), _colour(hue + 0.1, 0.16, 0.9)
    for y in range(SIZE):
        t = y / SIZE
        draw.line(
            [(0, y), (SIZE, y)],
            fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    x, y, radius = rng.randint(80, 720), rng.randint(60, 200), rng.randint(35, 75)
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=_colour(0.1, 0.6, 0.98))
    green = 0.25 + rng.random() * 0.25
    ridges = rng.randint(2, 3)
    for n in range(ridges):
        base = 330 + n * (300 // ridges) + rng.randint(-30, 30)
        peaks = [(0, base + rng.randint(-60, 40))]
        for step in range(1, rng.randint(3, 6)):
            peaks.append((step * SIZE // 6 + rng.randint(-50, 50), base - rng.randint(20, 150)))
        peaks.append((SIZE, base + rng.randint(-60, 40)))
        colour = _colour(green + n * 0.03, 0.3 + n * 0.1, 0.75 - n * 0.12)
        draw.polygon([*peaks, (SIZE, SIZE), (0, SIZE)], fill=colour)
    if rng.random() < 0.5:  # terraced fields on the nearest slope
        for row in range(rng.randint(3, 6)):
            y = 640 + row * 30
            draw.arc((-200, y - 60, SIZE + 200, y + 60), 200, 340, fill=(236, 240, 214), width=3)


def _cloth(draw: Draw, rng: random.Random) -> Colour:
    """A patterned cloth under the motif, in the seed's colours; returns a plate colour."""
    hue = rng.random()
    cloth, pattern = _colour(hue, 0.45, 0.8), _colour(hue, 0.3, 0.95)
    draw.rounded_rectangle((110, 110, 690, 690), radius=rng.randint(10, 120), fill=cloth)
    gap = rng.randint(28, 60)
    if rng.random() < 0.5:
        for offset in range(110 + gap // 2, 690, gap):
            draw.line([(offset, 116), (offset, 684)], fill=pattern, width=gap // 4)
    else:
        for cx in range(110 + gap // 2, 690, gap):
            for cy in range(110 + gap // 2, 690, gap):
                draw.ellipse((cx - 5, cy - 5, cx + 5, cy + 5), fill=pattern)
    return rng.choice(PLATES)


PLATES = ((255, 255, 255), (214, 232, 218), (222, 232, 246), (250, 238, 214), (238, 226, 236))


def _placed(layer: Image.Image, rng: random.Random) -> tuple[Image.Image, tuple[int, int]]:
    """The motif turned, maybe mirrored, scaled and moved: where it sits in this picture."""
    layer = layer.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC)
    if rng.random() < 0.5:
        layer = layer.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    side = round(SIZE * rng.uniform(0.62, 0.9))
    layer = layer.resize((side, side), Image.Resampling.LANCZOS)
    return layer, (rng.randint(0, SIZE - side), rng.randint((SIZE - side) // 3, SIZE - side))


def _leaf(draw: Draw, x: float, y: float, length: float, angle: float, colour: Colour) -> None:
    """A pointed leaf (two sine arcs) rotated by `angle` degrees around (x, y)."""
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    half = [(t / 20 * length, length * 0.22 * math.sin(math.pi * t / 20)) for t in range(21)]
    outline = half + [(u, -v) for u, v in reversed(half)]
    draw.polygon([(x + u * cos - v * sin, y + u * sin + v * cos) for u, v in outline], fill=colour)
    draw.line([(x, y), (x + length * cos, y + length * sin)], fill=(240, 250, 230), width=3)


def _plate(draw: Draw, x: int, y: int, colour: Colour, radius: int = 230) -> None:
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)


def _rice(draw: Draw, x: int, y: int, plate: Colour) -> None:
    draw.pieslice((x - 220, y - 170, x + 220, y + 230), 0, 180, fill=(70, 110, 160))
    draw.ellipse((x - 220, y - 30, x + 220, y + 90), fill=(84, 40, 78))
    for i in range(60):
        gx = x + 190 * math.cos(i * 2.4) * (i % 10) / 10
        gy = y + 30 + 45 * math.sin(i * 2.4) * (i % 10) / 10
        draw.ellipse((gx - 11, gy - 6, gx + 11, gy + 6), fill=(120, 60, 112))


def _tea(draw: Draw, x: int, y: int, plate: Colour) -> None:
    _plate(draw, x, y, plate)
    for angle, colour in ((-150, (88, 140, 64)), (-100, (110, 160, 80)), (-40, (70, 124, 52))):
        _leaf(draw, x - 20, y + 120, 240, angle, colour)


def _eggs(draw: Draw, x: int, y: int, plate: Colour) -> None:
    _plate(draw, x, y, plate)
    for dx, dy in ((-95, 40), (95, 40), (0, -70)):
        draw.ellipse((x + dx - 70, y + dy - 92, x + dx + 70, y + dy + 92), fill=(226, 190, 150))
        draw.ellipse((x + dx - 40, y + dy - 70, x + dx - 10, y + dy - 30), fill=(240, 214, 184))


def _chicken(draw: Draw, x: int, y: int, plate: Colour) -> None:
    _plate(draw, x, y, plate)
    draw.ellipse((x - 150, y - 60, x + 110, y + 150), fill=(196, 120, 64))
    draw.ellipse((x + 40, y - 170, x + 160, y - 50), fill=(206, 134, 74))
    draw.polygon([(x + 80, y - 175), (x + 100, y - 215), (x + 125, y - 170)], fill=(210, 50, 50))
    draw.polygon([(x + 158, y - 120), (x + 200, y - 105), (x + 155, y - 92)], fill=(240, 180, 40))
    draw.ellipse((x + 110, y - 132, x + 126, y - 116), fill=(40, 30, 20))
    _leaf(draw, x - 140, y + 20, 170, 200, (150, 80, 40))


def _meat(draw: Draw, x: int, y: int, plate: Colour) -> None:
    _plate(draw, x, y, plate)
    draw.ellipse((x - 190, y - 130, x + 190, y + 130), fill=(245, 230, 220))
    draw.ellipse((x - 170, y - 110, x + 170, y + 110), fill=(176, 44, 50))
    for dx in (-90, -20, 50, 110):
        draw.arc(
            (x + dx - 60, y - 80, x + dx + 60, y + 80), 200, 320, fill=(236, 200, 196), width=5
        )


def _mutton(draw: Draw, x: int, y: int, plate: Colour) -> None:
    _plate(draw, x, y, plate)
    draw.rounded_rectangle((x + 60, y - 30, x + 220, y + 10), radius=20, fill=(250, 244, 230))
    draw.ellipse((x - 180, y - 150, x + 100, y + 130), fill=(245, 226, 214))
    draw.ellipse((x - 160, y - 130, x + 80, y + 110), fill=(196, 80, 84))


def _kiwi(draw: Draw, x: int, y: int, plate: Colour) -> None:
    draw.ellipse((x - 210, y - 210, x + 210, y + 210), fill=(120, 86, 50))
    draw.ellipse((x - 190, y - 190, x + 190, y + 190), fill=(168, 200, 70))
    draw.ellipse((x - 95, y - 95, x + 95, y + 95), fill=(200, 48, 60))
    draw.ellipse((x - 45, y - 45, x + 45, y + 45), fill=(246, 240, 210))
    for i in range(24):
        angle = i * math.pi / 12
        sx, sy = x + 110 * math.cos(angle), y + 110 * math.sin(angle)
        draw.ellipse((sx - 7, sy - 7, sx + 7, sy + 7), fill=(30, 24, 20))


def _pear(draw: Draw, x: int, y: int, plate: Colour) -> None:
    _plate(draw, x, y, plate)
    draw.ellipse((x - 150, y - 40, x + 150, y + 220), fill=(236, 214, 120))
    draw.ellipse((x - 90, y - 170, x + 90, y + 40), fill=(236, 214, 120))
    draw.polygon(
        [(x - 88, y - 50), (x + 88, y - 50), (x + 145, y + 60), (x - 145, y + 60)],
        fill=(236, 214, 120),
    )
    draw.line([(x, y - 165), (x + 15, y - 215)], fill=(110, 80, 40), width=10)
    _leaf(draw, x + 15, y - 200, 110, -30, (96, 150, 70))


MOTIFS: dict[str, Callable[[Draw, int, int, Colour], None]] = {
    "rice": _rice,
    "tea": _tea,
    "eggs": _eggs,
    "chicken": _chicken,
    "beef": _meat,
    "mutton": _mutton,
    "kiwi": _kiwi,
    "pear": _pear,
}
