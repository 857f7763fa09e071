"""Thumbnails and upload checks of 40-megapixel pictures stay within bounded memory.

Pillow allocates pixels outside Python's allocator (tracemalloc does not see
them), so each measurement runs in a fresh interpreter and reads the growth of
its peak resident memory around the one call: VmHWM from /proc (Linux), as
ru_maxrss outlives exec and would start at this test process's peak.
"""

import io
import json
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog import images
from catalog.errors import CatalogErrorCode as Code
from shop.core.errors import DomainError
from tests.helpers.pictures import png_header_only
from tests.helpers.services import run_python

SIZE = (8000, 5000)  # 40 megapixels, the default IMAGE_MAX_PIXELS
MB = 1024 * 1024

MEASURE = r"""
import io, json, re, sys, time
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from catalog import images
from catalog.errors import CatalogErrorCode as Code

how, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()

def naive_thumbnails():
    # Decode at full size, convert, then shrink: the work without any bound.
    with Image.open(io.BytesIO(data)) as original:
        original.load()
        picture = original.convert("RGBA" if original.has_transparency_data else "RGB")
    picture.thumbnail((768, 768), Image.Resampling.LANCZOS)
    return {"size": picture.size}

def naive_validation():
    with Image.open(io.BytesIO(data)) as picture:
        picture.load()
    return {}

def thumbnails():
    rendered = images.render_thumbnails(io.BytesIO(data))
    sizes = {}
    for (size, fmt), made in rendered.items():
        sizes[f"{size} {fmt}"] = Image.open(io.BytesIO(made)).size
    return {"sizes": sizes}

def validation():
    return {"shown": images.validate_upload(SimpleUploadedFile("big.jpg", data))}

def peak_kb():
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\s+(\d+) kB", status.read()).group(1))

work = {"naive-thumbnails": naive_thumbnails, "naive-validation": naive_validation,
        "thumbnails": thumbnails, "validation": validation}[how]
before = peak_kb()
start = time.perf_counter()
result = work()
seconds = time.perf_counter() - start
peak = peak_kb() - before
print(json.dumps({"peak_kb": peak, "seconds": seconds, **result}))
"""


def measure(how, path):
    """Run one piece of work on the file in a fresh interpreter: its figures."""
    if not os.path.exists("/proc/self/status"):
        pytest.skip("peak memory is read from /proc (Linux)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = run_python("-c", MEASURE, how, str(path), env=env)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["peak_mb"] = figures["peak_kb"] / 1024
    print(
        f"{how:17} {path.name:18} {figures['seconds'] * 1000:6.0f} ms, peak +{figures['peak_mb']:.0f} MB"
    )
    return figures


def _gradients(size, mode="RGB"):
    """A smooth picture of `size`, cheap to make and to compress."""
    ramp = Image.linear_gradient("L").resize(size)
    picture = Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.ROTATE_180), ramp))
    if mode == "RGBA":
        picture.putalpha(ramp)
    elif mode == "P":
        picture = picture.quantize(32)
    return picture


