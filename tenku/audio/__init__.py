"""The soundtrack: foley synthesized from the simulation's events, placed where they happen on
screen, over a procedural ambience bed, through a room reverb, mastered to -14 LUFS.

:func:`soundtrack` is the whole pipeline::

    events --(modal impacts / granular shatters / splashes / rolling rumble, synth.py)-->
    placed at round(t * 48000), equal-power panned from the projected position, attenuated by
    distance (inverse, with a floor), duller far away and offscreen --> room reverb (causal
    convolution with a synthesized IR, master.py) --> + ambience bed (ambience.py, at its own
    absolute loudness) --> loudness normalisation to -14 LUFS integrated (BS.1770 via
    pyloudnorm) through a look-ahead true-peak limiter (ceiling below -1 dBTP).

Airless places (``air_density == 0``: vacuum_chamber, moon): sound cannot reach a microphone
through the air, so there is no ambience and no reverb; what remains is the impact as it would
be felt through the floor/structure (everything above ~250 Hz removed) mixed quietly, at
-30 LUFS instead of -14. A scene with nothing to hear (no audible events, no ambience) is left
silent, not normalised: its reported loudness is the BS.1770 floor, -70 LUFS, and its true peak
-120 dBTP when it is exactly zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tenku.audio import synth
from tenku.audio.ambience import AMBIENCE_LUFS, RAIN_LUFS, ambience_bed, rain_bed
from tenku.audio.master import (
    SILENCE_LUFS,
    limit,
    limiter_gain,
    loudness,
    peak_envelope,
    reverb,
    room_for,
    true_peak_dbtp,
    upsample4,
)
from tenku.audio.synth import SR, Body, stable_seed
from tenku.scene.result import Event, SimResult, Track

SAMPLE_RATE = SR
TARGET_LUFS = -14.0
AIRLESS_LUFS = -30.0
CEILING_DBTP = -2.3  # limiter ceiling: 1.3 dB of headroom for the AAC encoder's overshoot
MIN_SPEED = 0.05  # m/s: slower contacts are silent
MAX_SOUNDS = 300  # the loudest this many events are synthesized
DYNAMIC_RANGE_DB = 55.0  # events this far under the loudest are dropped (inaudible)
MAX_LIMIT_DB = 16.0  # at most this much limiting (gain reduction on the loudest peak): a scene
# of sparse, very short clicks (dominoes) then stays under -14 LUFS rather than being crushed
D_REF, D_MIN = 2.0, 0.5  # metres: inverse-distance gain D_REF / max(d, D_MIN)

__all__ = ["SAMPLE_RATE", "Cue", "Soundtrack", "soundtrack"]


@dataclass
class Cue:
    """One placed sound, for the sidecar. ``gain_db``: the sound's level in the final mix
    (its synthesis level x distance gain x master gain, before the limiter), in dB;
    ``pan``: -1 (left) .. 1 (right)."""

    t: float
    kind: str  # impact, shatter, splash, roll, slide, speech, music, rain or ambience
    source: str  # the event's ``a`` (entity/track id), or the environment's name
    gain_db: float
    pan: float

    def to_json(self) -> dict:
        return {"t": round(float(self.t), 4), "kind": self.kind, "source": self.source,
                "gain_db": round(float(self.gain_db), 2), "pan": round(float(self.pan), 3)}


@dataclass
class Soundtrack:
    samples: np.ndarray  # float32 (n, 2), n == round(duration * SAMPLE_RATE)
    cues: list[Cue]
    loudness_lufs: float
    true_peak_dbtp: float


# --- what the event's bodies are ---------------------------------------------------------------

def _materials():
    from tenku.catalog.materials import MATERIALS
    return MATERIALS


def _family_of(material_name: str | None) -> str:
    m = _materials().get(material_name or "")
    return m.sound if m is not None else "plastic"


class _Bodies:
    """Sizes and masses of the bodies events name (tracks, then static parts, else a floor)."""

    def __init__(self, sim: SimResult):
        self.sim = sim
        self.by_id = {t.id: t for t in sim.tracks}
        self.by_entity: dict[str, Track] = {}
        for t in sim.tracks:
            self.by_entity.setdefault(t.entity, t)
        self.static = {}
        for p in sim.static_parts:
            if p.name:
                self.static.setdefault(p.name, p)

    def track(self, ident: str | None) -> Track | None:
        if ident is None:
            return None
        return self.by_id.get(ident) or self.by_entity.get(ident)

    @staticmethod
    def _extent(parts) -> float:
        los, his = [], []
        for p in parts:
            lo, hi = p.local_aabb()
            los.append(lo)
            his.append(hi)
        if not los:
            return 0.1
        ext = np.maximum(np.max(his, axis=0) - np.min(los, axis=0), 0.003)
        return float(np.prod(ext) ** (1 / 3))

    def body(self, ident: str | None, material: str | None, part: str | None = None) -> Body:
        fam = _family_of(material)
        tr = self.track(ident)
        if tr is not None:
            named = [p for p in tr.parts if part and p.name == part]
            if named:  # the part that was hit (a hoop's rim or backboard) and what it is made of
                fam = _family_of(named[0].material)
            parts = named or [p for p in tr.parts if p.collide] or tr.parts
            size = self._extent(parts)
            return Body(fam, size, static=not tr.dynamic and size > 0.5)
        if ident in self.static:
            size = self._extent([self.static[ident]])
            return Body(fam, size, static=size > 0.3)
        return Body(fam, 1.0, static=True)  # the floor, or anything fixed and large

    def mass(self, ident: str | None) -> float:
        tr = self.track(ident)
        if tr is None:
            return 1.0
        mats = _materials()
        m = sum(p.volume() * (mats[p.material].density if p.material in mats else 1000.0)
                for p in tr.parts)
        return float(max(m, 1e-3))


# --- where things are on screen ----------------------------------------------------------------

class _Placer:
    def __init__(self, sim: SimResult, cameras, width: int, height: int):
        self.times = np.asarray(sim.times, dtype=float)
        self.aspect = width / height if width and height else 16 / 9
        self.cameras = list(cameras) if cameras else []
        self.fallback = None
        if not any(c is not None for c in self.cameras):
            self.cameras = []
            self.fallback = _fallback_pose(sim)
        self._mats: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _pose(self, t: float):
        if not self.cameras:
            return -1, self.fallback
        if len(self.times) == len(self.cameras) and len(self.times):
            i = int(np.clip(np.searchsorted(self.times, t), 0, len(self.times) - 1))
            if i > 0 and abs(self.times[i - 1] - t) <= abs(self.times[i] - t):
                i -= 1
        else:
            i = 0
        # nearest frame that has a pose
        for k in range(len(self.cameras)):
            for j in (i - k, i + k):
                if 0 <= j < len(self.cameras) and self.cameras[j] is not None:
                    return j, self.cameras[j]
        return -1, self.fallback

    def place(self, t: float, pos) -> tuple[float, float, float]:
        """(pan -1..1, linear distance gain, low-pass cutoff Hz) for a sound at ``pos``."""
        key, pose = self._pose(t)
        if key not in self._mats:
            V = pose.view()
            P = pose.projection(self.aspect, 0.05, 1000.0)
            self._mats[key] = (V, P @ V, np.asarray(pose.eye, float))
        V, PV, eye = self._mats[key]
        p = np.append(np.asarray(pos, dtype=float), 1.0)
        pe = V @ p
        clip = PV @ p
        dist = float(np.linalg.norm(p[:3] - eye))
        if clip[3] > 1e-6 and pe[2] < 0:
            x, y = clip[0] / clip[3], clip[1] / clip[3]
            onscreen = abs(x) <= 1.0 and abs(y) <= 1.0
            pan = float(np.clip(x, -1.0, 1.0)) * 0.85
        else:  # behind the camera: pan by direction only
            onscreen = False
            pan = float(np.clip(pe[0] / max(math.hypot(pe[0], pe[2]), 1e-6), -1, 1)) * 0.6
        gain = D_REF / max(dist, D_MIN)
        fc = 18000.0 / (1.0 + dist / 25.0)
        if not onscreen:
            gain *= 0.7
            fc = min(fc, 3500.0)
        return pan, gain, fc


def _fallback_pose(sim: SimResult):
    """A front view of where things happen, for when no camera path is given."""
    from tenku.render.camera import CameraPose
    pts = [e.pos for e in sim.events if e.type in ("contact", "break", "splash")]
    if not pts:
        pts = [t.pos[0] for t in sim.tracks if len(t.pos)] or [(0.0, 0.0, 0.0)]
    pts = np.asarray(pts, dtype=float)
    target = (pts.min(axis=0) + pts.max(axis=0)) / 2
    d = max(3.0, 1.6 * float(np.ptp(pts, axis=0).max()))
    return CameraPose(eye=target + np.array([0.0, -d, 0.35 * d]), target=target)


# --- foley ---------------------------------------------------------------------------------------

@dataclass
class _Sound:
    t: float
    kind: str
    source: str
    level: float  # linear synthesis level before placement
    pos: tuple
    event: Event
    index: int


def _plan_sounds(sim: SimResult, bodies: _Bodies) -> list[_Sound]:
    out = []
    for i, e in enumerate(sim.events):
        if e.type == "contact":
            if e.speed < MIN_SPEED:
                continue
            m_eff = e.impulse / max(e.speed, 0.05) if e.impulse > 0 else bodies.mass(e.a)
            level = (e.speed / 3.0) * float(np.clip(m_eff, 1e-3, 200.0)) ** 0.3
            out.append(_Sound(e.t, "impact", e.a, level, e.pos, e, i))
        elif e.type == "break":
            level = max(e.speed, 0.5) / 3.0 * bodies.mass(e.a) ** 0.3
            out.append(_Sound(e.t, "shatter", e.a, level, e.pos, e, i))
        elif e.type == "splash":
            level = (max(e.speed, 0.1) / 3.0) ** 0.8 * bodies.mass(e.a) ** 0.3 * 1.2
            out.append(_Sound(e.t, "splash", e.a, level, e.pos, e, i))
    return out


def _underwater(sim: SimResult, pos) -> bool:
    w = sim.water
    if w is None:
        return False
    x, y, z = (float(v) for v in pos)
    return w.lo[0] <= x <= w.hi[0] and w.lo[1] <= y <= w.hi[1] and z < w.level - 0.005


def _synthesize(s: _Sound, bodies: _Bodies, rng: np.random.Generator) -> np.ndarray:
    e = s.event
    mats = e.materials or ("plastic", "plastic")
    if s.kind == "impact":
        a = bodies.body(e.a, mats[0])
        b = bodies.body(e.b, mats[1], e.extra.get("part") if e.extra else None)
        if _underwater(bodies.sim, e.pos):
            # Water loads a submerged body (its ring dies fast). A hit on the tank or pool
            # itself still radiates into the air through its walls; one between two submerged
            # bodies reaches the camera only through the surface: dull and quieter.
            a.damping = 0.3
            if bodies.track(e.b) is None or not bodies.track(e.b).dynamic:
                b.damping = 0.6
                return synth.onepole_lowpass(synth.impact(a, b, e.speed, rng), 5000.0) * 0.85
            b.damping = 0.3
            return synth.onepole_lowpass(synth.impact(a, b, e.speed, rng), 1800.0) * 0.6
        return synth.impact(a, b, e.speed, rng)
    if s.kind == "shatter":
        fam = _family_of(mats[0])
        return synth.shatter(fam, e.speed, bodies.body(e.a, mats[0]).size, rng)
    return synth.splash(e.speed, bodies.body(e.a, mats[0]).size, rng)


SPEECH_LEVEL = 1.2  # a voice's peak, relative to a firm impact's, before distance
DUCK_DB = -9.0  # ambience under dialogue
MUSIC_LUFS = -21.0  # the score's level before mastering: under the foley, never over it
MUSIC_DUCK_DB = -10.0  # the score under dialogue


def _head(sim: SimResult, speaker: str) -> np.ndarray:
    """Where a speaker's voice comes from: its head, else its pelvis, else the origin."""
    for tid in (f"{speaker}.head", f"{speaker}.pelvis", speaker):
        try:
            return sim.track(tid).pos[0] + np.array([0.0, 0.0, 0.15 if tid.endswith("head") else 0.0])
        except KeyError:
            continue
    return np.zeros(3)


