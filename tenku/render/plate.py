"""Backdrop plates: an image (``--image FILE``, the API's ``input_reference``) made into the
picture behind a scene.

:func:`load_plate` turns a PNG, JPEG or WebP into an RGB array exactly the output's size: the
EXIF orientation is applied (a phone's portrait photo stands up), transparency is composited
over black (a transparent pixel is "nothing there", like the dark around an empty stage), and
the image is scaled to COVER the output and centre-cropped, never stretched and never
letterboxed: a picture of another shape loses its edges. An animated image gives its first
frame. Size checks run on the header before anything is decoded, so a hostile file (a
decompression bomb, a huge canvas) is refused quickly, and only the PNG, JPEG and WebP decoders
ever see the bytes; every refusal is a ``ValueError`` (:class:`PlateError`) that says what to
change.

The style's grade and vignette apply to the plate as to the rest of the picture, so even the
realistic look darkens its corners a little, as a lens would.

What the ``sim`` backend does with a plate (:class:`~tenku.render.Renderer`, ``backdrop=``):
the plate replaces the environment's scenery (sky, walls, environment parts, water, the
floor's texture) and is drawn in screen space behind everything, so where no object covers it
the first frame's background IS the image. The floor at z = 0 stays as an invisible shadow
catcher: the plate shows through it, darkened by the sun's shadow and the bodies' occlusion,
so objects sit on the picture. Entities and moving bodies render normally in front.

What it does not do: no 3D reconstruction of the photo (nothing in it can be hit, hidden
behind or stood on, and the floor is assumed to be at z = 0 wherever the camera looks), no
parallax when the camera moves (the plate is a fixed rear-projection screen), and the objects'
lighting comes from the environment and lighting preset, not estimated from the photo. The
environment still sets the physics: its hidden walls, counters and water still act, so a
plate goes best with an open-floor place (studio, park).
"""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import numpy as np

#: Largest file accepted, bytes.
MAX_BYTES = 25 * 1024 * 1024
#: Largest canvas accepted, pixels (read from the header, before decoding).
MAX_PIXELS = 40_000_000
#: Smallest side accepted, pixels.
MIN_SIDE = 16
#: Pillow's names of the formats accepted.
FORMATS = ("PNG", "JPEG", "WEBP")

_USE = "use a PNG, JPEG or WebP image"


class PlateError(ValueError):
    """An image that cannot be a backdrop plate; the message says what to change."""


def load_plate(source: str | Path | bytes, width: int, height: int) -> np.ndarray:
    """The image at ``source`` (a path, or the file's bytes) as a ``(height, width, 3)`` uint8
    sRGB array: oriented by its EXIF tag, transparency over black, scaled to cover
    ``width`` x ``height`` and centre-cropped. Raises :class:`PlateError` (a ``ValueError``)
    for anything else."""
    from PIL import Image

    width, height = int(width), int(height)
    if width < 1 or height < 1:
        raise PlateError(f"the output size must be positive, got {width}x{height}")
    data = _read(source)
    with warnings.catch_warnings():
        # Pillow warns above its own bomb limit; ours is lower and checked from the header.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            # Only these decoders ever see the bytes.
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as im:
                _check_header(im)
                return _cover(_decode(im, width, height), width, height)
        except PlateError:
            raise
        except Image.UnidentifiedImageError:
            raise PlateError(f"the file is not a PNG, JPEG or WebP image (GIFs, videos and "
                             f"documents are not accepted); {_USE}") from None
        except Image.DecompressionBombError:
            raise PlateError(f"the image has too many pixels; the limit is "
                             f"{MAX_PIXELS // 1_000_000} megapixels: scale it down") from None
        except Exception as err:  # Pillow reports damaged data with many exception types
            raise PlateError(f"the image could not be decoded: it is truncated or damaged "
                             f"({err}); export it again as PNG, JPEG or WebP") from None


def _read(source: str | Path | bytes) -> bytes:
    """The file's bytes, refusing an empty or oversized file before reading it all."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise PlateError(f"no image file at {str(path)!r}; give the path of a PNG, JPEG "
                             "or WebP image")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise PlateError(_too_big(size))
        data = path.read_bytes()
    if not data:
        raise PlateError(f"the image file is empty; {_USE}")
    if len(data) > MAX_BYTES:
        raise PlateError(_too_big(len(data)))
    return data


def _too_big(size: int) -> str:
    return (f"the image file is {size / 1e6:.1f} MB; the limit is {MAX_BYTES / 1e6:.0f} MB: "
            "save it smaller (JPEG or WebP compress photos well)")


def _check_header(im) -> None:
    """Canvas size and smallest side, from the header alone."""
    w, h = im.size
    if w * h > MAX_PIXELS:
        raise PlateError(f"the image is {w}x{h} ({w * h / 1e6:.0f} megapixels); the limit is "
                         f"{MAX_PIXELS // 1_000_000} megapixels: scale it down")
    if min(w, h) < MIN_SIDE:
        raise PlateError(f"the image is {w}x{h} pixels; it must be at least {MIN_SIDE} pixels "
                         "on each side")


def _decode(im, width: int, height: int):
    """Decode (a JPEG at a reduced scale when it is much bigger than needed), orient by EXIF
    and flatten to RGB over black."""
    from PIL import Image, ImageOps

    w, h = im.size
    if im.format == "JPEG":
        # EXIF rotations by 90 degrees swap the sides the output covers.
        turned = im.getexif().get(0x0112, 1) in (5, 6, 7, 8)
        ow, oh = (height, width) if turned else (width, height)
        s = max(ow / w, oh / h)
        im.draft("RGB", (math.ceil(w * s), math.ceil(h * s)))
    im.load()
    im = ImageOps.exif_transpose(im)
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit grey: keep the top 8 bits
        grey = np.asarray(im, dtype=np.float64)
        return Image.fromarray(np.clip(grey / 257.0 + 0.5, 0, 255).astype(np.uint8)).convert("RGB")
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        black = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        return Image.alpha_composite(black, rgba).convert("RGB")
    return im.convert("RGB")


def _cover(im, width: int, height: int) -> np.ndarray:
    """Scale ``im`` to cover width x height and crop the middle, in one resampling step."""
    from PIL import Image

    w, h = im.size
    if w * height > h * width:  # wider than the output: crop the sides
        cw, ch = h * width / height, float(h)
    else:                       # taller: crop top and bottom
        cw, ch = float(w), w * height / width
    box = ((w - cw) / 2, (h - ch) / 2, (w + cw) / 2, (h + ch) / 2)
    out = im.resize((width, height), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    return np.ascontiguousarray(np.asarray(out, dtype=np.uint8))
