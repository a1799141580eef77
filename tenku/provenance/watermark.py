"""The invisible watermark: a 64-bit payload hidden in the picture, readable after the usual
things that happen to a clip on its way around the internet.

Design (spread spectrum in the pixel domain, a tiled template, folding detection):

* **Payload**: 8 bytes (issuer tag + video serial, see :func:`tenku.provenance.stamp.payload_for`), Reed–Solomon
  encoded with 16 parity bytes (``reedsolo``: corrects 8 wrong bytes, or 16 known-bad ones)
  to a 192-bit codeword.
* **Tile**: a 16x16 grid of chips, each ±1. 64 chips are a *sync* pattern fixed for every
  tenku (so any tenku can look for the mark); the other 192 carry the codeword, each bit
  XORed with a fixed key sign so long runs of equal bits do not make visible structure. The
  grid is upsampled periodically and smoothly (zero padding in the Fourier domain) to a tile
  of ``16 * chip`` pixels, ``chip`` growing with the frame so the mark sits in the same
  middle frequencies at any resolution, low enough to survive H.264 and a 0.5x downscale.
* **Embedding** adds the same tile, repeated over the whole frame, to every frame's luma
  (equally to R, G and B, so colours do not shift), at an RMS of :data:`STRENGTH` levels
  in busy parts of the frame and :data:`MASK_FLOOR` of that in flat ones (busy texture hides
  the pattern). The same mark in every frame is the temporal redundancy: any excerpt carries it.
* **Detection** averages the frames' luma (the mark adds up, moving content averages out),
  then needs the tile's period in the clip's pixels (rescaling changes it) and its phase
  (cropping shifts it). The period comes from the averaged image's autocorrelation, which
  peaks at one tile (and two) because the mark repeats; a few periods around each peak are
  tried, then the best is refined in 0.1 % steps. For each, the image is high-passed at
  chip scale and clipped at one standard deviation (the host picture's broad shapes and
  hard edges would swamp the mark), resampled to the reference chip size and *folded*:
  every tile summed onto one, which adds up the mark from every tile while the picture,
  not periodic, averages out. A circular cross-correlation of the folded tile with the sync
  pattern finds the phase. The data chips at that phase are read by matched filtering, then
  Reed–Solomon decoded, again with the least certain bytes as erasures. The score is the
  sync peak in standard deviations of the correlation surface left once the mark found
  (sync and decoded data) is subtracted from the tile.
* **False positives**: a clip counts as marked only if the score, with a Bonferroni
  correction over every phase and period tried, leaves a chance below
  :data:`FALSE_POSITIVE_RATE` (1e-6) that an unmarked clip scores as high, *and* the
  codeword decodes and agrees with at least :data:`MIN_AGREEMENT` of the raw bits (a
  Reed–Solomon miscorrection does not). ``bench/watermark.py`` checks this on 1,000
  unmarked clips (tenku renders, noise, periodic textures).
* **Cost**: embedding is a block-activity mask and one add per frame (about 5 % of a 720p
  frame's render time); detection is dominated by decoding the frames.

The pattern is public (a fixed seed): the watermark lets anyone trace a clip, while
authenticity comes from the signed C2PA manifest, not from the mark.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Iterable

import numpy as np

#: chips along each side of a tile
CHIPS = 16
#: the reference chip size (pixels) detection resamples to
REF_CHIP = 4
REF_TILE = CHIPS * REF_CHIP
PAYLOAD_BYTES = 8
PARITY_BYTES = 16
#: chips of a tile that carry the sync pattern (the rest carry the codeword's bits)
SYNC_CHIPS = 64
#: RMS of the mark in luma levels (0..255) where the picture is busy (38.3 dB PSNR there)
STRENGTH = 3.1
#: the share of it left on flat areas (about 41 dB PSNR on tenku's mostly flat renders)
MASK_FLOOR = 0.6
#: a clip counts as marked only if an unmarked one would score as high this rarely
FALSE_POSITIVE_RATE = 1e-6
#: a decoded codeword must agree with this share of the raw bits, or it is a miscorrection
MIN_AGREEMENT = 0.85
_SEED = 0x7E4C0  # the public pattern's seed: every tenku looks for the same mark
_MAX_FRAMES = 480  # detection reads at most this many frames (20 s at 24 fps)


def chip_size(width: int, height: int) -> int:
    """Pixels per chip: 6 at 720p, 9 at 1080p, never below 3. Bigger chips survive
    compression better but fewer tiles fit the frame, so the fold averages out less of
    the picture; a sixth of a percent of the short side measured best (bench/watermark.py)."""
    return max(3, round(min(width, height) / 120))


def _layout() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(sync positions, sync signs, data positions, data key signs), fixed for every tenku."""
    rng = np.random.default_rng(_SEED)
    order = rng.permutation(CHIPS * CHIPS)
    sync_pos, data_pos = order[:SYNC_CHIPS], order[SYNC_CHIPS:]
    sync_sign = rng.choice([-1.0, 1.0], len(sync_pos))
    key = rng.choice([-1.0, 1.0], len(data_pos))
    return sync_pos, sync_sign, data_pos, key