def _duck(n: int, speech, depth_db: float) -> np.ndarray:
    """A bed's gain: ``depth_db`` while anyone speaks, with 150 ms ramps either side."""
    g = np.zeros(n)
    for line in speech:
        a, b = round(line.start * SR), round(line.end * SR)
        g[max(0, a):max(0, min(n, b))] = 1.0
    ramp = int(0.15 * SR)
    if ramp > 1 and g.any():  # moving average by cumulative sums: O(n)
        c = np.concatenate([[0.0], np.cumsum(np.pad(g, ramp, mode="edge"))])
        g = np.minimum(1.0, (c[2 * ramp:] - c[:-2 * ramp])[:n] / (2 * ramp) * 2)
    return 10 ** (depth_db * g / 20)


def _mix_mono(out: np.ndarray, sig: np.ndarray, start: int, pan: float, gain: float) -> None:
    n = len(out)
    if start >= n or start < 0:
        return
    e = min(n, start + len(sig))
    th = (pan + 1) * math.pi / 4
    seg = sig[: e - start] * gain
    out[start:e, 0] += seg * math.cos(th)
    out[start:e, 1] += seg * math.sin(th)


def _rolls(sim: SimResult, bodies: _Bodies, placer: _Placer, env, n: int, seed: int,
           out: np.ndarray) -> list[tuple[float, str, float, float]]:
    """Rolling rumble for round bodies moving along the floor; returns (t, id, level, pan)
    of each rolling stretch's start."""
    times = np.asarray(sim.times, dtype=float)
    if len(times) < 3:
        return []
    cues = []
    water = sim.water
    floor_family = _family_of(env.floor_material) if env is not None else "wood"
    for tr in sim.tracks:
        if not tr.dynamic or tr.parent is not None:
            continue
        spheres = [p for p in tr.parts if p.shape == "sphere" and p.collide]
        if len(spheres) != 1 or len([p for p in tr.parts if p.collide]) != 1:
            continue
        r = spheres[0].size[0]
        pos = np.asarray(tr.pos, dtype=float)
        if len(pos) != len(times):
            continue
        vel = np.gradient(pos, times, axis=0)
        vh = np.hypot(vel[:, 0], vel[:, 1])
        on = np.asarray(tr.visible, bool) & (np.abs(pos[:, 2] - r) < 0.012) \
            & (np.abs(vel[:, 2]) < 0.3) & (vh > 0.2)
        if water is not None:
            inside = (pos[:, 0] > water.lo[0]) & (pos[:, 0] < water.hi[0]) \
                & (pos[:, 1] > water.lo[1]) & (pos[:, 1] < water.hi[1])
            on &= ~inside
        if on.sum() < 3:
            continue
        mass = bodies.mass(tr.id)
        speed = np.where(on, vh, 0.0)
        level = (speed / 3.0) * mass ** 0.3
        pans, gains = np.zeros(len(times)), np.zeros(len(times))
        frames = np.nonzero(on)[0]
        for f in frames:
            p, g, _ = placer.place(times[f], pos[f])
            pans[f], gains[f] = p, g
        # fill pans around segments so interpolation doesn't swing to centre
        pans = np.interp(np.arange(len(times)), frames, pans[frames])
        f0, f1 = max(frames[0] - 1, 0), min(frames[-1] + 1, len(times) - 1)
        s0, s1 = round(times[f0] * SR), min(round(times[f1] * SR), n)
        if s1 - s0 < 16:
            continue
        ts = np.arange(s0, s1) / SR
        amp = np.interp(ts, times, level * gains)
        pan = np.interp(ts, times, pans)
        spd = np.interp(ts, times, speed)
        rng = np.random.default_rng(stable_seed("roll", tr.id, seed))
        ball = Body(_family_of(spheres[0].material), 2 * r)
        sig = synth.roll(amp, spd, ball, floor_family, rng)
        th = (pan + 1) * np.pi / 4
        out[s0:s1, 0] += sig * np.cos(th)
        out[s0:s1, 1] += sig * np.sin(th)
        # one cue per rolling stretch
        starts = frames[np.concatenate([[True], np.diff(frames) > 1])]
        for f in starts:
            cues.append((float(times[f]), tr.id, float(level[frames].max() * gains[f] * 0.25),
                         float(pans[f])))
    return cues


