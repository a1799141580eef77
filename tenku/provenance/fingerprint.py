"""Perceptual fingerprints: find our videos again when metadata and watermark are gone.

A fingerprint summarises what a video looks and sounds like, so that a copy which was
re-encoded, cropped, rescaled, cut down to an excerpt or made brighter / darker still lands
near the original, and an unrelated video does not. Two well-known methods are combined.

Picture: DCT perceptual hashes (pHash) of sampled frames
    Frames are sampled at :data:`PICTURE_FPS` (4 a second: the first frame at or after each
    quarter second), turned into luma and shrunk with area averaging; the central region
    (:data:`CENTER`, the middle 80% of width and height) is averaged into 32 x 32 cells, its
    2-D DCT taken, and the 64 lowest-frequency AC coefficients (zig-zag order) compared with
    their median: one bit each, a 64-bit hash. Low frequencies survive compression,
    rescaling and small shifts; comparing with the median makes the hash blind to brightness
    and contrast (they move the DC term and scale the AC terms) as long as nothing clips.
    Frames with almost no structure (a flat wall, black) hash to noise, so they are flagged
    and not counted.

    Crops: the original's central region sits at a predictable place in a copy cropped by
    up to 10%, wherever the kept part is anchored. So each sampled frame also gets the hashes
    of :data:`VARIANTS`, the regions where the original's centre would be if the frame were a
    10% crop anchored 0, 5 or 10% off each axis (3 x 3). A query tries all its variants
    against the index's central hash and keeps the one that fits best for the whole clip (a
    crop is the same in every frame); an indexed video needs only its central hash.

Sound: Haitsma-Kalker audio fingerprint (Haitsma & Kalker, ISMIR 2002)
    Sound is mixed to mono at 5512 Hz and cut into 0.37 s Hann-windowed frames every 23 ms
    (:data:`AUDIO_HOP`). In each frame the energy of 33 logarithmically spaced bands from
    300 to 2000 Hz is measured; bit m of the frame's 32-bit sub-fingerprint says whether the
    energy difference between bands m and m+1 grew or fell since the previous frame. Such
    signs survive lossy coding, resampling and level changes: a re-encoded copy differs in a
    few percent of the bits, unrelated sound in half. An index keeps every second
    sub-fingerprint (46 ms, :data:`INDEX_HOP`); a query keeps both phases, so an excerpt
    that starts anywhere lines up within 12 ms (each ms of misalignment costs about 0.6% of
    the bits). Each sub-fingerprint's level is kept too: below -70 dBFS it is silent and
    does not count (digital silence hashes to all zeros, which would make every two silent
    tracks "identical"), so a silent or stripped track gives no audio evidence and matching
    falls back to the picture.

    Events over room tone: tenku's ambience is seeded, so two videos of one place with one
    seed share their room tone. Sub-fingerprints therefore count by loudness above the
    track's floor (its 20th percentile): 0.1 at the floor, 1 from 12 dB above; a pair of
    sub-fingerprints counts as much as the louder side, so an impact in one video against
    quiet in the other is a mismatch that matters.

    Why both: tenku films many scenes in the same few places, so two different videos can
    look nearly the same (the same table, another ball) and are told apart by their sound;
    a silent video, or a copy whose sound was stripped, still matches by its picture.

Matching (:func:`match`, :class:`FingerprintIndex`)
    Similarities are normalised so that 0 is "unrelated" and 1 "identical": picture
    ``p = 1 - mean Hamming distance / 32`` over the informative frames (best crop variant),
    sound ``a = 1 - 2 * weighted bit error rate``. Both are computed at every time offset of
    the query in the source (so excerpts are found, with their start), an alignment that
    overlaps less than the shorter clip is scaled down in proportion, and the best offset
    wins. When both videos have sound the score is ``min(p, a)``: a copy keeps both, while
    two different tenku videos of one place and seed often share the look and sometimes the
    sound of an event (seeded synthesis), hardly ever both. Otherwise the score is ``p``.
    On bench/fingerprint.py's videos, copies under the attacks above score 0.61 to 1 and
    different videos with sound at most 0.44 (the sound of one shattering glass, heard in two
    videos); :data:`MATCH_THRESHOLD` is 0.55. Without sound, different videos of the same
    place reach 0.95 and cannot be told apart; neither can two videos that differ only in
    the colour of a small object (same seed: the same motion and sound).

    Search is brute force, vectorised: the index keeps every video's central hashes and
    sub-fingerprints in flat arrays (videos separated by padding). A first pass scores every
    video at every offset with 6 query frames and 16 of the loudest sub-fingerprints (XOR,
    popcount and one shifted add per query sample over the whole array, 8-bit integers),
    then the best 16 videos per modality are scored exactly: every frame, variant, phase and
    offset (diagonal sums of the pair-similarity matrix through a skewed strided view).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["MATCH_THRESHOLD", "Fingerprint", "FingerprintIndex", "Match", "fingerprint_file",
           "match"]

#: Score (0..1) a candidate needs to be reported by :func:`match`. See the module docstring.
MATCH_THRESHOLD = 0.55

FORMAT_VERSION = 1
_MAGIC = b"TKFP"
_HEADER = struct.Struct("<4sBBHfII")  # magic, version, variants, audio hop, duration, frames, subfps

#: Picture frames sampled per second.
PICTURE_FPS = 4.0
_THUMB = 128  # frames are first shrunk to _THUMB x _THUMB luma (area averaging)
_HASH = 32  # a region is averaged into _HASH x _HASH cells before the DCT
#: The hashed central region, as fractions of width and height.
CENTER = (0.1, 0.9)
#: Standard deviation (of 0..255 luma, over the 32 x 32 cells) below which a frame is flat.
FLAT_STD = 2.0

AUDIO_RATE = 5512
AUDIO_FRAME = 2048  # 0.37 s
#: Samples between sub-fingerprints of a fingerprint from :func:`fingerprint_file` (23 ms).
AUDIO_HOP = 128
#: Samples between the sub-fingerprints an index keeps (46 ms): every second one.
INDEX_HOP = 2 * AUDIO_HOP
_BANDS = np.geomspace(300.0, 2000.0, 34)
_SILENT_DB = -70.0


_A_STEP = INDEX_HOP / AUDIO_RATE  # seconds per sub-fingerprint in an index
_P_STEP = 1 / PICTURE_FPS  # seconds per sampled frame


# -- picture hashing ---------------------------------------------------------------------------

def _area_matrix(lo: float, hi: float, n_in: int = _THUMB, n_out: int = _HASH) -> np.ndarray:
    """(n_out, n_in) weights that average the span [lo, hi) (fractions) into n_out cells."""
    edges = np.linspace(lo * n_in, hi * n_in, n_out + 1)
    px = np.arange(n_in)
    w = np.clip(np.minimum(edges[1:, None], px + 1) - np.maximum(edges[:-1, None], px), 0, None)
    return w / w.sum(axis=1, keepdims=True)


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)
    m = np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * n)) * math.sqrt(2 / n)
    m[0] /= math.sqrt(2)
    return m


def _variants() -> list[tuple[float, float, float, float]]:
    """Regions (x0, y0, x1, y1) of a frame that hold the original's central region: the frame
    itself uncropped, then the frame as a 10% crop with the kept part 0 / 5 / 10% off each axis."""
    lo, hi = CENTER
    out = [(lo, lo, hi, hi)]
    keep = 0.9
    for ay in (0.0, 0.05, 0.1):
        for ax in (0.0, 0.05, 0.1):
            out.append(((lo - ax) / keep, (lo - ay) / keep, (hi - ax) / keep, (hi - ay) / keep))
    return out


#: Hashed regions per sampled frame: index 0 is :data:`CENTER`, the rest crop variants.
VARIANTS = _variants()
_RY = np.stack([_area_matrix(y0, y1) for _, y0, _, y1 in VARIANTS]).astype(np.float32)
_RX = np.stack([_area_matrix(x0, x1) for x0, _, x1, _ in VARIANTS]).astype(np.float32)
_DCT = _dct_matrix(_HASH).astype(np.float32)
_ZIGZAG = sorted(((u, v) for u in range(_HASH) for v in range(_HASH) if 0 < u + v <= 12),
                 key=lambda uv: (uv[0] + uv[1], uv[0]))[:64]
_ZU = np.array([u for u, _ in _ZIGZAG])
_ZV = np.array([v for _, v in _ZIGZAG])
_BIT = np.uint64(1) << np.arange(64, dtype=np.uint64)


def _frame_hashes(gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """64-bit hashes of every variant region of a (_THUMB, _THUMB) luma image, and whether
    the central region has enough structure to count."""
    cells = _RY @ gray.astype(np.float32) @ _RX.transpose(0, 2, 1)  # (V, 32, 32)
    coef = (_DCT @ cells @ _DCT.T)[:, _ZU, _ZV]  # (V, 64)
    bits = coef > np.median(coef, axis=1, keepdims=True)
    hashes = np.bitwise_or.reduce(np.where(bits, _BIT, np.uint64(0)), axis=1)
    return hashes, bool(cells[0].std() >= FLAT_STD)


# -- audio hashing -----------------------------------------------------------------------------

def _band_matrix() -> np.ndarray:
    freqs = np.fft.rfftfreq(AUDIO_FRAME, 1 / AUDIO_RATE)
    band = np.searchsorted(_BANDS, freqs, side="right") - 1
    m = np.zeros((len(_BANDS) - 1, len(freqs)), np.float32)
    for b in range(len(_BANDS) - 1):
        m[b, band == b] = 1.0
    return m


_BAND_M = _band_matrix()
_WINDOW = np.hanning(AUDIO_FRAME).astype(np.float32)
_BIT32 = np.uint32(1) << np.arange(32, dtype=np.uint32)


class _AudioHasher:
    """Streaming Haitsma-Kalker sub-fingerprints of mono AUDIO_RATE samples, with the level
    of each frame."""

    def __init__(self) -> None:
        self.buf = np.zeros(0, np.float32)
        self.prev: np.ndarray | None = None  # band-energy differences of the previous frame
        self.words: list[np.ndarray] = []
        self.levels: list[np.ndarray] = []

    def feed(self, samples: np.ndarray, final: bool = False) -> None:
        self.buf = np.concatenate([self.buf, samples.astype(np.float32)])
        n = (len(self.buf) - AUDIO_FRAME) // AUDIO_HOP + 1
        if n <= 0 or (n < 64 and not final):
            return
        idx = np.arange(AUDIO_FRAME)[None, :] + AUDIO_HOP * np.arange(n)[:, None]
        frames = self.buf[idx]
        energy = (np.abs(np.fft.rfft(frames * _WINDOW, axis=1)) ** 2) @ _BAND_M.T  # (n, 33)
        diff = energy[:, :-1] - energy[:, 1:]  # (n, 32)
        before = np.vstack([diff[:1] if self.prev is None else self.prev[None], diff[:-1]])
        bits = (diff - before) > 0
        self.words.append(np.bitwise_or.reduce(np.where(bits, _BIT32, np.uint32(0)), axis=1))
        rms = np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1))
        self.levels.append(_encode_level(20 * np.log10(np.maximum(rms, 1e-12))))
        self.prev = diff[-1]
        self.buf = self.buf[n * AUDIO_HOP:]

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        self.feed(np.zeros(0, np.float32), final=True)
        if not self.words:
            return np.zeros(0, np.uint32), np.zeros(0, np.uint8)
        return np.concatenate(self.words), np.concatenate(self.levels)


def _encode_level(db: np.ndarray) -> np.ndarray:
    """dBFS -> uint8 in half-dB steps below full scale; 255 means silent (below -70 dBFS)."""
    code = np.clip(np.round(-2 * db), 0, 254).astype(np.uint8)
    return np.where(db < _SILENT_DB, np.uint8(255), code)


def _audio_weights(level: np.ndarray) -> np.ndarray:
    """How much each sub-fingerprint counts: 1 for sound at least 12 dB above the track's
    floor (its 20th percentile), down to 0.1 at the floor, 0 where silent. Steady room tone
    is the same in every video of a place and seed (tenku's ambience is seeded), so it must
    not outweigh the events (impacts, rolling, speech) that tell two videos apart."""
    audible = level != 255
    w = np.zeros(len(level), np.float32)
    if audible.any():
        db = -0.5 * level[audible].astype(np.float32)
        floor = np.percentile(db, 20)
        w[audible] = 0.1 + 0.9 * np.clip((db - floor - 3.0) / 9.0, 0.0, 1.0)
    return w


# -- the fingerprint ---------------------------------------------------------------------------

@dataclass(eq=False)
class Fingerprint:
    """What a video looks and sounds like (see the module docstring).

    ``picture``: (frames, variants) uint64 hashes, one row per sampled frame (PICTURE_FPS),
    column 0 the central region, the others crop variants (dropped by :meth:`for_index`);
    ``informative``: (frames,) bool, False for flat frames; ``audio``: (subfps,) uint32
    Haitsma-Kalker sub-fingerprints, one every ``audio_hop`` samples at AUDIO_RATE (AUDIO_HOP,
    or INDEX_HOP after :meth:`for_index`); ``audio_level``: (subfps,) uint8 level of each, in
    half dB below full scale, 255 = silent. ``duration``: the video's length in seconds."""

    duration: float
    picture: np.ndarray = field(repr=False)
    informative: np.ndarray = field(repr=False)
    audio: np.ndarray = field(repr=False)
    audio_level: np.ndarray = field(repr=False)
    audio_hop: int = AUDIO_HOP

    def __post_init__(self) -> None:
        self.duration = float(self.duration)
        self.picture = np.asarray(self.picture, np.uint64).reshape(len(self.picture), -1)
        self.informative = np.asarray(self.informative, bool).reshape(-1)
        self.audio = np.asarray(self.audio, np.uint32).reshape(-1)
        self.audio_level = np.asarray(self.audio_level, np.uint8).reshape(-1)
        if len(self.informative) != len(self.picture) or len(self.audio_level) != len(self.audio):
            raise ValueError("fingerprint arrays disagree in length")
        if self.picture.shape[1] < 1 or self.picture.shape[1] > len(VARIANTS):
            raise ValueError(f"a fingerprint has 1 to {len(VARIANTS)} hashes per frame")
        if self.audio_hop not in (AUDIO_HOP, INDEX_HOP):
            raise ValueError(f"audio_hop must be {AUDIO_HOP} or {INDEX_HOP}, got {self.audio_hop}")

    def __repr__(self) -> str:
        return (f"Fingerprint(duration={self.duration:.2f}, frames={len(self.picture)}, "
                f"variants={self.picture.shape[1]}, subfps={len(self.audio)}, "
                f"audio_hop={self.audio_hop}, audible={int(self.audible.sum())})")

    @property
    def audible(self) -> np.ndarray:
        """(subfps,) bool: the sound is not silent there."""
        return self.audio_level != 255

    @property
    def has_sound(self) -> bool:
        """Whether at least a second of the sound is not silent."""
        return int(self.audible.sum()) * self.audio_hop >= AUDIO_RATE

    def for_index(self) -> Fingerprint:
        """This fingerprint as an index keeps it: central hashes only (a query keeps the crop
        variants so that a cropped copy still matches) and every second sub-fingerprint (a
        query keeps both phases so that its sound lines up within 12 ms). About 2.6 KB
        per 20 s."""
        step = INDEX_HOP // self.audio_hop
        return Fingerprint(self.duration, self.picture[:, :1].copy(), self.informative.copy(),
                           self.audio[::step].copy(), self.audio_level[::step].copy(), INDEX_HOP)

    def to_bytes(self) -> bytes:
        """Compact, versioned serialisation (little-endian): about 11 KB per 20 s as made by
        :func:`fingerprint_file`, 2.6 KB after :meth:`for_index`."""
        n, v = self.picture.shape
        head = _HEADER.pack(_MAGIC, FORMAT_VERSION, v, self.audio_hop, self.duration, n,
                            len(self.audio))
        return b"".join([head, self.picture.astype("<u8").tobytes(),
                         np.packbits(self.informative).tobytes(),
                         self.audio.astype("<u4").tobytes(), self.audio_level.tobytes()])

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        """Inverse of :meth:`to_bytes`; ValueError for anything else."""
        data = bytes(data)
        if len(data) < _HEADER.size or data[:4] != _MAGIC:
            raise ValueError("not a tenku fingerprint")
        _, version, v, hop, duration, n, m = _HEADER.unpack_from(data)
        if version != FORMAT_VERSION:
            raise ValueError(f"fingerprint format version {version} is not supported "
                             f"(this tenku reads version {FORMAT_VERSION})")
        sizes = [n * v * 8, (n + 7) // 8, m * 4, m]
        if len(data) != _HEADER.size + sum(sizes):
            raise ValueError("corrupt tenku fingerprint (wrong length)")
        parts, pos = [], _HEADER.size
        for size in sizes:
            parts.append(data[pos:pos + size])
            pos += size
        return cls(duration=duration,
                   picture=np.frombuffer(parts[0], "<u8").astype(np.uint64).reshape(n, v),
                   informative=np.unpackbits(np.frombuffer(parts[1], np.uint8))[:n].astype(bool),
                   audio=np.frombuffer(parts[2], "<u4").astype(np.uint32),
                   audio_level=np.frombuffer(parts[3], np.uint8).copy(), audio_hop=hop)


def fingerprint_file(path: Path, *, max_seconds: float | None = None) -> Fingerprint:
    """Fingerprint the video at ``path`` (only its first ``max_seconds`` if given).

    Decodes with PyAV as a stream: only the current frame, the sampled frames' hashes and a
    few seconds of 5.5 kHz mono sound are held at any time. Raises ValueError naming the file
    when it is not a video, has no video stream or cannot be decoded (FileNotFoundError when
    there is no such file)."""
    import av

    from tenku.media import open_video

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    container, vs = open_video(path)
    limit = math.inf if max_seconds is None else float(max_seconds)
    end = 2**62 if max_seconds is None else int(limit * AUDIO_RATE)  # last audio sample + 1
    hashes: list[np.ndarray] = []
    informative: list[bool] = []
    hasher = _AudioHasher()
    state = {"t0": None, "fed": 0, "last": 0.0}  # first frame's time, samples fed, last frame
    early: list[tuple[float, np.ndarray]] = []  # sound decoded before the first picture

    def feed_audio(start: float, samples: np.ndarray) -> None:
        """Place samples on the picture's timeline (zero = the first frame): gaps and a late
        start become silence, sound before the first frame is dropped."""
        first = round((start - state["t0"]) * AUDIO_RATE)
        if first > state["fed"]:
            gap = min(first, end) - state["fed"]
            if gap <= 0:
                return
            hasher.feed(np.zeros(gap, np.float32))
            state["fed"] += gap
        skip = state["fed"] - first
        part = samples[skip:skip + max(0, end - state["fed"])] if skip < len(samples) else samples[:0]
        hasher.feed(part)
        state["fed"] += len(part)

    with container:
        vs.thread_type = "AUTO"
        streams = [vs, *container.streams.audio[:1]]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE)
        try:
            for packet in container.demux(*streams):
                frames = packet.decode()
                if any(isinstance(f, av.VideoFrame) and f.time is not None
                       and state["t0"] is not None and f.time - state["t0"] >= limit + 1.0
                       for f in frames):
                    break  # a second past the limit: reordered frames before it are out
                for frame in frames:
                    if frame.time is None:
                        continue
                    if isinstance(frame, av.VideoFrame):
                        if state["t0"] is None:
                            state["t0"] = float(frame.time)
                            for start, samples in early:
                                feed_audio(start, samples)
                            early.clear()
                        t = float(frame.time) - state["t0"]
                        if t >= limit:
                            continue
                        state["last"] = max(state["last"], t)
                        slot = math.floor(t * PICTURE_FPS + 1e-6)  # first frame at/after k/4 s
                        if slot >= len(hashes):
                            gray = frame.reformat(width=_THUMB, height=_THUMB, format="gray",
                                                  interpolation="AREA").to_ndarray()
                            h, ok = _frame_hashes(gray)
                            while len(hashes) <= slot:
                                hashes.append(h)
                                informative.append(ok)
                    else:
                        for rf in resampler.resample(frame):
                            samples = rf.to_ndarray().reshape(-1)
                            start = float(rf.time if rf.time is not None else frame.time)
                            if state["t0"] is None:
                                early.append((start, samples))
                            else:
                                feed_audio(start, samples)
        except (av.FFmpegError, ValueError) as exc:
            raise ValueError(f"{path} is corrupt or not a video (decoding failed: {exc})") from exc
        rate = vs.average_rate or vs.guessed_rate
        # what the header promises: the video stream's length (the container's may include
        # a longer sound track, so it only counts for a file without sound)
        declared = (float(vs.duration * vs.time_base) if vs.duration and vs.time_base
                    else 0.0 if container.streams.audio else (container.duration or 0) / 1e6)
    if not hashes:
        raise ValueError(f"{path} has no decodable video frames")
    duration = state["last"] + (1 / float(rate) if rate else 1 / PICTURE_FPS)
    expected = min(declared, limit)
    if expected > duration + max(1.0, 0.1 * expected):
        raise ValueError(f"{path} is truncated or corrupt: it promises {expected:.1f} s of video "
                         f"but only {duration:.1f} s could be decoded")
    words, levels = hasher.result()
    keep = min(len(words), math.ceil(duration * AUDIO_RATE / AUDIO_HOP))  # none past the picture
    return Fingerprint(duration=duration, picture=np.stack(hashes),
                       informative=np.array(informative), audio=words[:keep],
                       audio_level=levels[:keep])


# -- matching ----------------------------------------------------------------------------------

@dataclass
class Match:
    """A video of the index that the query is a copy or excerpt of: ``score`` 0..1
    (1 = identical), ``offset`` seconds into the source where the query starts (negative if
    the query starts before it), ``picture`` and ``audio`` the similarities behind the score
    (``audio`` None when there was no sound to compare)."""

    key: str
    score: float
    offset: float
    picture: float
    audio: float | None


_A_MIN = round(1.0 / _A_STEP)  # index sub-fingerprints (1 s) needed for audio evidence
_P_MIN = 2  # informative frames needed for picture evidence
_PAD_S = 5.0  # seconds of padding between videos in the index's flat arrays
_COARSE_FRAMES = 6  # query frames used by the first pass
_COARSE_WORDS = 16  # query sub-fingerprints used by the first pass
_CANDIDATES = 16  # best videos per modality of the first pass that are scored exactly
_COARSE_MARGIN = 0.15  # ... if their first-pass similarity is within this of the threshold


def _combine(p: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Score from picture and sound similarity where both videos have sound: the weaker of
    the two. A copy keeps both; two different tenku videos of one place and seed often share
    the look (same room) and sometimes the sound of an event (the same event makes the same
    seeded noise), hardly ever both."""
    return np.minimum(p, a)


def _slid(total: int, terms, floor: int, starts: np.ndarray) -> np.ndarray:
    """The first pass's score per indexed video: each term (agreement 0-32 per index
    position, which positions count, the query position it came from) is slid back by that
    position, so every start offset collects its query's agreements; the mean agreement per
    offset (over at least ``floor`` terms) is maxed over each video's offsets."""
    s = np.zeros(total, np.uint16)
    c = np.zeros(total, np.uint8)
    for agree, ok, shift in terms:
        agree *= ok
        s[: total - shift] += agree[shift:]
        c[: total - shift] += ok[shift:]
    score = s / (32.0 * np.maximum(c, floor))
    return np.maximum.reduceat(score, starts[:-1])


def _spread(positions: np.ndarray, k: int) -> np.ndarray:
    """Up to k of ``positions``, evenly spread."""
    if len(positions) <= k:
        return positions
    return positions[np.linspace(0, len(positions) - 1, k).round().astype(int)]


def _phases(fp: Fingerprint) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """The sound of ``fp`` at INDEX_HOP: one (words, levels, start seconds) per phase."""
    step = INDEX_HOP // fp.audio_hop
    return [(fp.audio[p::step], fp.audio_level[p::step], p * fp.audio_hop / AUDIO_RATE)
            for p in range(step)]


class FingerprintIndex:
    """Fingerprints of many videos laid out for fast search: build once, query often.

    ``FingerprintIndex(items)`` with ``items`` an iterable of ``(key, Fingerprint)``;
    :meth:`add` appends more. Only what an indexed video needs is kept (see
    :meth:`Fingerprint.for_index`); the flat arrays are (re)built on the first search after
    a change."""

    def __init__(self, items: Iterable[tuple[str, Fingerprint]] = ()) -> None:
        self.keys: list[str] = []
        self._fps: list[Fingerprint] = []
        self._weights: list[np.ndarray] = []
        self._flat: dict | None = None
        for key, fp in items:
            self.add(key, fp)

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: str, fp: Fingerprint) -> None:
        fp = fp if fp.picture.shape[1] == 1 and fp.audio_hop == INDEX_HOP else fp.for_index()
        self.keys.append(str(key))
        self._fps.append(fp)
        self._weights.append(_audio_weights(fp.audio_level))
        self._flat = None

    def _build(self) -> dict:
        """Every video's central hashes (and sub-fingerprints) in one flat array, each video
        preceded by _PAD_S seconds of padding, so that a query may start before a video and a
        shifted read never runs from one video into the next; per-video start positions.
        The sound is kept split into even and odd positions for the first pass."""
        if self._flat is not None:
            return self._flat
        pad_p, pad_a = int(_PAD_S * PICTURE_FPS), 2 * round(_PAD_S / _A_STEP / 2)
        pic, pok, aud, aok = [], [], [], []
        pstart = np.zeros(len(self._fps) + 1, np.int64)
        astart = np.zeros(len(self._fps) + 1, np.int64)
        for i, fp in enumerate(self._fps):
            odd = len(fp.audio) % 2  # even lengths keep the parity of positions
            pic += [np.zeros(pad_p, np.uint64), fp.picture[:, 0]]
            pok += [np.zeros(pad_p, np.uint8), fp.informative.astype(np.uint8)]
            aud += [np.zeros(pad_a, np.uint32), fp.audio, np.zeros(odd, np.uint32)]
            aok += [np.zeros(pad_a, np.uint8), fp.audible.astype(np.uint8), np.zeros(odd, np.uint8)]
            pstart[i + 1] = pstart[i] + pad_p + len(fp.picture)
            astart[i + 1] = astart[i] + pad_a + len(fp.audio) + odd
        pic.append(np.zeros(pad_p, np.uint64))
        pok.append(np.zeros(pad_p, np.uint8))
        aud.append(np.zeros(pad_a, np.uint32))
        aok.append(np.zeros(pad_a, np.uint8))
        aud_all, aok_all = np.concatenate(aud), np.concatenate(aok)
        self._flat = {"pic": np.concatenate(pic), "pok": np.concatenate(pok),
                      "aud": (aud_all[0::2].copy(), aud_all[1::2].copy()),
                      "aok": (aok_all[0::2].copy(), aok_all[1::2].copy()),
                      "pstart": pstart, "astart": astart // 2, "pad_p": pad_p, "pad_a": pad_a}
        return self._flat

    def _coarse_picture(self, query: Fingerprint) -> np.ndarray | None:
        """First pass, picture: for every video, the best mean similarity over every start
        offset, from a few informative query frames (each at the crop variant that fits the
        index frame best). Integer arithmetic: max(0, 32 - Hamming distance) per frame pair."""
        flat = self._build()
        picks = _spread(np.flatnonzero(query.informative[:flat["pad_p"]]), _COARSE_FRAMES)
        if len(picks) == 0:
            return None
        pic, ok = flat["pic"], flat["pok"]

        def terms():
            for q in picks:
                d = np.bitwise_count(pic ^ query.picture[q, 0])
                for v in range(1, query.picture.shape[1]):
                    np.minimum(d, np.bitwise_count(pic ^ query.picture[q, v]), out=d)
                np.minimum(d, 32, out=d)  # more than 32 bits apart is as unrelated as it gets
                yield np.subtract(32, d, out=d), ok, q

        return _slid(len(pic), terms(), min(len(picks), 3), flat["pstart"])

    def _coarse_audio(self, query: Fingerprint) -> np.ndarray | None:
        """First pass, sound: the same with a few of the query's loudest sub-fingerprints
        (first phase), at every second start offset: neighbouring sub-fingerprints overlap
        by 7/8, so one step off still matches well above chance."""
        flat = self._build()
        words, levels, _ = _phases(query)[0]
        head = levels[:flat["pad_a"]]
        audible = np.flatnonzero(head != 255)
        if len(audible) < _A_MIN:
            return None
        loudest = audible[np.argsort(head[audible], kind="stable")[: 4 * _COARSE_WORDS]]
        picks = _spread(np.sort(loudest), _COARSE_WORDS)

        def terms():
            for q in picks:
                aud, ok = flat["aud"][q % 2], flat["aok"][q % 2]  # positions 2j + q
                d = np.bitwise_count(aud ^ words[q])
                yield np.subtract(32, d, out=d), ok, q // 2

        return _slid(len(flat["aud"][0]), terms(), min(len(picks), 4), flat["astart"])

    def search(self, query: Fingerprint, threshold: float = MATCH_THRESHOLD) -> list[Match]:
        """Matches scoring at least ``threshold``, best first (see :func:`match`)."""
        if not self.keys:
            return []
        k = min(_CANDIDATES, len(self.keys))
        cand: set[int] = set()
        floor = threshold - _COARSE_MARGIN  # the first pass is noisy: keep a margin
        cp, ca = self._coarse_picture(query), self._coarse_audio(query)
        if ca is not None:
            ca = 2 * ca - 1  # fraction of equal bits -> 1 - 2 * bit error rate, like the score
        for coarse in (cp, ca):
            if coarse is not None:
                best = np.argpartition(-coarse, k - 1)[:k]
                cand.update(best[coarse[best] >= floor].tolist())
        out = []
        for i in sorted(cand):
            found = _score_pair(query, self._fps[i], self._weights[i])
            if found is not None and found.score >= threshold:
                found.key = self.keys[i]
                out.append(found)
        out.sort(key=lambda m: (-m.score, m.key))
        return out


def _diagonal_sums(x: np.ndarray) -> np.ndarray:
    """Sums of (..., n, m) matrices along their diagonals: for offset k = j - i from -(n-1)
    to m-1, at index k + n - 1. A skewed strided view makes every diagonal a column."""
    *lead, n, m = x.shape
    z = np.zeros((*lead, n, m + 2 * (n - 1)), np.float32)
    z[..., n - 1:n - 1 + m] = x
    st = z.strides
    view = np.lib.stride_tricks.as_strided(z, shape=(*lead, n, n + m - 1),
                                           strides=(*st[:-2], st[-2] + st[-1], st[-1]))
    return view.sum(axis=-2, dtype=np.float64)


def _curve(sim: np.ndarray, weight: np.ndarray, n_min: int) -> np.ndarray:
    """Weighted mean similarity of (..., n, m) pair matrices at each offset (as
    :func:`_diagonal_sums`), for weights (n, m) shared by all; NaN with fewer than ``n_min``
    counted pairs. An alignment that overlaps the other clip less than fully (min(n, m)
    positions) is scaled down as if the missing part were unrelated: a second of overlap at
    the very end of a clip is no proof."""
    n, m = weight.shape
    total = _diagonal_sums(sim * weight)
    wsum = _diagonal_sums(weight)
    count = _diagonal_sums((weight > 0).astype(np.float32))
    if count.max() <= 0:
        return np.full(total.shape, np.nan)
    k = np.arange(n + m - 1) - (n - 1)
    overlap = np.minimum(n, m - k) - np.maximum(0, -k)
    mean = total / np.maximum(wsum, 1e-9) * (overlap / min(n, m))
    return np.where(count >= min(n_min, count.max()), mean, np.nan)


def _picture_curve(q: Fingerprint, s: Fingerprint) -> np.ndarray | None:
    """Picture similarity at each frame offset (index k + n - 1), with the query's crop
    variant that fits best, the same for the whole clip."""
    n, m = len(q.picture), len(s.picture)
    if not n or not m:
        return None
    ok = (q.informative[:, None] & s.informative[None, :]).astype(np.float32)
    if not ok.any():
        return None
    dist = np.bitwise_count(q.picture.T[:, :, None] ^ s.picture[None, None, :, 0])  # (V, n, m)
    curves = _curve(1.0 - dist.astype(np.float32) / 32, ok, _P_MIN)
    if np.all(np.isnan(curves)):
        return None
    best = np.max(np.where(np.isnan(curves), -np.inf, curves), axis=0)
    return np.where(np.isinf(best), np.nan, best)


def _score_pair(q: Fingerprint, s: Fingerprint, sw: np.ndarray | None = None) -> Match | None:
    """How well query ``q`` matches source ``s`` at their best alignment (a Match with an
    empty key), or None when there is nothing to compare."""
    n = len(q.picture)
    p_curve = _picture_curve(q, s)
    if not (q.has_sound and s.has_sound):  # the picture alone
        if p_curve is None:
            return None
        j = int(np.nanargmax(p_curve))
        p = float(np.clip(p_curve[j], 0.0, 1.0))
        return Match("", p, (j - (n - 1)) * _P_STEP, p, None)
    (sa, sl, _), = _phases(s) if s.audio_hop == INDEX_HOP else _phases(s.for_index())
    sw = _audio_weights(sl) if sw is None else sw
    best: Match | None = None
    for qa, ql, start in _phases(q):
        if not len(qa) or not len(sa):
            continue
        qw = _audio_weights(ql)
        qok, sok = (ql != 255)[:, None], (sl != 255)[None, :]
        # a pair counts if either side has sound there (sound against silence is a mismatch),
        # as much as the louder side's event weight
        weight = (np.maximum(qw[:, None], sw[None, :]) * (qok | sok)).astype(np.float32)
        sim = np.where(qok & sok, 1.0 - np.bitwise_count(qa[:, None] ^ sa[None, :]) / np.float32(16),
                       np.float32(0)).astype(np.float32)
        a_curve = _curve(sim, weight, _A_MIN)
        offsets = (np.arange(len(a_curve)) - (len(qa) - 1)) * _A_STEP - start
        a = np.clip(np.nan_to_num(a_curve, nan=0.0), 0.0, 1.0)
        if p_curve is None:  # a picture without structure: the sound alone
            p = np.zeros_like(a)
            score = a
        else:
            pj = np.clip(np.round(offsets / _P_STEP).astype(int) + n - 1, 0, len(p_curve) - 1)
            p = np.clip(np.nan_to_num(p_curve[pj], nan=0.0), 0.0, 1.0)
            score = _combine(p, a)
        j = int(np.argmax(score))
        if best is None or score[j] > best.score:
            best = Match("", float(score[j]), float(offsets[j]), float(p[j]), float(a[j]))
    return best


def match(query: Fingerprint, index: Iterable[tuple[str, Fingerprint]] | FingerprintIndex,
          *, threshold: float = MATCH_THRESHOLD) -> list[Match]:
    """The videos of ``index`` that ``query`` is a copy or excerpt of, best first: those
    scoring at least ``threshold`` (default :data:`MATCH_THRESHOLD`).

    ``index`` is an iterable of ``(key, Fingerprint)`` or, to search many times, a
    :class:`FingerprintIndex` built once (building is the slow part for big indexes: about
    1.5 s for 10,000 videos of 20 s, then about 0.15 s a query on 2 cores). Only the best
    candidates of the first pass are scored exactly, so even ``threshold=0`` lists at most
    2 x 16 videos."""
    if not isinstance(index, FingerprintIndex):
        index = FingerprintIndex(index)
    return index.search(query, threshold)
