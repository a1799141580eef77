"""A procedural score: chords, rhythm and form for a mood, synthesized in numpy.

Each mood is a small arrangement: a key and scale, a chord progression (scale degrees, four
beats each), a tempo, and which parts play (pad, electric piano, pluck, bass, drums, drone,
pulse). The form is intro (pads alone, a bar), body (everything), and a last bar that resolves
to the tonic and fades. Orchestral swells across the whole piece. Every part is a vectorised
synthesis voice (additive, FM, filtered noise), so a 20 s score costs well under a second.
Deterministic for (mood, duration, seed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, sosfilt

from tenku.script import MUSIC_MOODS

SR = 48000
MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)


@dataclass(frozen=True)
class Arrangement:
    bpm: float
    root: int  # MIDI note of the key's tonic
    scale: tuple[int, ...]
    progression: tuple[int, ...]  # scale degrees (0 = tonic), one chord per bar
    parts: tuple[str, ...]
    sevenths: bool = False
    swing: float = 0.0


ARRANGEMENTS = {
    "orchestral": Arrangement(72, 50, MAJOR, (0, 5, 3, 4), ("pad", "bass", "swell", "pluck")),
    "lofi": Arrangement(78, 53, MAJOR, (1, 4, 0, 5), ("epiano", "bass", "drums", "crackle"),
                        sevenths=True, swing=0.12),
    "tense": Arrangement(100, 45, MINOR, (0, 0, 5, 4), ("drone", "pulse", "cluster")),
    "upbeat": Arrangement(120, 55, MAJOR, (0, 4, 5, 3), ("pluck", "bass", "drums", "pad")),
    "calm": Arrangement(66, 52, MAJOR, (0, 3, 5, 4), ("pad", "epiano")),
    "sad": Arrangement(68, 57, MINOR, (0, 5, 2, 6), ("epiano", "pad", "bass")),
}
assert set(ARRANGEMENTS) == set(MUSIC_MOODS)


def midi_hz(n: float) -> float:
    return 440.0 * 2 ** ((n - 69) / 12)


def chord(arr: Arrangement, degree: int) -> list[int]:
    """MIDI notes of the triad (or seventh chord) on ``degree`` of the key."""
    s = arr.scale
    steps = (0, 2, 4, 6) if arr.sevenths else (0, 2, 4)
    out = []
    for k in steps:
        d = degree + k
        out.append(arr.root + s[d % 7] + 12 * (d // 7))
    return out


def _env(n: int, attack: float, decay: float) -> np.ndarray:
    t = np.arange(n) / SR
    a = np.minimum(1.0, t / max(attack, 1e-4))
    return a * np.exp(-t / max(decay, 1e-4))


def _add(out: np.ndarray, sig: np.ndarray, start: float, gain: float = 1.0) -> None:
    i = int(round(start * SR))
    if i >= len(out) or i < 0:
        return
    e = min(len(out), i + len(sig))
    out[i:e] += sig[: e - i] * gain


def _tone(f: float, n: int, partials=(1.0, 0.5, 0.25), detune: float = 0.0) -> np.ndarray:
    t = np.arange(n) / SR
    x = np.zeros(n)
    for k, a in enumerate(partials, 1):
        x += a * np.sin(2 * np.pi * f * k * (1 + detune) * t)
    return x


def _voice(part: str, f: float, dur: float, rng: np.random.Generator) -> np.ndarray:
    n = int(dur * SR)
    t = np.arange(n) / SR
    if part == "pad":
        x = sum(_tone(f, n, (1, 0.4, 0.2, 0.1), d) for d in (-0.004, 0.0, 0.005)) / 3
        return x * _env(n, 0.6 * dur, 4 * dur) * np.minimum(1, (n - np.arange(n)) / (0.2 * SR))
    if part == "epiano":  # FM electric piano
        idx = 2.2 * np.exp(-t / 0.35)
        return np.sin(2 * np.pi * f * t + idx * np.sin(2 * np.pi * f * t)) * _env(n, 0.004, 0.9)
    if part == "pluck":
        return _tone(f, n, (1, 0.6, 0.35, 0.2, 0.1)) * _env(n, 0.003, 0.28)
    if part == "bass":
        return _tone(f, n, (1, 0.3)) * _env(n, 0.01, 0.6)
    if part == "swell":  # strings crescendo within the bar
        x = sum(_tone(f, n, (1, 0.5, 0.33, 0.25, 0.2), d) for d in (-0.003, 0.003)) / 2
        return x * (t / max(dur, 1e-3)) ** 1.5
    if part == "drone":
        lfo = 0.5 + 0.5 * np.sin(2 * np.pi * 0.15 * t)
        return _tone(f, n, (1, 0.7, 0.5, 0.35, 0.25)) * (0.6 + 0.4 * lfo)
    if part == "cluster":  # a minor second rubbing: unease
        return (_tone(f, n, (1, 0.2)) + _tone(f * 2 ** (1 / 12), n, (1, 0.2))) * _env(n, 0.8, 3)
    if part == "kick":
        ph = 2 * np.pi * np.cumsum(45 + 80 * np.exp(-t / 0.03)) / SR
        return np.sin(ph) * _env(n, 0.001, 0.18)
    if part == "snare":
        noise = rng.standard_normal(n)
        return (0.7 * noise + 0.5 * np.sin(2 * np.pi * 185 * t)) * _env(n, 0.001, 0.09)
    if part == "hat":
        noise = sosfilt(butter(2, 7000, "highpass", fs=SR, output="sos"), rng.standard_normal(n))
        return noise * _env(n, 0.0005, 0.03)
    if part == "pulse":
        return _tone(f, n, (1, 0.5, 0.3)) * _env(n, 0.002, 0.12)
    raise ValueError(part)


def score(mood: str, duration: float, seed: int = 0) -> np.ndarray:
    """A stereo score (n, 2) of ``duration`` seconds, peak-normalised to 0.9."""
    if mood not in ARRANGEMENTS:
        raise ValueError(f"unknown music mood {mood!r}; moods: {', '.join(MUSIC_MOODS)}")
    arr = ARRANGEMENTS[mood]
    rng = np.random.default_rng(seed)
    n = max(1, int(round(duration * SR)))
    left, right = np.zeros(n + SR * 5), np.zeros(n + SR * 5)
    beat = 60.0 / arr.bpm
    bar = 4 * beat
    bars = max(1, math.ceil(duration / bar))
    for b in range(bars):
        t0 = b * bar
        last = b == bars - 1 and bars > 1
        degree = 0 if last else arr.progression[b % len(arr.progression)]
        notes = chord(arr, degree)
        intro = b == 0 and bars > 2
        for part in arr.parts:
            if intro and part not in ("pad", "drone", "epiano", "swell"):
                continue
            pan = {"pad": 0.0, "epiano": -0.25, "pluck": 0.3, "bass": 0.0, "drums": 0.0}.get(part, 0.0)
            out_gain = {"pad": 0.22, "epiano": 0.28, "pluck": 0.25, "bass": 0.4, "swell": 0.18,
                        "drone": 0.3, "cluster": 0.12, "pulse": 0.2}.get(part, 0.3)
            if part in ("pad", "swell", "drone", "cluster"):
                for f in notes if part != "drone" else [notes[0] - 12]:
                    _stereo(left, right, _voice(part, midi_hz(f), bar * (1.6 if last else 1.05),
                                                 rng), t0, out_gain / len(notes) ** 0.5, pan)
            elif part == "epiano":
                for k, hit in enumerate((0.0, 1.5, 2.5) if not last else (0.0,)):
                    off = hit * beat + (arr.swing * beat if k % 2 else 0.0)
                    for j, f in enumerate(notes):
                        _stereo(left, right, _voice(part, midi_hz(f + 12), 1.2, rng),
                                t0 + off + 0.012 * j, out_gain / len(notes), pan)
            elif part == "pluck":  # an arpeggio up and down the chord, eighth notes
                seq = notes + [notes[0] + 12] + notes[::-1][1:]
                for k in range(8 if not last else 1):
                    f = seq[k % len(seq)] + 12
                    _stereo(left, right, _voice(part, midi_hz(f), 0.5, rng), t0 + k * beat / 2,
                            out_gain, pan + 0.3 * math.sin(k))
            elif part == "bass":
                for k in (0, 2) if not last else (0,):
                    _stereo(left, right, _voice(part, midi_hz(notes[0] - 12), beat * 1.8, rng),
                            t0 + k * beat, out_gain, 0.0)
            elif part == "pulse":
                for k in range(8):
                    _stereo(left, right, _voice(part, midi_hz(notes[0]), 0.2, rng),
                            t0 + k * beat / 2, out_gain * (1.0 if k % 2 == 0 else 0.6), 0.0)
            elif part == "drums" and not last:
                for k in range(4):
                    sw = arr.swing * beat
                    if k in (0, 2):
                        _stereo(left, right, _voice("kick", 0, 0.4, rng), t0 + k * beat, 0.55, 0)
                    else:
                        _stereo(left, right, _voice("snare", 0, 0.3, rng), t0 + k * beat, 0.22, 0)
                    for h in (0.0, 0.5):
                        _stereo(left, right, _voice("hat", 0, 0.08, rng),
                                t0 + (k + h) * beat + (sw if h else 0.0), 0.08, 0.2)
    x = np.stack([left[:n], right[:n]], axis=1)
    if "crackle" in arr.parts:  # vinyl: sparse clicks over a hiss
        clicks = (rng.random(n) < 8 / SR) * rng.uniform(0.1, 0.4, n)
        x += (clicks + 0.004 * rng.standard_normal(n))[:, None]
    if mood == "orchestral":  # a swell over the whole piece
        x *= np.linspace(0.45, 1.0, n)[:, None]
    fade = min(n, int(0.5 * SR))
    x[n - fade:] *= np.linspace(1.0, 0.0, fade)[:, None]
    peak = float(np.abs(x).max()) or 1.0
    return x * (0.9 / peak)


def _stereo(left: np.ndarray, right: np.ndarray, sig: np.ndarray, start: float, gain: float,
            pan: float) -> None:
    th = (max(-1.0, min(1.0, pan)) + 1) * math.pi / 4
    _add(left, sig, start, gain * math.cos(th))
    _add(right, sig, start, gain * math.sin(th))
