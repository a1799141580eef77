"""Media I/O for tenku: MP4 writing (H.264 + AAC, faststart), probing, decoding, previews.

Everything runs on the CPU through PyAV's bundled FFmpeg (libx264, native AAC) and Pillow.

* :class:`VideoWriter` streams RGB frames into an MP4 (H.264 yuv420p BT.709 limited range,
  constant frame rate, ``moov`` before ``mdat``) with an AAC stereo 48 kHz track whose length
  is exactly the video's duration (the given audio is padded with silence or trimmed; no
  audio -> a silent track). Audio is interleaved with the video as frames arrive, and only a
  few frames are ever held in memory.
* :func:`probe` reads stream facts (and checks the top-level MP4 boxes for faststart and
  truncation); :func:`decode_frames` / :func:`decode_audio` read media back.
* :func:`write_thumbnail` (WebP) and :func:`write_spritesheet` (JPEG grid) make previews;
  :func:`pick_sprite_frames` chooses evenly spaced frame indices for the sheet.

All failures caused by bad input or unreadable files raise :class:`MediaError`.
"""

from __future__ import annotations

import math
import os
import queue
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MediaError",
    "VideoWriter",
    "Probe",
    "probe",
    "decode_frames",
    "decode_audio",
    "write_thumbnail",
    "write_spritesheet",
    "pick_sprite_frames",
    "AUDIO_SAMPLE_RATE",
]

AUDIO_SAMPLE_RATE = 48000
_AAC_FRAME = 1024
_AUDIO_BITRATE = 160_000
_QUEUE_FRAMES = 4  # frames waiting for the encoder thread (bounded memory)
# AVCOL_* values for BT.709 tagging (primaries, transfer, matrix) and AVCOL_RANGE_MPEG.
_BT709 = 1
_RANGE_MPEG = 1


class MediaError(ValueError):
    """Bad media input (sizes, frames, audio) or an unreadable / corrupt media file."""


def _av():
    try:
        import av  # noqa: PLC0415
    except ImportError as exc:  # pragma: no cover - av is a hard dependency
        raise MediaError(f"PyAV (the 'av' package) is required for video I/O: {exc}") from exc
    return av


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _check_fps(fps: Any) -> Fraction:
    try:
        rate = Fraction(fps)
        if isinstance(fps, float):
            rate = rate.limit_denominator(1001)  # 29.97 -> 2997/100, 30000/1001 stays exact
    except (TypeError, ValueError) as exc:
        raise MediaError(f"fps must be a positive integer, got {fps!r}") from exc
    if isinstance(fps, bool) or rate <= 0 or rate > 1000:
        raise MediaError(f"fps must be a positive integer (1..1000), got {fps!r}")
    return rate


def _prepare_audio(audio: Any, sample_rate: int) -> np.ndarray:
    """Return float32 (n, 2) C-contiguous audio at 48 kHz, clipped to [-1, 1]."""
    arr = np.asarray(audio)
    if arr.dtype.kind in "iu":
        info = np.iinfo(arr.dtype)
        arr = (arr.astype(np.float64) - (info.max + info.min + 1) / 2) / ((info.max - info.min + 1) / 2)
    elif arr.dtype.kind != "f":
        raise MediaError(f"audio must be a float32 array of shape (n, 2), got dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] not in (1, 2):
        raise MediaError(f"audio must have shape (n, 2) (or (n,)/(n, 1) mono), got {arr.shape}")
    if arr.shape[1] == 1:
        arr = np.repeat(arr, 2, axis=1)
    arr = np.nan_to_num(arr.astype(np.float32, copy=False), nan=0.0, posinf=1.0, neginf=-1.0)
    arr = np.clip(arr, -1.0, 1.0)
    if not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise MediaError(f"sample_rate must be a positive integer, got {sample_rate!r}")
    if sample_rate != AUDIO_SAMPLE_RATE and len(arr):
        arr = _resample(arr, int(sample_rate), AUDIO_SAMPLE_RATE)
    return np.ascontiguousarray(arr, dtype=np.float32)


def _resample(arr: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Resample (n, 2) float32 audio with FFmpeg's swresample; the length is exactly scaled."""
    av = _av()
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=dst_rate)
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(arr.T), format="fltp", layout="stereo")
    frame.sample_rate = src_rate
    frame.pts = 0
    out = [f.to_ndarray() for f in resampler.resample(frame)]
    out += [f.to_ndarray() for f in resampler.resample(None)]
    data = np.concatenate(out, axis=1).T if out else np.zeros((0, 2), np.float32)
    want = round(len(arr) * dst_rate / src_rate)
    if len(data) < want:
        data = np.concatenate([data, np.zeros((want - len(data), 2), np.float32)])
    return data[:want]


