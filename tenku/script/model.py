"""The world script: a typed, versioned description of everything that happens in a video.

A prompt is *planned* into a world script; the simulator, renderer and every later step read it.
The script plus its seed reproduces a video exactly, so it travels with the video in the
``.world.json`` sidecar. Units are SI (metres, seconds, kilograms); the world is z-up; angles
in the script are degrees because people edit these files by hand.

This module imports nothing else from tenku: everything else imports it.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCRIPT_VERSION = "1"

#: Output sizes accepted for full-size renders (landscape and portrait); tests may use any
#: small size up to :data:`SMALL_SIZE_LIMIT` pixels on its longest side.
STANDARD_SIZES = ("1280x720", "720x1280", "1792x1024", "1024x1792", "1920x1080", "1080x1920")
SMALL_SIZE_LIMIT = 640
FPS_CHOICES = (12, 15, 24, 25, 30, 48, 50, 60)
MAX_SECONDS = 20.0
#: The longest stretch of world time a script may simulate (time-lapses and chains of
#: extensions replay the world from 0).
MAX_WORLD_SECONDS = 600.0
MAX_PROMPT_CHARS = 32_000
#: Moods of the procedural score (``tenku.audio.music``).
MUSIC_MOODS = ("orchestral", "lofi", "tense", "upbeat", "calm", "sad")

Vec3 = tuple[float, float, float]
_ID = r"^[a-z][a-z0-9_]{0,63}$"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


class _Strict(BaseModel):
    """Unknown fields are errors: a typo in a hand-edited script must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def parse_size(size: str) -> tuple[int, int]:
    """Parse and check ``WxH``; raise ``ValueError`` naming what is allowed."""
    m = re.fullmatch(r"\s*(\d{1,5})\s*[xX]\s*(\d{1,5})\s*", str(size))
    if not m:
        raise ValueError(f"size must look like WIDTHxHEIGHT (e.g. 1280x720), got {size!r}")
    w, h = int(m.group(1)), int(m.group(2))
    if f"{w}x{h}" in STANDARD_SIZES:
        return w, h
    if 16 <= w <= SMALL_SIZE_LIMIT and 16 <= h <= SMALL_SIZE_LIMIT and w % 2 == 0 and h % 2 == 0:
        return w, h
    raise ValueError(
        f"size {w}x{h} is not supported: use one of {', '.join(STANDARD_SIZES)}, "
        f"or a small even size up to {SMALL_SIZE_LIMIT}x{SMALL_SIZE_LIMIT} for previews and tests"
    )


class Pose(_Strict):
    """Where an entity starts: ``position`` of its base centre (metres) and ``rotation`` as
    roll/pitch/yaw in degrees (applied as yaw, then pitch, then roll about world axes)."""

    position: Vec3 = (0.0, 0.0, 0.0)
    rotation: Vec3 = (0.0, 0.0, 0.0)


def _hex_color(v: str | None) -> str | None:
    if v is not None and not _HEX.match(v):
        raise ValueError("colors must be #rrggbb, e.g. #d2691e")
    return v.lower() if v else v


class Appearance(_Strict):
    """A figure's look: outfit and body colours as ``#rrggbb`` (unset: the kind's default)."""

    shirt: str | None = None
    pants: str | None = None
    skin: str | None = None
    hair: str | None = None

    @field_validator("shirt", "pants", "skin", "hair")
    @classmethod
    def _hex(cls, v: str | None) -> str | None:
        return _hex_color(v)


class Voice(_Strict):
    """A speaking voice for espeak-ng: ``name`` (e.g. ``en-us+f3``), ``pitch`` 0-99 and
    ``rate`` in words per minute."""

    name: str = Field("en-us+m3", pattern=r"^[a-z]{2,3}(-[a-z0-9]{2,8})?(\+[a-z0-9]{1,8})?$")
    pitch: int = Field(50, ge=0, le=99)
    rate: int = Field(165, ge=80, le=450)


