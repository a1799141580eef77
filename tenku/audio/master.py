"""Room reverb, loudness (ITU-R BS.1770 via pyloudnorm), true peak and a look-ahead limiter.

Everything that touches the foley is causal: the reverb convolves with an impulse response
that starts at its pre-delay, and the limiter only lowers gain (its look-ahead may start
turning the gain down ~1.5 ms before a peak, which ducks what is already sounding but never
makes sound before an onset).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d
from scipy.signal import butter, lfilter, oaconvolve, resample_poly

from tenku.audio.synth import SR, stable_seed

SILENCE_LUFS = -70.0  # what loudness reads when there is nothing to measure (BS.1770's gate)
SILENCE_DBTP = -120.0


@dataclass(frozen=True)
class Room:
    rt60: float  # s
    wet: float  # reverb send level (energy ratio-ish)
    predelay: float  # s
    damping: float = 0.5  # how much faster highs decay (0 = not at all)


ROOMS: dict[str, Room] = {
    "studio": Room(0.35, 0.10, 0.006),
    "basketball_court": Room(1.3, 0.18, 0.025, 0.6),
    "kitchen": Room(0.55, 0.16, 0.005, 0.35),
    "living_room": Room(0.45, 0.10, 0.006, 0.65),
    "water_tank": Room(0.4, 0.10, 0.006),
    "pool": Room(0.25, 0.05, 0.012),
    "bathtub": Room(0.7, 0.20, 0.003, 0.3),
    "lake": Room(0.15, 0.03, 0.02),
    "street": Room(0.4, 0.07, 0.03),
    "ice_rink": Room(1.2, 0.16, 0.02, 0.45),
    "beach": Room(0.12, 0.03, 0.02),
    "space_station": Room(0.35, 0.14, 0.003, 0.3),
    "vacuum_chamber": Room(0.0, 0.0, 0.0),
    "moon": Room(0.0, 0.0, 0.0),
    "bowling_alley": Room(0.9, 0.15, 0.02, 0.55),
    "park": Room(0.12, 0.03, 0.02),
}


def room_for(env: str) -> Room:
    return ROOMS.get(env, Room(0.4, 0.08, 0.01))


def impulse_response(room: Room, seed: int = 0) -> np.ndarray | None:
    """Stereo (m, 2) synthesized IR: sparse early reflections plus a decorrelated noise tail
    whose high band dies faster than its low band. Unit energy per channel."""
    if room.rt60 <= 0 or room.wet <= 0:
        return None
    rng = np.random.default_rng(stable_seed("ir", room, seed))
    m = int(SR * min(room.rt60 * 1.1, 2.5))
    pre = int(room.predelay * SR)
    t = np.arange(m) / SR
    tau = room.rt60 / 6.9
    ir = np.zeros((m + pre, 2))
    for c in range(2):
        w = rng.standard_normal(m)
        b, a = butter(2, 600 / (SR / 2))
        low = lfilter(b, a, w)
        b, a = butter(2, 4000 / (SR / 2), btype="high")
        high = lfilter(b, a, w)
        mid = w - low - high
        tail = (low * np.exp(-t / (tau * 1.15)) + mid * np.exp(-t / tau)
                + high * np.exp(-t / (tau * (1 - room.damping * 0.8))))
        tail *= 1 - np.exp(-t / 0.004)  # diffuse build-up
        # early reflections in the first ~40 ms
        k = max(3, int(8 * min(room.rt60, 1.5)))
        pos = rng.integers(int(0.002 * SR), int(0.04 * SR), k)
        tail[pos] += rng.uniform(-1, 1, k) * 3.0 * np.exp(-pos / SR / tau)
        ir[pre:, c] = tail
    ir /= np.sqrt((ir ** 2).sum(axis=0, keepdims=True))
    return ir


def reverb(dry: np.ndarray, room: Room, seed: int = 0) -> np.ndarray:
    """``dry`` (n, 2) plus its causal room reverb (mono send, decorrelated stereo return)."""
    ir = impulse_response(room, seed)
    if ir is None or not np.any(dry):
        return dry
    send = dry.mean(axis=1)
    n = len(dry)
    first = int(np.argmax(send != 0))  # FFT round-off must not leak before the first sound
    out = dry.copy()
    g = math.sqrt(room.wet)
    for c in range(2):
        out[first:, c] += oaconvolve(send[first:], ir[:, c])[: n - first] * g
    return out


# --- measurement -----------------------------------------------------------------------------

_METER = pyloudnorm.Meter(SR)  # BS.1770-4: K-weighting, 400 ms blocks, 75 % overlap, gating


def loudness(x: np.ndarray) -> float:
    """Integrated loudness in LUFS (``SILENCE_LUFS`` floor); pads clips shorter than a block."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) < int(0.4 * SR) + 1:
        x = np.concatenate([x, np.zeros((int(0.4 * SR) + 1 - len(x), x.shape[1]))])
    if not np.any(x):
        return SILENCE_LUFS
    v = float(_METER.integrated_loudness(x))
    if not math.isfinite(v) or v < SILENCE_LUFS:
        return SILENCE_LUFS
    return v


