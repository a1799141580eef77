"""Sound synthesis for physical events: modal impacts, granular shatters, splashes, rolling.

Everything here is causal (a sound starts at its first sample and nothing rings before it) and
vectorised: modes are two-pole resonators run by :func:`scipy.signal.lfilter`, excited by the
contact force pulse, so no Python loop runs per sample.

Impacts (modal synthesis). Each body rings with a bank of damped modes whose frequencies come
from its material *family* (``Material.sound``) and scale inversely with its size; the decay
time of a mode shortens with its frequency. The excitation is a half-sine force pulse whose
length is the Hertzian contact time of the pair (soft families: milliseconds, hard ones: a
fraction of one) and shrinks with impact speed, so a harder hit excites higher modes; a short
band-limited noise transient (its cutoff rising with speed) gives the contact "tick".
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, lfilter

SR = 48000


@dataclass(frozen=True)
class Family:
    """Acoustic character of a material family.

    ``f1``: lowest mode (Hz) of a body 10 cm across; ``ratios``/``amps``: the partials;
    ``tau``: decay time constant (s) of the lowest mode, higher modes decay as
    ``tau * (f1/f)**tau_exp``; ``contact``: contact time (s) at 1 m/s; ``noise``: level of the
    contact transient, ``noise_fc`` its low-pass cutoff (Hz) at 3 m/s, ``noise_tau`` its decay;
    ``gain``: overall level; ``grains``: frequency range (Hz) of shatter grains."""

    f1: float
    ratios: tuple[float, ...]
    amps: tuple[float, ...]
    tau: float
    tau_exp: float
    contact: float
    noise: float
    noise_fc: float
    noise_tau: float
    gain: float
    grains: tuple[float, float] = (1500.0, 6000.0)


FAMILIES: dict[str, Family] = {
    # long-ringing inharmonic partials (free-bar / plate ratios)
    "metal": Family(1300, (1.0, 2.76, 5.40, 8.93, 13.34, 3.9, 7.1), (1.0, 0.8, 0.6, 0.45, 0.3, 0.5, 0.35),
                    0.55, 0.55, 0.00012, 0.35, 9000, 0.0015, 0.75, (2500, 9000)),
    # high, bright, fairly long (bell-like wine-glass ratios)
    "glass": Family(1900, (1.0, 2.32, 4.25, 6.63, 9.38), (1.0, 0.7, 0.5, 0.35, 0.2),
                    0.35, 0.5, 0.00012, 0.3, 11000, 0.001, 0.7, (2500, 11000)),
    # short low-mid knock
    "wood": Family(650, (1.0, 2.1, 3.45, 5.2, 7.6), (1.0, 0.6, 0.4, 0.25, 0.12),
                   0.035, 0.6, 0.0006, 0.6, 4500, 0.0025, 1.0, (800, 4000)),
    # low thump with a short resonance (a basketball: ~150 Hz body plus a little ring)
    "rubber": Family(360, (1.0, 2.35, 4.9, 7.3), (1.0, 0.35, 0.18, 0.08),
                     0.05, 0.4, 0.0035, 0.35, 1400, 0.004, 1.3, (400, 2000)),
    # clinky, brighter and longer than stone
    "ceramic": Family(2100, (1.0, 2.2, 3.9, 6.1, 8.7), (1.0, 0.75, 0.5, 0.3, 0.2),
                      0.16, 0.6, 0.00018, 0.45, 10000, 0.0012, 0.8, (1800, 9000)),
    "stone": Family(900, (1.0, 1.9, 3.3, 5.0, 7.2), (1.0, 0.55, 0.35, 0.2, 0.1),
                    0.045, 0.7, 0.0003, 0.8, 6000, 0.0018, 0.9, (1200, 6000)),
    # hard plastic clacks ring a little (a domino's clatter carries): 50 ms at 10 cm
    "plastic": Family(1100, (1.0, 2.4, 4.4, 6.9), (1.0, 0.55, 0.3, 0.15),
                      0.05, 0.6, 0.0005, 0.6, 6500, 0.0015, 0.8, (1500, 6000)),
    "foam": Family(220, (1.0, 2.7), (1.0, 0.3),
                   0.012, 0.5, 0.008, 1.0, 900, 0.006, 0.25, (300, 1200)),
    "cloth": Family(160, (1.0, 2.3), (1.0, 0.25),
                    0.015, 0.5, 0.006, 1.0, 700, 0.006, 0.3, (300, 1200)),
    "ice": Family(1500, (1.0, 2.6, 4.7, 7.4), (1.0, 0.6, 0.4, 0.25),
                  0.12, 0.6, 0.0003, 0.5, 8000, 0.0015, 0.8, (2000, 9000)),
    "cardboard": Family(300, (1.0, 1.6, 2.8, 4.1), (1.0, 0.6, 0.35, 0.2),
                        0.028, 0.5, 0.002, 0.8, 2500, 0.003, 0.6, (600, 3000)),
    "sand": Family(120, (1.0,), (1.0,),
                   0.01, 0.5, 0.006, 1.6, 1800, 0.012, 0.3, (800, 3000)),
    "grass": Family(110, (1.0,), (1.0,),
                    0.012, 0.5, 0.005, 1.3, 2200, 0.008, 0.3, (800, 3000)),
    "fruit": Family(190, (1.0, 2.2), (1.0, 0.3),
                    0.02, 0.5, 0.004, 0.9, 1200, 0.005, 0.5, (400, 2000)),
    "water": Family(400, (1.0,), (1.0,),
                    0.01, 0.5, 0.004, 1.5, 2500, 0.01, 0.4, (500, 3000)),
}


def family(name: str | None) -> Family:
    return FAMILIES.get(name or "plastic", FAMILIES["plastic"])


def stable_seed(*parts) -> int:
    """A process-independent 32-bit seed from strings/numbers (Python's hash() is salted)."""
    return zlib.crc32("|".join(str(p) for p in parts).encode())


# --- building blocks -------------------------------------------------------------------------

def _resonators(x: np.ndarray, freqs, taus, amps) -> np.ndarray:
    """Sum of two-pole resonators (causal) driven by ``x``; mode k rings at ``freqs[k]`` Hz
    with decay time constant ``taus[k]`` s and gain ``amps[k]`` (unit impulse -> amplitude
    ``amps[k]`` sine)."""
    out = np.zeros(len(x), dtype=np.float64)
    nz = np.nonzero(x)[0]
    last = int(nz[-1]) + 1 if len(nz) else 0
    for f, tau, a in zip(freqs, taus, amps):
        if f >= 0.47 * SR or a == 0.0:
            continue
        w = 2 * math.pi * f / SR
        r = math.exp(-1.0 / (tau * SR))
        # a mode is silent (-70 dB) after ~8 time constants past the end of its drive
        m = min(len(x), last + int(8 * tau * SR) + 1)
        out[:m] += lfilter([a * math.sin(w)], [1.0, -2 * r * math.cos(w), r * r], x[:m])
    return out


def _pulse(n: int, contact: float) -> np.ndarray:
    """Half-sine force pulse of ``contact`` seconds and unit area, starting at sample 0."""
    m = max(1, round(contact * SR))
    p = np.zeros(n)
    k = min(m, n)
    p[:k] = np.sin(np.pi * (np.arange(k) + 0.5) / m)
    s = p.sum()
    return p / s if s > 0 else p


def _lowpass(x: np.ndarray, fc: float, order: int = 2) -> np.ndarray:
    fc = min(fc, 0.45 * SR)
    b, a = butter(order, fc / (SR / 2))
    return lfilter(b, a, x)


def _bandpass(x: np.ndarray, lo: float, hi: float, order: int = 2) -> np.ndarray:
    hi = min(hi, 0.45 * SR)
    lo = min(lo, hi * 0.9)
    b, a = butter(order, [lo / (SR / 2), hi / (SR / 2)], btype="band")
    return lfilter(b, a, x)


def _highpass(x: np.ndarray, fc: float, order: int = 2) -> np.ndarray:
    b, a = butter(order, min(fc, 0.45 * SR) / (SR / 2), btype="high")
    return lfilter(b, a, x)


def onepole_lowpass(x: np.ndarray, fc: float) -> np.ndarray:
    """Gentle 6 dB/octave causal low-pass (air absorption, offscreen dulling)."""
    if fc >= 0.4 * SR:
        return x
    c = math.exp(-2 * math.pi * fc / SR)
    return lfilter([1 - c], [1.0, -c], x)


def _truncated_exponential(rng: np.random.Generator, scale: float, limit: float, k: int
                           ) -> np.ndarray:
    """``k`` exponentially distributed times (mean ``scale``) conditioned on being < ``limit``
    (decaying density over [0, limit); nothing piles up at the limit)."""
    u = rng.uniform(0.0, 1.0, k)
    return -scale * np.log1p(-u * (1.0 - math.exp(-limit / scale)))


# --- impacts -------------------------------------------------------------------------------

@dataclass
class Body:
    """What rings: material family, characteristic size (m), and whether it is a fixed,
    large structure (a floor or a wall: rings short and low; a fixed rim is not one)."""

    family: str
    size: float
    static: bool = False
    damping: float = 1.0  # multiplies every decay time (< 1: loaded, e.g. under water)


def _modes(body: Body, speed: float, rng: np.random.Generator):
    fam = family(body.family)
    size = min(max(body.size, 0.006), 3.0 if not body.static else 1.5)
    f1 = fam.f1 * (0.1 / size)
    f1 = min(max(f1, 40.0), 14000.0)
    ratios = np.asarray(fam.ratios)
    freqs = f1 * ratios * (1 + 0.03 * rng.standard_normal(len(ratios)))
    taus = fam.tau * (f1 / freqs) ** fam.tau_exp
    # Larger bodies ring longer (low modes lose less to radiation per cycle), within reason.
    taus = taus * min(max((size / 0.1) ** 0.3, 0.5), 2.0)
    # Brightness: a harder hit puts relatively more energy into high modes.
    tilt = 1.2 / (1.0 + speed / 1.5)
    amps = np.asarray(fam.amps) * (ratios ** -tilt) * (1 + 0.2 * rng.standard_normal(len(ratios)))
    amps = np.abs(amps)
    taus = taus * body.damping
    if body.static:
        taus = taus * 0.4
        amps = amps * 0.5
    keep = freqs < 0.45 * SR
    return freqs[keep], taus[keep], amps[keep] * fam.gain


def impact(a: Body, b: Body, speed: float, rng: np.random.Generator, max_len: float = 3.0
           ) -> np.ndarray:
    """Mono impact sound of bodies ``a`` and ``b`` meeting at ``speed`` m/s, starting at
    sample 0 (peak roughly 1-3 for 10 cm bodies at 3 m/s; the caller scales it).

    Contact time: the softer family's, scaled by the smaller body's size (Hertz: ~R) and
    speed**-0.2. Each body's bank is driven by a pulse between its own and the pair's contact
    time, so a hard thin body (a rim) still rings when a soft ball hits it."""
    speed = max(float(speed), 0.01)
    fa, fb = family(a.family), family(b.family)
    small = min(a.size, b.size)
    scale = math.sqrt(min(max(small, 0.005), 1.0) / 0.1) * speed ** -0.2
    contact = max(max(fa.contact, fb.contact) * scale, 2.0 / SR)
    banks = []
    for body, fam, w in ((a, fa, 1.0), (b, fb, 1.0 if b.static else 0.7)):
        f_, t_, a_ = _modes(body, speed, rng)
        tc = max(math.sqrt(contact * fam.contact * scale), 2.0 / SR)
        # a soft partner (long contact) hands a hard body less of the impact's energy
        w *= min(1.0, fam.contact * scale / contact) ** 0.25
        # bigger bodies radiate their (lower) modes more efficiently (a backboard booms)
        if not body.static:
            w *= min(max(math.sqrt(body.size / 0.1), 0.5), 2.0)
        banks.append((f_, t_, a_ * w, tc))
    tail = max(float(bk[1].max(initial=0.01)) for bk in banks) * 6.9  # to -60 dB
    n = int(SR * min(max(tail, 0.05), max_len)) + int(contact * SR) + 16
    y = np.zeros(n)
    for f_, t_, a_, tc in banks:
        y += _resonators(_pulse(n, tc), f_, t_, a_)
    # Contact transient: decaying noise, brighter with speed and with the harder material.
    noise_fc = max(fa.noise_fc, fb.noise_fc) * min(0.3 + 0.7 * speed / 3.0, 2.5)
    ntau = max(fa.noise_tau, fb.noise_tau) * min(max(speed / 3.0, 0.5), 1.5) ** -0.3
    m = min(n, int(ntau * SR * 8) + 1)
    env = np.exp(-np.arange(m) / (ntau * SR))
    burst = rng.standard_normal(m) * env
    burst = _lowpass(burst, noise_fc, 2)
    level = 0.5 * (fa.noise + fb.noise) * 0.5 * (fa.gain + fb.gain)
    y[:m] += burst * level
    # Short fade at the tail so a truncated ring does not click.
    f = min(len(y) // 4, int(0.02 * SR))
    if f > 0:
        y[-f:] *= np.linspace(1.0, 0.0, f)
    return y


# --- shatter -------------------------------------------------------------------------------

def shatter(fam_name: str, speed: float, size: float, rng: np.random.Generator) -> np.ndarray:
    """Granular shatter: a broadband crack at sample 0, then many short bright grains scattered
    over ~0.3-0.6 s with decaying density and level."""
    fam = family(fam_name)
    speed = max(float(speed), 0.5)
    spread = float(np.clip(0.3 + 0.06 * speed, 0.3, 0.6))
    n = int(SR * (spread + 0.15))
    out = np.zeros(n)
    # Crack: broadband, high-passed noise burst, a few ms.
    m = int(0.025 * SR)
    crack = rng.standard_normal(m) * np.exp(-np.arange(m) / (0.004 * SR))
    out[:m] += _highpass(crack, 900.0) * 1.4
    # Grains: an impulse train (exponentially distributed onsets, first one at 0) routed to a
    # bank of bright resonators.
    count = int(np.clip(40 + 18 * speed * (size / 0.1) ** 0.5, 30, 160))
    onsets = np.concatenate([[0.0], _truncated_exponential(rng, spread / 3.5, spread, count - 1)])
    amps = np.exp(-onsets / (spread / 2.5)) * rng.uniform(0.3, 1.0, count)
    idx = (onsets * SR).astype(int)
    lo, hi = fam.grains
    nres = 14
    freqs = np.exp(rng.uniform(math.log(lo), math.log(hi), nres))
    taus = rng.uniform(0.004, 0.03, nres) * (3000.0 / freqs) ** 0.3
    route = rng.integers(0, nres, count)
    for k in range(nres):
        sel = route == k
        if not sel.any():
            continue
        x = np.zeros(n)
        np.add.at(x, idx[sel], amps[sel])
        w = 2 * math.pi * freqs[k] / SR
        r = math.exp(-1.0 / (taus[k] * SR))
        out += lfilter([math.sin(w)], [1.0, -2 * r * math.cos(w), r * r], x)
    # Each grain also ticks (the impulse itself, high-passed).
    ticks = np.zeros(n)
    np.add.at(ticks, idx, amps * rng.choice([-1.0, 1.0], count))
    out += _highpass(ticks, 3000.0) * 0.8
    f = int(0.03 * SR)
    out[-f:] *= np.linspace(1.0, 0.0, f)
    return out * fam.gain * 0.6


# --- splash --------------------------------------------------------------------------------

def splash(speed: float, size: float, rng: np.random.Generator) -> np.ndarray:
    """Water entry: a slap, a noisy wash and a cloud of bubbles whose pitch rises as they
    shrink (Minnaert resonance ~ 3.26 Hz*m / radius)."""
    speed = max(float(speed), 0.1)
    size = min(max(size, 0.02), 1.5)
    dur = float(np.clip(0.25 + 0.25 * speed * (size / 0.1) ** 0.5, 0.25, 1.2))
    n = int(SR * (dur + 0.1))
    t = np.arange(n) / SR
    # Slap: short band-passed burst.
    m = int(0.03 * SR)
    slap = rng.standard_normal(m) * np.exp(-np.arange(m) / (0.005 * SR))
    out = np.zeros(n)
    out[:m] += _bandpass(slap, 300.0, 3500.0) * (0.6 + 0.2 * speed)
    # Wash: noise with a fast attack and a decay that grows with speed and size.
    env = (1 - np.exp(-t / 0.008)) * np.exp(-t / (dur / 3.5))
    wash = _bandpass(rng.standard_normal(n), 180.0, 2800.0) * env
    out += wash * 0.9
    # Bubbles: rising chirps.
    count = int(np.clip(8 + 25 * speed * (size / 0.1) ** 0.5, 8, 80))
    starts = np.concatenate([[0.01], _truncated_exponential(rng, dur / 4, dur - 0.01, count - 1) + 0.01])
    radius = np.exp(rng.uniform(math.log(0.0012), math.log(0.007 + 0.01 * min(size, 0.5)), count))
    f0 = 3.26 / radius
    taub = rng.uniform(0.008, 0.035, count)
    rise = rng.uniform(2.0, 9.0, count)  # relative pitch rise per second of the bubble's life
    L = int(0.12 * SR)
    tb = np.arange(L) / SR
    phase = 2 * np.pi * f0[:, None] * (tb[None, :] + 0.5 * rise[:, None] * tb[None, :] ** 2)
    grains = np.sin(phase) * np.exp(-tb[None, :] / taub[:, None])
    grains *= (rng.uniform(0.2, 1.0, count) * np.exp(-starts / (dur / 2)))[:, None]
    for s, g in zip((starts * SR).astype(int), grains):
        e = min(n, s + L)
        out[s:e] += g[: e - s] * 0.5
    f = int(0.03 * SR)
    out[-f:] *= np.linspace(1.0, 0.0, f)
    return out * family("water").gain * 1.5


# --- rolling -------------------------------------------------------------------------------

def roll(envelope: np.ndarray, speed_curve: np.ndarray, ball: Body, floor_family: str,
         rng: np.random.Generator) -> np.ndarray:
    """Rolling rumble over ``len(envelope)`` samples: low noise shaped by the ball's first
    modes and the floor, its level following ``envelope`` and brightness ``speed_curve``."""
    n = len(envelope)
    noise = rng.standard_normal(n)
    noise = _lowpass(noise, 700.0, 2)
    fam = family(ball.family)
    f1 = float(np.clip(fam.f1 * 0.1 / max(ball.size, 0.02), 50.0, 2000.0))
    body = _resonators(noise, [f1, f1 * 1.9], [0.03, 0.02], [0.25, 0.12])
    rumble = _lowpass(noise, 160.0 + 40.0 * float(np.mean(speed_curve)), 2) * 2.0
    hard = {"wood": 1.0, "stone": 1.0, "ceramic": 1.0, "metal": 1.0, "plastic": 0.8,
            "ice": 0.7, "glass": 0.9}.get(floor_family, 0.4)
    return (rumble + body) * envelope * hard * 0.25