class Entity(_Strict):
    """One thing in the world. ``kind`` names a catalog entry (``tenku script kinds`` lists
    them); ``material``, ``size`` and ``color`` override the catalog's defaults."""

    id: Annotated[str, Field(pattern=_ID, description="unique lower-case id, e.g. ball_1")]
    kind: str
    material: str | None = None
    size: Vec3 | None = Field(
        None, description="bounding box (x, y, z) in metres; default is the kind's real size"
    )
    pose: Pose = Pose()
    velocity: Vec3 = (0.0, 0.0, 0.0)
    angular_velocity: Vec3 = Field((0.0, 0.0, 0.0), description="rad/s about world axes")
    color: str | None = Field(None, description="#rrggbb")
    fixed: bool | None = Field(None, description="welded to the world; default from the kind")
    held_by: str | None = Field(None, description="id of a figure holding this in its hand")
    label: str | None = Field(None, description="the words in the prompt that named it")
    appearance: Appearance | None = Field(
        None, description="a figure's colours (shirt, pants, skin, hair); overrides color")
    voice: Voice | None = Field(None, description="how a figure sounds when it speaks")
    character: str | None = Field(None, description="id of the saved character this figure is")

    @field_validator("color")
    @classmethod
    def _hex(cls, v: str | None) -> str | None:
        if v is not None and not _HEX.match(v):
            raise ValueError("color must be #rrggbb, e.g. #d2691e")
        return v.lower() if v else v

    @field_validator("size")
    @classmethod
    def _positive(cls, v: Vec3 | None) -> Vec3 | None:
        if v is not None and not all(0.001 <= x <= 50 for x in v):
            raise ValueError("each size dimension must be between 0.001 and 50 metres")
        return v


class _ActionBase(_Strict):
    t: float = Field(0.0, ge=0.0, description="when the action happens, seconds from the start")


class Throw(_ActionBase):
    """``actor`` throws ``target`` at entity ``at``; the simulator searches the launch so that
    the requested ``outcome`` really happens (a miss never passes through a hoop)."""

    type: Literal["throw"] = "throw"
    actor: str | None = None
    target: str
    at: str
    outcome: Literal["make", "miss"] = "make"


class Drop(_ActionBase):
    """``target`` is held still at its pose until ``t`` and then let go."""

    type: Literal["drop"] = "drop"
    target: str


class Release(_ActionBase):
    """``actor`` opens its hand at ``t``; whatever it holds falls from there."""

    type: Literal["release"] = "release"
    actor: str


class Push(_ActionBase):
    """``target`` is shoved horizontally at ``speed`` m/s toward ``direction`` or entity ``at``."""

    type: Literal["push"] = "push"
    actor: str | None = None
    target: str
    speed: float = Field(1.0, gt=0, le=40)
    direction: Vec3 | None = None
    at: str | None = None


class Roll(Push):
    """Like push, but the target starts rolling without slipping."""

    type: Literal["roll"] = "roll"  # type: ignore[assignment]


class Kick(Push):
    """``actor`` kicks ``target`` toward ``direction`` or ``at`` with a lofted launch."""

    type: Literal["kick"] = "kick"  # type: ignore[assignment]
    speed: float = Field(8.0, gt=0, le=40)
    loft_deg: float = Field(20.0, ge=0, le=75)


class PlaceOnWater(_ActionBase):
    """``target`` is set down gently on the water surface at ``t``."""

    type: Literal["place_on_water"] = "place_on_water"
    target: str


class Topple(_ActionBase):
    """``target`` is tipped over by a nudge at its top toward ``direction``."""

    type: Literal["topple"] = "topple"
    target: str
    direction: Vec3 = (1.0, 0.0, 0.0)
    speed: float = Field(0.6, gt=0, le=10, description="speed given to the top, m/s")


