"""Procedural ambience beds, one per environment, deterministic for a seed.

Each bed is built from filtered noise, slow random modulation and a few synthesized events
(sneaker squeaks, gull calls, bird chirps, passing cars). Beds are generated at an arbitrary
level; :data:`AMBIENCE_LUFS` gives the absolute loudness the mixer sets them to, well under the
-14 LUFS of the foley (airless places have none: sound does not travel without air).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import butter, lfilter

from tenku.audio.synth import SR, stable_seed

# Integrated loudness (LUFS) of each bed in the final mix; None: silence.
AMBIENCE_LUFS: dict[str, float | None] = {
    "studio": -54.0,
    "basketball_court": -31.0,
    "kitchen": -41.0,
    "living_room": -47.0,
    "water_tank": -44.0,
    "pool": -35.0,
    "bathtub": -43.0,
    "lake": -33.0,
    "street": -31.0,
    "ice_rink": -40.0,
    "beach": -28.0,
    "space_station": -34.0,
    "vacuum_chamber": None,
    "moon": None,
    "bowling_alley": -33.0,
    "park": -32.0,
}


def _lp(x, fc, order=2):
    b, a = butter(order, min(fc, 0.45 * SR) / (SR / 2))
    return lfilter(b, a, x, axis=0)


def _hp(x, fc, order=2):
    b, a = butter(order, fc / (SR / 2), btype="high")
    return lfilter(b, a, x, axis=0)


def _bp(x, lo, hi, order=2):
    b, a = butter(order, [lo / (SR / 2), min(hi, 0.45 * SR) / (SR / 2)], btype="band")
    return lfilter(b, a, x, axis=0)


def _noise(rng, n, corr=0.5):
    """Stereo noise (n, 2) with channel correlation ``corr``."""
    w = rng.standard_normal((3, n), dtype=np.float32)
    k = math.sqrt(1 - corr * corr)
    return np.stack([corr * w[0] + k * w[1], corr * w[0] + k * w[2]], axis=1)


def _lfo(rng, n, rate_hz, depth=1.0, floor=0.0):
    """Smooth random modulation (n,) in [floor, floor+depth], ~``rate_hz`` wiggles/s."""
    k = max(4, int(n / SR * rate_hz * 2) + 4)
    pts = rng.uniform(0, 1, k)
    # smooth the control points a little, then interpolate (cosine)
    xs = np.linspace(0, n, k)
    t = np.arange(n)
    i = np.clip(np.searchsorted(xs, t, side="right") - 1, 0, k - 2)
    u = (t - xs[i]) / (xs[i + 1] - xs[i])
    u = (1 - np.cos(np.pi * u)) / 2
    v = pts[i] * (1 - u) + pts[i + 1] * u
    return floor + depth * v


def _brown(rng, n):
    """Stereo red-ish noise (integrated white, leaky)."""
    w = _noise(rng, n, 0.3)
    return lfilter([1.0], [1.0, -0.995], w, axis=0) * 0.1


def _place(out, sig, start, pan):
    """Add mono ``sig`` at sample ``start`` with equal-power ``pan`` in -1..1."""
    n = len(out)
    if start >= n:
        return
    e = min(n, start + len(sig))
    th = (pan + 1) * math.pi / 4
    out[start:e, 0] += sig[: e - start] * math.cos(th)
    out[start:e, 1] += sig[: e - start] * math.sin(th)


def _chirp(f_curve, env):
    """Sine with instantaneous frequency ``f_curve`` (Hz per sample) times ``env``."""
    ph = 2 * np.pi * np.cumsum(f_curve) / SR
    return np.sin(ph) * env


def _times(rng, duration, mean_gap, first=0.3):
    ts, t = [], first + rng.uniform(0, mean_gap)
    while t < duration:
        ts.append(t)
        t += rng.exponential(mean_gap) + 0.2
    return ts


# --- layers ----------------------------------------------------------------------------------

def room_tone(rng, n, fc=300.0):
    return _lp(_brown(rng, n), fc) * 1.0 + _lp(_noise(rng, n, 0.2), 3000.0) * 0.004


def hum(rng, n, f0, harmonics=(1.0, 0.5, 0.25), drift=0.002):
    t = np.arange(n) / SR
    wob = 1 + drift * (_lfo(rng, n, 0.3) - 0.5)
    ph = 2 * np.pi * f0 * np.cumsum(wob) / SR
    sig = sum(a * np.sin((k + 1) * ph + rng.uniform(0, 6.28)) for k, a in enumerate(harmonics))
    del t
    return np.stack([sig, sig * 0.9], axis=1)


def murmur(rng, n, density=1.0):
    """Distant crowd: band-passed noise with several slowly, independently swelling voices."""
    out = np.zeros((n, 2))
    for _ in range(3):
        band = _bp(_noise(rng, n, 0.2), rng.uniform(250, 400), rng.uniform(1200, 2200))
        out += band * _lfo(rng, n, rng.uniform(2.0, 5.0), 0.8, 0.2)[:, None]
    return _lp(out, 2500.0) * density


def squeaks(rng, n, duration):
    out = np.zeros((n, 2))
    for t in _times(rng, duration, 2.2, 0.5):
        L = int(rng.uniform(0.06, 0.18) * SR)
        u = np.linspace(0, 1, L)
        f = rng.uniform(1400, 2600) * (1 + 0.15 * np.sin(2 * np.pi * rng.uniform(8, 20) * u * L / SR)
                                       + rng.uniform(-0.2, 0.2) * u)
        env = np.sin(np.pi * u) ** 0.5 * rng.uniform(0.3, 1.0)
        sig = _chirp(f, env) + 0.3 * _chirp(2 * f, env)
        _place(out, _lp(sig, 5000.0) * 0.05, int(t * SR), rng.uniform(-0.8, 0.8))
    return out


def lapping(rng, n, rate=0.8, fc=(200, 1500)):
    out = np.zeros((n, 2))
    for _ in range(3):
        band = _bp(_noise(rng, n, 0.4), fc[0] * rng.uniform(0.8, 1.2), fc[1] * rng.uniform(0.8, 1.2))
        env = _lfo(rng, n, rate * rng.uniform(0.7, 1.5), 1.0, 0.0) ** 3
        out += band * env[:, None]
    return out


def waves(rng, n, duration):
    """Breaking waves every ~7 s: a swell of low-passed noise with a hissy wash."""
    t = np.arange(n) / SR
    period = rng.uniform(6.0, 8.5)
    phase = rng.uniform(0, period)
    u = ((t + phase) % period) / period
    swell = np.where(u < 0.35, (u / 0.35) ** 2, np.exp(-(u - 0.35) / 0.18))
    base = _lp(_noise(rng, n, 0.5), 900.0) * (0.25 + swell)[:, None]
    hiss = _bp(_noise(rng, n, 0.3), 1500, 7000) * (swell ** 2 * 0.4)[:, None]
    return base + hiss


def wind(rng, n):
    w = _lp(_noise(rng, n, 0.6), 500.0)
    return w * _lfo(rng, n, 0.4, 0.8, 0.3)[:, None]


def gulls(rng, n, duration):
    out = np.zeros((n, 2))
    for t in _times(rng, duration, 4.5, 0.8):
        for k in range(int(rng.integers(1, 4))):
            L = int(rng.uniform(0.18, 0.35) * SR)
            u = np.linspace(0, 1, L)
            f = rng.uniform(1100, 1500) * (1.25 - 0.45 * u) * (1 + 0.05 * np.sin(2 * np.pi * 30 * u))
            env = np.sin(np.pi * np.minimum(u * 1.3, 1.0)) * 0.6
            sig = _chirp(f, env) + 0.4 * _chirp(2 * f, env) + 0.2 * _chirp(3 * f, env)
            _place(out, _lp(sig, 4000.0) * 0.03, int((t + k * 0.3) * SR), rng.uniform(-0.9, 0.9))
    return out


def birds(rng, n, duration):
    out = np.zeros((n, 2))
    for t in _times(rng, duration, 1.6, 0.2):
        pan = rng.uniform(-0.9, 0.9)
        base = rng.uniform(2500, 5000)
        for k in range(int(rng.integers(2, 7))):
            L = int(rng.uniform(0.03, 0.09) * SR)
            u = np.linspace(0, 1, L)
            f = base * (1 + rng.uniform(-0.3, 0.4) * u) * rng.uniform(0.9, 1.1)
            env = np.sin(np.pi * u) ** 2
            _place(out, _chirp(f, env) * 0.02, int((t + k * rng.uniform(0.07, 0.13)) * SR), pan)
    return out


def traffic(rng, n, duration):
    out = _lp(_brown(rng, n), 180.0) * 1.0
    for t in _times(rng, duration, 5.0, 0.0):
        L = int(rng.uniform(3.0, 5.0) * SR)
        u = np.linspace(0, 1, L)
        env = np.exp(-((u - 0.5) / 0.18) ** 2)
        w = rng.standard_normal(L)
        car = (_lp(w, 400.0) * env + _bp(w, 500.0, 1500.0) * env ** 3 * 0.3) * 0.6
        pan = np.linspace(rng.choice([-1.0, 1.0]) * 0.8, 0, L)
        s = int((t - 1.5) * SR)
        a, b = max(0, s), min(n, s + L)
        if b > a:
            seg, p = car[a - s: b - s], pan[a - s: b - s]
            out[a:b, 0] += seg * np.cos((p + 1) * np.pi / 4)
            out[a:b, 1] += seg * np.sin((p + 1) * np.pi / 4)
    return out


def fan(rng, n):
    air = _lp(_noise(rng, n, 0.5), 1800.0) * 0.5
    return air + hum(rng, n, 118.0, (1.0, 0.4, 0.2, 0.1)) * 0.15 + hum(rng, n, 59.0, (0.6,)) * 0.1


# --- beds ------------------------------------------------------------------------------------

def ambience_bed(env: str, duration: float, seed: int = 0) -> np.ndarray | None:
    """Stereo (n, 2) float64 bed for ``env`` (unnormalised), or None for silent places."""
    if AMBIENCE_LUFS.get(env, -50.0) is None:
        return None
    n = round(duration * SR)
    if n <= 0:
        return None
    rng = np.random.default_rng(stable_seed("ambience", env, seed))
    if env == "basketball_court":
        bed = room_tone(rng, n, 250) * 2 + murmur(rng, n) * 0.25 + squeaks(rng, n, duration)
    elif env == "bowling_alley":
        bed = room_tone(rng, n, 250) * 2 + murmur(rng, n) * 0.2 + hum(rng, n, 60.0) * 0.01
    elif env == "kitchen":
        bed = room_tone(rng, n) + hum(rng, n, 50.0, (1.0, 0.7, 0.5, 0.3)) * 0.03 \
            + _lp(_noise(rng, n, 0.8), 800.0) * 0.01
    elif env == "living_room":
        bed = room_tone(rng, n, 250)
    elif env == "studio":
        bed = room_tone(rng, n, 200)
    elif env == "ice_rink":
        bed = room_tone(rng, n, 200) * 2 + hum(rng, n, 60.0, (1.0, 0.5, 0.3)) * 0.02
    elif env in ("water_tank", "bathtub"):
        bed = room_tone(rng, n, 250) + lapping(rng, n, 1.2, (400, 2500)) * 0.08
    elif env in ("pool", "lake"):
        bed = lapping(rng, n, 0.7) + wind(rng, n) * 0.3
    elif env == "beach":
        bed = waves(rng, n, duration) + wind(rng, n) * 0.4 + gulls(rng, n, duration)
    elif env == "street":
        bed = traffic(rng, n, duration) + _lp(_noise(rng, n, 0.3), 2500.0) * 0.01
    elif env == "space_station":
        bed = fan(rng, n)
    elif env == "park":
        bed = wind(rng, n) + birds(rng, n, duration) * 1.5 + _hp(_lp(_noise(rng, n, 0.2), 6000), 1500) * 0.01
    else:
        bed = room_tone(rng, n, 250)
    # Fade in over 50 ms so the bed does not click on at t = 0.
    f = min(n, int(0.05 * SR))
    bed[:f] *= np.linspace(0, 1, f)[:, None]
    return bed


RAIN_LUFS = {False: -24.0, True: -33.0}  # outdoors, indoors (heard through roof and windows)


def rain_bed(duration: float, seed: int = 0, indoor: bool = False) -> np.ndarray | None:
    """Rain: a hiss of countless distant drops plus nearby droplets (short bright ticks at a
    few hundred a second), decorrelated left and right. Indoors it is muffled, as heard
    through a roof. Unnormalised stereo (n, 2), or None for no time."""
    n = round(duration * SR)
    if n <= 0:
        return None
    rng = np.random.default_rng(stable_seed("rain", seed, indoor))
    out = np.zeros((n, 2))
    b, a = butter(2, [400 / (SR / 2), 9000 / (SR / 2)], btype="band")
    for ch in range(2):
        hiss = lfilter(b, a, rng.standard_normal(n))
        swell = 1.0 + 0.25 * np.sin(2 * np.pi * rng.uniform(0.05, 0.12) * np.arange(n) / SR
                                    + rng.uniform(0, 6.3))
        drops = np.zeros(n)
        hits = rng.random(n) < 300 / SR
        drops[hits] = rng.uniform(0.2, 1.0, int(hits.sum())) * rng.choice([-1, 1], int(hits.sum()))
        bd, ad = butter(2, [2500 / (SR / 2), 12000 / (SR / 2)], btype="band")
        ring = lfilter([1.0], [1.0, -0.82], drops)  # each tick decays over ~0.1 ms
        out[:, ch] = hiss * swell * 0.6 + lfilter(bd, ad, ring) * 0.8
    if indoor:
        bl, al = butter(2, 900 / (SR / 2))
        out = lfilter(bl, al, out, axis=0)
    return out