#: Centre frequency (Hz) of the scrape a material family makes sliding on a floor.
SCRAPE_HZ = {"metal": 3200.0, "glass": 3800.0, "ceramic": 3000.0, "stone": 1800.0,
             "wood": 1400.0, "plastic": 2200.0, "rubber": 700.0, "cardboard": 1100.0,
             "ice": 2600.0}


def _slides(sim: SimResult, bodies: _Bodies, placer: _Placer, env, n: int, seed: int,
            out: np.ndarray) -> list[tuple[float, str, float, float]]:
    """Scraping while a non-round body slides along the floor without tumbling: band-passed
    noise centred by its material, loudness following speed and weight; returns (t, id,
    level, pan) of each sliding stretch's start."""
    from scipy.signal import butter, sosfilt

    times = np.asarray(sim.times, dtype=float)
    if len(times) < 3 or env is None or env.floor_size <= 0:
        return []
    cues = []
    for tr in sim.tracks:
        solid = [p for p in tr.parts if p.collide]
        if not tr.dynamic or tr.parent is not None or not solid or (
                len(solid) == 1 and solid[0].shape == "sphere") or "." in tr.id:
            continue
        pos = np.asarray(tr.pos, dtype=float)
        if len(pos) != len(times):
            continue
        low = min(float(p.local_aabb()[0].min()) for p in solid)  # a conservative half-size
        vel = np.gradient(pos, times, axis=0)
        vh = np.hypot(vel[:, 0], vel[:, 1])
        turn = np.abs(np.gradient(np.asarray(tr.quat, float), times, axis=0)).max(axis=1)
        on = tr.visible & (pos[:, 2] < -low + 0.02) & (np.abs(vel[:, 2]) < 0.15) \
            & (vh > 0.15) & (turn < 1.5)
        if on.sum() < 3:
            continue
        frames = np.nonzero(on)[0]
        level = np.where(on, np.minimum(vh / 2.0, 1.0), 0.0) * bodies.mass(tr.id) ** 0.3 * 0.35
        gains, pans = np.zeros(len(times)), np.zeros(len(times))
        for f in frames:
            pans[f], gains[f], _ = placer.place(times[f], pos[f])
        pans = np.interp(np.arange(len(times)), frames, pans[frames])
        s0 = round(times[max(frames[0] - 1, 0)] * SR)
        s1 = min(round(times[min(frames[-1] + 1, len(times) - 1)] * SR), n)
        if s1 - s0 < 16:
            continue
        ts = np.arange(s0, s1) / SR
        fc = SCRAPE_HZ.get(_family_of(solid[0].material), 1500.0)
        sos = butter(2, [fc / 1.6, min(fc * 1.6, 0.45 * SR)], btype="band", fs=SR, output="sos")
        rng = np.random.default_rng(stable_seed("slide", tr.id, seed))
        grit = sosfilt(sos, rng.standard_normal(s1 - s0)) * (1 + 0.5 * rng.random(s1 - s0))
        sig = grit * np.interp(ts, times, level * gains)
        th = (np.interp(ts, times, pans) + 1) * np.pi / 4
        out[s0:s1, 0] += sig * np.cos(th)
        out[s0:s1, 1] += sig * np.sin(th)
        starts = frames[np.concatenate([[True], np.diff(frames) > 1])]
        for f in starts:
            cues.append((float(times[f]), tr.id, float(level[frames].max() * gains[f]),
                         float(pans[f])))
    return cues


