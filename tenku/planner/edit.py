"""Remix and extend, the planner half: an instruction in words becomes an edit of a world script.

A remix must change what the instruction asks for and nothing else: ids, positions, action
times and the seed stay as they were, so a look-only remix replays the very same motion and a
physics remix differs only as physics says. :func:`edit_script` reads top to bottom:

1. check the instruction and split it into clauses (at punctuation, "and", "then");
2. read each clause with the planner's word lists: the style, then the world (gravity, the
   place), then how it is filmed and heard (camera, lighting, music, weather), then what it
   does to things (remove, replace, add; colour, material, size; how an action turns out);
3. apply each clause to a working copy and validate it there, so that a clause tenku cannot do
   (removing the hoop a throw aims at) is reported and the others still apply;
4. raise :class:`NothingToEdit` when no clause was understood, saying what the video has.

:func:`continue_script` is the planner half of ``tenku extend``: the same world runs on, so it
appends actions (read with the planner's verb rules) and look changes, never new things.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from tenku.catalog import ENVIRONMENTS, KINDS, MATERIALS
from tenku.catalog.check import check_script
from tenku.catalog.environments import EARTH_G, MOON_G
from tenku.planner import lexicon as lx
from tenku.planner import music as soundwords
from tenku.planner import shot as shotwords
from tenku.planner.actions import MAKE_WORDS, MISS_WORDS, attach, phrase_table
from tenku.planner.layout import (ID_NAMES, STAGE, Layout, dims, facing_scene, floor_extent,
                                  free_floor, is_fixed, occupy_script)
from tenku.planner.parse import DEFINITE, PLACE_PREPS, parse
from tenku.script.io import ScriptError, script_from_data
from tenku.script.model import (MAX_PROMPT_CHARS, MAX_SECONDS, MAX_WORLD_SECONDS, MUSIC_MOODS,
                                Appearance, Entity, Kick, Release, Roll, Push, Spin, Throw,
                                Topple, WorldScript)

__all__ = ["Edit", "NothingToEdit", "edit_script", "continue_script"]

#: Changes that can alter motion; the others (colour, style, lighting, camera, weather, music)
#: only change how the same motion looks and sounds (rain is drawn and heard, not simulated).
PHYSICS_CHANGES = frozenset({"material", "kind", "add", "remove", "size", "environment",
                             "gravity", "action"})
HOW_TO = ("A remix can change the colour, material, size or kind of a thing, add or remove "
          "things, and change the place, gravity, style, weather, lighting, camera or music.")
NEW_THINGS = "an extension continues the same world: tenku cannot bring in new things yet"
SAME_WORLD = "an extension continues the same world: remix the video to change the place or gravity"
MAX_GRAVITY = 100.0   # m/s^2, about 10 g: beyond it contacts need smaller time steps than ours
MAX_NEW = 12          # things one clause may add


class NothingToEdit(ScriptError):
    """The instruction names nothing in the video, or nothing tenku can change; the message says
    what the video contains and what kinds of edits work (with an example)."""

    def __init__(self, reasons: list[str], script: WorldScript):
        self.reasons = list(reasons)
        why = "; ".join(reasons) or "the instruction asks for nothing tenku can change"
        super().__init__(f"{why}. The video has {_inventory(script)}. {HOW_TO} "
                         f"Try e.g. {_examples(script)}.")


@dataclass
class Edit:
    """An edited script and what changed. ``changes`` rows: ``words`` (the clause), ``what``,
    ``target`` (entity id or None), ``from``, ``to`` and sometimes a ``note``."""

    script: WorldScript
    changes: list[dict]
    physics: bool
    not_understood: list[str]


class _Refused(Exception):
    """A clause asks for something tenku will not do to this script (the message says why)."""


# --------------------------------------------------------------------------- public entry points

def edit_script(script: WorldScript, instruction: str) -> Edit:
    """Apply a remix instruction ("make the ball blue and set it on the moon") to ``script``."""
    text = _check_instruction(instruction)
    work = _Work(script)
    reasons, left = [], []
    bare = False   # the previous clause only named things ("make the block and the ball red")
    for words in _clauses(text, split_and=True):
        cl = _Clause(words)
        _apply(cl, work, _REMIX_READERS)
        if cl.hits and bare and work.carry:
            reasons.pop()   # ... and this clause said what to do with them
            left.pop()
        bare = not cl.hits and bool(work.pending)
        if cl.hits:
            left += cl.notes + cl.leftovers()
        else:
            reasons.append(_reason(cl))
            left.append(f"{words} ({reasons[-1]})")
    if not work.understood:
        raise NothingToEdit(reasons, script)
    work.data["prompt"] = (script.prompt + " / remix: " + text)[:MAX_PROMPT_CHARS]
    return work.result(left)


def continue_script(script: WorldScript, instruction: str, *, at: float,
                    seconds: float) -> Edit:
    """The parent world from ``at`` for ``seconds`` of video, with what ``instruction`` says
    happens next appended as actions in ``[at, at + seconds)``.

    The returned script is already a valid extension: ``begin = at``, one shot copied from the
    parent's last (starting at ``at``) and ``duration = seconds``. The parent's dialogue was
    spoken in the parent video, so it is left out. Nothing is added or moved: a thing the video
    does not have is reported in ``not_understood``, and an instruction with nothing to do
    leaves the world simply running on.
    """
    text = _check_instruction(instruction, allow_empty=True)
    _check_window(script, at, seconds)
    work = _Work(script)
    window = _open_window(work.data, at, seconds)
    work.data["prompt"] = (script.prompt + " / then: " + text)[:MAX_PROMPT_CHARS]
    left: list[str] = []
    t = round(at + min(0.3, 0.2 * window), 3)
    for words in _clauses(text, split_and=False):
        cl = _Clause(words)
        count = len(work.data["actions"])
        _apply(cl, work, _extension_readers(t))
        left += cl.notes + cl.leftovers()
        if not cl.hits and not cl.notes:
            left.append(f"{words} ({_reason(cl)})")
        if len(work.data["actions"]) > count:
            t = round(min(t + 0.8, at + 0.9 * window), 3)
    return work.result(left)


# --------------------------------------------------------------------------- 1. the instruction

def _check_instruction(instruction: str, *, allow_empty: bool = False) -> str:
    if not isinstance(instruction, str):
        raise ScriptError(f'the instruction must be text such as "make the ball blue", got '
                          f"{type(instruction).__name__}")
    text = " ".join(instruction.split())
    if not text and not allow_empty:
        raise ScriptError('the instruction is empty: say what to change, e.g. "make the ball '
                          'blue" or "set it on the moon"')
    if len(text) > MAX_PROMPT_CHARS:
        raise ScriptError(f"the instruction is {len(text)} characters; the limit is "
                          f"{MAX_PROMPT_CHARS}")
    return text


def _check_window(script: WorldScript, at: float, seconds: float) -> None:
    if not isinstance(at, (int, float)) or not 0 <= at <= MAX_WORLD_SECONDS:
        raise ScriptError(f"an extension starts at a world time from 0 to {MAX_WORLD_SECONDS:g} "
                          f"s, got {at!r}")
    if not isinstance(seconds, (int, float)) or not 0 < seconds <= MAX_SECONDS:
        raise ScriptError(f"an extension lasts more than 0 and at most {MAX_SECONDS:g} s, "
                          f"got {seconds!r}")
    end = at + seconds * script.shots[-1].speed
    late = [a for a in script.actions if a.t > end]
    if late:
        raise ScriptError(f"the video's {late[0].type} at {late[0].t:g} s happens after this "
                          f"extension ends ({end:g} s): extend from its end "
                          f"({script.world_end:g} s)")


_SPLIT_AND = re.compile(r"[,;!?\n]+|(?<!\d)\.(?!\d)|\b(?:and|then|but|also|plus)\b")
_SPLIT_THEN = re.compile(r"[,;!?\n]+|(?<!\d)\.(?!\d)|\bthen\b")


def _clauses(text: str, *, split_and: bool) -> list[str]:
    """Clauses of the normalised instruction. "and" inside a phrase the lexicon knows ("black
    and white") does not split; an extension keeps "and" so the verb rules see "the ball and the
    cup fall" whole."""
    norm = " ".join(lx.normalize(text).split())
    keep = [m.span() for p in _unsplit() for m in re.finditer(r"\b" + re.escape(p) + r"\b", norm)]
    out, start = [], 0
    for m in (_SPLIT_AND if split_and else _SPLIT_THEN).finditer(norm):
        if any(a <= m.start() < b for a, b in keep):
            continue
        out.append(norm[start:m.start()])
        start = m.end()
    out.append(norm[start:])
    return [c.strip() for c in out if c.strip()]


@lru_cache(maxsize=1)
def _unsplit() -> tuple[str, ...]:
    words = list(_style_aliases()) + list(shotwords.STYLE_WORDS) + list(shotwords.LIGHTING_WORDS)
    return tuple(w for w in words if " and " in w)


@dataclass
class _Clause:
    """One clause's tokens and which of them a reader has understood (``used``)."""

    text: str
    toks: list[str] = field(init=False)
    spans: list[tuple[int, int]] = field(init=False)
    used: set[int] = field(default_factory=set)
    hits: int = 0                   # things understood, a no-op included
    reason: str = ""                # why nothing was done, when a reader knows
    notes: list[str] = field(default_factory=list)   # parts left out, with why

    def __post_init__(self) -> None:
        found = lx.token_spans(self.text)
        self.toks = [t for t, _, _ in found]
        self.spans = [(a, b) for _, a, b in found]

    def take(self, a: int, b: int) -> None:
        self.used.update(range(a, b))

    def take_chars(self, a: int, b: int) -> None:
        self.used.update(i for i, (s, e) in enumerate(self.spans) if s >= a and e <= b)

    def free(self, i: int) -> bool:
        return 0 <= i < len(self.toks) and i not in self.used

    def masked(self) -> tuple[str, list[str]]:
        """The text and tokens with the understood words blanked out (positions kept)."""
        chars = list(self.text)
        for i in self.used:
            a, b = self.spans[i]
            chars[a:b] = " " * (b - a)
        return "".join(chars), [t if i not in self.used else "" for i, t in enumerate(self.toks)]

    def leftovers(self) -> list[str]:
        return [t for i, t in enumerate(self.toks) if i not in self.used and not _filler(t)]


# --------------------------------------------------------------------------- the working copy

class _Work:
    """The script being edited (as plain data) and the change rows so far."""

    def __init__(self, script: WorldScript):
        self.parent = script
        self.data = script.model_dump()
        self.rows: list[dict] = []
        self.understood: list[str] = []     # clauses that were understood
        self.last: list[str] = []           # ids the previous clause changed ("make them red")
        self.pending: list[str] = []        # ids this bare clause names ("the block and ...")
        self.carry: list[str] = []          # ... which the next clause changes too
        self.last_cue = ""                  # "remove the chair and the table"
        self.gravity_set = False

    def snapshot(self) -> tuple:
        return (copy.deepcopy(self.data), len(self.rows), list(self.last), list(self.pending),
                self.last_cue, self.gravity_set)

    def restore(self, snap: tuple) -> None:
        self.data, n, self.last, self.pending, self.last_cue, self.gravity_set = snap
        del self.rows[n:]

    def entity(self, eid: str) -> dict:
        return next(e for e in self.data["entities"] if e["id"] == eid)

    def change(self, cl: _Clause, what: str, target: str | None, frm, to, note: str = "") -> None:
        """Record one change (a no-op is understood but not a row)."""
        cl.hits += 1
        if frm == to:
            return
        row = {"words": cl.text, "what": what, "target": target, "from": frm, "to": to}
        if note:
            row["note"] = note
        self.rows.append(row)

    def set_scene(self, cl: _Clause, key: str, value, note: str = "") -> None:
        frm = self.data[key]
        self.data[key] = value
        self.change(cl, key, None, frm, value, note)

    def gravity(self) -> tuple[float, float, float]:
        g = self.data["gravity"]
        return tuple(g) if g is not None else ENVIRONMENTS[self.data["environment"]].gravity

    def result(self, not_understood: list[str]) -> Edit:
        script = _validated(self.data)
        physics = any(r["what"] in PHYSICS_CHANGES for r in self.rows)
        return Edit(script, self.rows, physics, list(dict.fromkeys(not_understood)))


def _validated(data: dict) -> WorldScript:
    script = script_from_data(data)
    check_script(script)
    return script


def _apply(cl: _Clause, work: _Work, readers) -> None:
    """Run the readers on one clause; if what they did does not validate, undo all of it and
    keep the reason (so one clause cannot spoil the others)."""
    work.carry, work.pending = work.pending, []
    snap = work.snapshot()
    try:
        for read in readers:
            read(cl, work)
        _validated(work.data)
    except (_Refused, ScriptError) as err:
        work.restore(snap)
        cl.hits = 0
        cl.reason = " ".join(str(err).split())
    if cl.hits:
        work.understood.append(cl.text)


# --------------------------------------------------------------------------- looking things up

def _is_figure(kind: str) -> bool:
    return bool(KINDS[kind].figure)


def _head(e: dict) -> set[str]:
    """The nouns an entity answers to besides its kind: its label's last word and its id's."""
    label = lx.tokens(e["label"] or "")
    base = re.sub(r"_\d+$", "", e["id"]).split("_")
    return {w for w in (label[-1] if label else "", base[-1]) if w}


def _named(data: dict, kind: str, words: str) -> list[str]:
    """Ids a noun names, in script order: entities of its kind ("the ball": any ball; "the
    block": any block) or whose label/id ends in the noun; a role ("the chef") picks the
    people it names when some do."""
    nouns = lx.tokens(words)[-1:] or [kind]
    noun = lx.singular(nouns[0])
    out = [e for e in data["entities"]
           if e["kind"] == kind or noun in _head(e) or nouns[0] in _head(e)
           or (kind in ("ball", "block") and KINDS[e["kind"]].category == kind)]
    if kind in KINDS and _is_figure(kind):
        named = [e for e in out if noun in _head(e)]
        out = named or out
    return [e["id"] for e in out]


def _subject(data: dict) -> str | None:
    """The main subject: the first thing an action moves, else the first loose thing."""
    for a in data["actions"]:
        if a["type"] == "release":
            held = [e["id"] for e in data["entities"] if e["held_by"] == a["actor"]]
            if held:
                return held[0]
        elif a.get("target"):
            return a["target"]
        elif a.get("targets"):
            return a["targets"][0]
    loose = [e["id"] for e in data["entities"] if not is_fixed(e)]
    return (loose or [e["id"] for e in data["entities"]] or [None])[0]


def _figure(data: dict) -> str | None:
    """Who "he", "she", "his" are: the first figure that acts, else the first figure."""
    figures = [e["id"] for e in data["entities"] if _is_figure(e["kind"])]
    actors = [a.get("actor") for a in data["actions"] if a.get("actor") in figures]
    return (actors or figures or [None])[0]


def _inventory(script: WorldScript) -> str:
    groups: list[tuple[str, list[str]]] = []
    for e in script.entities:
        if groups and groups[-1][0] == e.kind:
            groups[-1][1].append(e.id)
        else:
            groups.append((e.kind, [e.id]))
    parts = [f"{ids[0]} ({kind})" if len(ids) == 1 else f"{ids[0]} ... {ids[-1]} ({len(ids)} x "
             f"{kind})" for kind, ids in groups]
    if len(parts) > 12:
        parts = parts[:12] + [f"{len(parts) - 12} more"]
    return ", ".join(parts) or "nothing in it"


def _examples(script: WorldScript) -> str:
    eid = _subject(script.model_dump())
    kind = next((e.kind for e in script.entities if e.id == eid), None)
    thing = f'"make the {kind.replace("_", " ")} blue"' if kind else '"add a red ball"'
    place = '"move it to a kitchen"' if script.environment == "moon" else '"set it on the moon"'
    return f"{thing} or {place}"


# --------------------------------------------------------------------------- phrase tables

def _phrases(cl: _Clause, table: dict) -> list[tuple[int, int, object]]:
    """(start, end, value) of the longest table phrases on the clause's free tokens."""
    longest = max(map(len, table), default=0)
    out, i = [], 0
    while i < len(cl.toks):
        for n in range(min(longest, len(cl.toks) - i), 0, -1):
            key = tuple(cl.toks[i:i + n])
            if key in table and all(cl.free(j) for j in range(i, i + n)):
                out.append((i, i + n, table[key]))
                i += n
                break
        else:
            i += 1
    return out


def _tokenised(words: dict) -> dict[tuple[str, ...], object]:
    return {tuple(lx.tokens(k)): v for k, v in words.items() if lx.tokens(k)}


@lru_cache(maxsize=1)
def _style_aliases() -> dict[str, str]:
    """Prompt words -> style names. Imported here, not at the top: ``tenku.render`` brings in
    the GL renderer, which planning must not need."""
    from tenku.render.looks import STYLE_ALIASES

    return dict(STYLE_ALIASES)


@lru_cache(maxsize=1)
def _style_table() -> dict:
    return _tokenised(_style_aliases())


#: Camera words of edit instructions that prompts rarely use ("orbit around it", "handheld").
CAMERA_EDIT_WORDS: dict[str, tuple[str, object]] = {
    "orbit": ("rig", "orbit"), "orbits": ("rig", "orbit"), "circle around": ("rig", "orbit"),
    "follow": ("rig", "follow"), "follows": ("rig", "follow"), "track": ("rig", "follow"),
    "static": ("rig", "static"), "closer": ("framing", "close"), "zoom out": ("framing", "wide"),
    "wider": ("framing", "wide"), "pull back": ("framing", "wide"),
    "handheld": ("shake", 0.5), "hand-held": ("shake", 0.5), "shaky": ("shake", 0.5),
    "shaky cam": ("shake", 0.5), "steady": ("shake", 0.0), "steadicam": ("shake", 0.0),
}
TIMING_WORDS = {"slow motion", "slow-motion", "slow-mo", "slowmo", "time-lapse", "timelapse"}


@lru_cache(maxsize=1)
def _camera_table() -> dict:
    return _tokenised(CAMERA_EDIT_WORDS)


# words of edit instructions that carry no content of their own
_EDIT_WORDS = set("""
make makes paint painted repaint colour color coloured colored dye give set move change turn
look looks should want please now instead style version become becomes keep same whole
bit slightly lot way
everything world scene video clip let would like this that it's its them they their his her
put place add remove replace swap switch into go goes gets let's use using
""".split())
#: Nouns that name the place's own parts, not things in it.
SCENERY = {"floor", "ground", "sky", "wall", "walls", "background", "ceiling", "air"}


@lru_cache(maxsize=1)
def _verb_words() -> frozenset[str]:
    return frozenset(w for w in phrase_table() if " " not in w)


def _filler(tok: str) -> bool:
    return (tok in _EDIT_WORDS or tok in _verb_words() or (tok in lx.STOPWORDS
            and tok not in SCENERY) or not any(c.isalpha() for c in tok) or len(tok) < 2)


def _reason(cl: _Clause) -> str:
    """Why a clause did nothing: its shot words tenku keeps, what a reader found missing, else
    the words it did not know."""
    return "; ".join(cl.notes + [cl.reason] if cl.reason else cl.notes) or _why_not(cl)


def _why_not(cl: _Clause) -> str:
    words = cl.leftovers()
    scenery = [w for w in words if w in SCENERY]
    if scenery:
        return (f"the {scenery[0]} belongs to the place: change the place instead, e.g. "
                '"set it in a park"')
    if words:
        return f"tenku did not understand {' '.join(words)!r}"
    return "tenku found nothing to change in it"


# --------------------------------------------------------------------------- 2a. style, camera,
# lighting, music, weather: how the same world is filmed and heard

def _read_style(cl: _Clause, work: _Work) -> None:
    for a, b, name in _phrases(cl, _style_table()):
        cl.take(a, b)
        work.set_scene(cl, "style", name)


def _read_shot(cl: _Clause, work: _Work) -> None:
    """Camera and lighting words (the planner's lists plus a few edit words), on every shot."""
    cam: dict = {}
    for a, b, (key, val) in _phrases(cl, _camera_table()):
        cl.take(a, b)
        cam.setdefault(key, val)
    text, toks = cl.masked()
    sw = shotwords.find(text, toks)
    cl.used |= sw.used
    for key, val in sw.camera.items():
        cam.setdefault(key, val)
    if cam:
        _set_camera(cl, work, cam, sw.follow_hint)
    if sw.lighting:
        _set_lighting(cl, work, sw.lighting)
    for w in sw.style_words:
        timing = any(x in w for x in TIMING_WORDS)
        why = ("a remix keeps the shots' timing" if timing else "tenku's styles are "
               + ", ".join(sorted(set(_style_aliases().values()))))
        cl.notes.append(f"{w} ({why})")
    for w in filter(None, (sw.duration_words, sw.orientation_words)):
        cl.notes.append(f"{w} (a remix keeps the video's length and size; extend it to go on)")


def _set_camera(cl: _Clause, work: _Work, fields: dict, follow_hint: int | None) -> None:
    if fields.get("rig") == "follow":
        fields["follow"] = _follow_target(cl, work, follow_hint)
        if fields["follow"] is None:
            raise _Refused("there is nothing in the video for the camera to follow")
    shots = work.data["shots"]
    before = {k: shots[0]["camera"][k] for k in fields}
    note = f"all {len(shots)} shots" if len(shots) > 1 else ""
    for shot in shots:
        cam = shot["camera"]
        cam.update(fields)
        if cam["position"] is not None or cam["look_at"] is not None:
            cam.update(position=None, look_at=None)
            note = "the camera's fixed position gave way to the automatic one"
    work.change(cl, "camera", None, before, dict(fields), note)


def _follow_target(cl: _Clause, work: _Work, hint: int | None) -> str | None:
    for a, b, kind in _phrases(cl, lx.kind_phrases()):
        if hint is None or a >= hint:
            ids = _named(work.data, str(kind), " ".join(cl.toks[a:b]))
            if ids:
                cl.take(a, b)
                return ids[0]
    return _subject(work.data)


def _set_lighting(cl: _Clause, work: _Work, preset: str, note: str = "") -> None:
    frm = work.data["lighting"]["preset"]
    work.data["lighting"] = {"preset": preset, "sun_elevation": None, "sun_azimuth": None}
    work.change(cl, "lighting", None, frm, preset, note)


def _usual_light(env: str) -> str:
    """The preset the planner gives a place when the prompt names none (planner._lighting)."""
    return "studio" if env == "studio" else "indoor" if ENVIRONMENTS[env].look.indoor else "day"


_NO_MUSIC = re.compile(r"\b(?:no|without|remove|mute|stop|cut|drop|lose|kill|turn off)\s+"
                       r"(?:the\s+|any\s+|all\s+)?(?:music|score|soundtrack)\b|\bsilence\b")
_MUSIC = re.compile(r"\b(?:music|soundtrack|song|tune)\b")   # not "score": "make him score"


def _read_music(cl: _Clause, work: _Work) -> None:
    m = _NO_MUSIC.search(cl.text)
    if m:
        cl.take_chars(*m.span())
        work.set_scene(cl, "music", None)
        return
    found = soundwords.mood_of(cl.text)
    noun = _MUSIC.search(cl.text)
    if found:
        start = cl.text.find(found[1])
        cl.take_chars(start, start + len(found[1]))
    if noun:
        cl.take_chars(*noun.span())
    if found or noun:
        mood = found[0] if found else MUSIC_MOODS[0]
        work.set_scene(cl, "music", mood, "" if found else f"no mood named: {mood}")


_CLEAR_SKY = re.compile(r"\b(?:stop|stops|no|without|remove|end|no more)\s+(?:the\s+)?"
                        r"(?:rain|raining|storm)\b|\bclear\s+(?:skies|sky|weather)\b|"
                        r"\bstops raining\b|\bsunny\b|\bdry weather\b")


def _read_weather(cl: _Clause, work: _Work) -> None:
    m = _CLEAR_SKY.search(cl.text)
    if m:
        cl.take_chars(*m.span())
        work.set_scene(cl, "weather", "clear")
        return
    found = soundwords.weather_of(cl.text)
    if found:
        start = cl.text.find(found[1])
        cl.take_chars(start, start + len(found[1]))
        work.set_scene(cl, "weather", "rain")


# --------------------------------------------------------------------------- 2b. gravity, place

_NUM = r"(\d+(?:\.\d+)?)"
_UNIT = r"(m/s\^?2|m/s/s|m\s*/\s*s\s*2|met(?:er|re)s? per second squared|g)\b"
_G_NAMED = {"moon": MOON_G, "lunar": MOON_G, "moon's": MOON_G, "earth": EARTH_G,
            "earth's": EARTH_G, "normal": EARTH_G, "mars": 3.71, "martian": 3.71,
            "low": MOON_G, "weak": MOON_G, "high": 2 * EARTH_G, "heavy": 2 * EARTH_G,
            "strong": 2 * EARTH_G}
_MULT = "|".join(map(re.escape, lx.MULTIPLIERS))
_NUMWORD = "|".join(w for w in lx.NUMBERS if lx.NUMBERS[w] > 1)
_GRAVITY = [   # (pattern, how to read it): "zero", "times" (relative), "named", "value"
    (re.compile(r"\b(?:zero|no)[\s-]?(?:gravity|g)\b|\bwithout\s+gravity\b|\bweightless\w*|"
                r"\bmicro-?gravity\b|\bturn\s+off\s+(?:the\s+)?gravity\b"), "zero"),
    (re.compile(rf"\b({_MULT})\s+(?:as\s+much\s+|the\s+|of\s+the\s+)?(?:normal\s+)?gravity\b"),
     "times"),
    (re.compile(rf"\bgravity\s+(?:is\s+)?({_MULT})\b"), "times"),
    (re.compile(rf"\b({_NUM[1:-1]}|{_NUMWORD})\s*(?:x|times)\s+(?:the\s+|as\s+much\s+|stronger\s+"
                r"|more\s+)?(?:normal\s+)?gravity\b"), "times"),
    (re.compile(r"\b(" + "|".join(map(re.escape, _G_NAMED)) + r")\s+gravity\b"), "named"),
    (re.compile(r"\bgravity\s+(?:of|on|like\s+on)\s+(?:the\s+)?(moon|earth|mars)\b"), "named"),
    (re.compile(rf"\bgravity\s*(?:of|=|is|to|at)?\s*{_NUM}\s*(?:{_UNIT})?"), "value"),
    (re.compile(rf"\b{_NUM}\s*{_UNIT}\s+(?:of\s+)?gravity\b"), "value"),
    (re.compile(rf"\b(?:in|at|under)\s+{_NUM}\s?(g)s?\b"), "value"),
]


def _read_world(cl: _Clause, work: _Work) -> None:
    """Gravity and place. Gravity words are taken first ("moon gravity" and "zero g" are not
    places) but applied after the place, so "on the moon with twice the gravity" doubles the
    moon's gravity."""
    found = _find_gravity(cl)
    _read_place(cl, work)
    if found:
        _set_gravity(cl, work, *found)


def _find_gravity(cl: _Clause) -> tuple[str, re.Match] | None:
    for pattern, how in _GRAVITY:
        m = pattern.search(cl.text)
        if m:
            cl.take_chars(*m.span())
            return how, m
    return None


def _set_gravity(cl: _Clause, work: _Work, how: str, m: re.Match) -> None:
    g = abs(work.gravity()[2])
    if how == "zero":
        g = 0.0
    elif how == "named":
        g = _G_NAMED[m.group(1)]
    elif how == "times":
        word = m.group(1)
        g *= lx.MULTIPLIERS.get(word) or lx.NUMBERS.get(word) or float(word)
    else:
        g = float(m.group(1)) * (EARTH_G if (m.group(2) or "").strip() == "g" else 1.0)
    if g > MAX_GRAVITY:
        raise _Refused(f"gravity of {g:g} m/s^2 is more than tenku simulates (at most "
                       f"{MAX_GRAVITY:g}, about 10 g)")
    frm = work.gravity()
    to = (0.0, 0.0, -round(g, 4) if g else 0.0)
    work.data["gravity"] = to
    work.gravity_set = True
    work.change(cl, "gravity", None, tuple(frm), to)


def _read_place(cl: _Clause, work: _Work) -> None:
    """A place from the catalog ("on the moon", "in a kitchen"); a word that is more often a
    substance ("water", "ice") counts only after a preposition of place."""
    for a, b, env in _phrases(cl, lx.env_phrases()):
        words = " ".join(cl.toks[a:b])
        if _longest(cl, a, lx.kind_phrases())[0] > b - a or _names_present_thing(
                work, cl.toks[a:b]):
            continue   # "bowling" in "a bowling ball"; "the hoops" the video has
        if words in lx.WEAK_ENV_WORDS and not _after_place_word(cl, a):
            continue
        cl.take(a, b)
        _set_place(cl, work, str(env))
        return


def _names_present_thing(work: _Work, toks: list[str]) -> bool:
    kind = lx.kind_phrases().get(tuple(toks))
    return kind is not None and bool(_named(work.data, str(kind), " ".join(toks)))


def _after_place_word(cl: _Clause, i: int) -> bool:
    j = i - 1
    while j >= 0 and cl.toks[j] in _DETERMINERS:
        j -= 1
    return j >= 0 and cl.toks[j] in PLACE_PREPS | {"to", "onto", "into"}


def _set_place(cl: _Clause, work: _Work, env: str) -> None:
    data = work.data
    old = data["environment"]
    if env == old:
        cl.hits += 1
        return
    g_old = work.gravity()
    data["environment"] = env
    if not work.gravity_set:
        data["gravity"] = None   # the new place's own gravity
    notes = [_fit_place(data)]
    if work.gravity() != g_old:
        notes.append(f"gravity {abs(work.gravity()[2]):g} m/s^2"
                     + ("" if work.gravity_set else f" (the {env.replace('_', ' ')}'s own)"))
    work.change(cl, "environment", None, old, env, "; ".join(filter(None, notes)))
    if data["lighting"]["preset"] == _usual_light(old) != _usual_light(env):
        _set_lighting(cl, work, _usual_light(env), "the place's usual light")


def _fit_place(data: dict) -> str:
    """Keep every position if the new place can hold the scene; else shift the whole scene
    (so throws and pushes keep their geometry) onto the place's stage and dry floor. Returns
    what was done, for the change row."""
    env = ENVIRONMENTS[data["environment"]]
    boxes = [(e["pose"]["position"], floor_extent(e), e["pose"]["position"][2] <= 0.05)
             for e in data["entities"] if not e["held_by"]]
    walls = STAGE.get(env.name, 3.0) if any(p.name.startswith("wall") for p in env.parts) else 0

    def fits(ox: float, oy: float) -> bool:
        for (x, y, _), (dx, dy, _), on_floor in boxes:
            x, y = x + ox, y + oy
            if walls and (abs(x) + dx / 2 > walls or abs(y) + dy / 2 > walls):
                return False
            if on_floor and env.water is not None and _overlaps(
                    (x - dx / 2, y - dy / 2, x + dx / 2, y + dy / 2), env.water):
                return False
        return True

    if not boxes or fits(0.0, 0.0):
        return ""
    lo_x = min(x - dx / 2 for (x, _, _), (dx, _, _), _ in boxes)
    hi_x = max(x + dx / 2 for (x, _, _), (dx, _, _), _ in boxes)
    lo_y = min(y - dy / 2 for (_, y, _), (_, dy, _), _ in boxes)
    hi_y = max(y + dy / 2 for (_, y, _), (_, dy, _), _ in boxes)
    cx, cy = -(lo_x + hi_x) / 2, -(lo_y + hi_y) / 2
    grid = [(cx + i * 0.5, cy + j * 0.5) for i in range(-24, 25) for j in range(-24, 25)]
    grid.sort(key=lambda o: math.hypot(o[0] - cx, o[1] - cy))
    offset = next((o for o in grid if fits(*o)), None)
    name = env.name.replace("_", " ")
    if offset is None:
        if not walls:
            return (f"the {name} has no dry floor for the scene: what stood on the floor now "
                    "starts in the water")
        offset = (cx, cy)
        _shift(data, offset)
        return f"the scene is wider than the {name}'s floor: things may touch its walls"
    _shift(data, offset)
    return (f"moved the whole scene by ({offset[0]:.2f}, {offset[1]:.2f}) m so it stands on the "
            f"{name}'s floor")


def _overlaps(rect: tuple[float, float, float, float], water) -> bool:
    pad = 0.05  # the tank's glass walls stand just outside its water
    return not (rect[2] <= water.lo[0] - pad or water.hi[0] + pad <= rect[0]
                or rect[3] <= water.lo[1] - pad or water.hi[1] + pad <= rect[1])


def _shift(data: dict, offset: tuple[float, float]) -> None:
    ox, oy = offset
    for e in data["entities"]:
        x, y, z = e["pose"]["position"]
        e["pose"]["position"] = (round(x + ox, 4), round(y + oy, 4), z)
    for shot in data["shots"]:
        cam = shot["camera"]
        for key in ("position", "look_at"):
            if cam[key] is not None:
                x, y, z = cam[key]
                cam[key] = (x + ox, y + oy, z)


# --------------------------------------------------------------------------- 2c. things

_DETERMINERS = {"a", "an", "the", "this", "that", "these", "those", "some", "all", "every",
                "each", "both", "any", "my", "your", "our", "another", "more", "extra", "new",
                "second", "additional", "one"}
_ALL = {"all", "every", "each", "both", "these", "those"}
_FRESH = {"another", "more", "extra", "new", "second", "additional"}
_IT = {"it", "them", "they", "itself"}
_PERSON = {"he", "she", "him", "his", "her", "their", "hers"}

_REMOVE = _tokenised({w: "remove" for w in (
    "remove", "removes", "delete", "erase", "without", "lose", "take away", "take out",
    "get rid of", "rid of", "no more", "eliminate", "no")})
_REPLACE = _tokenised({w: "replace" for w in (
    "replace", "replaces", "swap", "switch", "exchange", "substitute", "instead of")})
_ADD = _tokenised({**{w: "add" for w in (
    "add", "adds", "put", "place", "include", "insert", "introduce", "bring in", "bring",
    "there is", "there's")}, "with": "with", "plus": "with"})   # "with": only if new
_TURN = {"turn", "turns", "change", "changes", "transform", "convert", "make", "into", "become",
         "becomes"}
_REFS = _tokenised({"on": "on", "onto": "on", "atop": "on", "on top of": "on", "next to": "near",
                    "beside": "near", "near": "near", "behind": "near",
                    "under": "near", "in front of": "near", "close to": "near"})
_MULTIPLY = re.compile(
    rf"\b({_MULT}|{_NUM[1:-1]}|{_NUMWORD})\s*(?:x\s+|times\s+)?(as\s+(?:big|large|tall|small|tiny)"
    r"|the\s+size|its\s+size|the\s+current\s+size|in\s+size|bigger|larger|smaller)\b")
_HEX = re.compile(r"#([0-9a-f]{6})\b")


@dataclass
class _Mod:
    """A modifier word: colour, material, size (a factor on the real or current size), garment,
    speed factor or throw outcome."""

    i: int
    what: str
    value: object
    relative: bool = False


@dataclass
class _Mention:
    """A noun phrase: its kind ("ball" for any ball; None for "it", "him"), the ids it names."""

    start: int
    end: int
    words: str
    kind: str | None
    ids: list[str]
    det: str = ""
    count: int | None = None
    plural: bool = False
    lead: int = 0                  # where its noun phrase starts (article, modifiers)
    pre: list[_Mod] = field(default_factory=list)
    ref: str = ""                  # "on" / "near": the phrase places something relative to it

    @property
    def every(self) -> bool:
        return self.plural or self.det in _ALL or (self.count or 1) > 1


def _read_things(cl: _Clause, work: _Work) -> None:
    """What the clause does to things: remove, replace, add, or change them."""
    mentions, post = _scan(cl, work)
    things = [m for m in mentions if not m.ref]
    cue = _cue(cl) or (work.last_cue if things and not post else "")
    work.last_cue = cue if cue in ("remove", "add") else ""
    if cue == "remove":
        _remove_all(cl, work, things)
        return
    if _replace(cl, work, cue, things, post):
        return
    if cue in ("add", "with") and _add_all(cl, work, mentions, post, strict=cue == "add"):
        return
    _modify(cl, work, things, post)


def _scan(cl: _Clause, work: _Work) -> tuple[list[_Mention], list[_Mod]]:
    """Mentions and modifiers, left to right. Modifiers right before a noun belong to it
    ("a big red ball"); the rest describe the change ("make the ball red")."""
    mods = _scan_patterns(cl, work)
    mentions: list[_Mention] = []
    run: list[_Mod] = []
    det, count, lead = "", None, None
    i = 0
    while i < len(cl.toks):
        if not cl.free(i):
            i += 1
            continue
        t = cl.toks[i]
        lead = i if lead is None else lead
        found = _noun_at(cl, work, i, det or count)
        if found:
            n, m = found
            m.lead, m.det, m.count, m.pre, run = lead, det, count, run, []
            mentions.append(m)
            cl.take(i, i + n)
            det, count, lead = "", None, None
            i += n
            continue
        mod = _modifier_at(cl, i)
        if mod:
            n, new = mod
            run += new
            cl.take(i, i + n)
            i += n
            continue
        if t in _DETERMINERS or t.isdigit() or t in lx.NUMBERS:
            if t in _DETERMINERS:
                det = t
            else:
                count = int(t[:3]) if t.isdigit() else lx.NUMBERS[t]
            cl.take(i, i + 1)
            i += 1
            continue
        mods += run
        run, det, count, lead = [], "", None, None
        i += 1
    mods += run
    for m in mentions:
        m.ref = _ref_before(cl, m.lead)
    owned = {id(x) for m in mentions for x in m.pre}
    return mentions, [x for x in mods if id(x) not in owned]


def _scan_patterns(cl: _Clause, work: _Work) -> list[_Mod]:
    """Modifiers written as patterns: #rrggbb colours, "twice as big", a throw's outcome."""
    mods = []
    for m in _HEX.finditer(cl.text):
        cl.take_chars(*m.span())
        mods.append(_Mod(_token_at(cl, m.start()), "color", "#" + m.group(1)))
    m = _MULTIPLY.search(cl.text)
    if m:
        word = m.group(1)
        f = lx.MULTIPLIERS.get(word) or lx.NUMBERS.get(word) or float(word)
        f = 1 / f if m.group(2) == "smaller" and f > 1 else f
        cl.take_chars(*m.span())
        mods.append(_Mod(_token_at(cl, m.start()), "size", f, relative=True))
    if any(a["type"] == "throw" for a in work.data["actions"]):
        for words, outcome in _OUTCOMES:
            hit = re.search(r"\b" + re.escape(words) + r"\b", cl.text)
            if hit:
                cl.take_chars(*hit.span())
                mods.append(_Mod(_token_at(cl, hit.start()), "outcome", outcome))
                break
    return mods


#: A throw's outcome words, longest first; bare "make"/"made" mean "cause" in an edit.
_OUTCOMES = sorted([(w, "make") for w in MAKE_WORDS if w not in ("make", "made", "makes")]
                   + [(w, "miss") for w in MISS_WORDS], key=lambda x: -len(x[0]))


def _token_at(cl: _Clause, char: int) -> int:
    return next((i for i, (a, b) in enumerate(cl.spans) if b > char), len(cl.toks))


def _noun_at(cl: _Clause, work: _Work, i: int, determined) -> tuple[int, _Mention] | None:
    """A mention starting at token ``i``: an id ("pin_3"), a pronoun or a catalog noun."""
    t = cl.toks[i]
    for n in (3, 2):   # ids are written as tokens joined by "_"
        eid = "_".join(cl.toks[i:i + n])
        found = [e["kind"] for e in work.data["entities"] if e["id"] == eid]
        if n <= len(cl.toks) - i and "_" in eid and found:
            return n, _Mention(i, i + n, eid, found[0], [eid])
    if t == "everything":
        return 1, _Mention(i, i + 1, t, None, [e["id"] for e in work.data["entities"]
                                               if not _is_figure(e["kind"])])
    if t in _IT or t in _PERSON:
        who = (work.last or [_subject(work.data)]) if t in _IT else [_figure(work.data)]
        return 1, _Mention(i, i + 1, t, None, [x for x in who if x])
    n, kind = _longest(cl, i, lx.kind_phrases())
    if not n:
        return None
    phrase = tuple(cl.toks[i:i + n])
    if n == 1 and _reads_as_modifier(cl, i, determined):
        return None
    if n == 1 and t in lx.WEAK_KIND_WORDS and not any(e["kind"] == kind for e in
                                                      work.data["entities"]):
        return None
    words = " ".join(phrase)
    last = phrase[-1]
    plural = lx.singular(last) != last and (phrase[:-1] + (lx.singular(last),)) in \
        lx.kind_phrases()
    return n, _Mention(i, i + n, words, str(kind), _named(work.data, str(kind), words),
                       plural=plural)


def _reads_as_modifier(cl: _Clause, i: int, determined) -> bool:
    """A noun that is also a colour or material ("orange", "glass", "stone") is a modifier
    unless an article or count comes right before it and no noun right after."""
    t = cl.toks[i]
    if t not in lx.EDIT_COLORS and (t,) not in lx.material_phrases():
        return False
    return not determined or bool(_longest(cl, i + 1, lx.kind_phrases())[0])


def _longest(cl: _Clause, i: int, table: dict) -> tuple[int, object]:
    for n in range(min(4, len(cl.toks) - i), 0, -1):
        key = tuple(cl.toks[i:i + n])
        if key in table and all(cl.free(j) for j in range(i, i + n)):
            return n, table[key]
    return 0, None


def _modifier_at(cl: _Clause, i: int) -> tuple[int, list[_Mod]] | None:
    t = cl.toks[i]
    prev = cl.toks[i - 1] if i else ""
    n, mat = _longest(cl, i, lx.material_phrases())
    if n == 1 and t in MATERIALS:
        mat = t   # the catalog's own name first: "steel" is steel, not iron's synonym
    colour = lx.EDIT_COLORS.get(t)
    if colour and not (mat and prev in ("of", "solid", "pure", "made")):
        return 1, [_Mod(i, "color", colour)]
    if n:
        return n, [_Mod(i, "material", mat)]
    if t in lx.SIZES:
        return 1, [_Mod(i, "size", lx.SIZES[t])]
    if t in lx.SIZE_COMPARATIVES:
        return 1, [_Mod(i, "size", lx.SIZE_COMPARATIVES[t], relative=True)]
    if t in lx.GARMENTS:
        return 1, [_Mod(i, "garment", lx.GARMENTS[t])]
    speed = lx.SPEED_COMPARATIVES.get(t) or lx.SPEED_WORDS.get(t)
    if speed:
        return 1, [_Mod(i, "speed", speed)]
    return None


def _ref_before(cl: _Clause, lead: int) -> str:
    for n in (3, 2, 1):
        key = tuple(cl.toks[max(0, lead - n):lead])
        if len(key) == n and key in _REFS:
            cl.take(lead - n, lead)
            return str(_REFS[key])
    return ""


def _cue(cl: _Clause) -> str:
    """The clause's verb of editing, if any (the first wins): "remove", "replace", "add", or
    "with" (adds only something the video does not have: "with a dog", not "with half gravity")."""
    hits = []
    for table in (_REMOVE, _REPLACE, _ADD):
        hits += _phrases(cl, table)
    if not hits:
        return ""
    a, b, cue = min(hits, key=lambda h: h[0])
    if cue == "replace" and cl.toks[a:b] == ["instead", "of"]:
        return "replace"   # kept free: _replace reads which side is which from it
    cl.take(a, b)
    return str(cue)


def _pick(cl: _Clause, work: _Work, m: _Mention) -> list[str]:
    """The ids a mention means here: selectors ("the red ball") narrow them; a singular picks
    the first in script order (said in the change row)."""
    ids = m.ids
    if m.det in DEFINITE and m.pre:
        for mod in m.pre:
            keep = [x for x in ids if _matches(work.entity(x), mod)]
            ids = keep or ids
    if not m.every and len(ids) > 1 and m.kind is not None:
        cl.reason = f"the video has {len(ids)} of them ({', '.join(ids[:6])}): changed {ids[0]}"
        return ids[:1]
    return ids


def _matches(e: dict, mod: _Mod) -> bool:
    if mod.what == "color":
        return e["color"] == mod.value
    if mod.what == "material":
        return (e["material"] or KINDS[e["kind"]].material) == mod.value
    return True


def _targets(cl: _Clause, work: _Work, things: list[_Mention]) -> list[str] | None:
    """Who a change is for: the things named, "it"/"him", the previous clause's things, else the
    main subject. None (with ``cl.reason``) when the clause names something the video lacks."""
    named = [m for m in things if m.ids]
    missing = [m for m in things if not m.ids]
    if missing and not named:
        cl.reason = f"there is no {missing[0].words} in this video"
        return None
    ids = [x for m in named for x in _pick(cl, work, m)] + work.carry
    if ids:
        return list(dict.fromkeys(ids))
    unknown = [w for w in cl.leftovers() if w not in SCENERY]
    if unknown:
        cl.reason = f"there is no {' '.join(unknown)} in this video"
        return None
    if any(w in SCENERY for w in cl.leftovers()):
        return None
    return work.last or [x for x in [_subject(work.data)] if x]


def _modify(cl: _Clause, work: _Work, things: list[_Mention], post: list[_Mod]) -> None:
    changes = _one_each(cl, post + [x for m in things if m.det not in DEFINITE for x in m.pre])
    if not changes:
        named = [m for m in things if m.kind is not None]
        work.pending = [x for m in named for x in m.ids]
        if named:
            cl.reason = f"nothing to change about {named[0].words} was said"
        return
    targets = _targets(cl, work, things)
    if not targets:
        return
    note = cl.reason
    cl.reason = ""
    for eid in targets:
        _change_entity(cl, work, work.entity(eid), changes, note)
    work.last = targets


def _one_each(cl: _Clause, mods: list[_Mod]) -> list[_Mod]:
    """The first colour, material, size ... of a clause; later ones are left out, said so."""
    seen: dict[str, _Mod] = {}
    for mod in mods:
        if mod.what in seen and mod.value != seen[mod.what].value:
            cl.notes.append(f"{cl.toks[mod.i]} (one {mod.what} per clause: "
                            f"{cl.toks[seen[mod.what].i]} was used)")
        seen.setdefault(mod.what, mod)
    return list(seen.values())


def _change_entity(cl: _Clause, work: _Work, e: dict, mods: list[_Mod], note: str = "") -> None:
    garment = next((m.value for m in mods if m.what == "garment"), None)
    for mod in mods:
        if mod.what == "color":
            _recolor(cl, work, e, str(mod.value), garment, note)
        elif mod.what == "material":
            _remake(cl, work, e, str(mod.value), note)
        elif mod.what == "size":
            _resize(cl, work, e, float(mod.value), mod.relative, note)
        elif mod.what == "speed":
            _speed(cl, work, e["id"], float(mod.value))
        elif mod.what == "outcome":
            _outcome(cl, work, e["id"], str(mod.value))


def _recolor(cl: _Clause, work: _Work, e: dict, hex_: str, garment, note: str) -> None:
    """People wear their colour (shirt unless a garment is named); anything else is painted."""
    if KINDS[e["kind"]].figure == "humanoid":
        part = garment or "shirt"
        look = e["appearance"] or Appearance().model_dump()
        frm, look[part] = look[part], hex_
        e["appearance"] = look
        work.change(cl, "color", e["id"], frm, hex_, note or f"{part}")
        return
    frm, e["color"] = e["color"], hex_
    work.change(cl, "color", e["id"], frm, hex_, note)


def _remake(cl: _Clause, work: _Work, e: dict, material: str, note: str) -> None:
    if _is_figure(e["kind"]):
        raise _Refused(f"{e['id']} is a {e['kind']}: people and animals cannot be remade of "
                       f"{material}")
    frm = e["material"] or KINDS[e["kind"]].material
    if frm != material:
        e["material"] = material
    work.change(cl, "material", e["id"], frm, material, note)


def _resize(cl: _Clause, work: _Work, e: dict, factor: float, relative: bool,
            note: str) -> None:
    """Scale from the thing's current size ("bigger") or its real size ("tiny")."""
    if _is_figure(e["kind"]):
        raise _Refused(f"{e['id']} is a {e['kind']}: people and animals keep their real size")
    base = (e["size"] if relative and e["size"] else None) or dims(e["kind"])
    size = tuple(round(min(50.0, max(0.001, v * factor)), 4) for v in base)
    frm = e["size"] or tuple(round(v, 4) for v in dims(e["kind"]))
    e["size"] = size
    work.change(cl, "size", e["id"], frm, size, note)


def _speed(cl: _Clause, work: _Work, eid: str, factor: float) -> None:
    for a in work.data["actions"]:
        if a["type"] in ("push", "roll", "kick") and eid in (a.get("target"), a.get("actor")):
            frm = a["speed"]
            a["speed"] = round(min(40.0, max(0.05, frm * factor)), 2)
            work.change(cl, "action", a["target"], frm, a["speed"], f"the {a['type']} at "
                        f"{a['t']:g} s")


def _outcome(cl: _Clause, work: _Work, eid: str, outcome: str) -> None:
    throws = [a for a in work.data["actions"] if a["type"] == "throw"]
    mine = [a for a in throws if eid in (a["target"], a["actor"], a["at"])] or throws
    for a in mine:
        frm, a["outcome"] = a["outcome"], outcome
        work.change(cl, "action", a["target"], frm, outcome, f"the throw at {a['t']:g} s")


# ----------------------------------------------------------------- remove

def _remove_all(cl: _Clause, work: _Work, things: list[_Mention]) -> None:
    named = [m for m in things if m.ids]
    if not named:
        cl.reason = (f"there is no {things[0].words} in this video" if things else
                     "say what to remove, e.g. \"remove the table\"")
        return
    for m in named:
        for eid in _pick(cl, work, m):
            _remove(cl, work, eid)
    cl.reason = ""


def _remove(cl: _Clause, work: _Work, eid: str) -> None:
    """Remove one thing, refusing when an action or a line of dialogue needs it."""
    data = work.data
    for a in data["actions"]:
        role = _role_of(a, eid)
        if role:
            raise _Refused(f"cannot remove {eid}: the {a['type']} at {a['t']:g} s {role}")
    for line in data["dialogue"]:
        if line["speaker"] == eid:
            raise _Refused(f"cannot remove {eid}: it says {line['text'][:40]!r}")
    e = work.entity(eid)
    notes = [f"{o['id']} falls from its hand" for o in data["entities"] if o["held_by"] == eid]
    notes += [f"{o} rested on it" for o in _resting_on(data, e)]
    for o in data["entities"]:
        if o["held_by"] == eid:
            o["held_by"] = None
    for shot in data["shots"]:
        if shot["camera"]["follow"] == eid:
            shot["camera"].update(rig="static", follow=None)
            notes.append(f"{shot['id']} no longer follows it")
    data["entities"].remove(e)
    work.change(cl, "remove", eid, e["kind"], None, "; ".join(notes))


def _role_of(a: dict, eid: str) -> str:
    roles = {"target": "moves it", "actor": "is done by it", "at": "aims at it",
             "on": "stacks on it"}
    for key, role in roles.items():
        if a.get(key) == eid:
            return role
    return "stacks it" if eid in (a.get("targets") or []) else ""


def _resting_on(data: dict, e: dict) -> list[str]:
    x, y, z = e["pose"]["position"]
    dx, dy, dz = floor_extent(e)
    return [o["id"] for o in data["entities"] if o is not e and not o["held_by"]
            and abs(o["pose"]["position"][2] - (z + dz)) < 0.03
            and abs(o["pose"]["position"][0] - x) <= dx / 2
            and abs(o["pose"]["position"][1] - y) <= dy / 2]


# ----------------------------------------------------------------- replace

def _replace(cl: _Clause, work: _Work, cue: str, things: list[_Mention],
             post: list[_Mod]) -> bool:
    """"replace the ball with a bowling ball", "turn the glass into a mug", "a soccer ball
    instead of the basketball": the old thing becomes the new kind where it stands."""
    pair = _old_and_new(cl, cue, things)
    if pair is None:
        return False
    old, new = pair
    if not old.ids:
        cl.reason = f"there is no {old.words} in this video"
        return True
    kind = _concrete_kind(str(new.kind), work)
    ids = _pick(cl, work, old)
    note = cl.reason
    cl.reason = ""
    renamed = []
    for eid in ids:
        renamed.append(_rekind(cl, work, eid, kind, new.words, new.pre + post, note))
    work.last = renamed
    return True


def _old_and_new(cl: _Clause, cue: str, things: list[_Mention]):
    if len(things) < 2 or things[1].kind is None:
        return None
    first, second = things[0], things[1]
    if "instead" in cl.toks:
        at = cl.toks.index("instead")
        cl.take(at, at + 2)
        return (second, first) if first.start < at < second.start else (first, second)
    turned = any(t in _TURN for t in cl.toks[:first.start])
    between = cl.toks[first.end:second.lead]
    if cue == "replace" or (turned and (second.det in ("a", "an", "") or "into" in between)):
        return first, second
    return None


def _concrete_kind(kind: str, work: _Work) -> str:
    """A catalog kind for a noun: "ball" is the video's kind of ball, else a basketball."""
    if kind != "ball":
        return kind
    return next((e["kind"] for e in work.data["entities"]
                 if KINDS[e["kind"]].category == "ball"), "basketball")


def _rekind(cl: _Clause, work: _Work, eid: str, kind: str, words: str, mods: list[_Mod],
            note: str) -> str:
    """Change one entity's kind in place; its id follows the kind when it was named after the
    old one (basketball_1 -> soccer_ball_1), and every reference is renamed with it."""
    e = work.entity(eid)
    old_kind = e["kind"]
    if old_kind == kind:
        cl.hits += 1
        return eid
    throws = [a for a in work.data["actions"] if a["type"] == "throw" and a["actor"] == eid]
    if throws and KINDS[kind].figure != "humanoid":
        raise _Refused(f"cannot make {eid} a {kind.replace('_', ' ')}: it shoots at "
                       f"{throws[0]['t']:g} s, and only people throw")
    new_id = _renamed(e, kind, {x["id"] for x in work.data["entities"]})
    if new_id != eid:
        _rename(work.data, eid, new_id)
        note = "; ".join(filter(None, (note, f"renamed {eid} to {new_id}")))
    humanoid = KINDS[kind].figure == "humanoid"
    e.update(kind=kind, size=None, material=None, color=None, fixed=None,
             label=words[:200] or None)
    if not humanoid:
        e.update(appearance=None, voice=None, character=None)
    work.change(cl, "kind", new_id, old_kind, kind, note)
    _change_entity(cl, work, e, mods)
    return new_id


def _renamed(e: dict, kind: str, taken: set[str]) -> str:
    m = re.fullmatch(r"(.*?)(_\d+)?", e["id"])
    base, suffix = m.group(1), m.group(2) or ""
    old_names = {e["kind"], ID_NAMES.get(e["kind"], e["kind"])} | _head(e)
    new_base = ID_NAMES.get(kind, kind)
    if base not in old_names or base == new_base:
        return e["id"]
    return _fresh_id(new_base + suffix, taken - {e["id"]})


def _fresh_id(base: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9_]", "_", base.lower()).strip("_")[:50] or "thing"
    base = base if base[0].isalpha() else "thing_" + base
    eid, n = base, 2
    while eid in taken:
        eid, n = f"{base}_{n}", n + 1
    return eid


def _rename(data: dict, old: str, new: str) -> None:
    for e in data["entities"]:
        if e["id"] == old:
            e["id"] = new
        if e["held_by"] == old:
            e["held_by"] = new
    for a in data["actions"]:
        for key in ("actor", "target", "at", "on"):
            if a.get(key) == old:
                a[key] = new
        if a.get("targets"):
            a["targets"] = [new if x == old else x for x in a["targets"]]
    for line in data["dialogue"]:
        if line["speaker"] == old:
            line["speaker"] = new
    for shot in data["shots"]:
        if shot["camera"]["follow"] == old:
            shot["camera"]["follow"] = new


# ----------------------------------------------------------------- add

def _add_all(cl: _Clause, work: _Work, mentions: list[_Mention], post: list[_Mod], *,
             strict: bool) -> bool:
    """"add a dog", "put a red ball on the table": new things on free floor (or on top of
    the thing named after "on"), clear of everything and of the paths actions send things.
    False when there is nothing new and the cue was only "with" (then it is a change)."""
    ref = next((m for m in mentions if m.ref and m.ids), None)
    new = [m for m in mentions if not m.ref and m.kind is not None
           and (not m.ids or m.det not in DEFINITE or m.det in _FRESH)]
    if not new:
        there = [m for m in mentions if not m.ref and m.ids]
        if there and strict:
            cl.reason = (f"{there[0].words} is already in the video, and a remix does not move "
                         "things yet")
        return bool(there) and strict
    added = []
    for m in new:
        count = min(m.count or (3 if m.plural else 1), MAX_NEW)
        for _ in range(count):
            added.append(_add(cl, work, m, m.pre + post, ref))
    work.last = added
    return True


def _add(cl: _Clause, work: _Work, m: _Mention, mods: list[_Mod], ref: _Mention | None) -> str:
    data = work.data
    kind = _concrete_kind(str(m.kind), work)
    noun = lx.singular((lx.tokens(m.words) or [kind])[-1])
    base = noun if kind == "person" and noun not in ("person", "he", "she") else \
        ID_NAMES.get(kind, kind)
    e = Entity(id=_fresh_id(base, {x["id"] for x in data["entities"]}), kind=kind,
               label=m.words[:200] or None).model_dump()
    for mod in mods:
        if mod.what == "size" and not _is_figure(kind):
            e["size"] = tuple(round(min(50.0, max(0.001, v * float(mod.value))), 4)
                              for v in dims(kind))
    where = ref.ids[0] if ref else None
    if _is_figure(kind):   # it will turn to face the scene: find room for any heading
        e["pose"]["rotation"] = (0.0, 0.0, 45.0)
    if ref and ref.ref == "on":
        pos = _on_top(data, work.entity(where), e)
    else:
        pos = free_floor(data, e, where)
        if pos is None:
            raise _Refused(f"there is no free floor left in the "
                           f"{data['environment'].replace('_', ' ')} for a "
                           f"{kind.replace('_', ' ')}")
    e["pose"]["position"] = pos
    e["pose"]["rotation"] = (0.0, 0.0, facing_scene(data, pos, where) if _is_figure(kind) else 0.0)
    data["entities"].append(e)
    work.change(cl, "add", e["id"], None, kind, f"on {where}" if ref and ref.ref == "on" else "")
    _change_entity(cl, work, e, [x for x in mods if x.what != "size"])
    return e["id"]


def _on_top(data: dict, sup: dict, e: dict) -> tuple[float, float, float]:
    """A free spot on the top of ``sup``, nearest its middle."""
    sx, sy, sz = sup["pose"]["position"]
    w, d, h = floor_extent(sup)
    top = sz + h
    lay = Layout(data["environment"])
    occupy_script(data, lay, [data["entities"][k] for k, o in enumerate(data["entities"])
                          if o["id"] in _resting_on(data, sup)])
    dx, dy, _ = floor_extent(e)
    spots = [(sx + i * 0.05, sy + j * 0.05) for i in range(-40, 41) for j in range(-40, 41)]
    spots.sort(key=lambda p: math.hypot(p[0] - sx, p[1] - sy))
    for x, y in spots:
        if abs(x - sx) + dx / 2 <= w / 2 - 0.02 and abs(y - sy) + dy / 2 <= d / 2 - 0.02 and \
                lay.free(x, y, dx + 0.04, dy + 0.04):
            return (round(x, 4), round(y, 4), round(top, 4))
    raise _Refused(f"there is no room on {sup['id']} for a {e['kind'].replace('_', ' ')}")





# --------------------------------------------------------------------------- extensions

def _open_window(data: dict, at: float, seconds: float) -> float:
    """Make ``data`` the extension's script: it begins at ``at`` with one shot like the
    parent's last; returns how much world time that shot covers."""
    shot = copy.deepcopy(data["shots"][-1])
    shot.update(start=float(at), end=None, transition="cut")
    data.update(begin=float(at), duration=float(seconds), shots=[shot], dialogue=[])
    return seconds * shot["speed"]


def _extension_readers(t: float):
    def events(cl: _Clause, work: _Work) -> None:
        _read_events(cl, work, t)

    return (_read_style, _frozen(_read_world), _read_shot, _read_music, _read_weather, events)


def _frozen(read):
    """A world reader that, in an extension, only reports: the world cannot change midway."""
    def refuse(cl: _Clause, work: _Work) -> None:
        before, hits = set(cl.used), cl.hits
        scratch = _Work(work.parent)
        scratch.data = copy.deepcopy(work.data)
        read(cl, scratch)
        taken = sorted(cl.used - before)
        cl.hits = hits
        if taken:
            cl.notes.append(f"{' '.join(cl.toks[i] for i in taken)} ({SAME_WORLD})")

    return refuse


def _read_events(cl: _Clause, work: _Work, t: float) -> None:
    """What happens next, read with the planner's verb rules and turned into actions at ``t``
    on the things the video already has."""
    text = " ".join(tok for i, tok in enumerate(cl.toks) if cl.free(i))
    if not text:
        return
    p = parse(text)
    attach(p)
    ids = [_named(work.data, th.kind, th.words or th.kind) for th in p.things]
    for th, found in zip(p.things, ids):
        if not found:
            cl.notes.append(f"{th.words or th.kind} ({NEW_THINGS})")
    for it in p.intents:
        made = _event(work.data, it, p, ids, t)
        if isinstance(made, str):
            cl.notes.append(f"{it.words} ({made})")
            continue
        for a in made:
            work.data["actions"].append(a.model_dump())
            who = getattr(a, "target", None) or getattr(a, "actor", None)
            work.change(cl, "action", who, None, a.type, f"at {a.t:g} s")
    cl.used.update(range(len(cl.toks)))
    cl.notes += [lo.words for lo in p.leftovers] + p.ignored


def _event(data: dict, it, p, ids: list[list[str]], t: float):
    """Script actions for one verb, or why it cannot happen in the running world."""
    def first(k):
        return ids[k][0] if k is not None and ids[k] else None

    things = {e["id"]: e for e in data["entities"]}
    actor = first(it.subject) if it.subject is not None and p.things[it.subject].is_figure \
        else None
    targets = [x for x in (first(k) for k in it.extra.get("targets", [])) if x]
    goal = first(it.goal)
    held = _still_held(data, t)
    speed = max(0.2, min(p.speed, 3.0))
    kind = it.intent
    if kind in ("push", "roll", "kick"):
        balls = [x for x, e in things.items() if KINDS[e["kind"]].category == "ball"]
        target = (targets or (balls if kind != "push" else []) or [None])[0]
        if target is None or _is_figure(things[target]["kind"]) or is_fixed(things[target]):
            return f"say which loose thing to {kind}"
        return [_launch(kind, things, actor, target, goal, speed, t)]
    if kind == "throw":
        target = (targets or [x for x, h in held.items() if h == actor] or [None])[0]
        goal = goal or next((x for x, e in things.items() if KINDS[e["kind"]].aim), None)
        if actor is None or target is None or held.get(target) != actor:
            return "only a figure still holding something can throw it"
        if goal is None:
            return "say what it is thrown at"
        outcome = p.outcome[1] if p.outcome else "make"
        return [Throw(actor=actor, target=target, at=goal, outcome=outcome, t=t)]
    if kind in ("release", "drop"):
        holder = actor if actor in held.values() else next(
            (held[x] for x in targets if x in held), None)
        if holder is None:
            return "nothing is held: in an extension tenku can only let go of held things"
        return [Release(actor=holder, t=t)]
    if kind in ("topple", "spin") and targets:
        if _is_figure(things[targets[0]]["kind"]) or is_fixed(things[targets[0]]):
            return f"{targets[0]} is fixed in place"
        if kind == "topple":
            return [Topple(target=targets[0], t=t)]
        return [Spin(target=targets[0], rate=round(20.0 * speed, 2), t=t)]
    return f"tenku cannot make a {kind} happen in an extension yet"


def _launch(kind: str, things: dict, actor, target: str, goal, speed: float, t: float):
    at = goal if goal and goal != target else None
    direction = None
    if at is None:
        yaw = math.radians(things[actor]["pose"]["rotation"][2]) if actor else 0.0
        direction = (round(math.cos(yaw), 4), round(math.sin(yaw), 4), 0.0)
    if kind == "kick":
        return Kick(actor=actor, target=target, at=at, direction=direction,
                    speed=round(min(8.0 * speed, 30.0), 2), t=t)
    if kind == "roll":
        base = 7.0 if things[target]["kind"] == "bowling_ball" else 2.0
        return Roll(actor=actor, target=target, at=at, direction=direction,
                    speed=round(min(base * speed, 30.0), 2), t=t)
    return Push(actor=actor, target=target, at=at, direction=direction,
                speed=round(min(1.5 * speed, 30.0), 2), t=t)


def _still_held(data: dict, t: float) -> dict[str, str]:
    """Thing -> holder for what a figure still holds at world time ``t``."""
    held = {e["id"]: e["held_by"] for e in data["entities"] if e["held_by"]}
    for a in data["actions"]:
        if a["t"] > t:
            continue
        if a["type"] == "release":
            held = {x: h for x, h in held.items() if h != a["actor"]}
        elif a.get("target") in held:
            held.pop(a["target"])
    return held


_REMIX_READERS = (_read_style, _read_world, _read_shot, _read_music, _read_weather,
                  _read_things)
