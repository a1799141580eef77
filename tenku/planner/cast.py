"""Casting saved characters: a prompt names them ("Mia kicks the ball to Leo"), the rules know
only kinds of people, so :func:`prepare` stands a distinct person-word in for each name
("a guy kicks the ball to a lady") before the rules run, and :func:`apply` turns the figures
those words became into the characters: their outfit colours, height, voice, name and id.

Names are matched whole-word and case-insensitively outside quoted speech (``Mia says "hi
Leo"`` casts Mia, not Leo; a screenplay line ``MIA: hi`` casts Mia as its speaker), so a
line a character says goes to that character's figure. A character the caller chose but the
prompt never names is still put in the scene, beside the others and facing them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from tenku.catalog.figures import HUMANOID_HEIGHT
from tenku.planner.dialogue import PERSON_KINDS
from tenku.planner.layout import FIGURE_DIMS, facing_scene, free_floor
from tenku.planner.report import PlanResult
from tenku.script import ScriptError, WorldScript
from tenku.script.model import Appearance, Entity, Pose, Voice

#: Person-words that stand in for names: each a figure to the rules, none a substring of
#: another (the dialogue matcher compares labels by substring), none implying a sport.
STAND_INS = ("guy", "lady", "person", "girl", "boy", "kid", "friend", "teenager")
_QUOTED = re.compile(r"[\"“”][^\"“”]{1,400}[\"“”]")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class CastMember:
    """What the planner needs of a saved character."""

    id: str
    name: str
    height: float
    appearance: Appearance
    voice: Voice

    @classmethod
    def from_json(cls, data: dict) -> "CastMember":
        """From a character's JSON (the API's character object, or a video's params)."""
        return cls(id=data["id"], name=data["name"], height=float(data["height"]),
                   appearance=Appearance(**(data.get("appearance") or {})),
                   voice=Voice(**data["voice"]))


def prepare(prompt: str, cast: Sequence[CastMember]) -> tuple[str, dict]:
    """Rewrite the prompt so the rule-based planner sees each character's name as a person
    ("Mia kicks the ball" -> "a guy kicks the ball": the first mention gets "a", later ones
    "the"); returns (prompt for the rules, casting map for :func:`apply`)."""
    names = [m.name.strip() for m in cast]
    seen: set[str] = set()
    for n in names:
        if not n:
            raise ScriptError("a character needs a name to be cast")
        if n.lower() in seen:
            raise ScriptError(f"two characters are both named {n!r}: rename one, since the "
                              "prompt tells them apart by name")
        seen.add(n.lower())
    names_re = [re.compile(r"(?<!\w)" + re.escape(n) + r"(?:['’]s)?(?!\w)", re.I) for n in names]
    rest = prompt
    for rx in names_re:
        rest = rx.sub(" ", rest)
    free = [w for w in STAND_INS if not re.search(rf"\b{w}(s|es)?\b", rest, re.I)
            and not (w == "person" and re.search(r"\bpeople\b", rest, re.I)) and w not in seen]
    if len(free) < len(cast):
        raise ScriptError(f"too many characters ({len(cast)}) for this prompt: at most "
                          f"{len(free)} can be cast into it")
    words = free[:len(cast)]
    edits, mentioned = _edits(prompt, names_re, words)
    out = prompt
    for start, end, text in sorted(edits, reverse=True):
        out = out[:start] + text + out[end:]
    roles = [{"member": m, "word": w, "mentioned": i in mentioned}
             for i, (m, w) in enumerate(zip(cast, words))]
    return out, {"prompt": prompt, "roles": roles}


def _edits(prompt: str, names_re: list[re.Pattern], words: list[str]):
    """(start, end, replacement) for every name outside quoted speech, and which characters
    were named. A screenplay line's name (``MIA: hi``) becomes the stand-in in capitals; the
    words after its colon are speech and are left alone. A possessive keeps its "'s" apart
    ("Mia's ball" -> "a guy 's ball"), which the rules read as one person and a ball."""
    spoken = [m.span() for m in _QUOTED.finditer(prompt)]
    edits, named = [], set()
    for i, rx in enumerate(names_re):
        head = re.compile(r"^[ \t]*(" + rx.pattern + r")[ \t]*:(.*)$", re.I | re.M)
        for m in head.finditer(prompt):
            edits.append((*m.span(1), words[i].upper()))
            spoken.append(m.span(2))
            named.add(i)
    taken = {(s, e) for s, e, _ in edits}
    hits = sorted((m.start(), m.end(), i) for i, rx in enumerate(names_re)
                  for m in rx.finditer(prompt)
                  if (m.start(), m.end()) not in taken
                  and not any(a <= m.start() < b for a, b in spoken))
    for start, end, i in hits:
        owner = " 's" if prompt[end - 2:end].lower() in ("'s", "’s") else ""
        edits.append((start, end, ("the " if i in named else "a ") + words[i] + owner))
        named.add(i)
    return edits, named