def upsample4(x: np.ndarray) -> np.ndarray:
    """4x oversampled copy of (n, ch) ``x`` (polyphase FIR interpolation)."""
    return resample_poly(x, 4, 1, axis=0)[: 4 * len(x)]


def peak_envelope(up: np.ndarray, n: int) -> np.ndarray:
    """Per-sample true-peak envelope (n,) from a 4x oversampled (4n, ch) signal: the max |x|
    over each sample's four sub-samples and all channels."""
    a = np.abs(up[: 4 * n])
    m = np.maximum(np.maximum(a[0::4], a[1::4]), np.maximum(a[2::4], a[3::4]))
    out = m[:, 0].copy()
    for c in range(1, m.shape[1]):
        np.maximum(out, m[:, c], out=out)
    return out


def _oversampled_peak(x: np.ndarray) -> np.ndarray:
    return np.maximum(peak_envelope(upsample4(x), len(x)), np.abs(x).max(axis=1))


def true_peak_dbtp(x: np.ndarray) -> float:
    """True peak (dBTP) on a 4x oversampled signal (BS.1770 Annex 2 style)."""
    if len(x) == 0 or not np.any(x):
        return SILENCE_DBTP
    p = float(_oversampled_peak(np.asarray(x, dtype=np.float64)).max())
    return max(20 * math.log10(p), SILENCE_DBTP) if p > 0 else SILENCE_DBTP


# --- limiter ---------------------------------------------------------------------------------

def limiter_gain(peak: np.ndarray, ceiling_db: float, lookahead: float = 0.0015,
                 hold: float = 0.010, release_db_s: float = 120.0) -> np.ndarray:
    """Gain curve (n,) in linear units that keeps the true peak of ``x * gain`` (``peak``: the
    per-sample true-peak envelope of ``x``, see :func:`peak_envelope`) under
    ``ceiling_db``. Guaranteed <= the required gain at every sample: a hold (backward min over
    ``hold``), a linear-in-dB release (a cumulative-min recursion, vectorised) and a look-ahead
    ramp (forward moving average over ``lookahead``, shorter than the hold)."""
    n = len(peak)
    with np.errstate(divide="ignore"):
        req = np.minimum(0.0, ceiling_db - 20 * np.log10(np.maximum(peak, 1e-12)))
    if req.min() >= 0:
        return np.ones(n)
    H = max(2, int(hold * SR))
    W = max(1, min(int(lookahead * SR), H))
    # backward min: m[i] = min(req[i-H+1 .. i])
    m = minimum_filter1d(req, size=H, origin=(H - 1) // 2, mode="nearest")
    # release: r[i] = min_j<=i (m[j] + (i-j)*s)  ==  i*s + cummin(m[j] - j*s)
    s = release_db_s / SR
    idx = np.arange(n, dtype=np.float64)
    r = idx * s + np.minimum.accumulate(m - idx * s)
    r = np.minimum(r, 0.0)
    # look-ahead ramp: a[i] = mean(r[i .. i+W-1])
    c = np.concatenate([[0.0], np.cumsum(np.concatenate([r, np.zeros(W)]))])
    a = (c[W: W + n] - c[:n]) / W
    return 10 ** (a / 20)


def limit(x: np.ndarray, ceiling_db: float) -> np.ndarray:
    g = limiter_gain(_oversampled_peak(x), ceiling_db)
    return x * g[:, None]
