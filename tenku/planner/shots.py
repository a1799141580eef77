"""Multi-shot prompts: find the shots in a prompt and give each its span of the one world.

A prompt is split into shots at shot labels ("Shot 1: ...", "Scene 2 -"), transitions
("cut to", "dissolve to", "fade to black") and screenplay scene headings ("INT. KITCHEN -
NIGHT"). Screenplay dialogue written as a name on its own line above the line it says becomes
``NAME: line`` (which :mod:`.dialogue` reads). The rest of the planner then reads all the
shots' words as one scene (so the glass of shot 1 is the glass of shot 2) and places each
verb in the shot whose words hold it.

Each shot's camera, speed (slow motion, time-lapse) and length come from its own words; a
shot's length is video seconds, and its world span is that times its speed. Shots follow one
another in world time with no gap, so state carries across every cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tenku.planner import lexicon as lx
from tenku.planner import shot as shotwords
from tenku.planner.parse import _clauses
from tenku.script.io import ScriptError
from tenku.script.model import MAX_SECONDS

#: a shot's default length when the prompt gives none (video seconds)
DEFAULT_SHOT_SECONDS = 3.0
MAX_SHOTS = 8

_LABEL = re.compile(r"(?im)(?:^|(?<=[.!?;:\n]))\s*(?:shot|scene)\s+(\d{1,2})\b\s*"
                    r"(?:\(\s*(\d{1,2}(?:\.\d+)?)\s*(?:s|sec|secs|seconds?)\s*\))?\s*[:.\-–—]")
_TRANSITION = re.compile(
    r"(?i)(?:^|(?<=[\s.,;:!?]))(?:(?:and\s+)?then\s+)?(?P<t>smash\s+cut\s+to|hard\s+cut\s+to|cut\s+to|"
    r"match\s+cut\s+to|jump\s+cut\s+to|dissolve\s+to|cross-?fade\s+to|crossfade\s+into|"
    r"fade\s+to\s+black(?:\s+and\s+(?:back\s+)?(?:in\s+)?(?:on|to)?)?|fade\s+out(?:\s+and\s+in)?|"
    r"fade\s+in)\b\s*[:.,]?")
_HEADING = re.compile(r"(?m)^[ \t]*(?:INT|EXT|INT\.?/EXT|I/E)\.?[ \t]+(?P<place>[^\n]+?)"
                      r"(?:[ \t]*[-–—][ \t]*(?P<time>[A-Z][A-Z ]+))?[ \t]*$")
_CUE = re.compile(r"(?m)^[ \t]*(?P<name>[A-Z][A-Z.'-]{1,20}(?: [A-Z][A-Z.'-]{1,20})?)"
                  r"(?:[ \t]*\((?:V\.O\.|O\.S\.|CONT'D)\))?[ \t]*\n[ \t]*(?P<line>[^\n]+)")
_HEADING_TIMES = {"NIGHT": "at night", "DAY": "in daylight", "DUSK": "at dusk",
                  "DAWN": "at dawn", "EVENING": "at sunset", "MORNING": "in daylight",
                  "SUNSET": "at sunset", "SUNRISE": "at dawn", "NOON": "at noon"}
_SPEEDS = {"super slow motion": 0.1, "extreme slow motion": 0.1, "slow motion": 0.25,
           "slow-motion": 0.25, "slow-mo": 0.25, "slowmo": 0.25, "slow mo": 0.25,
           "in slow motion": 0.25, "half speed": 0.5, "time-lapse": 8.0, "timelapse": 8.0,
           "time lapse": 8.0, "fast motion": 4.0, "sped up": 4.0, "fast-forward": 4.0}


@dataclass
class Segment:
    """One shot's words and how it begins."""

    text: str
    number: int | None = None
    transition: str = "cut"
    seconds: float | None = None
    speed: float = 1.0
    speed_words: str = ""
    camera: dict = field(default_factory=dict)
    camera_words: list[str] = field(default_factory=list)
    follow_hint: int | None = None  # token index (in this shot's words) after "tracking"
    lighting: str | None = None


def _speed(text: str) -> tuple[float, str]:
    low = text.lower()
    for phrase in sorted(_SPEEDS, key=len, reverse=True):
        if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", low):
            return _SPEEDS[phrase], phrase
    return 1.0, ""


def screenplay_to_prose(prompt: str) -> str:
    """Scene headings become a sentence ("INT. KITCHEN - NIGHT" -> "cut to in a kitchen at
    night."), and a name on its own line above a line of dialogue becomes ``NAME: line``."""
    def heading(m: re.Match) -> str:
        place = m.group("place").strip().rstrip(".").lower()
        when = _HEADING_TIMES.get((m.group("time") or "").strip().split(" ")[0], "")
        return f"\ncut to: in a {place} {when}.\n"

    text = _HEADING.sub(heading, prompt)
    return _CUE.sub(lambda m: f"{m.group('name')}: {m.group('line').strip()}", text)


