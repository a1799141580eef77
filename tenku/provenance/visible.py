"""The visible mark: a semi-transparent "tenku" plus the creator's handle, drawn into every
frame before encoding.

It glides between four places, one every :data:`DWELL` seconds, so no single crop or blurred
corner removes it. The text is rendered once (Pillow's bundled FreeType font, so no font files
are needed) and each frame blends only the small rectangle it covers, which keeps the cost to
a fraction of a millisecond at 720p.
"""

from __future__ import annotations

import math

import numpy as np

#: seconds the mark rests in one place before it moves on
DWELL = 2.5
#: seconds the move between two places takes
GLIDE = 0.5
OPACITY = 0.6


def _render_text(lines: list[str], size: int) -> np.ndarray:
    """RGBA (float, 0..1) image of the lines in white with a soft dark outline."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    big = ImageFont.load_default(size=size)
    small = ImageFont.load_default(size=max(8, int(size * 0.6)))
    fonts = [big] + [small] * (len(lines) - 1)
    boxes = [f.getbbox(t) for f, t in zip(fonts, lines)]
    pad = max(2, size // 6)
    width = max(b[2] for b in boxes) + 2 * pad
    heights = [b[3] + pad // 2 for b in boxes]
    height = sum(heights) + 2 * pad
    fill = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(fill)
    y = pad
    for f, t, h in zip(fonts, lines, heights):
        draw.text((pad, y), t, font=f, fill=255)
        y += h
    outline = fill.filter(ImageFilter.MaxFilter(3)).filter(ImageFilter.GaussianBlur(max(1, size / 14)))
    a_text = np.asarray(fill, np.float32) / 255
    a_line = np.asarray(outline, np.float32) / 255 * 0.7
    alpha = np.maximum(a_text, a_line)
    rgb = np.where(alpha[..., None] > 0, (a_text / np.maximum(alpha, 1e-6))[..., None], 0.0)
    return np.dstack([np.repeat(rgb, 3, axis=2), alpha]).astype(np.float32)


class VisibleMark:
    """Draws the mark into ``width x height`` RGB frames at ``fps``."""

    def __init__(self, width: int, height: int, fps: float, handle: str | None = None, *,
                 opacity: float = OPACITY):
        lines = ["tenku"] + ([f"@{handle}"] if handle else [])
        size = max(9, round(min(width, height) / 18))
        img = _render_text(lines, size)
        img[..., 3] *= opacity
        self.rgb = img[..., :3] * 255.0
        self.alpha = img[..., 3:4]
        mh, mw = img.shape[:2]
        if mw >= width or mh >= height:  # a frame too small for the text: no room, no mark
            self.places = []
            return
        mx, my = max(2, width // 25), max(2, height // 25)
        right, bottom = width - mw - mx, height - mh - my
        self.places = [(mx, my), (right, (height - mh) // 2), (mx, bottom),
                       ((width - mw) // 2, my), (right, bottom), (mx, (height - mh) // 2)]
        self.fps = float(fps)

    def position(self, index: int) -> tuple[int, int] | None:
        """Top-left corner of the mark in frame ``index``: resting, or gliding (eased) to the
        next place during the last :data:`GLIDE` seconds of each stay."""
        if not self.places:
            return None
        t = index / self.fps
        k, into = divmod(t, DWELL)
        a = self.places[int(k) % len(self.places)]
        b = self.places[(int(k) + 1) % len(self.places)]
        u = max(0.0, (into - (DWELL - GLIDE)) / GLIDE)
        u = 0.5 - 0.5 * math.cos(math.pi * u)
        return round(a[0] + (b[0] - a[0]) * u), round(a[1] + (b[1] - a[1]) * u)

    def apply(self, frame: np.ndarray, index: int) -> np.ndarray:
        """Blend the mark into ``frame`` (RGB uint8, modified in place and returned)."""
        pos = self.position(index)
        if pos is None:
            return frame
        x, y = pos
        h, w = self.alpha.shape[:2]
        region = frame[y:y + h, x:x + w].astype(np.float32)
        frame[y:y + h, x:x + w] = (region * (1 - self.alpha) + self.rgb * self.alpha + 0.5
                                   ).astype(np.uint8)
        return frame
