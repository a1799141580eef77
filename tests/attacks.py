"""Video "attacks" for tests and benches: the edits people make to a video they re-post.

Each attack is ``fn(src, dst, ...) -> dst``: decode ``src`` with PyAV, change the picture (and
for an excerpt the time range), re-encode H.264 (libx264, yuv420p, CRF 23 unless the attack is
about CRF) with the sound re-encoded as AAC and kept in sync, and write an MP4 to ``dst``.
One helper, :func:`_transcode`, does the decode -> per-frame transform -> encode loop, so each
attack is a few lines. Import them in tests with ``from attacks import ...`` (pytest puts
``tests/`` on ``sys.path``); benches insert the tests folder into ``sys.path`` first.

    reencode(src, dst, crf=28)
    scale(src, dst, factor=0.5)
    crop(src, dst, fraction=0.10, anchor="center")     # or "topleft" / "bottomright"
    excerpt(src, dst, start=2.0, seconds=3.0)
    brightness_contrast(src, dst, brightness=0.2, contrast=0.0)
    strip_audio(src, dst)                              # the same picture, no sound track
    chain(src, dst, (crop, {"fraction": 0.1}), (reencode, {"crf": 28}))

and :func:`synthetic_clip` writes a clip that is not ours at all (moving gradients and noise,
with a noise-and-tone sound track), for "must not match" checks.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

_AAC_FRAME = 1024


def _even(n: float) -> int:
    return max(2, round(n / 2) * 2)


def _transcode(src: Path, dst: Path, *, frame_fn: Callable[[av.VideoFrame], av.VideoFrame] | None = None,
               crf: int = 23, start: float = 0.0, seconds: float | None = None,
               audio: bool = True) -> Path:
    """Decode ``src``, keep the frames (and audio samples) in ``[start, start + seconds)``
    (``start`` moved to the next frame), pass each frame through ``frame_fn`` (VideoFrame ->
    VideoFrame, any size; odd sizes lose a row or column) and encode to ``dst`` with
    timestamps starting at 0."""
    src, dst = Path(src), Path(dst)
    with av.open(str(src)) as inp:
        if not inp.streams.video:
            raise ValueError(f"{src} has no video stream")
        ivs = inp.streams.video[0]
        ivs.thread_type = "AUTO"
        ias = inp.streams.audio[0] if (audio and inp.streams.audio) else None
        fps = ivs.average_rate or ivs.guessed_rate or Fraction(24)
        # start on a frame, so that picture and sound start together (constant frame rate)
        start = math.ceil(start * fps - 1e-6) / fps if start > 0 else 0.0
        end = float("inf") if seconds is None else start + seconds
        with av.open(str(dst), mode="w", format="mp4") as out:
            ovs = out.add_stream("libx264", rate=fps,
                                 options={"crf": str(int(crf)), "preset": "veryfast"})
            ovs.pix_fmt = "yuv420p"
            vtb = Fraction(1) / fps  # frame pts count frames (the muxer picks its own time base)
            ovs.time_base = ovs.codec_context.time_base = vtb
            ovs.codec_context.framerate = fps
            oas = None
            if ias is not None:
                rate = ias.codec_context.sample_rate
                oas = out.add_stream("aac", rate=rate)
                oas.codec_context.layout = ias.codec_context.layout.name
                oas.codec_context.format = "fltp"
                atb = Fraction(1, rate)
                oas.time_base = oas.codec_context.time_base = atb
                resampler = av.AudioResampler(format="fltp", layout=oas.codec_context.layout.name,
                                              rate=rate)
                first_sample, last_sample = round(start * rate), (None if seconds is None
                                                                  else round(end * rate))
                pending: list[np.ndarray] = []
                sent = 0
            n_frames = 0
            opened = False

            def emit_audio(final: bool) -> None:
                nonlocal sent, pending
                if not pending or not opened:  # the header (all stream sizes) goes out first
                    return
                buf = np.concatenate(pending, axis=1)
                pos = 0
                while buf.shape[1] - pos >= _AAC_FRAME or (final and buf.shape[1] > pos):
                    chunk = np.ascontiguousarray(buf[:, pos:pos + _AAC_FRAME])
                    af = av.AudioFrame.from_ndarray(chunk, format="fltp",
                                                    layout=oas.codec_context.layout.name)
                    af.sample_rate = oas.codec_context.sample_rate
                    af.pts, af.time_base = sent, atb
                    for pkt in oas.encode(af):
                        out.mux(pkt)
                    sent += chunk.shape[1]
                    pos += chunk.shape[1]
                pending = [buf[:, pos:]] if buf.shape[1] > pos else []

            streams = [ivs] + ([ias] if ias is not None else [])
            for packet in inp.demux(*streams):
                for frame in packet.decode():
                    t = float(frame.time) if frame.time is not None else 0.0
                    if isinstance(frame, av.VideoFrame):
                        if not (start - 1e-6 <= t < end - 1e-6):
                            continue
                        f = frame_fn(frame) if frame_fn is not None else frame
                        w, h = f.width // 2 * 2, f.height // 2 * 2
                        if not opened:
                            ovs.width, ovs.height = w, h
                            out.start_encoding()  # header now: the muxer fixes time bases
                            opened = True
                        if (f.width, f.height) != (w, h):
                            f = av.VideoFrame.from_ndarray(
                                np.ascontiguousarray(f.to_ndarray(format="rgb24")[:h, :w]),
                                format="rgb24")
                        f = f.reformat(format="yuv420p")
                        f.pts, f.time_base = n_frames, vtb
                        n_frames += 1
                        for pkt in ovs.encode(f):
                            out.mux(pkt)
                    elif oas is not None:
                        for rf in resampler.resample(frame):
                            arr = rf.to_ndarray()  # (channels, samples) float32
                            s0 = round(float(rf.time if rf.time is not None else t) * rate)
                            lo = max(0, first_sample - s0)
                            hi = arr.shape[1] if last_sample is None else min(arr.shape[1],
                                                                             last_sample - s0)
                            if hi > lo:
                                pending.append(arr[:, lo:hi])
                        emit_audio(final=False)
            if n_frames == 0:
                raise ValueError(f"no video frames of {src} in [{start}, {end})")
            for pkt in ovs.encode(None):
                out.mux(pkt)
            if oas is not None:
                emit_audio(final=True)  # also the first packets if all sound came first
                for pkt in oas.encode(None):
                    out.mux(pkt)
    return dst


def _rgb_fn(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[av.VideoFrame], av.VideoFrame]:
    def apply(frame: av.VideoFrame) -> av.VideoFrame:
        rgb = fn(frame.to_ndarray(format="rgb24"))
        return av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    return apply


def reencode(src: Path, dst: Path, crf: int = 28) -> Path:
    """Re-encode at another quality (CRF 28 is a typical platform re-encode)."""
    return _transcode(src, dst, crf=crf)


def scale(src: Path, dst: Path, factor: float = 0.5) -> Path:
    """Resize by ``factor`` (area resampling when shrinking, bicubic when enlarging)."""
    def resize(frame: av.VideoFrame) -> av.VideoFrame:
        w, h = _even(frame.width * factor), _even(frame.height * factor)
        return frame.reformat(width=w, height=h, format="yuv420p",
                              interpolation="AREA" if factor < 1 else "BICUBIC")
    return _transcode(src, dst, frame_fn=resize)


def crop(src: Path, dst: Path, fraction: float = 0.10, anchor: str = "center") -> Path:
    """Cut ``fraction`` of the width and of the height away; ``anchor`` is the part kept
    ("center", "topleft", "bottomright"). The output has the cropped size (even)."""
    if anchor not in ("center", "topleft", "bottomright"):
        raise ValueError(f"anchor must be center, topleft or bottomright, got {anchor!r}")

    def cut(rgb: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        ch, cw = _even(h * (1 - fraction)), _even(w * (1 - fraction))
        if anchor == "center":
            y0, x0 = (h - ch) // 2, (w - cw) // 2
        elif anchor == "topleft":
            y0 = x0 = 0
        else:
            y0, x0 = h - ch, w - cw
        return rgb[y0:y0 + ch, x0:x0 + cw]
    return _transcode(src, dst, frame_fn=_rgb_fn(cut))


def excerpt(src: Path, dst: Path, start: float, seconds: float) -> Path:
    """Frames and sound in ``[start, start + seconds)``, re-timed to start at 0 (``start``
    moves to the next frame boundary, at most one frame, so picture and sound stay in sync)."""
    return _transcode(src, dst, start=start, seconds=seconds)


def brightness_contrast(src: Path, dst: Path, brightness: float = 0.2,
                        contrast: float = 0.0) -> Path:
    """``y = (x - 128) * (1 + contrast) + 128 + brightness * 255`` on RGB, clipped to 0..255."""
    lut = np.clip(np.round((np.arange(256) - 128.0) * (1 + contrast) + 128 + brightness * 255),
                  0, 255).astype(np.uint8)
    return _transcode(src, dst, frame_fn=_rgb_fn(lambda rgb: lut[rgb]))


def strip_audio(src: Path, dst: Path) -> Path:
    """The same picture (re-encoded at CRF 23) with no sound track at all."""
    return _transcode(src, dst, audio=False)


def chain(src: Path, dst: Path, *steps: tuple[Callable[..., Path], dict]) -> Path:
    """Apply ``(fn, kwargs)`` steps in order, through temporary files; the last writes ``dst``."""
    if not steps:
        return reencode(src, dst, crf=23)
    with tempfile.TemporaryDirectory(prefix="tenku-attack-") as tmp:
        cur = Path(src)
        for i, (fn, kwargs) in enumerate(steps):
            nxt = Path(dst) if i == len(steps) - 1 else Path(tmp) / f"step{i}.mp4"
            cur = fn(cur, nxt, **kwargs)
    return Path(dst)


def synthetic_clip(dst: Path, seconds: float = 3.0, size: tuple[int, int] = (320, 180),
                   fps: int = 24, seed: int = 0, audio: bool = True) -> Path:
    """A clip unlike any tenku video: a drifting colour gradient with blocky noise, and
    (unless ``audio`` is False) a gliding tone over noise; H.264 + AAC in MP4."""
    rng = np.random.default_rng(seed)
    w, h = size
    rate = 48000
    n = max(1, round(seconds * fps))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    blocks = rng.integers(0, 60, (h // 16 + 1, w // 16 + 1, 3)).astype(np.float32)
    t_all = np.arange(round(seconds * rate)) / rate
    f0 = 200 + 300 * rng.random()
    sound = (0.2 * np.sin(2 * np.pi * (f0 * t_all + 40 * t_all ** 2))
             + 0.05 * rng.standard_normal(len(t_all))).astype(np.float32)
    with av.open(str(dst), mode="w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=fps, options={"crf": "23", "preset": "veryfast"})
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vtb = Fraction(1, fps)
        vs.time_base = vs.codec_context.time_base = vtb
        ast = None
        if audio:
            ast = out.add_stream("aac", rate=rate)
            ast.codec_context.layout = "mono"
            ast.codec_context.format = "fltp"
            ast.time_base = ast.codec_context.time_base = Fraction(1, rate)
        out.start_encoding()
        for i in range(n):
            phase = i / fps
            r = 128 + 100 * np.sin(xx / w * 6 + phase * 2)
            g = 128 + 100 * np.sin(yy / h * 5 - phase * 3)
            b = 128 + 100 * np.sin((xx + yy) / (w + h) * 7 + phase)
            img = np.stack([r, g, b], axis=-1) + blocks[yy.astype(int) // 16, xx.astype(int) // 16]
            vf = av.VideoFrame.from_ndarray(np.clip(img, 0, 255).astype(np.uint8), format="rgb24")
            vf = vf.reformat(format="yuv420p")
            vf.pts, vf.time_base = i, vtb
            for pkt in vs.encode(vf):
                out.mux(pkt)
        for pkt in vs.encode(None):
            out.mux(pkt)
        if ast is not None:
            for start in range(0, len(sound), _AAC_FRAME):
                chunk = sound[None, start:start + _AAC_FRAME]
                af = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp",
                                                layout="mono")
                af.sample_rate, af.pts, af.time_base = rate, start, Fraction(1, rate)
                for pkt in ast.encode(af):
                    out.mux(pkt)
            for pkt in ast.encode(None):
                out.mux(pkt)
    return Path(dst)


#: The issue's attacks on a watermarked clip of 12 s (excerpts are cut from its middle), each
#: a list of ``chain`` steps, with pairs of them: what tests/test_provenance.py asserts the
#: payload survives and what bench/watermark.py tabulates (with more pairs).
WATERMARK_ATTACKS = {
    "H.264 CRF 28": [(reencode, {"crf": 28})],
    "downscale 0.5x": [(scale, {"factor": 0.5})],
    "crop 10% (centre)": [(crop, {"fraction": 0.1})],
    "crop 10% (corner)": [(crop, {"fraction": 0.1, "anchor": "bottomright"})],
    "3 s excerpt": [(excerpt, {"start": 4.5, "seconds": 3.0})],
    "brightness +20%": [(brightness_contrast, {"brightness": 0.2})],
    "brightness -20%": [(brightness_contrast, {"brightness": -0.2})],
    "contrast +20%": [(brightness_contrast, {"contrast": 0.2})],
    "contrast -20%": [(brightness_contrast, {"contrast": -0.2})],
    "excerpt + downscale": [(excerpt, {"start": 6.0, "seconds": 3.0}), (scale, {"factor": 0.5})],
    "crop + CRF 28": [(crop, {"fraction": 0.1}), (reencode, {"crf": 28})],
    "brightness + crop": [(brightness_contrast, {"brightness": -0.2}),
                          (crop, {"fraction": 0.1, "anchor": "topleft"})],
}