def apply(result: PlanResult, casting: dict) -> PlanResult:
    """Make the stand-ins' figures the characters: appearance, height (``size`` z, x and y
    scaled alike), voice and ``character`` id; the name is the figure's label and, when it
    makes a valid unused id, its id. A character the prompt did not name is added beside the
    others, facing them. The grounding gets a ``cast`` row per character."""
    data = result.script.model_dump(mode="json")
    entities = data["entities"]
    renames: dict[str, str] = {}
    rows = []
    for role in casting["roles"]:
        m: CastMember = role["member"]
        s = m.height / HUMANOID_HEIGHT
        fx, fy, _ = FIGURE_DIMS["person"]
        size = [round(fx * s, 4), round(fy * s, 4), m.height]
        fig = _stand_in(entities, role["word"], claimed=renames)
        how = "named in the prompt"
        if fig is None:
            fig = _add_beside(data, size)
            how = "added: the prompt does not name them"
        fig.update(label=m.name, character=m.id, appearance=m.appearance.model_dump(),
                   voice=m.voice.model_dump(), size=size)
        renames[fig["id"]] = fig["id"]
        slug = re.sub(r"[^a-z0-9]+", "_", m.name.lower()).strip("_")[:64]
        if _ID.match(slug) and slug not in {e["id"] for e in entities} | set(renames.values()):
            renames[fig["id"]] = slug
        rows.append({"character": m.id, "name": m.name, "entity": renames[fig["id"]],
                     "words": m.name if role["mentioned"] else "", "how": how})
    _rename(data, renames)
    data["prompt"] = casting["prompt"]
    for shot in data["shots"]:
        shot["description"] = _names_back(shot["description"], casting["roles"])
    g = result.grounding
    for part in (g.entities, g.actions, g.dialogue, g.shots):
        _rename_rows(part, renames, casting["roles"])
    if g.camera.get("follow") in renames:
        g.camera["follow"] = renames[g.camera["follow"]]
    g.cast = rows
    return PlanResult(WorldScript.model_validate(data), g)


def _stand_in(entities: list[dict], word: str, claimed: dict) -> dict | None:
    """The person the rules made of ``word`` (its id is the word, or the word plus a
    number; its label holds the word)."""
    for e in entities:
        if e["kind"] not in PERSON_KINDS or e["id"] in claimed:
            continue
        label = (e.get("label") or "").lower().split()
        if e["id"] == word or e["id"].startswith(word + "_") or word in label:
            return e
    return None


def _add_beside(data: dict, size: list[float]) -> dict:
    """A new person on the free floor nearest the scene (clear of everything and of the paths
    actions send things along), turned to face it."""
    taken = {e["id"] for e in data["entities"]}
    eid = next(f"person_{n}" for n in range(1, 100) if f"person_{n}" not in taken)
    # Turned 45 degrees while looking for room, so any heading it ends up with fits.
    row = Entity(id=eid, kind="person", size=tuple(size),
                 pose=Pose(rotation=(0.0, 0.0, 45.0))).model_dump(mode="json")
    spot = free_floor(data, row)
    if spot is None:
        raise ScriptError(f"there is no free floor left in the "
                          f"{data['environment'].replace('_', ' ')} for another person: "
                          "name the character in the prompt instead")
    row["pose"] = {"position": spot, "rotation": (0.0, 0.0, facing_scene(data, spot))}
    data["entities"].append(row)
    return row


def _rename(data: dict, renames: dict[str, str]) -> None:
    """Apply entity id changes everywhere a script names an entity."""
    def new(v):
        return renames.get(v, v) if isinstance(v, str) else v

    for e in data["entities"]:
        e["id"], e["held_by"] = new(e["id"]), new(e.get("held_by"))
    for a in data["actions"]:
        for key in ("actor", "target", "at", "on"):
            if key in a:
                a[key] = new(a[key])
        if "targets" in a:
            a["targets"] = [new(t) for t in a["targets"]]
    for line in data["dialogue"]:
        line["speaker"] = new(line["speaker"])
    for shot in data["shots"]:
        shot["camera"]["follow"] = new(shot["camera"].get("follow"))


def _rename_rows(rows: list[dict], renames: dict[str, str], roles: list[dict]) -> None:
    """Grounding rows: entity ids renamed, and the stand-in words in ``words`` and
    ``speaker_words`` read back as the names the prompt used."""
    for row in rows:
        for key, value in list(row.items()):
            if key in ("words", "speaker_words") and isinstance(value, str):
                row[key] = _names_back(value, roles)
            elif isinstance(value, str) and value in renames:
                row[key] = renames[value]
            elif isinstance(value, list):
                row[key] = [renames.get(v, v) if isinstance(v, str) else v for v in value]


def _names_back(text: str, roles: list[dict]) -> str:
    """``text`` with each stand-in ("a guy", "the guy", "GUY") read back as its name."""
    for r in roles:
        text = re.sub(rf"\b(?:(?:a|the)\s+)?{r['word']}\b( (?='s))?", r["member"].name, text,
                      flags=re.I)
    return text
