"""``tenku.generate``: prompt (or world script) in, MP4 + sidecar out.

This is the one place that strings planning and a backend together, so the CLI, the Python API
and (later) the video service all behave the same way.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from tenku.backends import GenerateOptions, GenerateResult, ProgressFn, get
from tenku.backends.base import QUALITIES
from tenku.backends.sidecar import SIDECAR_SUFFIX, sidecar_path, write_sidecar
from tenku.catalog.check import check_script
from tenku.script import (FPS_CHOICES, MAX_SECONDS, MUSIC_MOODS, Backdrop, ScriptError,
                          WorldScript, load_script, parse_size, script_from_data)


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
             provenance=None, image: str | Path | None = None,
             characters=None) -> GenerateResult:
    """Generate a video from a prompt, or regenerate one from a world script / sidecar.

    Raises :class:`tenku.script.ScriptError` (a ``ValueError``) for bad input, and
    :class:`tenku.planner.NothingToFilm` when a prompt names nothing tenku can film.
    ``progress(stage, fraction)`` is called for the stages plan, simulate, sound, render,
    encode. ``audio=False`` writes a silent sound track; ``music`` (a mood from
    :data:`tenku.script.MUSIC_MOODS`) adds a score, overriding the prompt's music words.

    Every video is marked and signed (``tenku.provenance``): ``provenance`` (a
    :class:`tenku.provenance.stamp.Provenance`) says with which keys, for which video and
    creator; by default the keys of the data folder (``TENKU_DATA``) and the operator's
    visible-mark setting.

    ``image``: a picture (PNG, JPEG, WebP) put behind the scene as its backdrop plate; it is
    copied next to the video (``OUT.backdrop.EXT``) and named in the script. ``characters``
    (:class:`tenku.planner.cast.CastMember`): saved characters the prompt can name."""
    report = progress or (lambda stage, frac: None)
    check_options(seconds, size, fps, style, quality, music)
    grounding = None
    plate_dir = None
    if script is not None:
        ws = script if isinstance(script, WorldScript) else load_script(script)
        plate_dir = None if isinstance(script, WorldScript) else Path(script).parent
        ws = _override(ws, seconds, size, fps, seed, style, music)
    else:
        if prompt is None:
            raise ScriptError("give a prompt or a world script (--script FILE)")
        from tenku.planner import LLMConfig, plan

        report("plan", 0.0)
        planned = plan(prompt, seed=seed or 0, duration=seconds, fps=fps, size=size, style=style,
                       llm=LLMConfig.from_env(), characters=characters)
        ws, grounding = planned.script, planned.grounding
        if music is not None:
            ws = _override(ws, None, None, None, None, None, music)
    report("plan", 1.0)
    out = _check_out(out)
    ws, plate = _backdrop(ws, image, plate_dir, out)
    extra = {"grounding": grounding.to_json()} if grounding is not None else {}
    return _made(ws, out, backend, quality, audio, report, extra, provenance, plate=plate)


def _check_out(out) -> Path:
    out = Path(out)
    if out.suffix.lower() != ".mp4":
        raise ScriptError(f"the output must be an .mp4 file, got {str(out)!r}")
    if not out.parent.exists():
        raise ScriptError(f"the output folder {str(out.parent)!r} does not exist")
    return out


def _backdrop(ws: WorldScript, image, plate_dir: Path | None, out: Path
              ) -> tuple[WorldScript, Path | None]:
    """Attach ``image`` as the script's backdrop, or find the one the script names (next to
    the sidecar it came from), checked against its hash; either way a copy goes next to
    ``out`` so the new sidecar regenerates on its own."""
    if image is not None:
        from tenku.render.plate import load_plate  # Pillow, only when there is a picture

        src = Path(image)
        try:  # the loader refuses missing, huge, damaged and wrong-type files with the reason
            load_plate(src, ws.width, ws.height)
        except ValueError as err:
            raise ScriptError(f"--image {str(src)!r}: {err}") from None
        suffix = src.suffix.lower() if src.suffix.lower() in (".png", ".jpg", ".jpeg",
                                                              ".webp") else ".img"
        backdrop = Backdrop(file=out.stem + ".backdrop" + suffix,
                            sha256=hashlib.sha256(src.read_bytes()).hexdigest())
    elif ws.backdrop is not None:
        backdrop = ws.backdrop
        src = (plate_dir or out.parent) / backdrop.file
        if not src.is_file():
            raise ScriptError(f"the script's backdrop picture {backdrop.file!r} is not next to "
                              f"it (looked in {str(src.parent)!r}): put it back or pass --image")
        if hashlib.sha256(src.read_bytes()).hexdigest() != backdrop.sha256:
            raise ScriptError(f"the backdrop picture {str(src)!r} has changed since the script "
                              "was made: pass it again with --image to use the new picture")
        backdrop = backdrop.model_copy(update={"file": out.stem + ".backdrop"
                                               + Path(backdrop.file).suffix})
    else:
        return ws, None
    dest = out.parent / backdrop.file
    if src.resolve() != dest.resolve():
        shutil.copyfile(src, dest)
    return ws.model_copy(update={"backdrop": backdrop}), dest


def _made(ws: WorldScript, out: Path, backend: str, quality: str, audio: bool, report,
          extra: dict, prov, *, plate: Path | None = None, parent: Path | None = None,
          frame_offset: int = 0) -> GenerateResult:
    """Run the backend with the provenance stamp on every frame, then sign the MP4.

    ``parent``: the video this one remixes or extends (its manifest becomes the new one's
    ingredient); ``frame_offset``: where the visible mark's path continues from (an
    extension's mark goes on from its parent's last frame)."""
    check_options(style=ws.style)
    check_script(ws)
    import time

    from tenku.provenance.stamp import Provenance, Stamp, payload_for, script_sha256, seal
    from tenku.script import dump_script

    if prov is None:
        from tenku.settings import load_settings

        settings = load_settings()
        prov = Provenance(settings.data_dir, visible=settings.visible_mark,
                          cert=settings.c2pa_path("cert"), key=settings.c2pa_path("key"),
                          parent=parent if parent is not None and parent.is_file() else None,
                          parent_info={"title": parent.name} if parent is not None else None)
    identity = prov.identity or f"{script_sha256(dump_script(ws))}:{backend}:{quality}"
    payload = payload_for(prov.authority(), identity)
    mark = Stamp(ws.width, ws.height, ws.fps, payload, handle=prov.handle, visible=prov.visible)

    def stamp(frame, i):
        return mark(frame, i + frame_offset)

    result = get(backend).generate(ws, out, options=GenerateOptions(
        quality=quality, audio=audio, stamp=stamp, backdrop=plate), progress=report, extra=extra)
    t0 = time.perf_counter()
    result.sidecar["provenance"] = seal(result.video, result.sidecar, prov, payload,
                                        backend=backend, quality=quality)
    result.timings["sign"] = time.perf_counter() - t0
    result.sidecar.setdefault("timings", {})["sign"] = round(result.timings["sign"], 3)
    write_sidecar(result.sidecar_path, result.sidecar)
    return result


# --------------------------------------------------------------------------- remix, extend

def read_sidecar(path: str | Path, doing: str) -> tuple[dict, WorldScript, Path]:
    """A video's sidecar (given itself or its MP4) -> (sidecar data, its script, its path).
    A video tenku did not make has no world script: say so rather than guess."""
    p = Path(path)
    if p.suffix.lower() == ".mp4":
        side = sidecar_path(p)
        if not side.is_file():
            raise ScriptError(f"{str(p)!r} has no world script next to it ({side.name}): tenku "
                              f"can only {doing} videos it made, from their {SIDECAR_SUFFIX} "
                              "sidecar; an uploaded or edited-elsewhere video has none")
        p = side
    if not p.is_file():
        raise ScriptError(f"{str(p)!r} does not exist: pass a video's {SIDECAR_SUFFIX} sidecar "
                          "(or its .mp4 with the sidecar beside it)")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ScriptError(f"{str(p)!r} is not a readable sidecar ({err})") from None
    if not isinstance(data, dict) or "script" not in data:
        raise ScriptError(f"{str(p)!r} holds no world script: tenku can only {doing} videos it "
                          f"made, from their {SIDECAR_SUFFIX} sidecar")
    return data, script_from_data(data["script"]), p


def _parent_row(side: dict, path: Path, kind: str, ws: WorldScript) -> dict:
    from tenku.provenance.stamp import script_sha256
    from tenku.script import dump_script

    video = path.with_name(path.name[: -len(SIDECAR_SUFFIX)] + ".mp4") \
        if path.name.endswith(SIDECAR_SUFFIX) else None
    return {"kind": kind, "sidecar": str(path), "video": str(video) if video else None,
            "script_sha256": script_sha256(dump_script(ws)),
            "payload": (side.get("provenance") or {}).get("watermark")}


def remix(source: str | Path, instruction: str, *, out: str | Path = "out.mp4",
          seconds: float | None = None, size: str | None = None, fps: int | None = None,
          seed: int | None = None, style: str | None = None, backend: str = "sim",
          quality: str = "standard", audio: bool = True, music: str | None = None,
          image: str | Path | None = None, progress: ProgressFn | None = None,
          provenance=None) -> GenerateResult:
    """Edit the world script of the video at ``source`` (its sidecar or MP4) as
    ``instruction`` says (:func:`tenku.planner.edit.edit_script`) and render the result.

    Look-only edits keep the world exactly as it was (same script physics, same seed: every
    trajectory and event time is identical); physics edits re-simulate. The new sidecar
    names the source under ``parent`` and lists the changes under ``edit``."""
    from tenku.planner.edit import edit_script

    report = progress or (lambda stage, frac: None)
    check_options(seconds, size, fps, style, quality, music)
    side, parent, path = read_sidecar(source, "remix")
    report("plan", 0.0)
    edit = edit_script(parent, instruction)
    ws = _override(edit.script, seconds, size, fps, seed, style, music)
    report("plan", 1.0)
    return _made_from(ws, edit, instruction, (side, parent, path), "remix", out, image, backend,
                      quality, audio, report, provenance)


def extend(source: str | Path, instruction: str, *, seconds: float, out: str | Path = "out.mp4",
           size: str | None = None, fps: int | None = None, seed: int | None = None,
           style: str | None = None, backend: str = "sim", quality: str = "standard",
           audio: bool = True, music: str | None = None, progress: ProgressFn | None = None,
           provenance=None) -> GenerateResult:
    """Continue the video at ``source`` for ``seconds`` more: the world is simulated again from
    the start (exactly as it ran) up to the parent's last frame, unseen, and on from there with
    what ``instruction`` adds (:func:`tenku.planner.edit.continue_script`). The extension's
    first frame is the parent's last one, seen from the same camera; its visible mark goes on
    along the same path."""
    from tenku.planner.edit import continue_script

    report = progress or (lambda stage, frac: None)
    if seconds is None:
        raise ScriptError("--seconds is required: how long the extension runs (up to "
                          f"{MAX_SECONDS:g})")
    check_options(seconds, size, fps, style, quality, music)
    side, parent, path = read_sidecar(source, "extend")
    if (size and size != parent.size) or (fps and fps != parent.fps):
        raise ScriptError(f"an extension keeps its video's size and frame rate "
                          f"({parent.size} at {parent.fps} fps): leave --size and --fps out")
    report("plan", 0.0)
    at = parent.frame_times()[-1][0]
    edit = continue_script(parent, instruction, at=at, seconds=float(seconds))
    data = edit.script.model_dump()
    data["dialogue"] = []  # the parent's lines were said in the parent
    last = (side.get("shots") or [{}])[-1].get("camera", {}).get("last")
    looks_same = data["shots"][-1]["camera"] == parent.shots[-1].camera.model_dump()
    if last and looks_same:  # hold the parent's final view: the cut is invisible
        data["shots"][-1]["camera"] = {"framing": "auto", "angle": "eye", "rig": "static",
                                       "position": last["eye"], "look_at": last["target"],
                                       "fov": last["fov"]}
    data["shots"][-1].update(transition="cut", id="shot_1")
    ws = _override(script_from_data(data), None, None, None, seed, style, music)
    report("plan", 1.0)
    return _made_from(ws, edit, instruction, (side, parent, path), "extension", out, None,
                      backend, quality, audio, report, provenance,
                      frame_offset=parent.frame_count - 1)


def _made_from(ws: WorldScript, edit, instruction: str, source, kind: str, out, image, backend,
               quality, audio, report, provenance, frame_offset: int = 0) -> GenerateResult:
    """Render a remix or an extension: its sidecar names the source under ``parent`` and lists
    the changes under ``edit``; the source's MP4 becomes the manifest's parent ingredient."""
    side, parent, path = source
    out = _check_out(out)
    ws, plate = _backdrop(ws, image, path.parent, out)
    row = _parent_row(side, path, kind, parent)
    extra = {"parent": row, "edit": {"instruction": instruction, "changes": edit.changes,
                                     "physics": edit.physics,
                                     "not_understood": edit.not_understood}}
    return _made(ws, out, backend, quality, audio, report, extra, provenance, plate=plate,
                 parent=Path(row["video"]) if row["video"] else None, frame_offset=frame_offset)
