"""``tenku.generate``: prompt (or world script) in, MP4 + sidecar out.

This is the one place that strings planning and a backend together, so the CLI, the Python API
and (later) the video service all behave the same way.
"""

from __future__ import annotations

from pathlib import Path

from tenku.backends import GenerateOptions, GenerateResult, ProgressFn, get
from tenku.backends.base import QUALITIES
from tenku.backends.sidecar import write_sidecar
from tenku.catalog.check import check_script
from tenku.script import (FPS_CHOICES, MAX_SECONDS, MUSIC_MOODS, ScriptError, WorldScript,
                          load_script, parse_size)


def _override(script: WorldScript, seconds, size, fps, seed, style, music=None) -> WorldScript:
    data = script.model_dump()
    for key, value in (("duration", seconds), ("size", size), ("fps", fps), ("seed", seed),
                       ("style", style), ("music", music)):
        if value is not None:
            data[key] = value
    return WorldScript.model_validate(data)


def check_options(seconds=None, size=None, fps=None, style=None, quality="standard",
                  music=None) -> None:
    """Raise ScriptError naming the option and what is allowed."""
    from tenku.render import STYLES

    if seconds is not None and not (0 < float(seconds) <= MAX_SECONDS):
        raise ScriptError(f"--seconds must be more than 0 and at most {MAX_SECONDS:g}, got {seconds}")
    if size is not None:
        try:
            parse_size(size)
        except ValueError as err:
            raise ScriptError(f"--size: {err}") from None
    if fps is not None and fps not in FPS_CHOICES:
        raise ScriptError(f"--fps must be one of {', '.join(map(str, FPS_CHOICES))}, got {fps}")
    if style is not None and style not in STYLES:
        raise ScriptError(f"--style {style!r} is unknown; styles: {', '.join(STYLES)}")
    if music is not None and music not in MUSIC_MOODS:
        raise ScriptError(f"--music {music!r} is unknown; moods: {', '.join(MUSIC_MOODS)}")
    if quality not in QUALITIES:
        raise ScriptError(f"--quality must be one of {', '.join(QUALITIES)}, got {quality!r}")


def generate(prompt: str | None = None, *, script: WorldScript | str | Path | None = None,
             out: str | Path = "out.mp4", seconds: float | None = None, size: str | None = None,
             fps: int | None = None, seed: int | None = None, style: str | None = None,
             backend: str = "sim", quality: str = "standard", audio: bool = True,
             music: str | None = None, progress: ProgressFn | None = None,
             provenance=None) -> GenerateResult:
    """Generate a video from a prompt, or regenerate one from a world script / sidecar.

    Raises :class:`tenku.script.ScriptError` (a ``ValueError``) for bad input, and
    :class:`tenku.planner.NothingToFilm` when a prompt names nothing tenku can film.
    ``progress(stage, fraction)`` is called for the stages plan, simulate, sound, render,
    encode. ``audio=False`` writes a silent sound track; ``music`` (a mood from
    :data:`tenku.script.MUSIC_MOODS`) adds a score, overriding the prompt's music words.

    Every video is marked and signed (``tenku.provenance``): ``provenance`` (a
    :class:`tenku.provenance.stamp.Provenance`) says with which keys, for which video and
    creator; by default the keys of the data folder (``TENKU_DATA``) and the operator's
    visible-mark setting."""
    report = progress or (lambda stage, frac: None)
    check_options(seconds, size, fps, style, quality, music)
    grounding = None
    if script is not None:
        ws = script if isinstance(script, WorldScript) else load_script(script)
        ws = _override(ws, seconds, size, fps, seed, style, music)
    else:
        if prompt is None:
            raise ScriptError("give a prompt or a world script (--script FILE)")
        from tenku.planner import LLMConfig, plan

        report("plan", 0.0)
        planned = plan(prompt, seed=seed or 0, duration=seconds, fps=fps, size=size, style=style,
                       llm=LLMConfig.from_env())
        ws, grounding = planned.script, planned.grounding
        if music is not None:
            ws = _override(ws, None, None, None, None, None, music)
    report("plan", 1.0)
    check_options(style=ws.style)
    check_script(ws)
    out = Path(out)
    if out.suffix.lower() != ".mp4":
        raise ScriptError(f"the output must be an .mp4 file, got {str(out)!r}")
    if not out.parent.exists():
        raise ScriptError(f"the output folder {str(out.parent)!r} does not exist")
    extra = {"grounding": grounding.to_json()} if grounding is not None else {}
    return _made(ws, out, backend, quality, audio, report, extra, provenance)


def _made(ws: WorldScript, out: Path, backend: str, quality: str, audio: bool, report,
          extra: dict, prov) -> GenerateResult:
    """Run the backend with the provenance stamp on every frame, then sign the MP4."""
    import time

    from tenku.provenance.stamp import Provenance, Stamp, payload_for, script_sha256, seal
    from tenku.script import dump_script

    if prov is None:
        from tenku.settings import load_settings

        settings = load_settings()
        prov = Provenance(settings.data_dir, visible=settings.visible_mark,
                          cert=settings.c2pa_path("cert"), key=settings.c2pa_path("key"))
    identity = prov.identity or f"{script_sha256(dump_script(ws))}:{backend}:{quality}"
    payload = payload_for(prov.authority(), identity)
    stamp = Stamp(ws.width, ws.height, ws.fps, payload, handle=prov.handle, visible=prov.visible)
    result = get(backend).generate(ws, out, options=GenerateOptions(quality=quality, audio=audio,
                                                                    stamp=stamp),
                                   progress=report, extra=extra)
    t0 = time.perf_counter()
    result.sidecar["provenance"] = seal(result.video, result.sidecar, prov, payload,
                                        backend=backend, quality=quality)
    result.timings["sign"] = time.perf_counter() - t0
    result.sidecar.setdefault("timings", {})["sign"] = round(result.timings["sign"], 3)
    write_sidecar(result.sidecar_path, result.sidecar)
    return result
