"""Tests for tenku.audio: event foley placement (checked on the decoded AAC of a real MP4),
material character, loudness/true peak, panning, determinism and silence."""

from __future__ import annotations

import json
import math

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from tenku.audio import SAMPLE_RATE, Cue, Soundtrack, soundtrack
from tenku.media import VideoWriter, decode_audio
from tenku.render.camera import CameraPose
from tenku.scene.parts import Part
from tenku.scene.result import Event, SimResult, Track

SR = SAMPLE_RATE
FPS = 24


# --- scene builders --------------------------------------------------------------------------

def _track(tid: str, material: str, pos=(0.0, 0.0, 0.05), half=0.05, shape="box") -> Track:
    size = (half, half, half) if shape == "box" else (half,)
    return Track(id=tid, entity=tid, kind="block", parts=[Part(shape, size, material=material)],
                 pos=np.asarray(pos, float)[None], quat=np.zeros((0, 4)),
                 visible=np.zeros(0, bool))


def _scene(events: list[Event], duration: float, tracks: list[Track] | None = None) -> SimResult:
    times = np.arange(round(duration * FPS)) / FPS
    T = len(times)
    out = []
    for tr in tracks or []:
        p = tr.pos[0] if len(tr.pos) else np.array([0.0, 0.0, 0.05])
        out.append(Track(tr.id, tr.entity, tr.kind, tr.parts, np.tile(p, (T, 1)),
                         np.tile([1.0, 0.0, 0.0, 0.0], (T, 1)), np.ones(T, bool)))
    return SimResult(times=times, tracks=out, static_parts=[], events=events,
                     gravity=(0.0, 0.0, -9.81))


def _cameras(sim: SimResult) -> list[CameraPose]:
    pose = CameraPose(eye=(0.0, -4.0, 1.2), target=(0.0, 0.0, 0.3))
    return [pose] * len(sim.times)


def _contact(t, a, b, mats, speed, pos=(0.0, 0.0, 0.05), mass=0.5) -> Event:
    return Event(t=t, type="contact", a=a, b=b, speed=speed, impulse=mass * speed * 1.5,
                 pos=pos, materials=mats)


def _blocks() -> list[Track]:
    return [_track("wood_a", "wood"), _track("wood_b", "wood"), _track("iron", "iron"),
            _track("ball", "rubber", half=0.12, shape="sphere"), _track("cup", "glass", half=0.04),
            _track("plate", "ceramic", half=0.08)]


# --- analysis helpers ------------------------------------------------------------------------

