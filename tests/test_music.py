"""The procedural score: it keeps time, stays in key, differs by mood, resolves and fades, and
sits under the dialogue in a generated video."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import tenku
from tenku.audio import MUSIC_DUCK_DB, _duck
from tenku.audio.music import ARRANGEMENTS, SR, score
from tenku.media import decode_audio
from tenku.planner import plan


def onset_envelope(x: np.ndarray, hop: int = 480) -> np.ndarray:
    mono = x.mean(axis=1)
    n = len(mono) // hop
    e = np.sqrt((mono[: n * hop].reshape(n, hop) ** 2).mean(axis=1))
    return np.maximum(0.0, np.diff(np.log(e + 1e-4)))


@pytest.mark.parametrize("mood", ["lofi", "upbeat"])
def test_drums_keep_the_moods_tempo(mood):
    x = score(mood, 12.0, seed=1)
    env = onset_envelope(x)  # 100 frames per second
    env = env - env.mean()
    ac = np.correlate(env, env, mode="full")[len(env) - 1:]
    beat = 60.0 / ARRANGEMENTS[mood].bpm
    lags = np.arange(len(ac)) / 100.0
    window = (lags > 0.3) & (lags < 1.2)
    best = lags[window][np.argmax(ac[window])]
    assert min(abs(best - beat), abs(best - 2 * beat), abs(best - beat / 2)) < 0.04


@pytest.mark.parametrize("mood", ["orchestral", "upbeat", "calm"])
def test_harmony_stays_in_the_key(mood):
    arr = ARRANGEMENTS[mood]
    x = score(mood, 10.0).mean(axis=1)
    spec = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    band = (freqs > 60) & (freqs < 2000)
    pcs = np.round(12 * np.log2(freqs[band] / 440.0) + 69).astype(int) % 12
    energy = np.bincount(pcs, weights=spec[band], minlength=12)
    in_key = {(arr.root + s) % 12 for s in arr.scale}
    assert energy[list(in_key)].sum() / energy.sum() > 0.85


def test_moods_sound_different_and_are_deterministic():
    a, b = score("tense", 6.0), score("calm", 6.0)
    def centroid(x):
        s = np.abs(np.fft.rfft(x.mean(axis=1)))
        f = np.fft.rfftfreq(len(x), 1 / SR)
        return float((s * f).sum() / s.sum())
    assert abs(centroid(a) - centroid(b)) > 50
    assert np.array_equal(score("lofi", 3.0, seed=4), score("lofi", 3.0, seed=4))


def test_the_score_ends_in_a_fade_on_the_tonic():
    x = score("sad", 8.0)
    tail = x[-int(0.05 * SR):]
    assert np.abs(tail).max() < 0.1 * np.abs(x).max()


def test_music_ducks_under_dialogue():
    class Line:
        start, end = 1.0, 2.0
    g = _duck(4 * SR, [Line()], MUSIC_DUCK_DB)
    assert 20 * np.log10(g[int(1.5 * SR)]) == pytest.approx(MUSIC_DUCK_DB, abs=0.01)
    assert g[int(3.5 * SR)] == pytest.approx(1.0)


def test_prompt_words_pick_the_mood():
    assert plan("a ball bounces over a lo-fi beat").script.music == "lofi"
    assert plan("dominoes topple, swelling orchestral").script.music == "orchestral"
    assert plan("a ball bounces").script.music is None


def test_a_generated_video_carries_the_score(tmp_path):
    r = tenku.generate('a man says "listen to this"', out=tmp_path / "m.mp4", size="160x90",
                       music="calm")
    assert r.sidecar["script"]["music"] == "calm"
    assert any(c["kind"] == "music" for c in r.sidecar["sounds"])
    x, rate = decode_audio(r.video)
    end = r.sidecar["dialogue"][-1]["end"]
    after = x[int((end + 0.3) * rate):int((r.sidecar["script"]["duration"] - 0.6) * rate)]
    assert 20 * np.log10(np.sqrt((after ** 2).mean())) > -40  # the score, not just room tone


def test_unknown_mood_is_refused(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tenku.cli", "generate", "a ball bounces",
                           "--music", "polka", "-o", str(tmp_path / "x.mp4")],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 2 and "lofi" in proc.stderr and "Traceback" not in proc.stderr
