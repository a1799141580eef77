"""Benchmark: what each style costs to render, relative to the realistic look.

    python bench/styles.py [--size 1280x720] [--seconds 2] [--quality standard] [--rounds 3]

Simulates one reference script once (a basketball dropped beside a crate and a wine glass in
a park: sky, grass, glass and shadows all on screen), frames it once, then renders every frame
in each style with the same camera path, the styles taking turns for ``--rounds`` rounds.
Prints, per style, the fastest round's seconds of rendering per second of video, milliseconds
per frame, and the ratio to realistic (1.0 = as fast as realistic). Renderer setup (building
meshes, compiling shaders, drawing a first frame) is reported apart; encoding is not included.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def reference_script(size: str, seconds: float):
    from tenku.script.model import Drop, Entity, Pose, WorldScript

    return WorldScript(
        duration=seconds, fps=24, size=size, environment="park",
        entities=[Entity(id="ball", kind="basketball", pose=Pose(position=(0.0, 0.0, 1.2))),
                  Entity(id="crate", kind="crate", pose=Pose(position=(-0.5, 0.3, 0.0))),
                  Entity(id="glass", kind="wine_glass", pose=Pose(position=(0.5, 0.2, 0.0)))],
        actions=[Drop(target="ball", t=0.2)])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--quality", default="standard")
    ap.add_argument("--rounds", type=int, default=3, help="renders of the clip per style")
    args = ap.parse_args()

    from tenku.catalog import environment
    from tenku.render import STYLES, Renderer, camera_path
    from tenku.sim import simulate

    script = reference_script(args.size, args.seconds)
    sim = simulate(script)
    w, h = script.width, script.height
    cameras = camera_path(script, sim, w, h)
    env = environment(script.environment)
    print(f"size {w}x{h}, {args.seconds:g} s at {script.fps} fps ({len(cameras)} frames), "
          f"quality {args.quality}, {os.cpu_count()} CPUs")
    print(f"{'style':10s} {'setup s':>8s} {'render s/s':>10s} {'ms/frame':>9s} {'vs realistic':>13s}")
    setup, best = {}, {}
    # Styles take turns, round after round, and each keeps its fastest round: other work on
    # the machine slows a round, never speeds one up. One renderer (one GL context) at a time.
    for _ in range(args.rounds):
        for name in STYLES:
            t0 = time.perf_counter()
            with Renderer(w, h, sim, env, lighting=script.lighting, style=name,
                          quality=args.quality) as renderer:
                renderer.render(0, cameras[0])  # llvmpipe compiles shaders at first use
                t1 = time.perf_counter()
                for i, cam in enumerate(cameras):
                    renderer.render(i, cam)
                t2 = time.perf_counter()
            setup[name] = min(setup.get(name, float("inf")), t1 - t0)
            best[name] = min(best.get(name, float("inf")), t2 - t1)
    base = best["realistic"] / script.duration
    for name, seconds in best.items():
        per_second = seconds / script.duration
        print(f"{name:10s} {setup[name]:8.2f} {per_second:10.3f} "
              f"{1000 * seconds / len(cameras):9.1f} {per_second / base:13.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
