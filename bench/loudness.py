"""Loudness and true peak of generated videos, measured on the decoded AAC.

    python bench/loudness.py [--size 160x90]

Generates ten reference scenes (foley, breaking glass, water, sparse clicks, ambience beds,
dialogue, music, rain) into a temporary folder and prints integrated loudness (BS.1770 via
pyloudnorm) and true peak (4x oversampled) of each: the targets are -14 +-1 LUFS and at most
-1 dBTP.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROMPTS = [
    "a basketball player shoots and misses, the ball bounces off the rim",
    "a man holding a wine glass opens his hand",
    "a wooden block and an iron block are placed in a water tank",
    "a line of dominoes topples",
    "a bowling ball rolls into the pins",
    "a ball bounces on the beach",
    'a chef says "order up!" and a waiter replies, "coming right up."',
    "a ball bounces over a lo-fi beat",
    "a ball bounces on the street in the rain",
    "a stack of boxes falls over",
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="160x90")
    args = ap.parse_args()

    import numpy as np
    import pyloudnorm
    from scipy.signal import resample_poly

    import tenku
    from tenku.media import decode_audio

    inside = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, prompt in enumerate(PROMPTS):
            result = tenku.generate(prompt, out=Path(tmp) / f"l{i}.mp4", size=args.size)
            x, rate = decode_audio(result.video)
            lufs = pyloudnorm.Meter(rate).integrated_loudness(x.astype(float))
            tp = 20 * np.log10(np.abs(resample_poly(x, 4, 1, axis=0)).max() + 1e-12)
            inside += abs(lufs + 14) <= 1 and tp <= -1
            print(f"{prompt[:50]:50s} {lufs:7.2f} LUFS {tp:7.2f} dBTP")
    print(f"{inside} of {len(PROMPTS)} within -14 +-1 LUFS and under -1 dBTP")
    return 0


if __name__ == "__main__":
    sys.exit(main())
