"""Optional LLM planner: ask an OpenAI-compatible chat endpoint for a world script.

Used only when configured (``TENKU_LLM_BASE_URL`` and ``TENKU_LLM_MODEL``). The model gets the
script's JSON Schema and the catalog's names and must answer with one JSON object; the answer
is validated with the pydantic model and against the catalog (unknown kinds, materials or
places are rejected, not guessed). Any failure raises :class:`LLMFailed`; the caller falls back
to the offline planner and records why, so a flaky endpoint never breaks a render.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass

from tenku.catalog import ENVIRONMENTS, KINDS, MATERIALS
from tenku.script.io import ScriptError, json_schema, script_from_data
from tenku.script.model import WorldScript

TIMEOUT_S = 20.0


class LLMFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = TIMEOUT_S

    @classmethod
    def from_env(cls) -> "LLMConfig | None":
        base = os.environ.get("TENKU_LLM_BASE_URL", "").strip()
        model = os.environ.get("TENKU_LLM_MODEL", "").strip()
        if not base or not model:
            return None
        return cls(base, model, os.environ.get("TENKU_LLM_API_KEY") or None)


def _system_prompt() -> str:
    kinds = ", ".join(sorted(KINDS))
    envs = ", ".join(sorted(ENVIRONMENTS))
    mats = ", ".join(sorted(MATERIALS))
    return (
        "You turn a video prompt into a tenku world script: one JSON object that validates "
        "against the JSON Schema below. Use only these entity kinds: " + kinds + ". "
        "Environments: " + envs + ". Materials: " + mats + ". Conventions: z-up, metres, "
        "seconds, angles in degrees; pose.position is the base centre of an entity (z=0 on the "
        "floor); a kind's +x is its front; a person faces its +x (yaw it toward what it acts "
        "on); the hoop's rim centre is at local (0.38, 0, 3.05). Place things explicitly, not "
        "overlapping. Answer with the JSON object only.\nJSON Schema:\n"
        + json.dumps(json_schema(), separators=(",", ":")))


def _extract_json(text: str) -> dict:
    text = text.strip()
    m = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    if m:
        text = m.group(1).strip()
    start = text.find("{")
    end = text.rfind("}")
    if start < 0 or end <= start:
        raise LLMFailed("the reply holds no JSON object")
    try:
        data = json.loads(text[start:end + 1])
    except json.JSONDecodeError as err:
        raise LLMFailed(f"the reply is not valid JSON ({err.msg})") from None
    if not isinstance(data, dict):
        raise LLMFailed("the reply's JSON is not an object")
    return data


def check_catalog(script: WorldScript) -> None:
    if script.environment not in ENVIRONMENTS:
        raise LLMFailed(f"unknown environment {script.environment!r}")
    if not script.entities:
        raise LLMFailed("the script has no entities")
    for e in script.entities:
        if e.kind not in KINDS:
            raise LLMFailed(f"unknown kind {e.kind!r}")
        if e.material is not None and e.material not in MATERIALS:
            raise LLMFailed(f"unknown material {e.material!r}")


def request_script(prompt: str, cfg: LLMConfig) -> WorldScript:
    """POST the prompt to ``{base_url}/chat/completions`` and return a validated script."""
    try:
        import httpx
    except ImportError:
        raise LLMFailed("httpx is not installed") from None

    url = cfg.base_url.rstrip("/") + "/chat/completions"
    headers = {"Content-Type": "application/json"}
    if cfg.api_key:
        headers["Authorization"] = f"Bearer {cfg.api_key}"
    body = {
        "model": cfg.model,
        "temperature": 0,
        "messages": [{"role": "system", "content": _system_prompt()},
                     {"role": "user", "content": prompt}],
        "response_format": {"type": "json_object"},
    }
    try:
        r = httpx.post(url, json=body, headers=headers, timeout=cfg.timeout)
        r.raise_for_status()
        content = r.json()["choices"][0]["message"]["content"]
    except httpx.HTTPError as err:
        raise LLMFailed(f"request failed: {type(err).__name__}: {err}"[:300]) from None
    except (ValueError, KeyError, IndexError, TypeError) as err:
        raise LLMFailed(f"unexpected reply shape: {type(err).__name__}") from None
    if not isinstance(content, str):
        raise LLMFailed("the reply's content is not text")
    data = _extract_json(content)
    try:
        script = script_from_data(data)
    except ScriptError as err:
        raise LLMFailed(str(err).replace("\n", " ")[:300]) from None
    check_catalog(script)
    return script
