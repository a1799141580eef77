"""Checking a world script against the catalog: every kind, material and place must exist,
and actions must make sense for what they name (only figures hold, only kinds with an aim
point or any thing can be thrown at). Errors name the field and list what is allowed."""

from __future__ import annotations

from tenku.catalog.environments import ENVIRONMENTS
from tenku.catalog.kinds import KINDS
from tenku.catalog.materials import MATERIALS
from tenku.script import ScriptError, WorldScript


def check_script(script: WorldScript) -> None:
    problems: list[str] = []
    if script.environment not in ENVIRONMENTS:
        problems.append(f"environment: unknown place {script.environment!r}; known: "
                        f"{', '.join(sorted(ENVIRONMENTS))}")
    for e in script.entities:
        if e.kind not in KINDS:
            problems.append(f"entities[{e.id}].kind: unknown kind {e.kind!r}; run "
                            f"`tenku script kinds` for the {len(KINDS)} known kinds")
            continue
        if e.material is not None and e.material not in MATERIALS:
            problems.append(f"entities[{e.id}].material: unknown material {e.material!r}; "
                            f"known: {', '.join(sorted(MATERIALS))}")
        if e.held_by is not None:
            holder = script.entity(e.held_by)
            if holder.kind not in KINDS or not KINDS[holder.kind].figure:
                problems.append(f"entities[{e.id}].held_by: {e.held_by!r} is a {holder.kind}, "
                                "but only figures (person, dog, cat) can hold things")
        if KINDS[e.kind].figure and e.held_by:
            problems.append(f"entities[{e.id}]: a figure cannot be held")
    for i, a in enumerate(script.actions):
        actor = getattr(a, "actor", None)
        if actor and script.entity(actor).kind in KINDS and not KINDS[script.entity(actor).kind].figure:
            problems.append(f"actions[{i}].actor: {actor!r} is not a figure (person, dog, cat)")
        target = getattr(a, "target", None)
        if target and script.entity(target).kind in KINDS:
            tk = KINDS[script.entity(target).kind]
            fixed = script.entity(target).fixed
            if tk.figure or (fixed if fixed is not None else tk.fixed):
                problems.append(f"actions[{i}].target: {target!r} ({tk.name}) is fixed in place "
                                f"and cannot be moved by a {a.type}")
    for i, line in enumerate(script.dialogue):
        sk = script.entity(line.speaker).kind
        if sk in KINDS and KINDS[sk].figure != "humanoid":
            problems.append(f"dialogue[{i}].speaker: {line.speaker!r} is a {sk}; only people speak")
    if problems:
        raise ScriptError("the world script does not fit the catalog:\n" +
                          "\n".join(f"  {p}" for p in problems))
