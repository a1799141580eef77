"""World time and video time.

The simulator runs in world seconds; a video shows shots of that world, each at its own speed
(slow motion, time-lapse), possibly with unseen gaps between them and, for an extension, an
unseen stretch before the first frame (``WorldScript.begin``). Sound belongs to the video's
clock, so the soundtrack is built from a *video view* of the simulation: the same tracks with
each frame stamped at its video time, and each event moved to when the video shows it (events
nobody sees are left out)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tenku.scene.result import Event, SimResult
from tenku.script import WorldScript


def world_to_video(script: WorldScript, t: float) -> float | None:
    """When the video shows world time ``t``, or None if no shot does."""
    spans = script.shot_spans()
    for (shot, a, b), (v0, _) in zip(spans, script.shot_video_spans()):
        last = shot is spans[-1][0]
        if a - 1e-9 <= t < b or (last and a - 1e-9 <= t <= b + 1e-9):
            return v0 + (t - a) / shot.speed
    return None


def video_to_world(script: WorldScript, tau: float) -> float:
    """The world time shown at video time ``tau`` (clamped to the video)."""
    spans = script.shot_spans()
    for (shot, a, b), (v0, v1) in zip(spans, script.shot_video_spans()):
        if tau < v1 or shot is spans[-1][0]:
            return min(a + max(tau - v0, 0.0) * shot.speed, b)
    return spans[-1][2]


def video_view(sim: SimResult, script: WorldScript) -> SimResult:
    """``sim`` on the video's clock: frame k at k/fps, events at the video time they are shown."""
    events: list[Event] = []
    for e in sim.events:
        tv = world_to_video(script, e.t)
        if tv is not None:
            events.append(replace(e, t=tv))
    times = np.arange(len(sim.times)) / script.fps
    return replace(sim, times=times, events=events)