_SYNC_POS, _SYNC_SIGN, _DATA_POS, _KEY = _layout()


def _upsample(grid: np.ndarray, size: int) -> np.ndarray:
    """A periodic, smooth ``size x size`` image through the chip values (Fourier zero padding:
    the tile wraps seamlessly, so a tiled frame has no seams)."""
    n = grid.shape[0]
    spec = np.fft.fftshift(np.fft.fft2(grid))
    pad = np.zeros((size, size), complex)
    o = size // 2 - n // 2
    pad[o:o + n, o:o + n] = spec
    return np.real(np.fft.ifft2(np.fft.ifftshift(pad))) * (size * size) / (n * n)


def _chips(bits: np.ndarray | None) -> np.ndarray:
    """The 16x16 chip grid: sync chips, plus data chips for ``bits`` (zeros when None)."""
    grid = np.zeros(CHIPS * CHIPS)
    grid[_SYNC_POS] = _SYNC_SIGN
    if bits is not None:
        grid[_DATA_POS] = (2.0 * bits - 1.0) * _KEY
    return grid.reshape(CHIPS, CHIPS)


def _rs():
    import reedsolo

    return reedsolo.RSCodec(PARITY_BYTES)


def encode_payload(payload: bytes) -> np.ndarray:
    """8 payload bytes -> 192 codeword bits (0/1)."""
    if len(payload) != PAYLOAD_BYTES:
        raise ValueError(f"a watermark payload is {PAYLOAD_BYTES} bytes, got {len(payload)}")
    code = bytes(_rs().encode(payload))
    return np.unpackbits(np.frombuffer(code, np.uint8)).astype(np.float64)