class Stack(_ActionBase):
    """``targets`` start stacked on ``on`` (an entity) in the given order, bottom first."""

    type: Literal["stack"] = "stack"
    targets: list[str] = Field(min_length=1)
    on: str | None = None


class Spin(_ActionBase):
    """``target`` is spun about the vertical axis at ``rate`` rad/s."""

    type: Literal["spin"] = "spin"
    target: str
    rate: float = Field(20.0, ge=-400, le=400)


Action = Annotated[
    Union[Throw, Drop, Release, Push, Roll, Kick, PlaceOnWater, Topple, Stack, Spin],
    Field(discriminator="type"),
]


#: Characters a line of dialogue may hold: letters and marks of any script, digits,
#: spaces and ordinary punctuation (no control characters, emoji or symbols a voice cannot say).
_SPEAKABLE = re.compile(r"^[\w\s.,;:!?'\"\-–—()…&%$€£/+]*$")


class Line(_Strict):
    """One line of dialogue: ``speaker`` (a figure's id) says ``text``, starting at ``t``
    seconds (default: a beat after the previous line ends)."""

    speaker: str
    text: str = Field(min_length=1, max_length=400)
    t: float | None = Field(None, ge=0.0)

    @field_validator("text")
    @classmethod
    def _speakable(cls, v: str) -> str:
        v = " ".join(v.split())
        if not v:
            raise ValueError("a dialogue line needs some words")
        bad = sorted({ch for ch in v if not _SPEAKABLE.match(ch)})
        if bad:
            raise ValueError(
                f"cannot speak the character(s) {' '.join(repr(c) for c in bad[:5])}; use words, "
                "digits and ordinary punctuation")
        return v


class Camera(_Strict):
    """How a shot is filmed. ``framing: auto`` fits every moving thing in view; explicit
    ``position``/``look_at`` override the automatic choice."""

    framing: Literal["auto", "wide", "medium", "close"] = "auto"
    angle: Literal["eye", "low", "high", "top"] = "eye"
    rig: Literal["static", "orbit", "dolly", "follow"] = "static"
    follow: str | None = Field(None, description="entity id for rig=follow")
    position: Vec3 | None = None
    look_at: Vec3 | None = None
    fov: float = Field(40.0, ge=10, le=100, description="vertical field of view, degrees")
    shake: float = Field(0.0, ge=0, le=1, description="handheld shake: 0 locked off, 1 running")
    orbit_degrees: float = Field(40.0, ge=-720, le=720, description="orbit sweep for rig=orbit")
    dolly: float = Field(0.25, ge=-0.9, le=0.9, description="fraction the camera closes in")

    @model_validator(mode="after")
    def _follow_needs_target(self) -> "Camera":
        if self.rig == "follow" and not self.follow:
            raise ValueError("camera.rig 'follow' needs camera.follow set to an entity id")
        return self


class Shot(_Strict):
    """A span of *world* time filmed by one camera. Shots run in order over one persistent
    world: ``start``/``end`` are world seconds, so a later shot sees whatever the earlier ones
    left (a broken glass stays broken). ``speed`` is how fast the world plays: 0.25 is slow
    motion (four times as many world samples per second of video), 8 a time-lapse. A gap
    between one shot's end and the next one's start is world time nobody sees ("later")."""

    id: Annotated[str, Field(pattern=_ID)] = "shot_1"
    start: float = Field(0.0, ge=0.0, description="world seconds")
    end: float | None = Field(None, description="world seconds; default: the next shot's start, "
                              "or (last shot) wherever the video's duration runs out")
    camera: Camera = Camera()
    speed: float = Field(1.0, ge=0.05, le=64, description="world seconds per video second")
    transition: Literal["cut", "crossfade", "fade"] = Field(
        "cut", description="how this shot begins: a hard cut, a dissolve from the shot before, "
        "or through black (the first shot: fade in from black)")
    transition_seconds: float = Field(0.5, ge=0.0, le=3.0)
    description: str = ""


