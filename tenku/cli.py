"""The ``tenku`` command.

Bad input exits with status 2 and a message that says what to change (never a traceback);
long work shows one progress bar per stage on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys

EXAMPLE = 'tenku generate "a basketball player shoots and misses, the ball bounces off the rim" -o shot.mp4'
REMIX_EXAMPLE = 'tenku remix shot.world.json "make the ball blue and set it on the moon" -o moon.mp4'
EXTEND_EXAMPLE = 'tenku extend shot.world.json --seconds 4 "then the ball rolls away" -o more.mp4'


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tenku", description="tenku: world-simulating video generator")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    g = sub.add_parser("generate", help="prompt (or world script) -> MP4 + sidecar",
                       description=f"Example: {EXAMPLE}")
    g.add_argument("prompt", nargs="?", help="what happens, in plain words; several shots: "
                   "'Shot 1: ... Shot 2: ...', 'cut to', or screenplay scene headings")
    g.add_argument("--script", help="a world script or .world.json sidecar to (re)generate from")
    g.add_argument("--image", help="a PNG, JPEG or WebP picture to put behind the scene")
    g.add_argument("--character", action="append", metavar="ID",
                   help="cast a saved character (tenku character list) the prompt names; "
                   "repeat, up to 4")
    _video_flags(g)

    r = sub.add_parser("remix", help="edit a video's world script with words -> new MP4",
                       description=f"Example: {REMIX_EXAMPLE}")
    r.add_argument("source", help="the video's .world.json sidecar (or its .mp4)")
    r.add_argument("prompt", help="what to change, e.g. 'make the ball blue and set it on the moon'")
    r.add_argument("--image", help="a PNG, JPEG or WebP picture to put behind the scene")
    _video_flags(r)

    e = sub.add_parser("extend", help="continue a video from its final state -> new MP4",
                       description=f"Example: {EXTEND_EXAMPLE}")
    e.add_argument("source", help="the video's .world.json sidecar (or its .mp4)")
    e.add_argument("prompt", help="what happens next ('' lets the world just run on)")
    _video_flags(e)

    pl = sub.add_parser("plan", help="prompt -> world script and grounding report")
    pl.add_argument("prompt")
    pl.add_argument("--seed", type=int, default=0)
    pl.add_argument("--seconds", type=float)
    pl.add_argument("--json", action="store_true", help="print {script, grounding} as JSON")

    sc = sub.add_parser("script", help="world-script tools")
    scs = sc.add_subparsers(dest="script_command", metavar="WHAT")
    scs.add_parser("schema", help="print the world script's JSON Schema")
    scs.add_parser("kinds", help="list the entity kinds, materials and places")
    v = scs.add_parser("validate", help="check a world script or sidecar file")
    v.add_argument("file")

    from tenku.cli_service import add_commands

    add_commands(sub)
    return p


def _video_flags(g: argparse.ArgumentParser) -> None:
    """The flags every command that makes a video takes."""
    g.add_argument("-o", "--out", default="out.mp4", help="output .mp4 (default out.mp4)")
    g.add_argument("--seconds", type=float, help="duration, up to 20 (default from the prompt or 4)")
    g.add_argument("--size", help="WxH, e.g. 1280x720, 720x1280, 1920x1080 (default 1280x720)")
    g.add_argument("--fps", type=int, help="frames per second (default 24)")
    g.add_argument("--seed", type=int, help="random seed (default 0)")
    g.add_argument("--style", help="look: realistic (default), cinematic, anime, newsreel, "
                   "vintage or noir")
    g.add_argument("--quality", default="standard", help="draft, standard or high")
    g.add_argument("--backend", default="sim", help="generator backend (default sim)")
    g.add_argument("--no-audio", action="store_true", help="leave the sound track silent")
    g.add_argument("--music", help="add a score: orchestral, lofi, tense, upbeat, calm or sad")
    g.add_argument("--json", action="store_true", help="print the result as JSON")


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `tenku script kinds | head` ends quietly
    args = _parser().parse_args(argv)
    if args.version:
        import tenku

        print(tenku.__version__)
        return 0
    try:
        if args.command in ("generate", "remix", "extend"):
            return _generate(args)
        if args.command == "plan":
            return _plan(args)
        if args.command == "script":
            return _script(args)
        from tenku.cli_service import COMMANDS, run

        if args.command in COMMANDS:
            return run(args)
    except (ValueError, KeyError, FileNotFoundError) as err:
        msg = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
        print(f"tenku: error: {msg}", file=sys.stderr)
        return 2
    _parser().print_help()
    return 2


def _generate(args) -> int:
    """``generate``, ``remix`` and ``extend``: one progress display, one summary."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from tenku import generate_api

    if args.command == "generate":
        if args.prompt is not None and not args.prompt.strip() and not args.script:
            raise ValueError("the prompt is empty: describe what should happen, e.g.\n  " + EXAMPLE)
        if not args.prompt and not args.script:
            raise ValueError(f"give a prompt or --script FILE, e.g.\n  {EXAMPLE}")
        if args.character and args.script:
            raise ValueError("--character casts into a prompt; a --script already names its "
                             "figures")
    if args.command == "remix" and not args.prompt.strip():
        raise ValueError(f"say what to change, e.g.\n  {REMIX_EXAMPLE}")
    characters = None
    if args.command == "generate" and args.character:
        from tenku.cli_service import cast_for

        characters = cast_for(args.character)
    stages = ("plan", "simulate", "sound", "render", "encode")
    with Progress(TextColumn("{task.description:<9}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=_stderr_console(), transient=False) as bars:
        tasks = {s: bars.add_task(s, total=1.0, start=False) for s in stages}

        def progress(stage: str, frac: float) -> None:
            task = tasks[stage]
            bars.start_task(task)
            bars.update(task, completed=frac)

        common = dict(out=args.out, size=args.size, fps=args.fps, seed=args.seed,
                      style=args.style, backend=args.backend, quality=args.quality,
                      audio=not args.no_audio, music=args.music, progress=progress)
        if args.command == "remix":
            result = generate_api.remix(args.source, args.prompt, seconds=args.seconds,
                                        image=args.image, **common)
        elif args.command == "extend":
            result = generate_api.extend(args.source, args.prompt, seconds=args.seconds, **common)
        else:
            if args.script:
                progress("plan", 1.0)
            result = generate_api.generate(args.prompt, script=args.script,
                                           seconds=args.seconds, image=args.image,
                                           characters=characters, **common)
    _record(result)
    side = result.sidecar
    summary = {
        "video": str(result.video), "sidecar": str(result.sidecar_path),
        "thumbnail": str(result.thumbnail) if result.thumbnail else None,
        "spritesheet": str(result.spritesheet) if result.spritesheet else None,
        "events": len(side["events"]), "timings": side.get("timings", {}),
    }
    not_understood = (side.get("grounding", {}).get("not_understood")
                      or side.get("edit", {}).get("not_understood"))
    if not_understood:
        summary["not_understood"] = not_understood
    if side.get("edit"):
        summary["changes"] = side["edit"]["changes"]
    if side.get("parent"):
        summary["parent"] = side["parent"]["sidecar"]
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        print(f"video    {summary['video']}")
        print(f"sidecar  {summary['sidecar']}  ({summary['events']} events)")
        for c in summary.get("changes", []):
            print(f"changed  {c.get('what')}: {c.get('target') or ''} {c.get('from', '')} -> "
                  f"{c.get('to', '')}".replace("  ", " "))
        if summary.get("not_understood"):
            print("not understood (left out): " + ", ".join(summary["not_understood"]))
    return 0


def _record(result) -> None:
    """Keep the video's watermark payload and fingerprint in the data folder's store, so
    ``tenku verify`` and ``tenku lookup`` know it later."""
    from tenku.cli_service import provenance_service
    from tenku.settings import load_settings

    service = provenance_service(load_settings())
    service.record(service.mark_row(result.video, result.sidecar, source="cli",
                                    path=str(result.video.resolve())))


def _plan(args) -> int:
    from tenku.planner import LLMConfig, plan

    result = plan(args.prompt, seed=args.seed, duration=args.seconds, llm=LLMConfig.from_env())
    if args.json:
        print(json.dumps({"script": result.script.model_dump(mode="json"),
                          "grounding": result.grounding.to_json()}, indent=1))
        return 0
    g = result.grounding.to_json()
    s = result.script
    env = g.get("environment", {})
    print(f"place     {s.environment:24s} <- {env.get('words') or '(default)'}")
    words = {i: row["words"] for row in g.get("entities", []) for i in row.get("ids", [])}
    for e in s.entities:
        extra = f", held by {e.held_by}" if e.held_by else ""
        print(f"entity    {e.id:12s} {e.kind + extra:11s} <- {words.get(e.id) or '(implied)'}")
    for a in s.actions:
        args = " ".join(f"{k}={v}" for k, v in a.model_dump().items()
                        if k not in ("t", "type") and v is not None)
        print(f"action    t={a.t:<4g} {a.type:8s} {args}")
    for line in s.dialogue:
        print(f"line      {line.speaker:12s} \"{line.text}\"")
    if s.music:
        print(f"music     {s.music:24s} <- {g.get('music', {}).get('words', '')}")
    if s.weather != "clear":
        print(f"weather   {s.weather:24s} <- {g.get('weather', {}).get('words', '')}")
    if len(s.shots) > 1 or s.shots[0].speed != 1.0:
        for shot, (v0, v1) in zip(s.shots, s.shot_video_spans()):
            c = shot.camera
            print(f"shot      {shot.id:12s} {v0:4.1f}-{v1:4.1f} s  {shot.transition:9s} "
                  f"{c.framing} {c.angle} {c.rig}" + (f" x{shot.speed:g}" if shot.speed != 1 else "")
                  + f" <- {shot.description[:50]}")
    cam = g.get("camera", {})
    if cam.get("words"):
        print(f"camera    {cam.get('framing', '')} {cam.get('rig', '')} <- {', '.join(cam['words'])}")
    if g.get("not_understood"):
        print("not understood (left out): " + ", ".join(g["not_understood"]))
    return 0


def _script(args) -> int:
    from tenku.script import json_schema, load_script

    if args.script_command == "schema":
        print(json.dumps(json_schema(), indent=1))
        return 0
    if args.script_command == "kinds":
        from tenku.catalog import ENVIRONMENTS, KINDS, MATERIALS

        for k in KINDS.values():
            print(f"kind         {k.name:16s} {k.category:10s} {', '.join(k.synonyms[:4])}")
        for m in MATERIALS.values():
            print(f"material     {m.name:16s} {m.density:>7g} kg/m3  restitution {m.restitution:g}")
        for e in ENVIRONMENTS.values():
            print(f"environment  {e.name:16s} {e.description}")
        return 0
    if args.script_command == "validate":
        from tenku.catalog.check import check_script

        script = load_script(args.file)
        check_script(script)
        print(f"ok: {len(script.entities)} entities, {len(script.actions)} actions, "
              f"{script.duration:g} s at {script.size}")
        return 0
    raise ValueError("use `tenku script schema`, `tenku script kinds` or `tenku script validate FILE`")


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


if __name__ == "__main__":
    sys.exit(main())