def _make_up(out: np.ndarray, target: float) -> tuple[np.ndarray, float, float]:
    """Programme-level make-up gain through the limiter until the whole mix reads ``target``.

    When a scene is a few short clicks over an ambience bed, BS.1770's gated average is the
    bed's, and no foley gain under the peak ceiling reaches the target; like a streaming
    service's normalisation, the whole programme (bed included) is raised instead. Bare foley
    (no bed) is never lifted this way: that would only crush its loudest hits, and a harder
    hit must stay louder."""
    best = (out, loudness(out))
    start = max(0.0, round(target - best[1]))
    for g_db in np.arange(start, start + 14.0, 1.0):  # loudness through a limiter is not
        y = limit(out * 10 ** (g_db / 20), CEILING_DBTP)  # monotonic in gain: search, bounded
        lout = loudness(y)
        if abs(lout - target) < abs(best[1] - target):
            best = (y, lout)
        if abs(lout - target) < 0.5:
            break
    return best[0], best[1], true_peak_dbtp(best[0])


def _normalise(wet: np.ndarray, amb: np.ndarray | None, target: float, lf: float):
    """Find the foley gain that puts ``limit(gain * wet + amb)`` at ``target`` LUFS (secant
    iterations on the measured loudness). The signals are oversampled once: the true-peak
    envelope of a gain-weighted sum is the envelope of the same sum of the oversampled parts."""
    n = len(wet)
    up_w = upsample4(wet)
    up_a = upsample4(amb) if amb is not None else None
    g_db = target - lf
    g_max = CEILING_DBTP - true_peak_dbtp(wet) + MAX_LIMIT_DB
    g_db = min(g_db, g_max)
    tried: list[tuple[float, float, np.ndarray, float]] = []
    for _ in range(8):
        g = 10 ** (g_db / 20)
        mix = wet * g
        up = up_w * g
        if amb is not None:
            mix = mix + amb
            up = up + up_a
        env = np.maximum(peak_envelope(up, n), np.abs(mix).max(axis=1))
        gain = limiter_gain(env, CEILING_DBTP)
        out = mix * gain[:, None]
        lout = loudness(out)
        peak = float((env * gain).max())
        tp = 20 * math.log10(peak) if peak > 0 else -120.0
        tried.append((g_db, lout, out, tp))
        err = target - lout
        if abs(err) < 0.05:
            break
        if len(tried) >= 2 and tried[-1][0] != tried[-2][0]:
            slope = (tried[-1][1] - tried[-2][1]) / (tried[-1][0] - tried[-2][0])
            slope = float(np.clip(slope, 0.1, 1.0))
        else:
            slope = 1.0
        g_new = min(g_db + err / slope, g_max)
        if g_new == g_db:
            break
        g_db = g_new
    g_db, lout, out, tp = min(tried, key=lambda gl: abs(target - gl[1]))
    return out, g_db, lout, tp


