"""Benchmark: compute seconds per second of video, split by stage, for three reference prompts.

    python bench/generate.py [--size 1280x720] [--seconds 4] [--quality standard]

Runs the real pipeline (``tenku.generate``) into a temporary folder and prints, per prompt and
in total, the seconds each stage took divided by the video's length. A ratio of 1.0 means
real time. Planning is timed warm (the embedding model is loaded once, before timing).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROMPTS = [
    "a basketball player shoots and misses, the ball bounces off the rim",
    "a man holding a wine glass opens his hand",
    "a bowling ball rolls into the pins",
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--quality", default="standard")
    args = ap.parse_args()

    import tenku
    from tenku.planner import plan

    plan("warm up the planner with a goblet")  # first call loads rules (and embeddings if needed)
    stages = ("plan", "simulate", "camera", "sound", "render", "encode", "previews")
    totals = dict.fromkeys(stages, 0.0)
    total_wall = total_video = 0.0
    print(f"size {args.size}, {args.seconds:g} s per video, quality {args.quality}, "
          f"{os.cpu_count()} CPUs")
    print(f"{'prompt':44s} " + " ".join(f"{s:>8s}" for s in stages) + f" {'total':>8s}")
    with tempfile.TemporaryDirectory() as tmp:
        for i, prompt in enumerate(PROMPTS):
            t0 = time.perf_counter()
            result = tenku.generate(prompt, out=Path(tmp) / f"b{i}.mp4", size=args.size,
                                    seconds=args.seconds, quality=args.quality)
            wall = time.perf_counter() - t0
            timings = dict(result.timings)
            timings["plan"] = wall - sum(timings.values())  # planning, checks, the sidecar
            video = result.sidecar["script"]["duration"]
            total_wall += wall
            total_video += video
            for s in stages:
                totals[s] += timings.get(s, 0.0)
            print(f"{prompt[:44]:44s} " + " ".join(f"{timings.get(s, 0.0) / video:8.3f}" for s in stages)
                  + f" {wall / video:8.3f}")
    print(f"{'all (compute s per video s)':44s} " + " ".join(f"{totals[s] / total_video:8.3f}" for s in stages)
          + f" {total_wall / total_video:8.3f}")
    fps = result.sidecar["script"]["fps"]
    print(f"render: {1000 * totals['render'] / (total_video * fps):.1f} ms per frame; "
          f"real time is a total of 1.0 or less")
    return 0


if __name__ == "__main__":
    sys.exit(main())
