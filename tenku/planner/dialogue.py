"""Dialogue in prompts: quoted speech (``a chef says "order up!"``) and screenplay lines
(``CHEF: Order up!``).

Quotes are lifted out *before* the scene is parsed, so words inside them ("the ball is
mine!") never become things in the scene; the speaker is the nearest person-word before the
quote (or the screenplay name), and the rest of the planner makes sure that person exists.
A prompt's video is lengthened to fit its dialogue (at most 20 s), using an estimate of
espeak-ng's speaking rate; a script given directly is never lengthened (it is refused instead).
"""

from __future__ import annotations

import re

from tenku.catalog import KINDS

_QUOTE = re.compile(r"[\"“”]([^\"“”]{1,400})[\"“”]")
_SCREENPLAY = re.compile(r"^[ \t]*([A-Z][A-Z .'-]{0,30}?)[ \t]*:[ \t]*(\S.*?)[ \t]*$", re.M)
_SAY = re.compile(r"\b(says|said|say|saying|shouts?|shouted|yells?|yelled|asks?|asked|whispers?|"
                  r"whispered|replies|replied|exclaims?|exclaimed|screams?|calls? out|tells? \w+|"
                  r"announces?|sings?)\s*[,:]?\s*$", re.I)
PERSON_KINDS = {k.name for k in KINDS.values() if k.figure == "humanoid"}
PERSON_WORDS = {w for k in KINDS.values() if k.figure == "humanoid" for w in k.synonyms}
WORDS_PER_SECOND = 2.5  # espeak-ng at ~165 wpm, with margin
LINE_GAP = 0.45  # s: the beat between lines plus the first line's lead-in, with margin


def extract(prompt: str) -> tuple[str, list[tuple[str | None, str]]]:
    """(prompt without the spoken words, [(speaker word or None, text), ...]) in order."""
    lines: list[tuple[int, str | None, str]] = []
    rest = prompt
    for m in _SCREENPLAY.finditer(prompt):
        name = m.group(1).strip().lower()
        if name in ("shot", "scene", "cut to", "int", "ext") or name.startswith("shot"):
            continue
        lines.append((m.start(), name, m.group(2).strip().strip("\"“”")))
    for m in reversed(list(_SCREENPLAY.finditer(prompt))):
        if any(pos == m.start() for pos, _, _ in lines):
            rest = rest[:m.start()] + f" a {m.group(1).strip().lower()} . " + rest[m.end():]
    quoted: list[tuple[int, str | None, str]] = []
    for m in _QUOTE.finditer(rest):
        before = rest[:m.start()]
        sentence = re.split(r"[.!?;]\s", before)[-1].lower()
        words = re.findall(r"[a-z][a-z'-]*", sentence)
        speaker = next((w for w in reversed(words) if w in PERSON_WORDS), None)
        quoted.append((m.start(), speaker, m.group(1).strip()))
    for m in reversed(list(_QUOTE.finditer(rest))):
        head = _SAY.sub("", rest[:m.start()])
        rest = head + " " + rest[m.end():]
    lines = sorted(lines + quoted, key=lambda x: x[0])
    return " ".join(rest.split()), [(s, t) for _, s, t in lines if t]


def needed_seconds(texts: list[str]) -> float:
    """A generous estimate of how long the lines take to say, one after another."""
    return sum(len(t.split()) / WORDS_PER_SECOND + LINE_GAP for t in texts) + 0.5