def split(prompt: str) -> list[Segment]:
    """The prompt's shots, in order (one shot when it names none)."""
    text = screenplay_to_prose(prompt)
    marks: list[tuple[int, int, str, int | None, float | None]] = []
    for m in _LABEL.finditer(text):
        marks.append((m.start(), m.end(), "cut", int(m.group(1)),
                      float(m.group(2)) if m.group(2) else None))
    for m in _TRANSITION.finditer(text):
        if any(a <= m.start() < b for a, b, *_ in marks):
            continue
        word = m.group("t").lower()
        kind = ("fade" if "fade" in word and "cross" not in word and "into" not in word
                else "crossfade" if ("dissolve" in word or "cross" in word) else "cut")
        marks.append((m.start(), m.end(), kind, None, None))
    marks.sort()
    segments: list[Segment] = []
    nxt: dict = {"transition": "cut", "number": None, "seconds": None}
    pos = 0
    for start, end, kind, number, seconds in marks:
        body = _trim(text[pos:start])
        if body:
            segments.append(Segment(body, nxt["number"], nxt["transition"], nxt["seconds"]))
            nxt = {"transition": "cut", "number": None, "seconds": None}
        if kind != "cut":  # "fade to black. Shot 2:" fades into shot 2
            nxt["transition"] = kind
        if number is not None:
            nxt["number"], nxt["seconds"] = number, seconds
        pos = end
    tail = _trim(text[pos:])
    if tail:
        segments.append(Segment(tail, nxt["number"], nxt["transition"], nxt["seconds"]))
    elif nxt["number"] is not None:
        raise ScriptError(f"shot {nxt['number']} is empty: say what it shows after 'Shot "
                          f"{nxt['number']}:'")
    if not segments:
        return [Segment(prompt.strip())]
    _check(segments)
    for seg in segments:
        _read_shot_words(seg)
    return segments


def _trim(body: str) -> str:
    """A shot's words without the punctuation around its marks (a final "." or "!" stays:
    it may end a line of dialogue)."""
    return body.strip().lstrip(".,;:!?-–— \t\n").rstrip(",;:-–— \t\n")


def _check(segments: list[Segment]) -> None:
    numbers = [s.number for s in segments if s.number is not None]
    if numbers and numbers != sorted(numbers):
        raise ScriptError(f"the shots are numbered {', '.join(map(str, numbers))}: number them "
                          "in the order they play")
    if len(set(numbers)) != len(numbers):
        dup = sorted({n for n in numbers if numbers.count(n) > 1})
        raise ScriptError(f"shot {dup[0]} appears twice: give each shot its own number")
    if len(segments) > MAX_SHOTS:
        raise ScriptError(f"the prompt has {len(segments)} shots; a video holds at most "
                          f"{MAX_SHOTS}: merge some or make several videos")


def _read_shot_words(seg: Segment) -> None:
    norm = lx.normalize(seg.text)
    toks, _ = _clauses(norm)
    sw = shotwords.find(norm, toks)
    seg.camera, seg.camera_words, seg.lighting = dict(sw.camera), list(sw.camera_words), sw.lighting
    seg.follow_hint = sw.follow_hint
    seg.speed, seg.speed_words = _speed(seg.text)
    if seg.seconds is None and sw.duration is not None:
        seg.seconds = sw.duration


def token_count(text: str) -> int:
    """How many tokens the parser reads in ``text``: the prompt's shots joined by " . " are
    parsed as one, and a verb's token index says which shot it is in."""
    return len(_clauses(lx.normalize(text))[0])


def video_seconds(segments: list[Segment], total: float | None,
                  needs: list[float] | None = None) -> list[float]:
    """Each shot's length in video seconds: given lengths are kept, the rest share what the
    caller's total leaves (or get :data:`DEFAULT_SHOT_SECONDS`, or what their dialogue needs)."""
    needs = needs or [0.0] * len(segments)
    fixed = sum(s.seconds for s in segments if s.seconds is not None)
    free = [i for i, s in enumerate(segments) if s.seconds is None]
    if total is not None and fixed > total + 1e-9:
        raise ScriptError(f"the shots ask for {fixed:g} s but the video is {total:g} s long: "
                          "shorten the shots or raise --seconds")
    out = []
    for i, s in enumerate(segments):
        if s.seconds is not None:
            out.append(float(s.seconds))
        elif total is not None:
            out.append((total - fixed) / len(free))
        else:
            out.append(max(DEFAULT_SHOT_SECONDS, needs[i]))
    if total is None and sum(out) > MAX_SECONDS + 1e-9:
        if fixed > MAX_SECONDS:
            raise ScriptError(f"the shots ask for {sum(out):g} s; a video is at most "
                              f"{MAX_SECONDS:g} s: shorten them")
        scale = (MAX_SECONDS - fixed) / sum(out[i] for i in free)
        out = [x * scale if segments[i].seconds is None else x for i, x in enumerate(out)]
    if any(x < 0.25 for x in out):
        raise ScriptError("a shot would be shorter than a quarter of a second: give the shots "
                          "fewer seconds each or the video more (--seconds)")
    return out
