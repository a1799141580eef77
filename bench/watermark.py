"""Benchmark: how robust, how visible, how fast and how false-positive-free the invisible
watermark is.

    python bench/watermark.py [--size 1280x720] [--seconds 12] [--unmarked 1000]

1. Generates one video with the real pipeline (``tenku.generate``: visible mark, watermark,
   C2PA) and reports the share of generation time the watermark took (``timings.stamp``),
   the PSNR of the watermarked frames against the same frames unmarked, and embed / detect
   frames per second at that size.
2. Applies every attack of the issue (and combinations of two) with PyAV and prints attack ->
   bit accuracy, payload exact, detection score (z) and confidence.
3. Runs the detector on ``--unmarked`` clips that carry no mark (tenku renders without the
   stamp, and synthetic clips: noise, gradients, periodic textures that tempt the tile-period
   search) and counts false positives against the detector's own 1e-6 threshold.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # attacks.py

PROMPT = "a basketball player shoots and misses, the ball bounces off the rim"
NULL_PROMPTS = ["a red ball rolls off a wooden table", "a glass falls off a table and shatters",
                "a bowling ball rolls into the pins", "a wooden block floats on water",
                "a man says hello in a kitchen", "rain falls on a car in a street"]


def attacks():
    """The issue's attacks (shared with the tests) and four more pairs."""
    from attacks import WATERMARK_ATTACKS, brightness_contrast, crop, excerpt, reencode, scale

    return {
        **WATERMARK_ATTACKS,
        "downscale + CRF 28": [(scale, {"factor": 0.5}), (reencode, {"crf": 28})],
        "crop + downscale": [(crop, {"fraction": 0.1, "anchor": "topleft"}),
                             (scale, {"factor": 0.5})],
        "excerpt + CRF 28": [(excerpt, {"start": 1.0, "seconds": 3.0}), (reencode, {"crf": 28})],
        "contrast + downscale": [(brightness_contrast, {"contrast": 0.2}),
                                 (scale, {"factor": 0.5})],
    }