_ASS_HEADER = (
    "[Script Info]\nScriptType: v4.00+\nPlayResX: 384\nPlayResY: 288\n\n[V4+ Styles]\n"
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
    "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
    "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
    "Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0\n\n"
    "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
).encode()


def read_subtitles(path) -> list[tuple[float, float, str]]:
    """The timed-text captions inside an MP4 as (start s, end s, text), in order."""
    p = _check_file(path)
    container = _open_input(p)
    try:
        out = []
        for st in container.streams.subtitles:
            for pkt in container.demux(st):
                if pkt.size and pkt.pts is not None:
                    raw = bytes(pkt)
                    n = int.from_bytes(raw[:2], "big")
                    if n == 0:  # the muxer's filler between captions
                        continue
                    start = float(pkt.pts * pkt.time_base)
                    end = start + float((pkt.duration or 0) * pkt.time_base)
                    out.append((start, end, raw[2:2 + n].decode("utf-8", "replace")))
        return sorted(out)
    finally:
        container.close()


class VideoWriter:
    """Streams frames into an MP4: H.264 (libx264), yuv420p, faststart (moov atom first), with an
    AAC stereo 48 kHz track.

    ``audio``: float32 ``(n, 2)`` in [-1, 1] at ``sample_rate`` (resampled to 48 kHz if
    different), or ``None`` for a silent AAC track of the video's duration. On :meth:`close`
    the audio is padded with silence or trimmed to exactly ``frames / fps`` seconds.
    ``metadata`` becomes container tags (e.g. ``title``, ``comment``; any other key is written
    as an ``mdta`` tag). Use as a context manager; an exception inside the ``with`` block
    still finalizes the file (leaving a valid, possibly short, MP4).
    """

    def __init__(
        self,
        path,
        width: int,
        height: int,
        fps: int,
        *,
        crf: int = 20,
        preset: str = "veryfast",
        audio: np.ndarray | None = None,
        sample_rate: int = 48000,
        metadata: dict[str, str] | None = None,
        subtitles: list[tuple[float, float, str]] | None = None,
    ):
        for name, value in (("width", width), ("height", height)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise MediaError(f"{name} must be an integer, got {value!r}")
        if width <= 0 or height <= 0 or width % 2 or height % 2:
            raise MediaError(
                f"video size {width}x{height} is not supported: width and height must be positive "
                "and even (H.264 yuv420p)"
            )
        if width > 8192 or height > 8192:
            raise MediaError(f"video size {width}x{height} is too large (max 8192x8192)")
        self.width, self.height = int(width), int(height)
        self.fps = _check_fps(fps)
        if not (0 <= int(crf) <= 51):
            raise MediaError(f"crf must be in 0..51, got {crf!r}")
        self._audio = None if audio is None else _prepare_audio(audio, sample_rate)
        self.path = Path(path)
        self.frames_written = 0
        self._closed = False
        self._audio_sent = 0  # samples handed to the AAC encoder
        self._queue: queue.Queue = queue.Queue(maxsize=_QUEUE_FRAMES)
        self._worker: threading.Thread | None = None
        self._error: BaseException | None = None
        # Samples per video frame, as an exact fraction (2000 for 24 fps at 48 kHz).
        self._spf = Fraction(AUDIO_SAMPLE_RATE) / self.fps

        if not self.path.parent.is_dir():
            raise MediaError(f"cannot create video file {self.path}: directory {self.path.parent} does not exist")
        if self.path.is_dir():
            raise MediaError(f"cannot create video file {self.path}: it is a directory")
        av = _av()
        opts = {"movflags": "+faststart"}
        if metadata:
            opts["movflags"] += "+use_metadata_tags"
        try:
            self._container = av.open(str(self.path), mode="w", format="mp4", options=opts)
        except (av.FFmpegError, OSError) as exc:
            raise MediaError(f"cannot create video file {self.path}: {exc}") from exc
        try:
            for key, value in (metadata or {}).items():
                self._container.metadata[str(key)] = str(value)
            threads = max(1, min(16, os.cpu_count() or 1))
            vs = self._container.add_stream(
                "libx264",
                rate=self.fps,
                options={"crf": str(int(crf)), "preset": str(preset), "threads": "0"},
            )
            vs.width, vs.height, vs.pix_fmt = self.width, self.height, "yuv420p"
            vs.time_base = Fraction(1) / self.fps
            cc = vs.codec_context
            cc.time_base = Fraction(1) / self.fps
            cc.framerate = self.fps
            cc.color_primaries = cc.color_trc = cc.colorspace = _BT709
            cc.color_range = _RANGE_MPEG
            self._vstream = vs
            self._threads = threads

            ast = self._container.add_stream("aac", rate=AUDIO_SAMPLE_RATE)
            ast.codec_context.layout = "stereo"
            ast.codec_context.format = "fltp"
            ast.codec_context.bit_rate = _AUDIO_BITRATE
            ast.time_base = Fraction(1, AUDIO_SAMPLE_RATE)
            ast.codec_context.time_base = Fraction(1, AUDIO_SAMPLE_RATE)
            self._astream = ast
            self._subs = sorted(subtitles or [])
            self._sstream = None
            if self._subs:
                # A timed-text (mov_text/tx3g) track: players show it as captions. FFmpeg's
                # encoder wants an ASS header before it opens; packets are written raw.
                sst = self._container.add_stream("mov_text")
                sst.codec_context.subtitle_header = _ASS_HEADER
                sst.time_base = Fraction(1, 1000)
                self._sstream = sst
            # Open both encoders now so bad presets etc. fail in the constructor.
            vs.codec_context.open()
            ast.codec_context.open()
        except Exception as exc:
            self._abort()
            if isinstance(exc, MediaError):
                raise
            raise MediaError(f"cannot set up the encoder (preset={preset!r}, crf={crf!r}): {exc}") from exc

    # -- context manager --------------------------------------------------------------------
    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            try:
                self.close()
            except Exception:  # keep the original exception
                pass

    def __del__(self):  # pragma: no cover - best effort
        if not getattr(self, "_closed", True):
            try:
                self._abort()
            except Exception:
                pass

    @property
    def duration(self) -> float:
        """Seconds of video written so far."""
        return float(self.frames_written / self.fps)

    # -- frames -----------------------------------------------------------------------------
    def write(self, frame: np.ndarray) -> None:
        """Encode one ``(height, width, 3)`` uint8 RGB frame.

        The frame is copied, then converted and encoded on a background thread (PyAV releases
        the GIL), so rendering the next frame overlaps with encoding; at most
        ``_QUEUE_FRAMES`` frames wait in memory. An encoder error surfaces on a later
        :meth:`write` or on :meth:`close`.
        """
        if self._closed:
            raise MediaError(f"VideoWriter for {self.path} is already closed")
        self._raise_worker_error()
        if not isinstance(frame, np.ndarray):
            raise MediaError(f"frame must be a numpy array, got {type(frame).__name__}")
        want = (self.height, self.width, 3)
        if frame.shape != want:
            raise MediaError(f"frame has shape {frame.shape}, expected {want} (height, width, RGB)")
        if frame.dtype != np.uint8:
            raise MediaError(f"frame has dtype {frame.dtype}, expected uint8 RGB")
        av = _av()
        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")  # copies
        vf.pts = self.frames_written
        self.frames_written += 1
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="tenku-video-encode", daemon=True)
            self._worker.start()
        while True:
            try:
                self._queue.put(vf, timeout=0.5)
                break
            except queue.Full:
                self._raise_worker_error()
                if self._worker is not None and not self._worker.is_alive():
                    raise MediaError(f"the encoder thread for {self.path} stopped unexpectedly")

    def _raise_worker_error(self) -> None:
        if self._error is not None:
            exc = self._error
            raise MediaError(f"encoding {self.path} failed: {exc}") from exc

    def _work(self) -> None:
        """Encoder thread: convert to yuv420p BT.709, encode, mux, interleave audio."""
        tb = self._vstream.codec_context.time_base
        while True:
            vf = self._queue.get()
            if vf is None:
                return
            if self._error is not None:
                continue  # drain after a failure
            try:
                self._encode_frame(vf, tb)
            except BaseException as exc:  # noqa: BLE001 - reported to the caller thread
                self._error = exc

    def _encode_frame(self, vf, tb) -> None:
        pts = vf.pts
        yuv = vf.reformat(
            format="yuv420p",
            src_colorspace="itu709",
            dst_colorspace="itu709",
            src_color_range="JPEG",
            dst_color_range="MPEG",
            threads=self._threads,
        )
        yuv.pts = pts
        yuv.time_base = tb
        for packet in self._vstream.encode(yuv):
            self._container.mux(packet)
        self._send_audio(math.floor((pts + 1) * self._spf), final=False)

    # -- audio ------------------------------------------------------------------------------
    def _send_audio(self, upto: int, *, final: bool) -> None:
        """Encode audio samples [sent, upto) in 1024-sample frames (a short last one if final)."""
        av = _av()
        while self._audio_sent < upto:
            n = min(_AAC_FRAME, upto - self._audio_sent)
            if n < _AAC_FRAME and not final:
                break
            start = self._audio_sent
            chunk = np.zeros((2, n), np.float32)
            if self._audio is not None and start < len(self._audio):
                part = self._audio[start : start + n]
                chunk[:, : len(part)] = part.T
            af = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            af.sample_rate = AUDIO_SAMPLE_RATE
            af.pts = start
            af.time_base = Fraction(1, AUDIO_SAMPLE_RATE)
            for packet in self._astream.encode(af):
                self._container.mux(packet)
            self._audio_sent += n

    # -- finish -----------------------------------------------------------------------------
    def _mux_subtitles(self) -> None:
        av = _av()
        for start, end, text in self._subs:
            data = text.encode("utf-8")[:65535]
            pkt = av.Packet(len(data).to_bytes(2, "big") + data)
            pkt.stream = self._sstream
            pkt.time_base = Fraction(1, 1000)
            pkt.pts = pkt.dts = int(round(start * 1000))
            pkt.duration = max(1, int(round((end - start) * 1000)))
            self._container.mux(pkt)

    def close(self) -> None:
        """Flush video, write audio of exactly the video's duration, finalize the MP4."""
        if self._closed:
            return
        av = _av()
        self._stop_worker()
        if self.frames_written == 0:
            self._abort()
            self._audio = None
            try:
                if self.path.exists() and self.path.stat().st_size == 0:
                    self.path.unlink()
            except OSError:
                pass
            raise MediaError(f"no frames were written to {self.path}; no video was created")
        try:
            self._raise_worker_error()
            for packet in self._vstream.encode(None):
                self._container.mux(packet)
            total = round(self.frames_written * self._spf)
            self._send_audio(total, final=True)
            for packet in self._astream.encode(None):
                self._container.mux(packet)
            self._mux_subtitles()
            self._closed = True
            self._container.close()
        except av.FFmpegError as exc:
            self._abort()
            raise MediaError(f"finalizing {self.path} failed: {exc}") from exc
        except MediaError:
            self._abort()
            raise
        finally:
            self._closed = True
            self._audio = None

    def _stop_worker(self) -> None:
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join()
            self._worker = None

    def _abort(self) -> None:
        self._closed = True
        try:
            self._stop_worker()
        except Exception:
            pass
        try:
            self._container.close()
        except Exception:
            pass


