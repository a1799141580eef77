"""Perceptual fingerprints find our videos after the usual re-post edits (re-encode, crop,
rescale, excerpt, brightness, and a combination), with or without sound, and find nothing for
videos that are not ours, including a look-alike filmed in the same place."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from attacks import (
    brightness_contrast,
    chain,
    crop,
    excerpt,
    reencode,
    scale,
    strip_audio,
    synthetic_clip,
)

from tenku.generate_api import generate
from tenku.provenance.fingerprint import (
    MATCH_THRESHOLD,
    Fingerprint,
    FingerprintIndex,
    fingerprint_file,
    match,
)

# name -> (prompt, seconds, seed, sound); the first four are indexed, "park" is not
VIDEOS = {
    "red": ("a red ball rolls off a wooden table", 4, 1, True),
    "blue": ("a blue ball rolls off a wooden table", 4, 2, True),  # same place: a look-alike
    "bowling": ("a bowling ball rolls into the pins", 10, 1, True),
    "moon": ("a tennis ball drops on the moon", 3, 1, False),  # a silent sound track
    "park": ("a soccer ball bounces in the park", 3, 1, True),
}
INDEXED = ("red", "blue", "bowling", "moon")

ATTACKS = {
    "reencode_crf28": (reencode, {"crf": 28}),
    "crop_center": (crop, {"fraction": 0.10, "anchor": "center"}),
    "crop_topleft": (crop, {"fraction": 0.10, "anchor": "topleft"}),
    "scale_half": (scale, {"factor": 0.5}),
    "brighter": (brightness_contrast, {"brightness": 0.2}),
    "darker_flatter": (brightness_contrast, {"brightness": -0.2, "contrast": -0.2}),
    "crop_scale_reencode": (chain, None),
}


def _attack(name: str, src: Path, dst: Path) -> Path:
    fn, kwargs = ATTACKS[name]
    if fn is chain:
        return chain(src, dst, (crop, {"fraction": 0.10, "anchor": "bottomright"}),
                     (scale, {"factor": 0.5}), (reencode, {"crf": 28}))
    return fn(src, dst, **kwargs)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fingerprint")


@pytest.fixture(scope="module")
def videos(folder) -> dict[str, Path]:
    out = {}
    for name, (prompt, seconds, seed, sound) in VIDEOS.items():
        out[name] = generate(prompt, out=folder / f"{name}.mp4", seconds=seconds, size="320x180",
                             quality="draft", seed=seed, audio=sound).video
    return out


@pytest.fixture(scope="module")
def prints(videos) -> dict[str, Fingerprint]:
    return {name: fingerprint_file(path) for name, path in videos.items()}


@pytest.fixture(scope="module")
def index(prints) -> FingerprintIndex:
    return FingerprintIndex((name, prints[name]) for name in INDEXED)


def _best(query: Fingerprint, index: FingerprintIndex):
    found = index.search(query)
    assert found, "no match at all"
    assert all(m.score >= MATCH_THRESHOLD for m in found)
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)
    return found


@pytest.mark.parametrize("source", ["bowling", "red"])
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_an_attacked_copy_matches_its_source_first(attack, source, videos, index, folder):
    copy = _attack(attack, videos[source], folder / f"{source}-{attack}.mp4")
    found = _best(fingerprint_file(copy), index)
    top = found[0]
    assert top.key == source, found
    assert abs(top.offset) <= 0.5, top
    assert top.audio is not None and top.audio > 0.5, top  # the sound agrees too
    if source == "red":  # the look-alike from the same place never outranks the source
        assert all(m.score < top.score for m in found[1:]), found


@pytest.mark.parametrize("start", [0.0, 4.3, 6.9])
def test_an_excerpt_is_found_with_its_start(start, videos, index, folder):
    clip = excerpt(videos["bowling"], folder / f"excerpt-{start}.mp4", start=start, seconds=3.0)
    query = fingerprint_file(clip)
    assert abs(query.duration - 3.0) < 0.1
    top = _best(query, index)[0]
    assert top.key == "bowling" and abs(top.offset - start) <= 0.5, top


def test_a_cropped_excerpt_is_found(videos, index, folder):
    clip = chain(videos["bowling"], folder / "excerpt-crop.mp4",
                 (excerpt, {"start": 2.0, "seconds": 3.0}), (crop, {"anchor": "center"}))
    top = _best(fingerprint_file(clip), index)[0]
    assert top.key == "bowling" and abs(top.offset - 2.0) <= 0.5, top


def test_without_sound_the_picture_alone_matches(videos, index, folder):
    stripped = fingerprint_file(strip_audio(videos["bowling"], folder / "mute.mp4"))
    assert len(stripped.audio) == 0
    top = _best(stripped, index)[0]
    assert top.key == "bowling" and top.audio is None and abs(top.offset) <= 0.5, top
    # a video made with a silent sound track, attacked
    copy = fingerprint_file(_attack("crop_scale_reencode", videos["moon"], folder / "moon-c.mp4"))
    assert not copy.has_sound
    top = _best(copy, index)[0]
    assert top.key == "moon" and top.audio is None, top


def test_the_lookalike_is_told_apart_by_its_sound(prints, index):
    # same place, same table: the pictures agree closely, the sounds do not
    found = {m.key: m for m in index.search(prints["blue"], threshold=0.0)}
    assert found["blue"].score > 0.95
    assert found["red"].picture > 0.8 and found["red"].audio < 0.3
    assert found["red"].score < MATCH_THRESHOLD


def test_videos_that_are_not_ours_match_nothing(videos, prints, index, folder):
    assert index.search(prints["park"]) == []
    assert index.search(fingerprint_file(reencode(videos["park"], folder / "park-r.mp4"))) == []
    for seed, sound in ((0, True), (1, False)):
        clip = synthetic_clip(folder / f"synthetic-{seed}.mp4", seconds=4.0, seed=seed, audio=sound)
        assert index.search(fingerprint_file(clip)) == []


def test_match_takes_plain_pairs_too(prints):
    found = match(prints["red"], [("x", prints["bowling"]), ("y", prints["red"])])
    assert [m.key for m in found] == ["y"]
    assert found[0].score > 0.99 and found[0].offset == 0.0
    assert match(prints["red"], []) == []


def test_bytes_round_trip(prints):
    fp = prints["bowling"]
    data = fp.to_bytes()
    back = Fingerprint.from_bytes(data)
    assert back.duration == pytest.approx(fp.duration)
    for name in ("picture", "informative", "audio", "audio_level"):
        assert np.array_equal(getattr(back, name), getattr(fp, name)), name
    small = fp.for_index().to_bytes()
    assert len(small) < 1600 and len(data) < 6000  # 10 s: compact
    indexed = Fingerprint.from_bytes(small)
    assert np.array_equal(indexed.picture, fp.picture[:, :1])
    assert np.array_equal(indexed.audio, fp.audio[::2]) and indexed.audio_hop == 2 * fp.audio_hop
    with pytest.raises(ValueError, match="not a tenku fingerprint"):
        Fingerprint.from_bytes(b"nope" + data[4:])
    with pytest.raises(ValueError, match="wrong length"):
        Fingerprint.from_bytes(data[:-1])
    with pytest.raises(ValueError, match="version"):
        Fingerprint.from_bytes(data[:4] + bytes([99]) + data[5:])


def test_max_seconds_stops_early(videos, prints):
    fp = fingerprint_file(videos["bowling"], max_seconds=3.0)
    full = prints["bowling"]
    assert abs(fp.duration - 3.0) < 0.1 and abs(full.duration - 10.0) < 0.1
    assert np.array_equal(fp.picture, full.picture[:12])
    # 0.37 s sound frames every 23 ms: (3 s - 0.37 s) / 23 ms + 1
    assert len(fp.audio) == 114 and np.array_equal(fp.audio[:100], full.audio[:100])


def test_files_that_are_not_videos_raise_value_error(videos, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a video\n" * 50)
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(bytes(range(256)) * 64)
    cut = tmp_path / "cut.mp4"
    data = videos["bowling"].read_bytes()
    cut.write_bytes(data[: len(data) // 3])
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    for path in (text, junk, cut, empty):
        with pytest.raises(ValueError, match=path.name):
            fingerprint_file(path)
    with pytest.raises(FileNotFoundError):
        fingerprint_file(tmp_path / "missing.mp4")
