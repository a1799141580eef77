"""Rain is heard when the script has rain: outdoors as a bright hiss of drops, indoors muffled."""

from __future__ import annotations

import numpy as np

from tenku.audio import soundtrack
from tenku.planner import plan
from tenku.sim import simulate


def band_db(x: np.ndarray, lo: float, hi: float, rate: int = 48000) -> float:
    spec = np.abs(np.fft.rfft(x.mean(axis=1))) ** 2
    f = np.fft.rfftfreq(len(x), 1 / rate)
    return 10 * np.log10(spec[(f >= lo) & (f < hi)].sum() + 1e-12)


def test_rain_is_heard_outdoors_and_muffled_indoors():
    street = plan("a ball rests on the street in the rain", duration=2.0).script
    assert street.weather == "rain"
    sim = simulate(street)
    wet = soundtrack(sim, "street", 2.0, None, 160, 90, weather="rain")
    dry = soundtrack(sim, "street", 2.0, None, 160, 90, weather="clear")
    assert band_db(wet.samples, 2000, 10000) > band_db(dry.samples, 2000, 10000) + 10
    assert any(c.kind == "rain" for c in wet.cues)
    room = soundtrack(simulate(plan("a ball rests in the living room", duration=2.0).script),
                      "living_room", 2.0, None, 160, 90, weather="rain")
    # Through a roof the highs are gone: the indoor rain is darker than the street's.
    tilt = lambda s: band_db(s.samples, 3000, 10000) - band_db(s.samples, 100, 800)  # noqa: E731
    assert tilt(room) < tilt(wet) - 10
