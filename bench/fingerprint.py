"""Benchmark: do perceptual fingerprints find our videos after re-post edits, and how fast?

    python bench/fingerprint.py [--videos 24] [--seconds 8] [--size 320x180] [--negatives 8]

Generates ``--videos`` varied videos (prompts from several places and objects, some prompts
twice with another seed: look-alikes) at draft quality and indexes their fingerprints, plus
``--negatives`` more that are NOT indexed (other prompts, most in the same places as indexed
ones, one the same table scene with another ball and seed). Every
attack below is applied to every one of them; each attacked copy is a query. A query
"answers" when :func:`tenku.provenance.fingerprint.match` returns anything, and is right when
its best match is the video it was made from (for excerpts, also within 0.5 s of the start).
Per attack: precision (right / answered), recall (right / queries of indexed videos), the
mean score of the true source, the highest score any negative got against any indexed video,
and how many wrong videos were returned above the threshold besides the best. Then
timings: fingerprinting (seconds per second of video), and lookup in the real index and in
one of ``--synthetic`` random fingerprints of ``--synthetic-seconds`` each (with the real
ones mixed in).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

PROMPTS = [  # indexed: several places, objects and actions
    "a red ball rolls off a wooden table",
    "a basketball player shoots and misses, the ball bounces off the rim",
    "a man holding a wine glass opens his hand",
    "a wooden block and an iron block are placed in a water tank",
    "a line of dominoes topples",
    "a bowling ball rolls into the pins",
    "a glass falls off a kitchen counter",
    "a soccer ball bounces in the park",
    "a tennis ball drops on the moon",
    "a rubber duck floats in a bathtub",
    "a hockey puck slides across an ice rink",
    "a beach ball rolls on the beach",
    "a vase falls off a table in the living room",
    "a skateboard rolls down the street",
    "a feather and a hammer fall in a vacuum chamber",
    "a ball floats in the space station",
    "a stone is thrown into the lake",
    "a ball falls into the pool",
    "an apple falls off a kitchen table",
    "a crate slides across the living room floor",
]
NEGATIVE_PROMPTS = [  # never indexed; many share a place (and its look) with indexed ones
    "a blue ball rolls off a wooden table",
    "a basketball bounces on the court",
    "a bowling ball rolls down the lane",
    "a wine glass falls off a table",
    "a football rolls across the park",
    "a rock drops on the moon",
    "a boat floats on the lake",
    "a bottle falls off a kitchen counter",
    "a puck slides on the ice rink",
    "a ball bounces on the beach",
]


def _attacks(seconds: float):
    """name -> (function, kwargs) for attacks.chain-style steps; excerpt start is filled in
    per video."""
    from attacks import brightness_contrast, crop, excerpt, reencode, scale, strip_audio

    return {
        "reencode crf28": [(reencode, {"crf": 28})],
        "crop 10% center": [(crop, {"fraction": 0.1, "anchor": "center"})],
        "crop 10% topleft": [(crop, {"fraction": 0.1, "anchor": "topleft"})],
        "scale 0.5": [(scale, {"factor": 0.5})],
        "excerpt 3 s": [(excerpt, {"seconds": min(3.0, seconds)})],
        "brightness +20%": [(brightness_contrast, {"brightness": 0.2})],
        "bright -20% contr -20%": [(brightness_contrast, {"brightness": -0.2, "contrast": -0.2})],
        "crop br + scale 0.5": [(crop, {"fraction": 0.1, "anchor": "bottomright"}),
                                (scale, {"factor": 0.5})],
        "excerpt + brightness": [(excerpt, {"seconds": min(3.0, seconds)}),
                                 (brightness_contrast, {"brightness": 0.2})],
        "no sound (picture only)": [(strip_audio, {})],
    }


def _generate_job(job: tuple) -> tuple:
    """Worker: generate one video at draft quality; (name, path, seconds taken)."""
    import tenku

    name, prompt, seed, out, size, seconds = job
    t0 = time.perf_counter()
    video = tenku.generate(prompt, out=out, size=size, seconds=seconds, quality="draft",
                           seed=seed).video
    return name, video, time.perf_counter() - t0


def _attack_job(job: tuple) -> tuple:
    """Worker: apply one attack to one video, fingerprint the copy. Returns
    (video, attack, fingerprint bytes, true offset, seconds of video, fingerprint seconds)."""
    from attacks import chain, excerpt

    from tenku.provenance.fingerprint import fingerprint_file

    number, video, attack, src, steps, start, folder = job
    steps = [(fn, {**kw, "start": start} if fn is excerpt else kw) for fn, kw in steps]
    dst = Path(folder) / f"copy{number}.mp4"
    chain(Path(src), dst, *steps)
    t0 = time.perf_counter()
    fp = fingerprint_file(dst)
    took = time.perf_counter() - t0
    dst.unlink()
    offset = start if any(fn is excerpt for fn, _ in steps) else 0.0
    return video, attack, fp.to_bytes(), offset, fp.duration, took


def _synthetic(n: int, seconds: float, seed: int):
    import numpy as np

    from tenku.provenance.fingerprint import (
        _A_STEP,
        AUDIO_FRAME,
        AUDIO_RATE,
        Fingerprint,
    )

    rng = np.random.default_rng(seed)
    frames = int(seconds * 4)
    words = int((seconds * AUDIO_RATE - AUDIO_FRAME) // (_A_STEP * AUDIO_RATE)) + 1
    for i in range(n):
        yield f"synthetic-{i}", Fingerprint(
            seconds, rng.integers(0, 2**63, (frames, 1), dtype=np.uint64), np.ones(frames, bool),
            rng.integers(0, 2**32, words, dtype=np.uint64).astype(np.uint32),
            rng.integers(40, 120, words).astype(np.uint8))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=24, help="indexed videos")
    ap.add_argument("--negatives", type=int, default=8, help="videos not in the index")
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--size", default="320x180")
    ap.add_argument("--synthetic", type=int, default=10000, help="videos in the lookup-speed index")
    ap.add_argument("--synthetic-seconds", type=float, default=20.0)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()

    import numpy as np

    from tenku.provenance.fingerprint import (
        MATCH_THRESHOLD,
        Fingerprint,
        FingerprintIndex,
        fingerprint_file,
    )

    rnd = random.Random(7)
    specs = []  # (name, prompt, seed, indexed)
    for i in range(args.videos):
        specs.append((f"v{i:02d}", PROMPTS[i % len(PROMPTS)], 1 + i // len(PROMPTS), True))
    for i in range(args.negatives):
        specs.append((f"n{i:02d}", NEGATIVE_PROMPTS[i % len(NEGATIVE_PROMPTS)],
                      11 + i // len(NEGATIVE_PROMPTS), False))
    print(f"{args.videos} indexed + {args.negatives} negative videos, {args.seconds:g} s, "
          f"{args.size}, draft; {os.cpu_count()} CPUs; threshold {MATCH_THRESHOLD}")
    with tempfile.TemporaryDirectory(prefix="tenku-fp-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        gen_jobs = [(name, prompt, seed, folder / f"{name}.mp4", args.size, args.seconds)
                    for name, prompt, seed, _ in specs]
        with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
            paths = {name: path for name, path, _ in pool.map(_generate_job, gen_jobs)}
        t_gen = time.perf_counter() - t0

        t0 = time.perf_counter()
        prints = {name: fingerprint_file(paths[name]) for name, *_ in specs}
        t_fp = time.perf_counter() - t0
        video_s = sum(fp.duration for fp in prints.values())
        indexed = [name for name, *_, ix in specs if ix]
        t0 = time.perf_counter()
        index = FingerprintIndex((name, prints[name]) for name in indexed)
        index.search(prints[indexed[0]])  # builds the flat arrays
        t_build = time.perf_counter() - t0

        attacks = _attacks(args.seconds)
        jobs = []
        for name, *_ in specs:
            for attack, steps in attacks.items():
                start = round(rnd.uniform(0, max(0.0, prints[name].duration - 3.0)), 2)
                jobs.append((len(jobs), name, attack, str(paths[name]), steps, start, tmp))
        t0 = time.perf_counter()
        with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
            results = list(pool.map(_attack_job, jobs))
        t_attack = time.perf_counter() - t0

        rows = {a: {"q": 0, "pos": 0, "answered": 0, "right": 0, "wrong_extra": 0,
                    "true_scores": [], "neg_max": 0.0, "offset_err": []} for a in attacks}
        lookups = []
        q_fp_time = q_fp_video = 0.0
        for video, attack, data, offset, duration, took in results:
            q = Fingerprint.from_bytes(data)
            q_fp_time += took
            q_fp_video += duration
            r = rows[attack]
            r["q"] += 1
            t0 = time.perf_counter()
            found = index.search(q, threshold=0.0)
            lookups.append(time.perf_counter() - t0)
            above = [m for m in found if m.score >= MATCH_THRESHOLD]
            is_indexed = video in indexed
            if is_indexed:
                r["pos"] += 1
                true = [m for m in found if m.key == video]
                if true:
                    r["true_scores"].append(true[0].score)
            else:
                r["neg_max"] = max(r["neg_max"], max((m.score for m in found), default=0.0))
            if above:
                r["answered"] += 1
                top = above[0]
                ok = top.key == video and abs(top.offset - offset) <= 0.5
                r["right"] += ok
                if top.key == video:
                    r["offset_err"].append(abs(top.offset - offset))
                r["wrong_extra"] += sum(m.key != video for m in above[1:])

        print(f"{'attack':24s} {'queries':>7s} {'precision':>9s} {'recall':>6s} "
              f"{'true score':>10s} {'max neg':>7s} {'extra':>5s} {'offset err':>10s}")
        tot = {"answered": 0, "right": 0, "pos": 0}
        for attack, r in rows.items():
            prec = r["right"] / r["answered"] if r["answered"] else float("nan")
            rec = r["right"] / r["pos"] if r["pos"] else float("nan")
            ts = np.mean(r["true_scores"]) if r["true_scores"] else float("nan")
            oe = np.mean(r["offset_err"]) if r["offset_err"] else float("nan")
            for k in tot:
                tot[k] += r[k]
            print(f"{attack:24s} {r['q']:7d} {prec:9.3f} {rec:6.3f} {ts:10.3f} "
                  f"{r['neg_max']:7.3f} {r['wrong_extra']:5d} {oe:9.2f}s")
        print(f"{'all':24s} {sum(r['q'] for r in rows.values()):7d} "
              f"{tot['right'] / max(tot['answered'], 1):9.3f} {tot['right'] / max(tot['pos'], 1):6.3f}")
        print("(extra: wrong videos above the threshold besides the best match, all queries)")

        print(f"generate: {t_gen:.0f} s for {len(specs)} videos; attacks + fingerprints of "
              f"copies: {t_attack:.0f} s ({len(jobs)} copies, {args.workers} workers)")
        print(f"fingerprint: {t_fp / video_s:.3f} s per s of video (originals), "
              f"{q_fp_time / q_fp_video:.3f} (copies); "
              f"{np.mean([len(p.to_bytes()) for p in prints.values()]) / 1024:.1f} KB per "
              f"fingerprint, {np.mean([len(p.for_index().to_bytes()) for p in prints.values()]) / 1024:.1f}"
              f" KB without crop variants")
        print(f"lookup, {len(indexed)} videos: build {1000 * t_build:.1f} ms, "
              f"{1000 * np.mean(lookups):.1f} ms per query (max {1000 * np.max(lookups):.1f})")

        if args.synthetic:
            t0 = time.perf_counter()
            big = FingerprintIndex(_synthetic(args.synthetic - len(indexed), args.synthetic_seconds, 0))
            for name in indexed:
                big.add(name, prints[name])
            big._build()
            t_big = time.perf_counter() - t0
            times, right = [], 0
            sample = [res for res in results if res[0] in indexed][:: max(1, len(results) // 60)]
            for video, attack, data, offset, *_ in sample:
                q = Fingerprint.from_bytes(data)
                t0 = time.perf_counter()
                found = big.search(q)
                times.append(time.perf_counter() - t0)
                right += bool(found) and found[0].key == video
            print(f"lookup, {len(big)} videos of {args.synthetic_seconds:g} s (random, the "
                  f"{len(indexed)} real ones mixed in): build {t_big:.1f} s, "
                  f"{1000 * np.mean(times):.0f} ms per query (max {1000 * np.max(times):.0f}); "
                  f"best match right for {right}/{len(sample)} attacked copies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
