"""What a simulation produces: a track per rigid body, sampled at the video's frame times,
and the event log (contacts, breaks, splashes) that sound and the sidecar are built from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tenku.scene.parts import Part


@dataclass
class Track:
    """One rigid body through time. ``pos`` is (T, 3) metres (a free body's centre of mass;
    a fixed one's base), ``quat`` (T, 4) (w, x, y, z),
    ``visible`` (T,) bool: a body is hidden before it exists (a shard before the glass breaks)
    and after it stops existing (the glass once it has shattered).

    ``joints`` optionally holds articulated sub-bodies of the same entity (a figure's limbs),
    each a Track of its own, so the renderer needs no knowledge of skeletons."""

    id: str
    entity: str
    kind: str
    parts: list[Part]
    pos: np.ndarray
    quat: np.ndarray
    visible: np.ndarray
    parent: str | None = None  # for fragments: the entity they broke off from
    dynamic: bool = True


@dataclass
class Water:
    """A body of water: a box from ``lo`` to ``hi`` (x, y) whose surface sits at ``level``."""

    lo: tuple[float, float]
    hi: tuple[float, float]
    level: float
    floor: float
    density: float = 1000.0


@dataclass
class Event:
    """Something that happened, at time ``t`` seconds. ``type`` is one of ``contact``
    (first touch of two bodies: ``speed`` is the relative normal speed in m/s, ``impulse`` N s),
    ``break`` (``a`` shattered into ``pieces``), ``splash`` (``a`` crossed the water surface),
    ``release`` (``b`` let go of ``a``) and ``launch`` (``a`` set in motion by an action)."""

    t: float
    type: str
    a: str
    b: str | None = None
    speed: float = 0.0
    impulse: float = 0.0
    pos: tuple[float, float, float] = (0.0, 0.0, 0.0)
    materials: tuple[str, str] | None = None
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        d = {
            "t": round(self.t, 4),
            "type": self.type,
            "a": self.a,
            "b": self.b,
            "speed": round(self.speed, 4),
            "impulse": round(self.impulse, 5),
            "pos": [round(float(x), 4) for x in self.pos],
        }
        if self.materials:
            d["materials"] = list(self.materials)
        d.update(self.extra)
        return d


@dataclass
class SimResult:
    """Tracks sampled at ``times`` (one per video frame), static environment parts in world
    coordinates, the water (if any), gravity and the event log."""

    times: np.ndarray
    tracks: list[Track]
    static_parts: list[Part]
    events: list[Event]
    gravity: tuple[float, float, float]
    water: Water | None = None
    stats: dict = field(default_factory=dict)

    def track(self, track_id: str) -> Track:
        for t in self.tracks:
            if t.id == track_id:
                return t
        raise KeyError(track_id)
