"""Backdrop plates: loading an image to the output's size, refusing bad files with a message
that says what to change, and rendering a scene in front of the plate with its shadows."""

from __future__ import annotations

import io
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from tenku.catalog import environment
from tenku.render import CameraPose, Renderer
from tenku.render.plate import MAX_BYTES, load_plate
from tenku.scene.parts import Part
from tenku.scene.result import SimResult, Track
from tenku.script.model import Lighting

W, H = 160, 90
RED, BLUE = (255, 0, 0), (0, 0, 255)


def _encode(img: Image.Image | np.ndarray, fmt: str, **kw) -> bytes:
    if isinstance(img, np.ndarray):
        img = Image.fromarray(img)
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _halves(w: int, h: int, left=RED, right=BLUE) -> np.ndarray:
    a = np.zeros((h, w, 3), np.uint8)
    a[:, : w // 2], a[:, w // 2:] = left, right
    return a


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_loads_png_jpeg_webp_at_the_output_size(fmt, tmp_path):
    data = _encode(_halves(400, 200), fmt, **({"quality": 95} if fmt != "PNG" else {}))
    path = tmp_path / f"plate.{fmt.lower()}"
    path.write_bytes(data)
    for source in (data, path, str(path)):
        plate = load_plate(source, W, H)
        assert plate.shape == (H, W, 3) and plate.dtype == np.uint8
        assert np.abs(plate[45, 10].astype(int) - RED).max() < 12
        assert np.abs(plate[45, 150].astype(int) - BLUE).max() < 12


def test_covers_the_output_and_crops_the_middle():
    # 4:1, red then blue halves: covering 16:9 crops the sides; the split stays centred.
    plate = load_plate(_encode(_halves(400, 100), "PNG"), W, H)
    assert (plate[:, :79] == RED).all() and (plate[:, 81:] == BLUE).all()
    # Three stripes into a square: only the middle stripe survives (no letterbox, no squash).
    stripes = np.zeros((100, 300, 3), np.uint8)
    stripes[:, :100], stripes[:, 100:200], stripes[:, 200:] = RED, (0, 255, 0), BLUE
    square = load_plate(_encode(stripes, "PNG"), 64, 64)
    assert (np.abs(square.astype(int) - (0, 255, 0)).max(axis=2) < 16).all()  # filter taps
    # A tall picture into a wide frame crops top and bottom.
    tall = np.zeros((400, 100, 3), np.uint8)
    tall[:200], tall[200:] = RED, BLUE
    plate = load_plate(_encode(tall, "PNG"), W, H)
    assert np.abs(plate[:43].astype(int) - RED).max() < 8
    assert np.abs(plate[47:].astype(int) - BLUE).max() < 8


def test_exif_orientation_is_applied():
    # Stored landscape, red on top; orientation 6 says "turn 90 degrees clockwise to view".
    a = np.zeros((100, 200, 3), np.uint8)
    a[:50], a[50:] = RED, BLUE
    exif = Image.Exif()
    exif[0x0112] = 6
    plate = load_plate(_encode(a, "JPEG", quality=95, exif=exif), 90, 160)  # portrait output
    assert np.abs(plate[80, 80].astype(int) - RED).max() < 16   # the top is now on the right
    assert np.abs(plate[80, 10].astype(int) - BLUE).max() < 16


def test_transparency_is_over_black():
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[:, 32:, 3] = 255  # left half transparent white, right half opaque white
    plate = load_plate(_encode(rgba, "PNG"), 64, 64)
    assert plate[:, :30].max() == 0 and plate[:, 34:].min() == 255


def _png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` x ``height`` (a decompression bomb's shape)."""
    data = bytearray(_encode(np.zeros((16, 16, 3), np.uint8), "PNG"))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def _mp4_bytes() -> bytes:
    return struct.pack(">I", 24) + b"ftypisom" + b"\0\0\2\0isomiso2" + b"\0" * 64


BAD = {
    "gif": (lambda: _encode(_halves(64, 64), "GIF"), "use a PNG, JPEG or WebP image"),
    "mp4": (_mp4_bytes, "use a PNG, JPEG or WebP image"),
    "text": (lambda: b"a red ball on a table\n" * 20, "use a PNG, JPEG or WebP image"),
    "empty": (lambda: b"", "empty"),
    "truncated png": (lambda: _encode(np.random.default_rng(0).integers(0, 255, (64, 64, 3),
                                                                         np.uint8), "PNG")[:900],
                      "truncated or damaged"),
    "truncated jpeg": (lambda: _encode(_halves(256, 256), "JPEG")[:400], "truncated or damaged"),
    "too many pixels": (lambda: _png_claiming(20000, 20000), "megapixels"),
    "too small": (lambda: _encode(_halves(8, 8), "PNG"), "at least 16 pixels"),
    "too many bytes": (lambda: b"\x89PNG" + bytes(MAX_BYTES), "MB"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_images_are_refused_with_what_to_change(name):
    make, words = BAD[name]
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=words):
        load_plate(make(), W, H)
    assert time.perf_counter() - t0 < 2.0  # refused from the header, never decoded


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no image file"):
        load_plate(tmp_path / "nope.png", W, H)


# --- rendering in front of a plate ----------------------------------------------------------

T = 2
POSE = CameraPose(eye=(0.0, -3.0, 0.9), target=(0.0, 0.0, 0.3), fov=40.0)
OVERHEAD = Lighting(preset="day", sun_elevation=89.0)
ROOM = environment("living_room")  # walls and a floor texture the plate must replace


def _quadrants() -> np.ndarray:
    """A plate whose four quarters have colours no room shows: magenta, cyan, olive, teal."""
    a = np.zeros((H, W, 3), np.uint8)
    a[: H // 2, : W // 2], a[: H // 2, W // 2:] = (200, 40, 200), (40, 200, 200)
    a[H // 2:, : W // 2], a[H // 2:, W // 2:] = (150, 150, 40), (40, 150, 120)
    return a


def _track(tid, part, pos, dynamic=True):
    return Track(tid, tid, "thing", [part], np.tile(pos, (T, 1)),
                 np.tile([1.0, 0.0, 0.0, 0.0], (T, 1)), np.ones(T, bool), dynamic=dynamic)


SLAB = Part("box", (0.25, 0.25, 0.02), (0, 0, 0), material="wood")
CRATE = Part("box", (0.12, 0.12, 0.12), (0, 0, 0.12), material="paint", color=(0.1, 0.2, 0.9))


def _frame(slab_at, plate=None, style="realistic"):
    sim = SimResult(np.arange(T) / 24, [_track("slab", SLAB, slab_at),
                                        _track("crate", CRATE, (0.8, 0.3, 0.0), dynamic=False)],
                    list(ROOM.parts), [], (0, 0, -9.81))
    with Renderer(W, H, sim, ROOM, lighting=OVERHEAD, style=style, backdrop=plate) as r:
        return r.render(0, POSE)


def _project(p) -> tuple[int, int]:
    c = POSE.projection(W / H, 0.01, 100.0) @ (POSE.view() @ np.append(p, 1.0))
    return int((c[0] / c[3] * 0.5 + 0.5) * W), int((0.5 - c[1] / c[3] * 0.5) * H)


def test_plate_replaces_the_scenery_and_catches_shadows():
    plate = _quadrants()
    away, under = _frame((5.0, 5.0, 0.4), plate), _frame((0.0, 0.0, 0.4), plate)
    room = _frame((5.0, 5.0, 0.4))
    # Where no object is, the first frame is the plate (the gentle lens vignette aside).
    for row, col in ((4, 4), (4, W - 5), (H - 5, 4), (H - 5, W - 5), (6, W // 4), (6, 3 * W // 4)):
        assert np.abs(away[row, col].astype(int) - plate[row, col]).max() < 25, (row, col)
        assert np.abs(room[row, col].astype(int) - plate[row, col]).max() > 40, (row, col)
    assert np.abs(away[6, W // 4].astype(int) - plate[6, W // 4]).max() <= 8
    # The slab's shadow darkens the plate on the floor below it.
    col, row = _project(np.array([0.0, 0.1, 0.0]))
    patch = (slice(row - 1, row + 2), slice(col - 1, col + 2))
    assert under[patch].mean() < away[patch].mean() - 15
    # A fixed entity still draws in front of the plate: the blue crate.
    col, row = _project(np.array([0.8, 0.3, 0.12]))
    px = away[row, col].astype(int)
    assert px[2] > px[0] + 40 and np.abs(px - plate[row, col]).max() > 40


def test_styles_apply_over_the_plate():
    plate = _quadrants()
    news = _frame((5.0, 5.0, 0.4), plate, "newsreel")
    assert news[:, :10].max() <= 2  # pillar bars
    assert np.abs(news[..., 0].astype(int) - news[..., 2]).max() <= 1  # monochrome plate too


def test_backdrop_of_the_wrong_size_is_refused():
    sim = SimResult(np.arange(T) / 24, [], [], [], (0, 0, -9.81))
    with pytest.raises(ValueError, match="load_plate"):
        Renderer(W, H, sim, ROOM, lighting=OVERHEAD, backdrop=np.zeros((H, W + 1, 3), np.uint8))
