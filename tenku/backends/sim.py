"""The "sim" backend: build the world, simulate it with MuJoCo, render it, encode it.

``generate`` reads as the algorithm, one step per module: 1. voice the dialogue
(``tenku.audio.speech``), 2. simulate (``tenku.sim``; mouths follow the voices; one sample
per video frame at the world time its shot shows), 3. frame it (``tenku.render.camera_path``),
4. hear it (``tenku.audio``: foley from the events and the voices, placed where the camera
sees them, on the video's clock: ``tenku.scene.timeline``), 5. render, join the shots
(cuts, dissolves, fades), stamp (``options.stamp``: the provenance marks) and encode frame by
frame (``tenku.render``, ``tenku.media``; the encoder runs on its own thread so the two
overlap), 6. previews and captions, 7. the sidecar. ``timings`` records each step's seconds.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from tenku.audio import soundtrack
from tenku.audio.speech import speak, write_vtt
from tenku.backends.base import GenerateOptions, GenerateResult, ProgressFn
from tenku.backends.sidecar import build_sidecar, sidecar_path, write_sidecar
from tenku.catalog import environment
from tenku.media import VideoWriter, pick_sprite_frames, write_spritesheet, write_thumbnail
from tenku.render import Renderer, camera_path
from tenku.scene.timeline import video_to_world, video_view
from tenku.script import WorldScript
from tenku.sim import simulate


class SimBackend:
    name = "sim"

    def generate(self, script: WorldScript, out: Path, *, options: GenerateOptions,
                 progress: ProgressFn | None = None, extra: dict | None = None) -> GenerateResult:
        report = progress or (lambda stage, frac: None)
        timings: dict[str, float] = {}
        out = Path(out)

        # 1. Voice the dialogue first: the speakers' mouths move with it.
        t0 = time.perf_counter()
        lines = speak(script) if script.dialogue else []
        mouths: dict[str, list] = {}
        for line in lines:
            mouths.setdefault(line.speaker, []).append((video_to_world(script, line.start),
                                                        line.envelope))
        timings["voice"] = time.perf_counter() - t0

        # 2. Simulate the world.
        t0 = time.perf_counter()
        sim = simulate(script, progress=lambda f: report("simulate", f), mouths=mouths)
        report("simulate", 1.0)
        timings["simulate"] = time.perf_counter() - t0

        # 3. Frame it: one camera pose per frame.
        t0 = time.perf_counter()
        w, h = script.width, script.height
        cameras = camera_path(script, sim, w, h)
        timings["camera"] = time.perf_counter() - t0

        # 4. Hear it: the soundtrack is built from the events and the voices before any
        #    frame is drawn.
        t0 = time.perf_counter()
        sound = None
        if options.audio:
            sound = soundtrack(video_view(sim, script), script.environment, script.duration,
                               cameras, w, h,
                               seed=script.seed, speech=lines, music=script.music,
                               weather=script.weather)
        report("sound", 1.0)
        timings["sound"] = time.perf_counter() - t0

        # 5. Render and encode, frame by frame (the encoder works on its own thread; "encode"
        #    is the time the render loop waits for it).
        n = len(sim.times)
        sprite_at = set(pick_sprite_frames(n, 10)) if options.spritesheet else set()
        thumb_at = n // 2
        sprites, thumb = [], None
        render_s = encode_s = stamp_s = 0.0
        t0 = time.perf_counter()
        plate = None
        if options.backdrop is not None:
            from tenku.render.plate import load_plate  # Pillow, only when there is a picture

            plate = load_plate(options.backdrop, w, h)
        renderer = Renderer(w, h, sim, environment(script.environment), lighting=script.lighting,
                            style=script.style, quality=options.quality, backdrop=plate)
        joins = _joins(script, cameras)
        render_s += time.perf_counter() - t0
        with renderer, VideoWriter(out, w, h, script.fps, crf=options.crf,
                                   audio=sound.samples if sound is not None else None,
                                   subtitles=[(x.start, x.end, x.text) for x in lines],
                                   metadata={"comment": f"tenku {script.prompt[:200]}"}) as writer:
            for i, cam in enumerate(cameras):
                t0 = time.perf_counter()
                frame = _joined(renderer, i, cam, joins.get(i))
                t1 = time.perf_counter()
                if options.stamp is not None:
                    frame = options.stamp(frame, i)
                t2 = time.perf_counter()
                writer.write(frame)
                render_s += t1 - t0
                stamp_s += t2 - t1
                encode_s += time.perf_counter() - t2
                if i in sprite_at:
                    sprites.append(frame)
                if i == thumb_at:
                    thumb = frame
                report("render", (i + 1) / n)
            report("encode", 0.5)
            t0 = time.perf_counter()
        encode_s += time.perf_counter() - t0  # flushing the encoder on close
        report("encode", 1.0)
        timings["render"] = render_s
        timings["encode"] = encode_s
        timings["stamp"] = stamp_s

        # 6. Previews and captions.
        t0 = time.perf_counter()
        thumb_path = sprite_path = None
        if options.thumbnail and thumb is not None:
            thumb_path = out.with_suffix(".webp")
            write_thumbnail(thumb, thumb_path)
        sprite_info = None
        if sprites:
            sprite_path = out.with_name(out.stem + ".sprites.jpg")
            sprite_info = write_spritesheet(sprites, sprite_path)
        vtt_path = None
        if lines:
            vtt_path = out.with_suffix(".vtt")
            write_vtt(lines, vtt_path)
        timings["previews"] = time.perf_counter() - t0

        # 7. The sidecar: the script, what happened, and every sound placed.
        data = build_sidecar(script, self.name, sim, extra={
            **(extra or {}),
            "outputs": {"video": out.name, "thumbnail": thumb_path.name if thumb_path else None,
                        "spritesheet": sprite_path.name if sprite_path else None,
                        "spritesheet_grid": sprite_info,
                        "captions": vtt_path.name if vtt_path else None},
            "dialogue": [x.to_json() for x in lines],
            "sim": {k: v for k, v in sim.stats.items() if k in ("throw", "ticks", "timestep")},
            "shots": _shot_rows(script, sim, cameras),
            "audio": None if sound is None else {
                "loudness_lufs": round(sound.loudness_lufs, 2),
                "true_peak_dbtp": round(sound.true_peak_dbtp, 2)},
            "sounds": [] if sound is None else [c.to_json() for c in sound.cues],
            "timings": {k: round(v, 3) for k, v in timings.items()},
        })
        side = sidecar_path(out)
        write_sidecar(side, data)
        return GenerateResult(out, side, data, thumb_path, sprite_path, timings)


def _joins(script: WorldScript, cameras) -> dict[int, tuple[str, float, object]]:
    """How each frame near a shot boundary is joined: frame -> (kind, weight, other camera).

    A dissolve blends the new shot with the previous shot's last camera held over the same
    moment; a fade dips to black, out over the last half of the old shot's window and in over
    the first half of the new one's (the first shot's fade is a fade-in from black)."""
    out: dict[int, tuple[str, float, object]] = {}
    fps = script.fps
    n = len(cameras)
    for i, ((shot, _, _), (v0, _)) in enumerate(zip(script.shot_spans(),
                                                   script.shot_video_spans())):
        t = shot.transition_seconds
        if shot.transition == "cut" or t <= 0:
            continue
        first = round(v0 * fps)
        if shot.transition == "crossfade" and i > 0:
            held = cameras[max(first - 1, 0)]
            k = max(1, round(t * fps))
            for j in range(first, min(first + k, n)):
                out[j] = ("dissolve", (j - first + 1) / (k + 1), held)
        elif shot.transition == "fade" or (shot.transition == "crossfade" and i == 0):
            half = max(1, round(t * fps / 2)) if i > 0 else max(1, round(t * fps))
            for j in range(first, min(first + half, n)):
                out[j] = ("fade", (j - first + 1) / (half + 1), None)
            if i > 0:
                for j in range(max(first - half, 0), first):
                    out[j] = ("fade", (first - j) / (half + 1), None)
    return out


def _joined(renderer: Renderer, i: int, cam, join) -> np.ndarray:
    frame = renderer.render(i, cam)
    if join is None:
        return frame
    kind, weight, other = join
    if kind == "fade":
        return (frame.astype(np.float32) * weight + 0.5).astype(np.uint8)
    old = renderer.render(i, other).astype(np.float32)
    return (old + (frame.astype(np.float32) - old) * weight + 0.5).astype(np.uint8)


def _pose(cam) -> dict:
    return {"eye": [round(float(x), 5) for x in cam.eye],
            "target": [round(float(x), 5) for x in cam.target],
            "up": [round(float(x), 5) for x in cam.up], "fov": round(float(cam.fov), 4)}


def _shot_rows(script: WorldScript, sim, cameras) -> list[dict]:
    """Each shot as shown: world span, video span, its first and last camera, and where every
    entity is at its first and last frame (the world is one: a cut changes only the view)."""
    owner = [k for _, k in script.frame_times()]
    rows = []
    for k, ((shot, a, b), (v0, v1)) in enumerate(zip(script.shot_spans(),
                                                     script.shot_video_spans())):
        frames = [i for i, o in enumerate(owner) if o == k]
        row = {"id": shot.id, "world": [round(a, 4), round(b, 4)],
               "video": [round(v0, 4), round(v1, 4)], "speed": shot.speed,
               "transition": shot.transition, "frames": [frames[0], frames[-1]] if frames else []}
        if frames:
            row["camera"] = {"first": _pose(cameras[frames[0]]), "last": _pose(cameras[frames[-1]])}
            row["entities"] = {
                where: {t.id: [round(float(x), 4) for x in t.pos[f]]
                        for t in sim.tracks if t.visible[f] and (t.parent or t.id == t.entity)}
                for where, f in (("first", frames[0]), ("last", frames[-1]))}
        rows.append(row)
    return rows