class Backdrop(_Strict):
    """A picture behind the scene (``--image``, the API's ``input_reference``): ``file`` is
    stored next to the sidecar; ``sha256`` pins its bytes so a regeneration is exact."""

    file: str = Field(min_length=1, max_length=255)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Lighting(_Strict):
    preset: Literal["day", "sunset", "overcast", "night", "studio", "indoor"] = "day"
    sun_elevation: float | None = Field(None, ge=-10, le=90, description="degrees")
    sun_azimuth: float | None = Field(None, ge=-360, le=360, description="degrees")


class WorldScript(_Strict):
    """Everything that happens in one video. ``tenku script schema`` prints its JSON Schema."""

    version: Literal["1"] = SCRIPT_VERSION
    prompt: str = ""
    duration: float = Field(4.0, gt=0, le=MAX_SECONDS, description="seconds")
    fps: int = 24
    size: str = "1280x720"
    seed: int = Field(0, ge=0, le=2**32 - 1)
    style: str = "realistic"
    environment: str = "studio"
    gravity: Vec3 | None = Field(None, description="m/s^2; default from the environment")
    lighting: Lighting = Lighting()
    entities: list[Entity] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    dialogue: list[Line] = Field(default_factory=list, max_length=40)
    music: str | None = Field(None, description=f"score mood: {', '.join(MUSIC_MOODS)}")
    weather: Literal["clear", "rain"] = "clear"
    shots: list[Shot] = Field(default_factory=lambda: [Shot()], min_length=1, max_length=24)
    begin: float = Field(0.0, ge=0.0, le=MAX_WORLD_SECONDS, description=(
        "world seconds simulated before the first frame (an extension replays its parent's "
        "world up to here, unseen); the first shot starts here"))
    backdrop: Backdrop | None = None

    @field_validator("fps")
    @classmethod
    def _fps(cls, v: int) -> int:
        if v not in FPS_CHOICES:
            raise ValueError(f"fps must be one of {', '.join(map(str, FPS_CHOICES))}")
        return v

    @field_validator("music")
    @classmethod
    def _mood(cls, v: str | None) -> str | None:
        if v is not None and v not in MUSIC_MOODS:
            raise ValueError(f"music must be one of {', '.join(MUSIC_MOODS)}, got {v!r}")
        return v

    @field_validator("size")
    @classmethod
    def _size(cls, v: str) -> str:
        w, h = parse_size(v)
        return f"{w}x{h}"

    @field_validator("prompt")
    @classmethod
    def _prompt_len(cls, v: str) -> str:
        if len(v) > MAX_PROMPT_CHARS:
            raise ValueError(f"prompt is {len(v)} characters; the limit is {MAX_PROMPT_CHARS}")
        return v

    @model_validator(mode="after")
    def _references(self) -> "WorldScript":
        ids = [e.id for e in self.entities]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"entity ids must be unique; repeated: {', '.join(dupes)}")
        known = set(ids)

        def need(ref: str | None, where: str) -> None:
            if ref is not None and ref not in known:
                raise ValueError(f"{where} names unknown entity {ref!r}; known: {sorted(known)}")

        for e in self.entities:
            need(e.held_by, f"entities[{e.id}].held_by")
        for i, a in enumerate(self.actions):
            for field in ("actor", "target", "at", "on"):
                need(getattr(a, field, None), f"actions[{i}].{field}")
            for ref in getattr(a, "targets", []) or []:
                need(ref, f"actions[{i}].targets")
            if a.t > self.world_end + 1e-9:
                raise ValueError(
                    f"actions[{i}] ({a.type}) happens at t={a.t}s, after the world's last "
                    f"filmed moment ({self.world_end:g}s)"
                )
        for i, line in enumerate(self.dialogue):
            need(line.speaker, f"dialogue[{i}].speaker")
            if line.t is not None and line.t >= self.duration:
                raise ValueError(f"dialogue[{i}] starts at t={line.t}s, after the video ends "
                                 f"({self.duration}s)")
        ids = [s.id for s in self.shots]
        if len(set(ids)) != len(ids):
            raise ValueError(f"shot ids must be unique; got {ids}")
        if abs(self.shots[0].start - self.begin) > 1e-9:
            raise ValueError(f"the first shot must start at begin ({self.begin:g}s), "
                             f"not {self.shots[0].start:g}s")
        spans = self.shot_spans()
        for (s, a, b), nxt in zip(spans, self.shots[1:]):
            if nxt.start < a - 1e-9:
                raise ValueError(f"shot {nxt.id!r} starts at {nxt.start:g}s, before shot "
                                 f"{s.id!r} ({a:g}s): shots must be listed in world-time order")
            if b > nxt.start + 1e-9:
                raise ValueError(f"shot {s.id!r} ends at {b:g}s, after shot {nxt.id!r} starts "
                                 f"({nxt.start:g}s): shots may leave gaps but not overlap")
        for s, a, b in spans:
            if b <= a:
                raise ValueError(f"shot {s.id!r} is empty: the shots before it already fill "
                                 f"the video's {self.duration:g} s, or it ends where it starts")
        last = self.shots[-1]
        if last.end is not None and abs(last.end - spans[-1][2]) > 1e-6:
            raise ValueError(f"the last shot's end follows from the duration "
                             f"({spans[-1][2]:g}s of world time); leave shots[-1].end out")
        if spans[-1][2] > MAX_WORLD_SECONDS:
            raise ValueError(f"the shots span {spans[-1][2]:g} s of world time; the limit is "
                             f"{MAX_WORLD_SECONDS:g} s (shorten a time-lapse)")
        for s in self.shots:
            need(s.camera.follow, f"shots[{s.id}].camera.follow")
        return self

    @property
    def width(self) -> int:
        return parse_size(self.size)[0]

    @property
    def height(self) -> int:
        return parse_size(self.size)[1]

    @property
    def frame_count(self) -> int:

        return max(1, round(self.duration * self.fps))

    def frame_times(self) -> list[tuple[float, int]]:
        """(world time, shot index) of every video frame: frame k is shown at k/fps seconds of
        video, inside the shot whose video span holds it, at that shot's speed."""
        spans = self.shot_spans()
        starts = [v0 for v0, _ in self.shot_video_spans()]
        out = []
        i = 0
        for k in range(self.frame_count):
            tau = k / self.fps
            while i + 1 < len(spans) and tau >= starts[i + 1] - 1e-9:
                i += 1
            s, a, b = spans[i]
            out.append((min(a + (tau - starts[i]) * s.speed, max(b - 1e-6, a)), i))
        return out

    def shot_video_spans(self) -> list[tuple[float, float]]:
        """Each shot's [start, end) in seconds of video."""
        out, v = [], 0.0
        for s, a, b in self.shot_spans():
            out.append((v, v + (b - a) / s.speed))
            v = out[-1][1]
        return out

    def entity(self, entity_id: str) -> Entity:
        for e in self.entities:
            if e.id == entity_id:
                return e
        raise KeyError(entity_id)

    def shot_spans(self) -> list[tuple[Shot, float, float]]:
        """Each shot with its [start, end) in world seconds. Every shot but the last ends where
        its ``end`` says or where the next one starts; the last one plays until the video's
        ``duration`` is used up at its ``speed``."""
        out = []
        used = 0.0  # video seconds shown by the earlier shots
        for i, s in enumerate(self.shots):
            if i + 1 < len(self.shots):
                end = s.end if s.end is not None else self.shots[i + 1].start
            else:
                end = s.start + max(self.duration - used, 0.0) * s.speed
            out.append((s, s.start, end))
            used += (end - s.start) / s.speed
        return out

    @property
    def world_end(self) -> float:
        """The world time of the end of the last shot."""
        return self.shot_spans()[-1][2]