class Embedder:
    """Adds the mark for ``payload`` to ``width x height`` RGB frames. The full-frame pattern
    is built once, so each frame costs a masking filter and an add."""

    def __init__(self, width: int, height: int, payload: bytes):
        chip = chip_size(width, height)
        tile = _upsample(_chips(encode_payload(payload)), CHIPS * chip)
        tile *= STRENGTH / tile.std()
        reps = (math.ceil(height / tile.shape[0]), math.ceil(width / tile.shape[1]))
        self.pattern = np.tile(tile, reps)[:height, :width].astype(np.float32)
        self.width, self.height = width, height
        self._block = max(8, 2 * chip)

    def _mask(self, luma: np.ndarray) -> np.ndarray:
        """Local activity mask: full strength where the picture is busy (texture hides the
        pattern), :data:`MASK_FLOOR` of it on flat walls and skies, where mottling shows
        first. Lower floors were tried: at 0.35 a 0.5x downscale already loses the payload
        of tenku's mostly flat rendered rooms (bench/watermark.py). Computed on blocks."""
        b = self._block
        h, w = (luma.shape[0] // b) * b, (luma.shape[1] // b) * b
        act = luma[:h, :w].reshape(h // b, b, w // b, b).std(axis=(1, 3))
        m = np.clip(MASK_FLOOR + act / 8.0, MASK_FLOOR, 1.0).astype(np.float32)
        out = np.empty(luma.shape, np.float32)
        out[:h, :w] = np.repeat(np.repeat(m, b, axis=0), b, axis=1)
        out[h:, :w] = out[h - 1:h, :w]
        out[:, w:] = out[:, w - 1:w]
        return out

    def apply(self, frame: np.ndarray) -> np.ndarray:
        """The marked copy of one ``(height, width, 3)`` uint8 RGB frame."""
        f = frame.astype(np.float32)
        luma = f @ np.array([0.2126, 0.7152, 0.0722], np.float32)
        delta = self.pattern * self._mask(luma)
        return np.clip(f + delta[:, :, None] + 0.5, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------------------------
# detection
# ---------------------------------------------------------------------------------------------


@dataclass
class Detection:
    found: bool
    payload: str | None  # hex
    confidence: float  # 1 - the chance an unmarked clip scores this high
    score: float  # sync peak, in standard deviations
    bit_accuracy: float | None  # data chips that agree with the decoded codeword
    period: float | None  # tile period found, in the clip's pixels
    frames: int

    def to_json(self) -> dict:
        return {"found": self.found, "payload": self.payload,
                "confidence": round(self.confidence, 6), "score": round(self.score, 2),
                "bit_accuracy": None if self.bit_accuracy is None else round(self.bit_accuracy, 4),
                "period": None if self.period is None else round(self.period, 3),
                "frames": self.frames}


def _templates() -> tuple[np.ndarray, np.ndarray]:
    """The sync template (REF_TILE^2) and one matched filter per data chip (n x REF_TILE^2),
    both at the reference chip size."""
    sync = _upsample(_chips(None), REF_TILE)
    basis = np.zeros((len(_DATA_POS), REF_TILE * REF_TILE))
    for i, pos in enumerate(_DATA_POS):
        g = np.zeros(CHIPS * CHIPS)
        g[pos] = 1.0
        basis[i] = _upsample(g.reshape(CHIPS, CHIPS), REF_TILE).ravel()
    return sync, basis


_SYNC_T, _DATA_T = _templates()
_SYNC_F = np.conj(np.fft.fft2(_SYNC_T))


def _bandpass(img: np.ndarray, fine: float, coarse: float) -> np.ndarray:
    """Difference of Gaussians: drops the picture's broad shapes (which would swamp the mark)
    and the finest detail (mostly compression noise, where the smooth mark has no energy)."""
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(img, fine) - gaussian_filter(img, coarse)


def candidate_periods(avg: np.ndarray, limit: int = 3) -> list[float]:
    """Tile periods (pixels) the averaged image repeats at, best first: peaks of its
    autocorrelation along x and y together, refined to sub-pixel by a parabola."""
    hp = _bandpass(avg, 0.7, 4.0)
    hp -= hp.mean()
    h, w = hp.shape
    power = np.abs(np.fft.rfft2(hp, s=(2 * h, 2 * w))) ** 2
    ac = np.fft.irfft2(power, s=(2 * h, 2 * w))
    lo, hi = CHIPS * 3 // 2, min(h, w) // 2
    if ac[0, 0] <= 0 or hi <= lo + 2:
        return []
    lags = np.arange(lo, hi)
    # per-lag normalisation: fewer pixels overlap at larger lags
    prof = ac[0, lags] / (h * (w - lags)) + ac[lags, 0] / ((h - lags) * w)
    prof = prof - np.median(prof)
    peaks = [i for i in range(1, len(prof) - 1) if prof[i] >= prof[i - 1] and prof[i] > prof[i + 1]]
    peaks.sort(key=lambda i: -prof[i])
    out = []
    for i in peaks[:limit]:
        a, b, c = prof[i - 1], prof[i], prof[i + 1]
        den = a - 2 * b + c
        out.append(float(lags[i] + (0.5 * (a - c) / den if den < 0 else 0.0)))
    return out


def _filtered(avg: np.ndarray, period: float) -> np.ndarray:
    """High-pass at the scale a tile of ``period`` pixels implies (a Gaussian band-pass from
    an eighth of a chip to three quarters of one: the host picture's shapes are broad, the
    mark's chip edges are not), then clipped at one standard deviation, which makes the fold
    close to a sign correlation: edges and highlights count no more than flat areas. Both
    were tuned on attacked clips (bench/watermark.py); wider pass bands and looser clipping
    lost the payload after a crop + CRF 28."""
    k = period / REF_TILE
    img = _bandpass(avg, 0.5 * k, 0.75 * REF_CHIP * k)
    s = img.std() + 1e-9
    return np.clip(img, -s, s)


def _fold(img: np.ndarray, period: float) -> np.ndarray | None:
    """Resample a filtered image to the reference chip size and add every tile (partial ones
    at the edges too) onto one, averaging where tiles overlap."""
    from scipy.ndimage import zoom

    img = zoom(img, REF_TILE / period, order=1, prefilter=False)
    h, w = img.shape
    if min(h, w) < REF_TILE // 2:
        return None
    ty, tx = -(-h // REF_TILE), -(-w // REF_TILE)
    pad = np.zeros((ty * REF_TILE, tx * REF_TILE))
    cnt = np.zeros_like(pad)
    pad[:h, :w], cnt[:h, :w] = img, 1.0
    shape = (ty, REF_TILE, tx, REF_TILE)
    total = pad.reshape(shape).sum(axis=(0, 2))
    n = cnt.reshape(shape).sum(axis=(0, 2))
    return total / np.sqrt(np.maximum(n, 1.0))


def _correlate(tile: np.ndarray) -> np.ndarray:
    """Circular cross-correlation with the sync template: one value per phase."""
    return np.real(np.fft.ifft2(np.fft.fft2(tile) * _SYNC_F))


def _read_bits(tile: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Soft values of the codeword bits at phase (dy, dx): positive means 1."""
    aligned = np.roll(tile, (-dy, -dx), axis=(0, 1)).ravel()
    return (_DATA_T @ aligned) * _KEY


def _decode(soft: np.ndarray) -> bytes | None:
    """Reed-Solomon decode the hard bits, and again with the 2, 4, ... 14 least certain bytes
    declared erasures (each erasure costs half an error's worth of parity, so more errors
    among the certain bytes can be fixed); of the codewords found, the one that agrees best
    with the soft values wins. The caller rejects a result that agrees poorly (a
    miscorrection)."""
    import reedsolo

    code = bytearray(np.packbits((soft > 0).astype(np.uint8)).tobytes())
    rs = _rs()
    weak = [int(i) for i in np.argsort(np.abs(soft).reshape(-1, 8).min(axis=1))]
    best, best_fit = None, -math.inf
    for n_erase in range(0, PARITY_BYTES, 2):
        try:
            payload = bytes(rs.decode(code, erase_pos=weak[:n_erase])[0])
        except reedsolo.ReedSolomonError:
            continue
        fit = float(np.dot(soft, 2 * encode_payload(payload) - 1))
        if fit > best_fit:
            best, best_fit = payload, fit
    return best


def _pattern(bits: np.ndarray | None) -> np.ndarray:
    return _upsample(_chips(bits), REF_TILE)


def _chance(z: float, tests: int) -> float:
    """Bonferroni-corrected chance that an unmarked clip scores ``z`` or more somewhere among
    ``tests`` hypotheses."""
    return min(1.0, tests * 0.5 * math.erfc(z / math.sqrt(2)))


def _score(tile: np.ndarray) -> tuple[float, int, int, bytes | None, float | None]:
    """(z, dy, dx, payload, bit agreement) for one folded tile.

    The z-score divides the sync peak by the spread of the correlation surface *after the
    mark found is taken out of the tile*: otherwise the mark's own side lobes (its data chips
    and its sync pattern's autocorrelation) would count as noise and cap the score."""
    c = _correlate(tile)
    k = int(np.argmax(c))
    dy, dx = divmod(k, REF_TILE)
    soft = _read_bits(tile, dy, dx)
    payload = _decode(soft)
    bits = encode_payload(payload) if payload is not None else None
    model = np.roll(_pattern(bits), (dy, dx), axis=(0, 1))
    amp = float(np.vdot(tile, model) / np.vdot(model, model))
    resid = _correlate(tile - amp * model)
    z = float((c.flat[k] - c.mean()) / (resid.std() + 1e-12))
    agree = None if bits is None else float(np.mean((soft > 0) == (bits > 0.5)))
    return z, dy, dx, payload, agree


def _best(avg: np.ndarray, base: float, factors) -> tuple | None:
    """(z, period, payload, agreement) of the period ``base * f`` that scores highest. The
    image is filtered once per base period: the factors differ by fractions of a percent."""
    img = _filtered(avg, base)
    best = None
    for period in (base * f for f in factors):
        tile = _fold(img, period)
        if tile is None:
            continue
        z, _, _, payload, agree = _score(tile)
        if best is None or z > best[0]:
            best = (z, period, payload, agree)
    return best


def detect_average(avg: np.ndarray, frames: int) -> Detection:
    """Detect in an averaged luma image (float, H x W)."""
    # the autocorrelation also peaks at two tiles, sometimes higher than at one; a busy
    # picture (court lines) can outrank the mark's own peaks, so the tile tenku embeds at
    # this frame size is always tried too (a clip not rescaled since it was made has it)
    found = candidate_periods(avg)
    native = float(CHIPS * chip_size(avg.shape[1], avg.shape[0]))
    bases = sorted({round(q, 1) for p in found for q in (p, p / 2) if q >= CHIPS * 3 / 2}
                   | {native})
    coarse = (0.997, 1.0, 1.003)
    tried = [b for b in (_best(avg, base, coarse) for base in bases) if b is not None]
    if not tried:
        return Detection(False, None, 0.0, 0.0, None, None, frames)
    best = max(tried, key=lambda b: b[0])
    # a period off by 0.2 % already smears the fold across a wide frame: refine around the best
    fine = [1 + k / 1000 for k in range(-5, 6) if k]
    best = max([best, _best(avg, best[1], fine) or best], key=lambda b: b[0])
    z, period, payload, agree = best
    chance = _chance(z, REF_TILE * REF_TILE * (len(bases) * len(coarse) + len(fine)))
    marked = chance <= FALSE_POSITIVE_RATE
    readable = marked and payload is not None and agree is not None and agree >= MIN_AGREEMENT
    return Detection(readable, payload.hex() if readable else None, max(0.0, 1.0 - chance), z,
                     agree if readable else None, period, frames)


def average_luma(frames: Iterable[np.ndarray]) -> tuple[np.ndarray | None, int]:
    """Mean of the frames' luma planes (2-D uint8 arrays)."""
    acc, n = None, 0
    for y in frames:
        acc = y.astype(np.float64) if acc is None else acc + y
        n += 1
    return (None, 0) if acc is None else (acc / n, n)


def detect_file(path: str | Path, *, max_frames: int = _MAX_FRAMES) -> Detection:
    """Look for the mark in the first ``max_frames`` frames of a video file (any container
    PyAV reads). Raises ValueError (``MediaError``) for a file with no decodable video."""
    from tenku.media import MediaError, decode_frames

    avg, n = average_luma(islice(decode_frames(path, pixels="gray"), max_frames))
    if avg is None:
        raise MediaError(f"{path} has no decodable video frames")
    return detect_average(avg, n)
