"""Sliding is heard while it lasts: a pushed crate scrapes until friction stops it."""

from __future__ import annotations

import numpy as np

from tenku.audio import SAMPLE_RATE, soundtrack
from tenku.script import WorldScript
from tenku.sim import simulate


def test_a_pushed_crate_scrapes_until_it_stops():
    script = WorldScript.model_validate(dict(
        environment="living_room", duration=3.0, size="160x90",
        entities=[{"id": "crate", "kind": "crate", "pose": {"position": [-1.0, 0.0, 0.0]}},
                  {"id": "still", "kind": "crate", "pose": {"position": [1.0, 1.0, 0.0]}}],
        actions=[{"type": "push", "target": "crate", "speed": 3.0, "t": 0.5}]))
    sim = simulate(script)
    track = soundtrack(sim, script.environment, script.duration, None, 160, 90, ambience=False)
    slides = [c for c in track.cues if c.kind == "slide"]
    assert [c.source for c in slides] == ["crate"] and abs(slides[0].t - 0.5) < 0.05
    x = track.samples.mean(axis=1)

    def rms_db(a, b):
        seg = x[int(a * SAMPLE_RATE):int(b * SAMPLE_RATE)]
        return 20 * np.log10(np.sqrt((seg ** 2).mean()) + 1e-9)

    v = np.linalg.norm(np.diff(sim.track("crate").pos, axis=0), axis=1) * script.fps
    stopped = sim.times[1:][v < 0.05]
    stop = stopped[stopped > 0.6][0]
    assert rms_db(0.55, 0.75) > rms_db(stop + 0.3, 3.0) + 20
