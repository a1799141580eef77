"""Reading and writing world scripts as JSON, with errors a person can act on.

A script file may be a bare script or a ``.world.json`` sidecar (which holds the script under
``"script"``); both load the same way so ``--script OUT.world.json`` regenerates a video.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tenku.script.model import WorldScript


class ScriptError(ValueError):
    """A script could not be read or is invalid; the message names the field and the fix."""


def _explain(err: ValidationError) -> str:
    lines = []
    for e in err.errors()[:12]:
        where = ".".join(str(p) for p in e["loc"]) or "(script)"
        lines.append(f"  {where}: {e['msg']}")
    more = len(err.errors()) - 12
    if more > 0:
        lines.append(f"  ... and {more} more")
    return "\n".join(lines)


def script_from_data(data: Any) -> WorldScript:
    """Validate a decoded JSON value (bare script or sidecar) into a :class:`WorldScript`."""
    if isinstance(data, dict) and "script" in data and isinstance(data["script"], dict):
        data = data["script"]
    if not isinstance(data, dict):
        raise ScriptError("a world script must be a JSON object (see `tenku script schema`)")
    try:
        return WorldScript.model_validate(data)
    except ValidationError as err:
        raise ScriptError("the world script is invalid:\n" + _explain(err)) from None


def load_script(path: str | Path) -> WorldScript:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScriptError(f"script file {str(p)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ScriptError(f"cannot read script file {str(p)!r}: {err}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ScriptError(
            f"{str(p)!r} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from None
    return script_from_data(data)


def dump_script(script: WorldScript) -> dict:
    return script.model_dump(mode="json")


def json_schema() -> dict:
    schema = WorldScript.model_json_schema()
    schema["$id"] = "https://tenku.dev/schema/world-script-v1.json"
    schema["title"] = "tenku world script"
    return schema