# --- the pipeline --------------------------------------------------------------------------------

def soundtrack(sim: SimResult, environment_name: str, duration: float, cameras=None,
               width: int = 1280, height: int = 720, *, seed: int = 0,
               ambience: bool = True, speech=None, music: str | None = None,
               weather: str = "clear") -> Soundtrack:
    """Synthesize, place, reverberate and master the soundtrack of a simulated scene.

    ``speech``: voiced dialogue lines (:func:`tenku.audio.speech.speak`), placed at their
    speaker's head, with the ambience ducked under them. ``music``: a score mood
    (:mod:`tenku.audio.music`), mixed at a fixed level under everything and ducked deeper
    under speech; it plays in airless places too, since a score is not in the scene.

    ``cameras``: one :class:`~tenku.render.camera.CameraPose` per frame of ``sim.times`` (as
    :func:`~tenku.render.camera.camera_path` returns), or None for a default front view.
    Deterministic: the same inputs and ``seed`` give identical samples."""
    from tenku.catalog.environments import ENVIRONMENTS

    n = max(0, round(float(duration) * SR))
    env = ENVIRONMENTS.get(environment_name)
    airless = env is not None and env.air_density <= 0
    bodies = _Bodies(sim)
    placer = _Placer(sim, cameras, width, height)
    foley = np.zeros((n, 2))

    # Plan, prune what would be inaudible, synthesize and place each sound.
    sounds = [s for s in _plan_sounds(sim, bodies) if 0.0 <= s.t < n / SR]
    placed = []
    for s in sounds:
        pan, g, fc = placer.place(s.t, s.pos)
        placed.append((s, pan, g, fc, s.level * g))
    if placed:
        loudest = max(p[4] for p in placed)
        placed = [p for p in placed if p[4] > loudest * 10 ** (-DYNAMIC_RANGE_DB / 20)]
        placed = sorted(placed, key=lambda p: -p[4])[:MAX_SOUNDS]
        placed.sort(key=lambda p: (p[0].t, p[0].index))
    raw_cues: list[tuple[float, str, str, float, float]] = []
    for s, pan, g, fc, lv in placed:
        rng = np.random.default_rng(stable_seed(seed, s.index, s.kind, s.source, round(s.t, 5)))
        sig = _synthesize(s, bodies, rng)
        if fc < 0.4 * SR:
            sig = synth.onepole_lowpass(sig, fc)
        _mix_mono(foley, sig, round(s.t * SR), pan, lv)
        raw_cues.append((s.t, s.kind, s.source, lv, pan))
    for t, ident, lv, pan in _rolls(sim, bodies, placer, env, n, seed, foley):
        raw_cues.append((t, "roll", ident, lv, pan))
    for t, ident, lv, pan in _slides(sim, bodies, placer, env, n, seed, foley):
        raw_cues.append((t, "slide", ident, lv, pan))
    for line in speech or []:
        pan, g, _ = placer.place(line.start, _head(sim, line.speaker))
        lv = SPEECH_LEVEL * g / (float(np.abs(line.samples).max()) or 1.0)
        _mix_mono(foley, line.samples, round(line.start * SR), pan, lv)
        raw_cues.append((line.start, "speech", line.speaker, lv, pan))

    room = room_for(environment_name)
    if airless:
        # Structure-borne only: no air, so no highs, no room and no ambience.
        foley = synth._lowpass(foley.T, 250.0, 2).T if n else foley
        wet = foley
        target = AIRLESS_LUFS
    else:
        wet = reverb(foley, room, seed)
        target = TARGET_LUFS

    amb = None
    amb_lufs = AMBIENCE_LUFS.get(environment_name, -50.0)
    if ambience and not airless and amb_lufs is not None and n > 0:
        amb = ambience_bed(environment_name, n / SR, seed)
        if amb is not None:
            la = loudness(amb)
            amb = amb * 10 ** ((amb_lufs - la) / 20) if la > SILENCE_LUFS else None
        if weather == "rain":
            indoor = bool(env is not None and env.look.indoor)
            rain = rain_bed(n / SR, seed, indoor)
            rain = rain * 10 ** ((RAIN_LUFS[indoor] - loudness(rain)) / 20)
            amb = rain if amb is None else amb + rain
            raw_cues.append((0.0, "rain", environment_name, RAIN_LUFS[indoor], 0.0))
        if amb is not None and speech:
            amb = amb * _duck(n, speech, DUCK_DB)[:, None]
    if music and n > 0:
        from tenku.audio.music import score

        m = score(music, n / SR, seed)
        m = m * 10 ** ((MUSIC_LUFS - loudness(m)) / 20)
        if speech:
            m = m * _duck(n, speech, MUSIC_DUCK_DB)[:, None]
        amb = m if amb is None else amb + m
        raw_cues.append((0.0, "music", music, MUSIC_LUFS, 0.0))

    lf = loudness(wet) if n else SILENCE_LUFS
    g_db = 0.0
    if lf <= SILENCE_LUFS:  # nothing to hear from the foley: do not blow up the noise
        mix = amb if amb is not None else np.zeros((n, 2))
        out = limit(mix, CEILING_DBTP) if np.any(mix) else mix
        lout = loudness(out) if n else SILENCE_LUFS
        tp = true_peak_dbtp(out)
    else:
        # its true peak comes from the oversampled envelope the limiter worked on
        out, g_db, lout, tp = _normalise(wet, amb, target, lf)
        if target - lout > 0.5 and amb is not None:  # clicks over a bed: lift it all
            out, lout, tp = _make_up(out, target)
    if tp > CEILING_DBTP + 0.01:  # interpolation between gain steps: trim the rest
        out = out * 10 ** ((CEILING_DBTP - tp) / 20)
        tp = true_peak_dbtp(out)
        lout = loudness(out)
    samples = np.clip(out, -1.0, 1.0).astype(np.float32)

    master = 10 ** (g_db / 20)
    cues = [Cue(t, kind, src, 20 * math.log10(max(lv * master, 1e-10)), pan)
            for t, kind, src, lv, pan in sorted(raw_cues, key=lambda c: c[0])]
    if amb is not None:
        cues.insert(0, Cue(0.0, "ambience", environment_name, float(amb_lufs), 0.0))
    return Soundtrack(samples=samples, cues=cues, loudness_lufs=float(lout), true_peak_dbtp=float(tp))