@pytest.fixture(scope="module")
def big_pictures(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    made = {}
    for name, fmt, mode in [
        ("40mp.jpg", "JPEG", "RGB"),
        ("40mp-palette.png", "PNG", "P"),
        ("40mp-alpha.png", "PNG", "RGBA"),
    ]:
        made[name] = folder / name
        _gradients(SIZE, mode).save(made[name], fmt, compress_level=1)
        assert made[name].stat().st_size < settings.IMAGE_MAX_BYTES
    return made


# One full-size decode of 40 megapixels is 160 MB (Pillow keeps 4 bytes a pixel).
FULL_DECODE_MB = SIZE[0] * SIZE[1] * 4 / MB


def test_thumbnails_of_a_40_megapixel_jpeg_take_under_a_quarter_of_a_full_decode(big_pictures):
    path = big_pictures["40mp.jpg"]
    bound = FULL_DECODE_MB / 4
    naive = measure("naive-thumbnails", path)
    assert naive["peak_mb"] > bound  # the measurement sees a full decode
    bounded = measure("thumbnails", path)
    assert bounded["peak_mb"] < bound
    assert bounded["sizes"] == {
        "768 jpeg": [768, 480],
        "768 webp": [768, 480],
        "256 jpeg": [256, 160],
        "256 webp": [256, 160],
    }


def test_checking_a_40_megapixel_jpeg_reads_all_of_it_in_little_memory(big_pictures):
    path = big_pictures["40mp.jpg"]
    bound = FULL_DECODE_MB / 16
    assert measure("naive-validation", path)["peak_mb"] > bound
    checked = measure("validation", path)
    assert checked["shown"] == list(SIZE)
    assert checked["peak_mb"] < bound


def test_a_truncated_40_megapixel_jpeg_is_still_refused(big_pictures):
    data = big_pictures["40mp.jpg"].read_bytes()
    for cut in (len(data) // 3, len(data) - 1000):
        with pytest.raises(DomainError) as refused:
            images.validate_upload(SimpleUploadedFile("cut.jpg", data[:cut]))
        assert refused.value.code == Code.INVALID_IMAGE


@pytest.mark.parametrize(
    ("name", "decoded_mb"),
    [("40mp-palette.png", FULL_DECODE_MB / 4), ("40mp-alpha.png", FULL_DECODE_MB)],
    ids=["palette", "alpha"],
)
def test_thumbnails_of_a_40_megapixel_png_need_no_full_size_copy(big_pictures, name, decoded_mb):
    """A PNG cannot be decoded at a reduced scale: the decode itself is the bound
    (1 byte a pixel for a palette, 4 for RGBA), and nothing is copied at full size."""
    path = big_pictures[name]
    bound = decoded_mb + FULL_DECODE_MB / 4
    assert measure("naive-thumbnails", path)["peak_mb"] > bound
    bounded = measure("thumbnails", path)
    assert bounded["peak_mb"] < bound
    assert bounded["sizes"]["768 webp"] == [768, 480]


@pytest.mark.parametrize("mode", ["P", "RGBA", "LA", "CMYK", "RGB"])
def test_shrinking_in_bands_gives_the_pixels_of_shrinking_at_once(settings, monkeypatch, mode):
    picture = _gradients((1003, 701), "RGBA" if mode in ("RGBA", "LA") else "RGB")
    picture = picture.quantize(64) if mode == "P" else picture.convert(mode)
    target = "RGBA" if mode in ("RGBA", "LA") else "RGB"
    monkeypatch.setattr(images, "BAND_PIXELS", 1003 * 40)  # many bands, the last one short
    for factor in (1, 3, 7):
        shrunk = images._shrunk(picture, target, factor)
        expected = picture.convert(target).reduce(factor)
        assert shrunk.mode == target
        assert shrunk.size == expected.size
        assert shrunk.tobytes() == expected.tobytes()


def test_thumbnails_are_not_decoded_past_the_pixel_limit(settings):
    """A stored picture over IMAGE_MAX_PIXELS (the limit was lowered since) is refused
    unread: this header-only PNG would fail as truncated if it were decoded."""
    settings.IMAGE_MAX_PIXELS = 7000 * 7000 - 1
    with pytest.raises(DomainError) as refused:
        images.render_thumbnails(io.BytesIO(png_header_only(7000, 7000)))
    assert refused.value.code == Code.IMAGE_TOO_LARGE


def test_thumbnails_open_only_the_allowed_formats():
    gif = io.BytesIO()
    Image.new("RGB", (40, 30)).save(gif, "GIF")
    gif.seek(0)
    with pytest.raises(Image.UnidentifiedImageError):
        images.render_thumbnails(gif)


def encoded(fmt, size):
    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 140, 60)).save(buffer, fmt)
    return SimpleUploadedFile(f"picture.{fmt.lower()}", buffer.getvalue())


@pytest.mark.parametrize(
    ("fmt", "size", "allowed"),
    [
        ("WEBP", (100, 100), True),
        ("WEBP", (101, 100), False),
        ("PNG", (101, 100), True),
        ("PNG", (200, 200), True),
        ("PNG", (201, 200), False),
    ],
)
def test_a_webp_may_have_a_quarter_of_the_pixels_of_other_formats(settings, fmt, size, allowed):
    """Pillow decodes WebP only at full size, with several copies in memory."""
    settings.IMAGE_MAX_PIXELS = 40_000
    upload = encoded(fmt, size)
    if allowed:
        assert images.validate_upload(upload) == size
    else:
        with pytest.raises(DomainError) as refused:
            images.validate_upload(upload)
        assert refused.value.code == Code.IMAGE_TOO_LARGE
