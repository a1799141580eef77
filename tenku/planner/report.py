"""What the planner tells people: the grounding report and the "nothing to film" error.

The grounding report says, for every part of the prompt, what it became (a kind, an action,
a place) and how it was matched (rule, embedding, llm), plus the words that became nothing,
so a user can see why a video looks the way it does and rephrase.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from tenku.catalog import ENVIRONMENTS, KINDS
from tenku.script.model import WorldScript

EXAMPLE_PROMPTS = (
    "a basketball player shoots and misses, the ball bounces off the rim",
    "a man holding a wine glass opens his hand",
    "a wooden block and an iron block are placed in a water tank",
    "a line of dominoes topples",
    "a bowling ball rolls into the pins",
)


def _catalog_summary() -> str:
    cats: dict[str, list[str]] = {}
    for k in KINDS.values():
        cats.setdefault(k.category, []).append(k.name.replace("_", " "))
    lines = [f"  {c}: {', '.join(v[:6])}{' ...' if len(v) > 6 else ''}"
             for c, v in sorted(cats.items())]
    places = ", ".join(e.replace("_", " ") for e in ENVIRONMENTS)
    return "\n".join(lines) + f"\n  places: {places}"


class NothingToFilm(ValueError):
    """The prompt names nothing tenku can put in a world (no known thing or place)."""

    def __init__(self, prompt: str = "", not_understood: list[str] | None = None):
        shown = ", ".join(repr(w) for w in (not_understood or [])[:8])
        head = "tenku could not find anything it can film in this prompt"
        if shown:
            head += f" (not understood: {shown})"
        msg = (f"{head}.\n"
               f"tenku films physical scenes built from these things and places:\n"
               f"{_catalog_summary()}\n"
               f"Try prompts like:\n" + "\n".join(f"  - {p}" for p in EXAMPLE_PROMPTS))
        super().__init__(msg)
        self.not_understood = list(not_understood or [])


@dataclass
class Grounding:
    """How each part of the prompt was understood (see module docstring)."""

    entities: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    environment: dict = field(default_factory=dict)
    camera: dict = field(default_factory=dict)
    style: dict = field(default_factory=dict)
    lighting: dict = field(default_factory=dict)
    not_understood: list[str] = field(default_factory=list)
    dialogue: list[dict] = field(default_factory=list)  # {words, speaker, speaker_words}
    music: dict = field(default_factory=dict)  # {words, music}
    weather: dict = field(default_factory=dict)  # {words, weather}
    shots: list[dict] = field(default_factory=list)  # multi-shot: {words, transition, speed, ...}
    cast: list[dict] = field(default_factory=list)  # {character, name, entity, words, how}
    planner: str = "offline"
    timing: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return copy.deepcopy({
            "planner": self.planner, "entities": self.entities, "actions": self.actions,
            "environment": self.environment, "camera": self.camera, "style": self.style,
            "lighting": self.lighting, "not_understood": self.not_understood,
            "dialogue": self.dialogue, "music": self.music, "weather": self.weather,
            **({"shots": self.shots} if self.shots else {}),
            **({"cast": self.cast} if self.cast else {}),
        })


@dataclass
class PlanResult:
    script: WorldScript
    grounding: Grounding
