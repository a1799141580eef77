"""The "sim" backend: build the world, simulate it with MuJoCo, render it, encode it.

``generate`` reads as the algorithm, one step per module: 1. voice the dialogue
(``tenku.audio.speech``), 2. simulate (``tenku.sim``; mouths follow the voices), 3. frame it
(``tenku.render.camera_path``), 4. hear it (``tenku.audio``: foley from the events and the
voices, placed where the camera sees them), 5. render, stamp (``options.stamp``: the
provenance marks) and encode frame by frame (``tenku.render``, ``tenku.media``; the encoder
runs on its own thread so the two overlap),
6. previews and captions, 7. the sidecar. ``timings`` records each step's seconds.
"""

from __future__ import annotations

import time
from pathlib import Path

from tenku.audio import soundtrack
from tenku.audio.speech import speak, write_vtt
from tenku.backends.base import GenerateOptions, GenerateResult, ProgressFn
from tenku.backends.sidecar import build_sidecar, sidecar_path, write_sidecar
from tenku.catalog import environment
from tenku.media import VideoWriter, pick_sprite_frames, write_spritesheet, write_thumbnail
from tenku.render import Renderer, camera_path
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
            mouths.setdefault(line.speaker, []).append((line.start, line.envelope))
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
            sound = soundtrack(sim, script.environment, script.duration, cameras, w, h,
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
        renderer = Renderer(w, h, sim, environment(script.environment), lighting=script.lighting,
                            style=script.style, quality=options.quality)
        render_s += time.perf_counter() - t0
        with renderer, VideoWriter(out, w, h, script.fps, crf=options.crf,
                                   audio=sound.samples if sound is not None else None,
                                   subtitles=[(x.start, x.end, x.text) for x in lines],
                                   metadata={"comment": f"tenku {script.prompt[:200]}"}) as writer:
            for i, cam in enumerate(cameras):
                t0 = time.perf_counter()
                frame = renderer.render(i, cam)
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
            "audio": None if sound is None else {
                "loudness_lufs": round(sound.loudness_lufs, 2),
                "true_peak_dbtp": round(sound.true_peak_dbtp, 2)},
            "sounds": [] if sound is None else [c.to_json() for c in sound.cues],
            "timings": {k: round(v, 3) for k, v in timings.items()},
        })
        side = sidecar_path(out)
        write_sidecar(side, data)
        return GenerateResult(out, side, data, thumb_path, sprite_path, timings)