# --------------------------------------------------------------------------------------------
# Previews
# --------------------------------------------------------------------------------------------


def _as_image(frame: np.ndarray, what: str = "frame"):
    from PIL import Image  # noqa: PLC0415

    if not isinstance(frame, np.ndarray):
        raise MediaError(f"{what} must be a numpy array, got {type(frame).__name__}")
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.shape[0] < 1 or frame.shape[1] < 1:
        raise MediaError(f"{what} has shape {frame.shape}, expected (height, width, 3) RGB")
    if frame.dtype != np.uint8:
        raise MediaError(f"{what} has dtype {frame.dtype}, expected uint8 RGB")
    return Image.fromarray(np.ascontiguousarray(frame), mode="RGB")


def write_thumbnail(frame: np.ndarray, path, *, max_width: int = 640) -> None:
    """Write ``frame`` as a WebP image no wider than ``max_width``, keeping its aspect ratio."""
    from PIL import Image  # noqa: PLC0415

    if int(max_width) < 1:
        raise MediaError(f"max_width must be positive, got {max_width!r}")
    img = _as_image(frame)
    if img.width > max_width:
        new_h = max(1, round(img.height * max_width / img.width))
        img = img.resize((int(max_width), new_h), Image.Resampling.LANCZOS)
    try:
        img.save(str(path), format="WEBP", quality=85, method=4)
    except OSError as exc:
        raise MediaError(f"cannot write thumbnail {path}: {exc}") from exc


