"""Benchmark: what direction costs. Compute seconds per second of video for a one-shot
prompt, the same scene as two shots with a dissolve, in slow motion and as a time-lapse; a
look-only remix and an extension of it (the extension replays the parent's world unseen);
and the continuity of the extension (PSNR of its first frame against the parent's last).

    python bench/direction.py [--size 1280x720] [--seconds 4] [--quality standard]

Every ratio is measured in this one run on this machine.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SCENE = "a glass falls off a table and shatters"
CASES = [
    ("one shot", SCENE),
    ("two shots + dissolve", f"Shot 1: {SCENE}. dissolve to: Shot 2: close-up of the shards"),
    ("slow motion (x0.25)", f"{SCENE}, in slow motion"),
    ("time-lapse (x8)", f"{SCENE}, time-lapse"),
]


def _psnr(a, b) -> float:
    import numpy as np

    mse = float(np.mean((a.astype(float) - b.astype(float)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255 ** 2 / mse)


def _row(name: str, result, wall: float) -> None:
    video = result.sidecar["script"]["duration"]
    t = result.timings
    print(f"{name:28s} {video:6.1f} {t.get('simulate', 0) / video:9.3f} "
          f"{t.get('render', 0) / video:9.3f} {wall / video:9.3f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--quality", default="standard")
    args = ap.parse_args()

    import tenku
    from tenku.generate_api import extend, remix
    from tenku.media import decode_frames

    flags = dict(size=args.size, quality=args.quality)
    print(f"size {args.size}, {args.seconds:g} s per video, quality {args.quality}, "
          f"{os.cpu_count()} CPUs; ratios are compute seconds per second of video")
    print(f"{'case':28s} {'video s':>6s} {'simulate':>9s} {'render':>9s} {'total':>9s}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        first = None
        for i, (name, prompt) in enumerate(CASES):
            t0 = time.perf_counter()
            result = tenku.generate(prompt, out=tmp / f"c{i}.mp4", seconds=args.seconds, **flags)
            _row(name, result, time.perf_counter() - t0)
            first = first or result
        t0 = time.perf_counter()
        looks = remix(first.sidecar_path, "make the table red and film it in anime style",
                      out=tmp / "remix.mp4", **flags)
        _row("remix (look only)", looks, time.perf_counter() - t0)
        same = [e["t"] for e in looks.sidecar["events"]] == [e["t"] for e in first.sidecar["events"]]
        t0 = time.perf_counter()
        more = extend(first.sidecar_path, "", seconds=args.seconds, out=tmp / "ext.mp4", **flags)
        _row("extension (+ replay)", more, time.perf_counter() - t0)
        last = list(decode_frames(first.video))[-1]
        head = next(iter(decode_frames(more.video)))
        print(f"remix keeps every event time: {same}")
        print(f"extension continuity: PSNR(parent last frame, extension first frame) = "
              f"{_psnr(last, head):.2f} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