def _onsets(x: np.ndarray, rate: int, rise_db: float = 3.0) -> np.ndarray:
    """Spectral-flux onset detector: 256-sample Hann frames every 1 ms; a frame's flux is the
    mean over bins (100 Hz .. 16 kHz) of how far its log power rises above the loudest of the
    same bin in the frames 4-20 ms before it. An onset starts where the flux exceeds
    ``rise_db`` and the total energy, within the next 8 ms, also rises by 2 dB over the same
    span (so the quiet pre-echo AAC spreads before a transient does not count); the time is
    the frame's centre. Returns onset times (s)."""
    mono = (x.mean(axis=1) if x.ndim == 2 else x).astype(np.float64)
    hop, win = rate // 1000, 256
    m = (len(mono) - win) // hop
    idx = np.arange(win)[None, :] + hop * np.arange(m)[:, None]
    spec = np.abs(np.fft.rfft(mono[idx] * np.hanning(win), axis=1)) ** 2
    f = np.fft.rfftfreq(win, 1 / rate)
    band = (f > 100) & (f < 16000)
    L = 10 * np.log10(spec[:, band] + 1e-10)
    E = 10 * np.log10(spec[:, band].sum(axis=1) + 1e-10)
    prev = np.full_like(L, -100.0)
    eprev = np.full_like(E, -100.0)
    for k in range(4, 21):
        prev[k:] = np.maximum(prev[k:], L[:-k])
        eprev[k:] = np.maximum(eprev[k:], E[:-k])
    loud = E > E.max() - 50  # ignore rises out of near silence
    flux = np.maximum(L - prev, 0.0).mean(axis=1)
    ahead = E.copy()  # loudest frame energy over the next 8 ms (a soft hit builds up)
    for k in range(1, 9):
        ahead[:-k] = np.maximum(ahead[:-k], E[k:])
    hit = np.nonzero((flux > rise_db) & (ahead - eprev > 2.0) & loud)[0]
    if len(hit) == 0:
        return np.zeros(0)
    starts = hit[np.concatenate([[True], np.diff(hit) > 15])]
    return (starts * hop + win // 2) / rate


def _write_mp4(path, samples: np.ndarray, duration: float) -> tuple[np.ndarray, int]:
    frames = round(duration * FPS)
    black = np.zeros((64, 64, 3), np.uint8)
    with VideoWriter(path, 64, 64, FPS, audio=samples, sample_rate=SR) as w:
        for _ in range(frames):
            w.write(black)
    return decode_audio(path)


def _lufs(x: np.ndarray, rate: int) -> float:
    return float(pyloudnorm.Meter(rate).integrated_loudness(x.astype(np.float64)))


def _true_peak_db(x: np.ndarray) -> float:
    up = resample_poly(x.astype(np.float64), 4, 1, axis=0)
    return 20 * math.log10(max(np.abs(up).max(), np.abs(x).max()))


def _centroid(x: np.ndarray) -> float:
    mono = x.mean(axis=1)
    spec = np.abs(np.fft.rfft(mono)) ** 2
    f = np.fft.rfftfreq(len(mono), 1 / SR)
    return float((f * spec).sum() / spec.sum())


def _rms(x: np.ndarray, t: float, span: float = 0.05) -> float:
    s = round(t * SR)
    return float(np.sqrt((x[s: s + int(span * SR)].astype(np.float64) ** 2).mean()))


def _check_onsets(events: list[Event], found: np.ndarray, tol: float = 0.010) -> None:
    last = -1.0
    for e in sorted(events, key=lambda e: e.t):
        if e.t - last < 0.040:  # merged with the previous one
            continue
        last = e.t
        err = np.abs(found - e.t).min() if len(found) else float("inf")
        assert err <= tol, f"no onset within {tol * 1000:.0f} ms of {e.type} at {e.t:.3f} s " \
                           f"(nearest {err * 1000:.1f} ms); onsets {np.round(found, 3)}"


# --- tests -----------------------------------------------------------------------------------

HAND_EVENTS = [
    _contact(0.30, "wood_a", "wood_b", ("wood", "wood"), 3.0, pos=(-0.3, 0, 0.05)),
    _contact(0.85, "iron", "floor", ("iron", "stone"), 2.0, pos=(0.3, 0, 0.0), mass=2.0),
    _contact(1.45, "ball", "floor", ("rubber", "court"), 4.0, pos=(0.0, 0.2, 0.0), mass=0.6),
    _contact(2.05, "plate", "floor", ("ceramic", "tile"), 1.5, pos=(0.5, 0, 0.0)),
    Event(t=2.60, type="break", a="cup", b="floor", speed=4.0, pos=(-0.5, 0.0, 0.05),
          materials=("glass", "glass"), extra={"pieces": []}),
    _contact(2.60, "cup", "floor", ("glass", "paint"), 4.0, pos=(-0.5, 0.0, 0.0), mass=0.2),
    _contact(3.10, "wood_a", "floor", ("wood", "paint"), 0.02),  # too slow to hear
]


def test_onsets_loudness_and_true_peak_in_decoded_mp4(tmp_path):
    dur = 3.5
    sim = _scene(HAND_EVENTS, dur, _blocks())
    st = soundtrack(sim, "kitchen", dur, _cameras(sim), 64, 64, seed=3)
    assert isinstance(st, Soundtrack)
    assert st.samples.dtype == np.float32 and st.samples.shape == (round(dur * SR), 2)
    audio, rate = _write_mp4(tmp_path / "hand.mp4", st.samples, dur)
    assert rate == SR
    audible = [e for e in HAND_EVENTS if e.type != "contact" or e.speed > 0.05]
    found = _onsets(audio, rate)
    _check_onsets(audible, found)
    assert len(found) <= len(audible) + 2, f"spurious onsets: {np.round(found, 3)}"
    # loudness and true peak, measured on what a viewer hears
    assert abs(st.loudness_lufs + 14.0) < 0.3
    assert st.true_peak_dbtp <= -1.0
    assert abs(_lufs(audio, rate) + 14.0) <= 1.0
    assert _true_peak_db(audio) <= -1.0


def test_onsets_of_a_simulated_scene(tmp_path):
    from tenku.planner import plan
    from tenku.render.camera import camera_path
    from tenku.sim import simulate

    planned = plan("a basketball player shoots and misses, the ball bounces off the rim")
    sim = simulate(planned.script)
    dur = len(sim.times) / FPS
    cams = camera_path(planned.script, sim, 320, 180)
    st = soundtrack(sim, planned.script.environment, dur, cams, 320, 180, seed=0)
    contacts = [e for e in sim.events if e.type == "contact" and e.speed > 0.05]
    assert contacts, "the scene should have contacts"
    audio, rate = _write_mp4(tmp_path / "court.mp4", st.samples, dur)
    _check_onsets(contacts, _onsets(audio, rate))
    assert abs(_lufs(audio, rate) + 14.0) <= 1.0
    assert _true_peak_db(audio) <= -1.0
    kinds = {c.kind for c in st.cues}
    assert {"impact", "ambience"} <= kinds
    json.dumps([c.to_json() for c in st.cues])


def test_onset_is_sample_accurate_and_causal():
    t = 0.5123
    sim = _scene([_contact(t, "wood_a", "wood_b", ("wood", "wood"), 2.0)], 1.2, _blocks())
    st = soundtrack(sim, "studio", 1.2, _cameras(sim), 64, 64, ambience=False)
    onset = round(t * SR)
    assert not np.any(st.samples[:onset]), "sound before the event time (pre-ringing)"
    assert np.abs(st.samples[onset: onset + 48]).max() > 1e-3


def test_material_pairs_sound_different():
    def one(mats, a, b):
        sim = _scene([_contact(0.2, a, b, mats, 3.0)], 1.5, _blocks())
        return soundtrack(sim, "studio", 1.5, _cameras(sim), 64, 64, ambience=False).samples

    wood = one(("wood", "wood"), "wood_a", "wood_b")
    metal = one(("iron", "stone"), "iron", "floor")
    glass = one(("glass", "ceramic"), "cup", "plate")
    ball = one(("rubber", "court"), "ball", "floor")
    cw, cm, cg, cb = (_centroid(x) for x in (wood, metal, glass, ball))
    assert cm > 1.4 * cw and cg > 1.4 * cw and cw > 1.4 * cb, (cw, cm, cg, cb)

    # metal rings on; wood knocks and stops
    def tail_ratio(x):
        return _rms(x, 0.5, 0.3) / _rms(x, 0.2, 0.05)
    assert tail_ratio(metal) > 5 * tail_ratio(wood)

    # a basketball bounce has its energy low: mostly under 400 Hz
    mono = ball.mean(axis=1)
    spec = np.abs(np.fft.rfft(mono)) ** 2
    f = np.fft.rfftfreq(len(mono), 1 / SR)
    assert spec[(f > 60) & (f < 400)].sum() > 0.6 * spec.sum()


def test_harder_impact_is_louder():
    speeds = {0.4: 2.0, 1.4: 0.5, 2.4: 6.0}  # time -> speed, not in order
    events = [_contact(t, "wood_a", "wood_b", ("wood", "wood"), v) for t, v in speeds.items()]
    sim = _scene(events, 3.0, _blocks())
    st = soundtrack(sim, "studio", 3.0, _cameras(sim), 64, 64, ambience=False)
    rms = {v: _rms(st.samples, t) for t, v in speeds.items()}
    assert rms[0.5] < rms[2.0] < rms[6.0], rms
    # and brighter: the harder hit's first 50 ms has a higher centroid
    def cen(t):
        s = int(t * SR)
        return _centroid(st.samples[s: s + int(0.05 * SR)])
    assert cen(2.4) > cen(1.4)


def test_pan_follows_screen_position():
    left = _contact(0.3, "wood_a", "wood_b", ("wood", "wood"), 3.0, pos=(-1.2, 0.0, 0.3))
    right = _contact(1.3, "wood_a", "wood_b", ("wood", "wood"), 3.0, pos=(1.2, 0.0, 0.3))
    sim = _scene([left, right], 2.0, _blocks())
    st = soundtrack(sim, "studio", 2.0, _cameras(sim), 64, 64, ambience=False)
    x = st.samples
    l0, r0 = _rms(x[:, :1], 0.3), _rms(x[:, 1:], 0.3)
    l1, r1 = _rms(x[:, :1], 1.3), _rms(x[:, 1:], 1.3)
    assert l0 > 1.5 * r0 and r1 > 1.5 * l1, (l0, r0, l1, r1)
    pans = [c.pan for c in st.cues if c.kind == "impact"]
    assert pans[0] < -0.2 and pans[1] > 0.2


def test_distance_attenuates():
    near = _contact(0.3, "wood_a", "wood_b", ("wood", "wood"), 3.0, pos=(0.0, -2.5, 0.8))
    far = _contact(1.3, "wood_a", "wood_b", ("wood", "wood"), 3.0, pos=(0.0, 8.0, 0.3))
    sim = _scene([near, far], 2.0, _blocks())
    st = soundtrack(sim, "studio", 2.0, _cameras(sim), 64, 64, ambience=False)
    gains = [c.gain_db for c in st.cues if c.kind == "impact"]
    assert gains[0] - gains[1] > 12.0  # inverse distance: ~1.5 m vs ~12 m
    # what is heard keeps the order (the limiter squeezes the near, louder one)
    assert _rms(st.samples, 0.3) > 1.3 * _rms(st.samples, 1.3)


def test_deterministic():
    sim = _scene(HAND_EVENTS, 3.5, _blocks())
    a = soundtrack(sim, "basketball_court", 3.5, _cameras(sim), 64, 64, seed=7)
    b = soundtrack(sim, "basketball_court", 3.5, _cameras(sim), 64, 64, seed=7)
    c = soundtrack(sim, "basketball_court", 3.5, _cameras(sim), 64, 64, seed=8)
    assert np.array_equal(a.samples, b.samples)
    assert [x.to_json() for x in a.cues] == [x.to_json() for x in b.cues]
    assert not np.array_equal(a.samples, c.samples)


@pytest.mark.parametrize("env", ["vacuum_chamber", "moon"])
def test_silent_place_without_events_stays_silent(env):
    sim = _scene([], 1.0)
    st = soundtrack(sim, env, 1.0, None, 64, 64)
    assert st.samples.shape == (SR, 2)
    assert not np.any(st.samples)
    assert st.loudness_lufs <= -70.0 and st.true_peak_dbtp <= -100.0
    assert all(math.isfinite(v) for v in (st.loudness_lufs, st.true_peak_dbtp))


def test_airless_events_are_muffled_and_quiet():
    sim = _scene(HAND_EVENTS[:3], 2.0, _blocks())
    st = soundtrack(sim, "moon", 2.0, _cameras(sim), 64, 64)
    assert -40.0 < st.loudness_lufs < -25.0
    assert _centroid(st.samples) < 400.0


def test_ambience_only_stays_gentle():
    for env in ("studio", "basketball_court", "beach", "park", "street"):
        st = soundtrack(_scene([], 2.0), env, 2.0, None, 64, 64, seed=1)
        assert st.samples.shape == (2 * SR, 2)
        assert -60.0 < st.loudness_lufs < -24.0, (env, st.loudness_lufs)
        assert [c.kind for c in st.cues] == ["ambience"]


def test_cue_json_and_short_clip():
    sim = _scene([_contact(0.05, "wood_a", "wood_b", ("wood", "wood"), 1.0)], 0.25, _blocks())
    st = soundtrack(sim, "living_room", 0.25, None, 64, 64)
    assert st.samples.shape == (12000, 2)
    assert np.abs(st.samples).max() <= 1.0
    js = [c.to_json() for c in st.cues]
    assert {"t", "kind", "source", "gain_db", "pan"} <= set(js[-1])
    assert js[-1]["kind"] == "impact" and js[-1]["source"] == "wood_a"
    assert Cue(0.1, "impact", "x", -3.0, 0.25).to_json()["pan"] == 0.25
