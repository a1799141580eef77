"""How the video is filmed: camera, lighting, style, duration and orientation words.

These words never become things in the world, so they are recognised first and their tokens
removed before the rest of the prompt is read (otherwise "a wide shot" would be a "shot" verb
and "at sunset" an unknown noun). Each finder returns the indices of the tokens it used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tenku.render.looks import STYLE_ALIASES
from tenku.script.model import MAX_SECONDS

# phrase (space-separated tokens) -> (field, value)
CAMERA_WORDS: dict[str, tuple[str, str]] = {
    "close-up": ("framing", "close"), "closeup": ("framing", "close"),
    "close up": ("framing", "close"), "extreme close-up": ("framing", "close"),
    "macro": ("framing", "close"), "macro shot": ("framing", "close"),
    "close shot": ("framing", "close"),
    "wide shot": ("framing", "wide"), "wide angle": ("framing", "wide"),
    "wide-angle": ("framing", "wide"), "establishing shot": ("framing", "wide"),
    "long shot": ("framing", "wide"), "full shot": ("framing", "wide"),
    "medium shot": ("framing", "medium"), "mid shot": ("framing", "medium"),
    "from above": ("angle", "top"), "bird's-eye": ("angle", "top"),
    "bird's eye": ("angle", "top"), "birds eye": ("angle", "top"),
    "birds-eye": ("angle", "top"), "top-down": ("angle", "top"), "top down": ("angle", "top"),
    "overhead": ("angle", "top"), "aerial": ("angle", "top"),
    "high angle": ("angle", "high"), "high-angle": ("angle", "high"),
    "low angle": ("angle", "low"), "low-angle": ("angle", "low"),
    "from below": ("angle", "low"), "worm's-eye": ("angle", "low"),
    "worm's eye": ("angle", "low"), "eye level": ("angle", "eye"),
    "orbiting": ("rig", "orbit"), "orbit shot": ("rig", "orbit"),
    "orbiting camera": ("rig", "orbit"), "circling": ("rig", "orbit"),
    "360": ("rig", "orbit"), "360-degree": ("rig", "orbit"), "turntable": ("rig", "orbit"),
    "tracking": ("rig", "follow"), "tracking shot": ("rig", "follow"),
    "following": ("rig", "follow"), "follow cam": ("rig", "follow"),
    "camera follows": ("rig", "follow"), "dolly": ("rig", "dolly"),
    "dolly in": ("rig", "dolly"), "push in": ("rig", "dolly"), "zooms in": ("rig", "dolly"),
    "zoom in": ("rig", "dolly"), "static camera": ("rig", "static"),
    "locked-off": ("rig", "static"), "tripod": ("rig", "static"),
    "orbits": ("rig", "orbit"), "orbit around": ("rig", "orbit"),
    "circles around": ("rig", "orbit"), "camera circles": ("rig", "orbit"),
    "camera tracks": ("rig", "follow"), "tracks the": ("rig", "follow"),
    "pushes in": ("rig", "dolly"), "dollies in": ("rig", "dolly"), "slow push in": ("rig", "dolly"),
    "handheld": ("shake", 0.5), "hand-held": ("shake", 0.5), "handheld camera": ("shake", 0.5),
    "shaky cam": ("shake", 0.9), "shaky camera": ("shake", 0.9), "shaky": ("shake", 0.9),
    "found footage": ("shake", 0.8), "steadicam": ("shake", 0.15),
}

LIGHTING_WORDS: dict[str, str] = {
    "at sunset": "sunset", "sunset": "sunset", "golden hour": "sunset", "dusk": "sunset",
    "sunrise": "sunset", "dawn": "sunset", "twilight": "sunset",
    "at night": "night", "night": "night", "nighttime": "night", "night-time": "night",
    "midnight": "night", "in the dark": "night", "moonlight": "night",
    "overcast": "overcast", "cloudy": "overcast", "grey day": "overcast",
    "gray day": "overcast", "rainy": "overcast", "foggy": "overcast",
    "studio lighting": "studio", "studio light": "studio", "softbox": "studio",
    "daylight": "day", "sunny": "day", "midday": "day", "noon": "day", "daytime": "day",
    "indoor lighting": "indoor", "warm lighting": "indoor", "lamp light": "indoor",
}

STYLE_WORDS = (
    "cinematic", "photorealistic", "realistic", "hyperrealistic", "hyper-realistic", "anime",
    "cartoon", "cartoonish", "pixar", "claymation", "watercolor", "watercolour", "vintage",
    "retro", "film noir", "noir", "black and white", "black-and-white", "documentary",
    "dramatic", "epic", "moody", "4k", "8k", "hd", "hdr", "ultra hd", "high quality",
    "slow motion", "slow-motion", "slow-mo", "slowmo", "stylized", "lowpoly", "low poly",
    "pixel art", "oil painting", "sketch", "dreamy", "surreal", "minimalist", "35mm",
    "film grain", "sora", "photograph", "photo", "time-lapse", "timelapse", "beautiful",
    "stunning", "gorgeous", "detailed", "highly detailed", "shallow depth of field", "bokeh",
    "fast motion", "sped up", "half speed", "time lapse", "in slow motion",
    *STYLE_ALIASES,
)

PORTRAIT_WORDS = ("vertical", "portrait", "9:16", "tiktok", "reel", "story format")
LANDSCAPE_WORDS = ("horizontal", "landscape", "widescreen", "16:9")


@dataclass
class ShotWords:
    camera: dict = field(default_factory=dict)       # field -> value (see CAMERA_WORDS)
    camera_words: list[str] = field(default_factory=list)
    follow_hint: int | None = None                   # token index after "following"/"tracking"
    lighting: str | None = None
    lighting_words: str = ""
    style_words: list[str] = field(default_factory=list)
    duration: float | None = None
    duration_words: str = ""
    portrait: bool = False
    orientation_words: str = ""
    used: set[int] = field(default_factory=set)


def _find(toks: list[str], phrase: str, used: set[int]) -> list[int]:
    """Start indices where ``phrase`` (space-separated tokens) occurs on unused tokens."""
    p = phrase.split()
    n = len(p)
    out = []
    first = p[0]
    for i, t in enumerate(toks):
        if t == first and toks[i:i + n] == p and not any(j in used for j in range(i, i + n)):
            out.append(i)
    return out


def _take(toks, table, used):
    hits = []
    for phrase in sorted(table, key=lambda s: -len(s.split())):
        for i in _find(toks, phrase, used):
            span = range(i, i + len(phrase.split()))
            if any(j in used for j in span):
                continue
            used.update(span)
            hits.append((i, phrase))
    return sorted(hits)


_DURATION = re.compile(
    r"(\d{1,3}(?:\.\d+)?)[\s-]*(?:seconds?|secs?|s)\b(?![\w'-]*\s*(?:later|after))")


def find(text_norm: str, toks: list[str]) -> ShotWords:
    """Camera, lighting, style, duration and orientation words in the token list."""
    sw = ShotWords()
    used = sw.used
    # Duration: "5 seconds", "8-second", "a 10 s clip" (read from the normalised text).
    m = _DURATION.search(text_norm)
    if m:
        try:
            sec = float(m.group(1))
        except ValueError:
            sec = 0.0
        if sec > 0:
            sw.duration = min(max(sec, 1.0), MAX_SECONDS)
            sw.duration_words = m.group(0).strip()
            for i, t in enumerate(toks):
                if t in (m.group(1), f"{m.group(1)}-second", f"{m.group(1)}-seconds",
                         f"{m.group(1)}s", "seconds", "second", "sec", "secs"):
                    used.add(i)
    for i, phrase in _take(toks, {w: None for w in PORTRAIT_WORDS}, used):
        sw.portrait = True
        sw.orientation_words = phrase
    _take(toks, {w: None for w in LANDSCAPE_WORDS}, used)
    for i, phrase in _take(toks, CAMERA_WORDS, used):
        fld, val = CAMERA_WORDS[phrase]
        sw.camera.setdefault(fld, val)
        sw.camera_words.append(phrase)
        if val == "follow" and sw.follow_hint is None:
            sw.follow_hint = i + len(phrase.split())
    for i, phrase in _take(toks, LIGHTING_WORDS, used):
        if sw.lighting is None:
            sw.lighting = LIGHTING_WORDS[phrase]
            sw.lighting_words = phrase
    for i, phrase in _take(toks, {w: None for w in STYLE_WORDS}, used):
        sw.style_words.append(phrase)
    # "camera", "shot", "angle" left over after a camera phrase are part of it.
    for i, t in enumerate(toks):
        if t in ("camera", "angle", "view", "lighting", "light", "style") and i not in used:
            used.add(i)
    return sw


def style_of(words: list[str]) -> str | None:
    """The style the prompt's style words ask for (the first that names one)."""
    return next((STYLE_ALIASES[w] for w in words if w in STYLE_ALIASES), None)