def pick_sprite_frames(n_frames: int, count: int = 10) -> list[int]:
    """``count`` evenly spaced frame indices in ``[0, n_frames)`` (the middle of each of ``count``
    equal segments), sorted and distinct; all frames when there are fewer than ``count``."""
    n_frames, count = int(n_frames), int(count)
    if n_frames <= 0 or count <= 0:
        return []
    if count >= n_frames:
        return list(range(n_frames))
    return [min(n_frames - 1, int((i + 0.5) * n_frames / count)) for i in range(count)]


def write_spritesheet(
    frames: list[np.ndarray], path, *, columns: int = 5, tile_width: int = 256
) -> dict:
    """Write frames as a JPEG grid (row-major, ``columns`` wide; fewer columns if fewer frames).

    Tiles are ``tile_width`` wide and keep the first frame's aspect ratio. Returns
    ``{"columns", "rows", "tile_width", "tile_height", "count"}``.
    """
    from PIL import Image  # noqa: PLC0415

    frames = list(frames)
    if not frames:
        raise MediaError("write_spritesheet needs at least one frame")
    if int(columns) < 1 or int(tile_width) < 1:
        raise MediaError(f"columns and tile_width must be positive, got {columns!r}, {tile_width!r}")
    images = [_as_image(f, f"frame {i}") for i, f in enumerate(frames)]
    count = len(images)
    cols = min(int(columns), count)
    rows = math.ceil(count / cols)
    tw = int(tile_width)
    th = max(1, round(images[0].height * tw / images[0].width))
    if cols * tw > 65500 or rows * th > 65500:
        raise MediaError(f"spritesheet {cols * tw}x{rows * th} exceeds the JPEG size limit")
    sheet = Image.new("RGB", (cols * tw, rows * th), (0, 0, 0))
    for i, img in enumerate(images):
        tile = img.resize((tw, th), Image.Resampling.LANCZOS if img.width > tw else Image.Resampling.BICUBIC)
        sheet.paste(tile, ((i % cols) * tw, (i // cols) * th))
    try:
        sheet.save(str(path), format="JPEG", quality=85, optimize=True)
    except OSError as exc:
        raise MediaError(f"cannot write spritesheet {path}: {exc}") from exc
    return {"columns": cols, "rows": rows, "tile_width": tw, "tile_height": th, "count": count}


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


@dataclass
class Probe:
    path: str
    duration: float
    width: int
    height: int
    fps: float
    frame_count: int
    video_codec: str
    pix_fmt: str
    audio_codec: str | None
    sample_rate: int | None
    channels: int | None
    faststart: bool
    audio_duration: float | None
    metadata: dict[str, str] = field(default_factory=dict)


_ISO_BMFF_TOP = {
    b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"meta", b"moof", b"mfra",
    b"styp", b"sidx", b"pdin", b"prft", b"emsg", b"ssix", b"udta",
}


def _scan_boxes(path: Path) -> list[tuple[bytes, int, int]] | None:
    """Top-level ISO-BMFF boxes as (type, offset, size), or None if the file is not MP4-like.

    Raises MediaError when a box runs past the end of the file (a truncated MP4).
    """
    size = path.stat().st_size
    boxes: list[tuple[bytes, int, int]] = []
    with path.open("rb") as fh:
        offset = 0
        while offset < size:
            fh.seek(offset)
            head = fh.read(16)
            if len(head) < 8:
                if boxes:
                    raise MediaError(f"{path} is truncated or corrupt: {size - offset} stray bytes at the end")
                return None
            box_size, box_type = struct.unpack(">I4s", head[:8])
            if box_size == 1:
                if len(head) < 16:
                    raise MediaError(f"{path} is truncated or corrupt: incomplete '{box_type.decode('latin-1')}' box header")
                box_size = struct.unpack(">Q", head[8:16])[0]
            elif box_size == 0:
                box_size = size - offset
            if not boxes and box_type not in _ISO_BMFF_TOP:
                return None  # not an ISO-BMFF file; let FFmpeg decide what it is
            if box_size < 8:
                raise MediaError(f"{path} is corrupt: invalid size {box_size} for box '{box_type.decode('latin-1')}'")
            if offset + box_size > size:
                raise MediaError(
                    f"{path} is truncated: box '{box_type.decode('latin-1')}' at byte {offset} needs "
                    f"{box_size} bytes but only {size - offset} remain (file is {size} bytes)"
                )
            boxes.append((box_type, offset, box_size))
            offset += box_size
    return boxes


def _check_file(path) -> Path:
    p = Path(path)
    if not p.exists():
        raise MediaError(f"media file not found: {p}")
    if not p.is_file():
        raise MediaError(f"not a regular file: {p}")
    if p.stat().st_size == 0:
        raise MediaError(f"media file is empty: {p}")
    return p


def _open_input(p: Path):
    av = _av()
    try:
        return av.open(str(p), mode="r")
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise MediaError(f"cannot read {p} as a media file (missing, corrupt or not a video): {exc}") from exc


# FFmpeg demuxers that "open" text or stills as video; probing them means a wrong file was given.
_TEXT_FORMATS = {"tty", "bin", "xbin", "idf", "adf"}
_TEXT_CODECS = {"ansi", "bintext", "xbin", "idf"}


def _video_stream(container, p):
    """The first video stream of an opened file, refusing files with none or with a
    still-image/text "video" (see :func:`_reject_non_video`)."""
    if not container.streams.video:
        raise MediaError(f"{p} has no video stream")
    if container.streams.video[0].codec_context is None:
        raise MediaError(f"{p} has a video stream in a codec FFmpeg cannot decode")
    _reject_non_video(container, p)
    return container.streams.video[0]


def _reject_non_video(container, p: Path) -> None:
    fmt = container.format.name or ""
    names = set(fmt.split(","))
    vcodec = container.streams.video[0].codec_context.name if container.streams.video else ""
    if names & _TEXT_FORMATS or vcodec in _TEXT_CODECS:
        raise MediaError(f"{p} is not a video file (FFmpeg sees it as text, format {fmt!r})")
    if fmt == "image2" or fmt.endswith("_pipe"):
        raise MediaError(f"{p} is a still image ({fmt}), not a video file")


def probe(path) -> Probe:
    """Describe a video file. Raises :class:`MediaError` for missing, corrupt, truncated or
    non-video files."""
    p = _check_file(path)
    boxes = _scan_boxes(p)
    faststart = False
    if boxes is not None:
        types = [b[0] for b in boxes]
        if b"moov" not in types:
            raise MediaError(f"{p} is not a playable MP4: it has no 'moov' box (unfinished or truncated write)")
        faststart = b"mdat" not in types or types.index(b"moov") < types.index(b"mdat")
    av = _av()
    container = _open_input(p)
    try:
        vs = _video_stream(container, p)
        cc = vs.codec_context
        if not cc.width or not cc.height:
            raise MediaError(f"{p} has a video stream without a frame size (corrupt?)")
        rate = vs.average_rate or vs.guessed_rate or vs.base_rate
        fps = float(rate) if rate else 0.0
        if vs.duration is not None and vs.time_base is not None:
            duration = float(vs.duration * vs.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        else:
            duration = 0.0
        frame_count = int(vs.frames or 0)
        if frame_count <= 0:
            frame_count = sum(1 for pk in container.demux(vs) if pk.size)
            container.seek(0)
        if duration <= 0 and fps:
            duration = frame_count / fps
        audio_codec = sample_rate = channels = audio_duration = None
        if container.streams.audio:
            a = container.streams.audio[0]
            audio_codec = a.codec_context.name
            sample_rate = int(a.codec_context.sample_rate) or None
            channels = int(a.codec_context.channels) or None
            if a.duration is not None and a.time_base is not None:
                audio_duration = float(a.duration * a.time_base)
        metadata = {str(k): str(v) for k, v in container.metadata.items()}
        return Probe(
            path=str(p),
            duration=duration,
            width=int(cc.width),
            height=int(cc.height),
            fps=fps,
            frame_count=frame_count,
            video_codec=cc.name,
            pix_fmt=str(cc.pix_fmt or ""),
            audio_codec=audio_codec,
            sample_rate=sample_rate,
            channels=channels,
            faststart=faststart,
            audio_duration=audio_duration,
            metadata=metadata,
        )
    except av.FFmpegError as exc:
        raise MediaError(f"cannot probe {p}: {exc}") from exc
    finally:
        container.close()


def open_video(path):
    """``(container, video stream)`` of a real video file, opened for reading (close the
    container). Raises :class:`MediaError` for missing, empty, unreadable or non-video files
    (text and stills FFmpeg would happily show as a "video")."""
    p = _check_file(path)
    container = _open_input(p)
    try:
        return container, _video_stream(container, p)
    except MediaError:
        container.close()
        raise


def decode_frames(path, *, every: int = 1, pixels: str = "rgb24") -> Iterator[np.ndarray]:
    """Yield every ``every``-th frame (0, every, 2*every, ...) as ``(h, w, 3)`` uint8 RGB, or
    as ``(h, w)`` luma with ``pixels="gray"``."""
    every = int(every)
    if every < 1:
        raise MediaError(f"every must be >= 1, got {every}")
    p = Path(path)
    av = _av()
    container, vs = open_video(p)
    try:
        vs.thread_type = "AUTO"
        index = 0
        try:
            for frame in container.decode(vs):
                if index % every == 0:
                    yield frame.to_ndarray(format=pixels)
                index += 1
        except av.FFmpegError as exc:
            raise MediaError(f"decoding {p} failed at frame {index}: {exc}") from exc
    finally:
        container.close()


def decode_audio(path) -> tuple[np.ndarray, int]:
    """Decode the first audio stream to float32 ``(n, channels)``; returns ``(samples, rate)``.

    The result is trimmed to the stream's declared duration (AAC frames are padded to 1024
    samples; the encoder's priming samples are already dropped by FFmpeg's edit-list handling).
    """
    p = _check_file(path)
    av = _av()
    container = _open_input(p)
    try:
        if not container.streams.audio:
            raise MediaError(f"{p} has no audio stream (format {container.format.name!r})")
        a = container.streams.audio[0]
        rate = int(a.codec_context.sample_rate)
        channels = int(a.codec_context.channels) or 1
        chunks = []
        try:
            for frame in container.decode(a):
                arr = frame.to_ndarray()
                if frame.format.is_planar:
                    arr = arr.T
                else:
                    arr = arr.reshape(-1, channels)
                if arr.dtype.kind in "iu":
                    arr = arr.astype(np.float32) / float(np.iinfo(arr.dtype).max + 1)
                chunks.append(arr.astype(np.float32, copy=False))
        except av.FFmpegError as exc:
            raise MediaError(f"decoding audio of {p} failed: {exc}") from exc
        data = np.concatenate(chunks) if chunks else np.zeros((0, channels), np.float32)
        if a.duration is not None and a.time_base is not None:
            want = round(float(a.duration * a.time_base) * rate)
            if 0 < want < len(data):
                data = data[:want]
        return np.ascontiguousarray(data), rate
    finally:
        container.close()