def _periodic_clip(path: Path, seed: int, size: tuple[int, int]) -> Path:
    """A panning periodic texture (tiles, stripes, checks): the autocorrelation peaks at its
    period, the kind of host most likely to fool the tile-period search."""
    from tenku.media import VideoWriter

    rng = np.random.default_rng(seed)
    w, h = size
    period = int(rng.integers(12, 160))
    yy, xx = np.mgrid[0:h + 200, 0:w + 200]
    kind = seed % 3
    if kind == 0:
        base = ((xx // (period // 2) + yy // (period // 2)) % 2) * 120.0 + 60
    elif kind == 1:
        base = 128 + 90 * np.sin(2 * np.pi * xx / period) * np.cos(2 * np.pi * yy / period)
    else:
        tile = rng.uniform(40, 220, (period, period))
        base = np.tile(tile, ((h + 200) // period + 1, (w + 200) // period + 1))[:h + 200, :w + 200]
    base = base + rng.normal(0, 4, base.shape)
    with VideoWriter(path, w, h, 24, crf=23) as out:
        for i in range(36):
            y, x = (i * 2) % 200, (i * 3) % 200
            g = np.clip(base[y:y + h, x:x + w], 0, 255).astype(np.uint8)
            out.write(np.repeat(g[:, :, None], 3, axis=2))
    return path


def _null_one(job: tuple[int, str]) -> tuple[str, float, bool]:
    i, folder = job
    from attacks import synthetic_clip

    from tenku.provenance.watermark import detect_file

    folder = Path(folder)
    size = [(320, 180), (640, 360), (1280, 720)][i % 3]
    path = folder / f"null{i}.mp4"
    if i % 2:
        synthetic_clip(path, seconds=1.5, size=size, seed=i)
        kind = "synthetic"
    else:
        _periodic_clip(path, i, size)
        kind = "periodic"
    d = detect_file(path)
    path.unlink()
    return kind, d.score, d.found


def _null_render(job: tuple[int, str]) -> tuple[str, float, bool]:
    i, folder = job
    from tenku.backends import GenerateOptions, get
    from tenku.planner import plan
    from tenku.provenance.watermark import detect_file

    size = ["320x180", "640x360"][i % 2]
    script = plan(NULL_PROMPTS[i % len(NULL_PROMPTS)], seed=i, duration=1.5, size=size).script
    path = Path(folder) / f"render{i}.mp4"
    get("sim").generate(script, path, options=GenerateOptions(quality="draft", thumbnail=False,
                                                              spritesheet=False))
    d = detect_file(path)
    for p in Path(folder).glob(f"render{i}.*"):
        p.unlink()
    return "tenku render", d.score, d.found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--seconds", type=float, default=12.0)
    ap.add_argument("--unmarked", type=int, default=1000)
    ap.add_argument("--renders", type=int, default=60, help="how many of the unmarked clips "
                    "are tenku renders (the rest synthetic)")
    args = ap.parse_args()

    import tenku
    from attacks import chain

    from tenku.backends import GenerateOptions, get
    from tenku.planner import plan
    from tenku.provenance.watermark import FALSE_POSITIVE_RATE, Embedder, detect_file

    w, h = map(int, args.size.split("x"))
    tmp = Path(tempfile.mkdtemp(prefix="tenku-wm-bench-"))
    os.environ.setdefault("TENKU_DATA", str(tmp / "data"))

    # 1. the real pipeline
    t0 = time.perf_counter()
    result = tenku.generate(PROMPT, out=tmp / "marked.mp4", seconds=args.seconds, size=args.size)
    total = time.perf_counter() - t0
    payload = result.sidecar["provenance"]["watermark"]
    stamp = result.timings["stamp"]
    print(f"generation {args.size} {args.seconds:g} s: {total:.1f} s in all, stamp (visible + "
          f"invisible marks) {stamp:.2f} s = {100 * stamp / total:.1f} % of it, "
          f"signing {result.timings['sign']:.2f} s")

    # PSNR and embed speed on the same frames, rendered unmarked
    script = plan(PROMPT, duration=4, size=args.size).script
    frames: list[np.ndarray] = []
    get("sim").generate(script, tmp / "plain.mp4", options=GenerateOptions(
        stamp=lambda f, i: frames.append(f.copy()) or f))
    emb = Embedder(w, h, bytes.fromhex(payload))
    t0 = time.perf_counter()
    marked = [emb.apply(f) for f in frames]
    embed_fps = len(frames) / (time.perf_counter() - t0)
    mse = np.mean([np.mean((m.astype(np.float64) - f) ** 2) for m, f in zip(marked, frames)])
    worst = min(10 * np.log10(255 ** 2 / max(np.mean((m.astype(np.float64) - f) ** 2), 1e-9))
                for m, f in zip(marked, frames))
    psnr = 10 * np.log10(255 ** 2 / mse)
    t0 = time.perf_counter()
    d = detect_file(result.video)
    detect_fps = d.frames / (time.perf_counter() - t0)
    print(f"PSNR {psnr:.2f} dB (worst frame {worst:.2f} dB) over {len(frames)} frames; "
          f"embed {embed_fps:.0f} frames/s, detect {detect_fps:.0f} frames/s at {args.size} "
          f"({d.frames} frames)")

    # 2. attacks
    print(f"\npayload {payload}\n")
    print("| attack | bit accuracy | payload exact | score (z) | confidence |")
    print("|---|---|---|---|---|")
    rows = {"none": None, **attacks()}
    for name, steps in rows.items():
        path = result.video if steps is None else chain(result.video, tmp / "attacked.mp4", *steps)
        det = detect_file(path)
        acc = "-" if det.bit_accuracy is None else f"{det.bit_accuracy:.3f}"
        exact = "yes" if det.payload == payload else "no"
        print(f"| {name} | {acc} | {exact} | {det.score:.1f} | {det.confidence:.6f} |", flush=True)

    # 3. false positives
    if args.unmarked <= 0:
        return 0
    t0 = time.perf_counter()
    renders = min(args.renders, args.unmarked)
    with mp.get_context("spawn").Pool(2) as pool:
        res = pool.map(_null_render, [(i, str(tmp)) for i in range(renders)])
        res += pool.map(_null_one, [(i, str(tmp)) for i in range(args.unmarked - renders)],
                        chunksize=8)
    kinds = sorted({k for k, _, _ in res})
    print(f"\nunmarked clips: {len(res)} ({', '.join(f'{sum(k == x for k, _, _ in res)} {x}' for x in kinds)}), "
          f"{time.perf_counter() - t0:.0f} s")
    fp = sum(f for _, _, f in res)
    scores = np.array([s for _, s, _ in res])
    print(f"false positives: {fp} of {len(res)} (threshold: chance <= {FALSE_POSITIVE_RATE:g}); "
          f"null scores: median {np.median(scores):.2f}, 99th pct {np.percentile(scores, 99):.2f}, "
          f"max {scores.max():.2f} (z)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
