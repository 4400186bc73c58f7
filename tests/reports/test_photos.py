"""Photo pipeline: only real JPEG/PNG/WebP images get through, re-encoded as bare JPEG."""

import io
import os
import struct
import warnings
import zlib

import pytest
from PIL import Image

from neighborhood.reports.photos import PhotoRejected, process_photo

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
JPEG_MAGIC = b"\xff\xd8\xff"
GPS_IFD = 0x8825
MAKE, MODEL, ORIENTATION = 0x010F, 0x0110, 0x0112


def make_image_bytes(fmt: str, size=(64, 48), mode="RGB", color=(200, 30, 30), **save_args):
    image = Image.new(mode, size, color)
    out = io.BytesIO()
    image.save(out, fmt, **save_args)
    return out.getvalue()


def make_noise_jpeg(side=256) -> bytes:
    """A JPEG whose entropy-coded data is large, so cutting it leaves a half-decoded scan."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "JPEG")
    return out.getvalue()


def make_exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "Canon"
    exif[MODEL] = "EOS 5D"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (42.0, 21.0, 30.0), 3: "W", 4: (71.0, 3.0, 32.0)})
    return exif


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def make_png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a size in its IHDR but carries no pixel data at all."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IEND", b"")


def make_bilevel_png(side: int) -> bytes:
    """A valid all-black 1-bit PNG of side x side, compressed row by row (never in memory)."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + packed bits
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat)
            + _png_chunk(b"IEND", b""))


NOISE_JPEG = make_noise_jpeg()


def process(data: bytes, **limits):
    limits.setdefault("max_bytes", MAX_BYTES)
    limits.setdefault("max_pixels", MAX_PIXELS)
    return process_photo(data, **limits)


def reopen(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepts_allowed_formats_and_outputs_jpeg(fmt):
    result = process(make_image_bytes(fmt, size=(64, 48)))
    assert result.data.startswith(JPEG_MAGIC)
    assert reopen(result.data).format == "JPEG"
    assert (result.width, result.height) == (64, 48) == reopen(result.data).size


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_strips_exif_and_gps_from_output(fmt):
    data = make_image_bytes(fmt, exif=make_exif_with_gps().tobytes())
    assert reopen(data).getexif().get_ifd(GPS_IFD)  # the input really carries a location
    exif = reopen(process(data).data).getexif()
    assert GPS_IFD not in exif
    assert not exif.get_ifd(GPS_IFD)
    assert MAKE not in exif and MODEL not in exif


@pytest.mark.parametrize("comment, secret", [
    (b"shot at 12 Elm St by J. Doe", b"Elm St"),
    (b"*/=1;<script>alert(1)</script>/*", b"<script"),
], ids=["identifying-text", "script-polyglot"])
def test_strips_jpeg_comment_segment(comment, secret):
    data = make_image_bytes("JPEG", comment=comment)
    assert reopen(data).info.get("comment") == comment
    result = process(data)
    assert secret not in result.data
    assert "comment" not in reopen(result.data).info


def test_applies_exif_orientation_then_drops_the_tag():
    # Left half red, right half blue; orientation 6 means "rotate 90 degrees clockwise".
    image = Image.new("RGB", (40, 20), (255, 0, 0))
    image.paste((0, 0, 255), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=95)
    result = process(buffer.getvalue())
    assert (result.width, result.height) == (20, 40)
    out = reopen(result.data).convert("RGB")
    assert out.size == (20, 40)
    top, bottom = out.getpixel((10, 5)), out.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60  # the left (red) half is now on top
    assert bottom[2] > 200 and bottom[0] < 60
    assert reopen(result.data).getexif().get(ORIENTATION) in (None, 1)


def make_half_transparent(mode: str) -> tuple[Image.Image, dict]:
    """A 16x16 image: left half fully transparent black, right half opaque."""
    if mode == "P":
        image = Image.new("P", (16, 16), 0)
        image.putpalette([0, 0, 0, 255, 0, 0])
        image.paste(1, (8, 0, 16, 16))
        return image, {"transparency": 0}  # palette entry 0 is fully transparent
    clear, opaque = {"RGBA": ((0, 0, 0, 0), (255, 0, 0, 255)), "LA": ((0, 0), (0, 255))}[mode]
    image = Image.new(mode, (16, 16), clear)
    image.paste(opaque, (8, 0, 16, 16))
    return image, {}


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_flattens_transparency_onto_white(mode):
    image, save_args = make_half_transparent(mode)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **save_args)
    out = reopen(process(buffer.getvalue()).data)
    assert out.format == "JPEG" and out.mode in ("RGB", "L")
    assert min(out.convert("RGB").getpixel((2, 8))) > 240  # transparent part is white
    assert max(out.convert("RGB").getpixel((13, 8))[1:]) < 60  # opaque part kept its colour


