"""The ``OUT.world.json`` sidecar: the script that made a video plus what happened in it.

Other tools and outside checks read these names: ``script``, ``seed``, ``backend``,
``tenku_version``, ``entities`` (``{id, kind, ...}``) and ``events`` (``{t, type, a, b, speed,
...}``). ``--script OUT.world.json`` regenerates the same video from it.
"""

from __future__ import annotations

import json
from pathlib import Path

import tenku
from tenku.scene import SimResult
from tenku.script import WorldScript, dump_script

SIDECAR_SUFFIX = ".world.json"


def sidecar_path(video: Path) -> Path:
    return video.with_name(video.stem + SIDECAR_SUFFIX)


def entity_rows(script: WorldScript, sim: SimResult | None) -> list[dict]:
    """One row per script entity (``start``/``end``: where its centre of mass, a fixed thing's
    base or a figure's pelvis is in the first frame and the last frame it exists in), plus the
    shards of anything that broke."""
    rows = []
    tracks = {t.id: t for t in sim.tracks} if sim else {}
    for e in script.entities:
        row = {"id": e.id, "kind": e.kind}
        if e.material:
            row["material"] = e.material
        t = tracks.get(e.id) or next((x for x in (sim.tracks if sim else [])
                                      if x.entity == e.id and x.parent is None), None)
        if t is not None and t.visible.any():
            last = len(t.visible) - 1 - int(t.visible[::-1].argmax())
            row["start"] = [round(float(x), 4) for x in t.pos[0]]
            row["end"] = [round(float(x), 4) for x in t.pos[last]]
            row["visible_at_end"] = bool(t.visible[-1])
        rows.append(row)
    if sim:
        for t in sim.tracks:
            if t.parent:
                first = int(t.visible.argmax()) if t.visible.any() else None
                rows.append({"id": t.id, "kind": "shard", "parent": t.parent,
                             "appears_at": None if first is None else round(float(sim.times[first]), 4)})
    return rows


def build_sidecar(script: WorldScript, backend: str, sim: SimResult | None, *,
                  extra: dict | None = None) -> dict:
    data = {
        "tenku_version": tenku.__version__,
        "backend": backend,
        "seed": script.seed,
        "script": dump_script(script),
        "entities": entity_rows(script, sim),
        # An extension replays its parent's world unseen: those events are the parent's.
        "events": [e.to_json() for e in sim.events if e.t >= script.begin - 1e-9] if sim else [],
    }
    if extra:
        data.update(extra)
    return data


def write_sidecar(path: Path, data: dict) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    tmp.replace(path)
