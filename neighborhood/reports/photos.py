"""Photo pipeline: check an upload is a real image, then re-encode it so no metadata survives.

Pure: works on bytes, no Flask and no database. Never keeps the original as a fallback.
"""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

# MPO is how Pillow names phone JPEGs that carry extra frames (e.g. gain maps).
ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}
# Magic bytes of the allowed formats, checked before Pillow sees the data.
_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


class PhotoRejected(ValueError):
    """The upload is not an acceptable photo; the message says why, for the uploader."""


@dataclass(frozen=True)
class ProcessedPhoto:
    """A re-encoded JPEG, stripped of EXIF/GPS, with its pixel size."""

    data: bytes
    width: int
    height: int


def _looks_like_image(head: bytes) -> bool:
    if head.startswith(_SIGNATURES):
        return True
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def process_photo(data: bytes, *, max_bytes: int, max_pixels: int,
                  max_side: int = 2048) -> ProcessedPhoto:
    """Validate an uploaded photo and return it re-encoded as JPEG, orientation applied."""
    if not data:
        raise PhotoRejected("the file is empty")
    if len(data) > max_bytes:
        raise PhotoRejected(f"the file is larger than {max_bytes // (1024 * 1024)} MB")
    if not _looks_like_image(data[:16]):
        raise PhotoRejected("the file is not a JPEG, PNG or WebP image")
    try:
        with warnings.catch_warnings():
            # Pillow warns between 1x and 2x MAX_IMAGE_PIXELS; treat that as an attack too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise PhotoRejected("the file is not a JPEG, PNG or WebP image")
                if probe.width * probe.height > max_pixels:
                    raise PhotoRejected(f"the image has more than {max_pixels:,} pixels")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image.thumbnail((max_side, max_side))
                if image.mode not in ("RGB", "L"):
                    image = _flatten(image)
                image.info.clear()  # Pillow re-writes a JPEG comment, EXIF, ICC from info
                out = io.BytesIO()
                image.save(out, "JPEG", quality=85, optimize=True)
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses a header past its own limit before our pixel check sees the size;
        # when ours is lower, that header is "too many pixels", not an undecodable file.
        if max_pixels < Image.MAX_IMAGE_PIXELS:
            raise PhotoRejected(f"the image has more than {max_pixels:,} pixels") from exc
        raise PhotoRejected("the image could not be decoded") from exc
    except Exception as exc:  # noqa: BLE001 - decoders raise many kinds on hostile input
        raise PhotoRejected("the image could not be decoded") from exc
    return ProcessedPhoto(out.getvalue(), image.width, image.height)


def _flatten(image: Image.Image) -> Image.Image:
    """Return an RGB copy of image, with any transparency put on white."""
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background