@pytest.mark.parametrize("size, max_side, expected", [
    ((4000, 1000), 2048, (2048, 512)),
    ((600, 900), 300, (200, 300)),
    ((100, 50), 2048, (100, 50)),  # never upscaled
], ids=["wide-default-limit", "tall-custom-limit", "small-untouched"])
def test_downscales_to_max_side_keeping_aspect(size, max_side, expected):
    result = process(make_image_bytes("PNG", size=size), max_side=max_side)
    assert (result.width, result.height) == expected == reopen(result.data).size


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"just some notes\nnot an image\n", "not a JPEG, PNG or WebP"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "not a JPEG, PNG or WebP"),
    (make_image_bytes("GIF", mode="P", color=1), "not a JPEG, PNG or WebP"),
    (make_image_bytes("BMP"), "not a JPEG, PNG or WebP"),
    (NOISE_JPEG[: len(NOISE_JPEG) // 2], "could not be decoded"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "could not be decoded"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 garbage", "could not be decoded"),
], ids=["empty", "text", "svg-with-script", "gif", "bmp", "truncated-jpeg",
        "jpeg-magic-then-zeros", "webp-header-then-garbage"])
def test_rejects_non_images_and_broken_images(data, message):
    with pytest.raises(PhotoRejected, match=message):
        process(data)


def test_rejects_file_over_max_bytes_before_decoding():
    data = make_image_bytes("PNG")
    with pytest.raises(PhotoRejected, match="larger than"):
        process(data, max_bytes=len(data) - 1)
    assert process(data, max_bytes=len(data)).width == 64  # the limit itself is allowed


def test_rejects_image_with_more_pixels_than_max_pixels():
    data = make_image_bytes("PNG", size=(100, 100))
    with pytest.raises(PhotoRejected, match="more than 9,999 pixels"):
        process(data, max_pixels=9_999)
    assert process(data, max_pixels=10_000).width == 100


def test_rejects_header_claiming_huge_size_without_reading_pixels():
    # 25 Mpx declared in a 45-byte file: rejected by max_pixels before any decoding.
    with pytest.raises(PhotoRejected, match="more than 1,000,000 pixels"):
        process(make_png_header_only(5_000, 5_000), max_pixels=1_000_000)


def test_rejects_png_with_header_but_no_pixel_data():
    # The size is within max_pixels, so the check that must catch this is decoding itself.
    with pytest.raises(PhotoRejected):
        process(make_png_header_only(64, 64))


@pytest.mark.parametrize("side", [10_000, 20_000],
                         ids=["pillow-warning-range", "pillow-error-range"])
def test_rejects_decompression_bomb_even_when_max_pixels_allows_it(side):
    bomb = make_bilevel_png(side)
    assert len(bomb) < 200_000  # 10^8..4*10^8 pixels in a tiny file
    # Record instead of relying on pytest's filterwarnings=error: process_photo itself must
    # turn Pillow's DecompressionBombWarning into a rejection, whatever the caller's filters.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(PhotoRejected, match="could not be decoded"):
            process(bomb, max_pixels=10**10)
    assert caught == []


@pytest.mark.parametrize("payload", [
    b"<script>alert(document.cookie)</script>",
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00<script>evil.js" + b"\x00" * 32 + b"PK\x05\x06" + b"\x00" * 18,
], ids=["html-script", "zip-archive"])
def test_polyglot_payload_after_jpeg_does_not_survive(payload):
    data = make_image_bytes("JPEG") + payload
    try:
        result = process(data)
    except PhotoRejected:
        return  # rejecting the polyglot outright is fine too
    assert b"<script" not in result.data
    assert b"PK\x03\x04" not in result.data
    assert reopen(result.data).format == "JPEG"


def test_content_decides_format_not_file_name(tmp_path):
    png_named_jpg = tmp_path / "holiday.jpg"
    png_named_jpg.write_bytes(make_image_bytes("PNG"))
    text_named_jpg = tmp_path / "notes.jpg"
    text_named_jpg.write_bytes(b"Dear council, the lamp on Elm St is out.")
    assert reopen(process(png_named_jpg.read_bytes()).data).format == "JPEG"
    with pytest.raises(PhotoRejected, match="not a JPEG, PNG or WebP"):
        process(text_named_jpg.read_bytes())


def test_accepts_multi_picture_jpeg_from_phones():
    """Phones write MPO (a JPEG with extra frames); the first frame is kept, as a plain JPEG."""
    first, second = Image.new("RGB", (40, 30), (10, 200, 10)), Image.new("RGB", (40, 30))
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    result = process_photo(out.getvalue(), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    assert (result.width, result.height) == (40, 30)
    assert Image.open(io.BytesIO(result.data)).format == "JPEG"
