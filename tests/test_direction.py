"""Direction: multi-shot scripts over one world, camera language, image plates, remix and
extend, through the public CLI and ``tenku.generate_api`` (160x90, draft, 1-3 s).

Every assertion reads a made file: the decoded MP4, or the sidecar next to it."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tenku.generate_api import extend, generate, remix
from tenku.media import decode_frames, probe
from tenku.planner import plan
from tenku.script import ScriptError, WorldScript
from tenku.sim import simulate

SMALL = dict(size="160x90", quality="draft", audio=False)
TENKU = [str(Path(sys.executable).with_name("tenku"))]


def frames(path: Path) -> np.ndarray:
    return np.stack(list(decode_frames(path)))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(TENKU + list(args), cwd=cwd, capture_output=True, text=True,
                          timeout=300)


# --------------------------------------------------------------------------- multi-shot

@pytest.fixture(scope="module")
def two_shots(tmp_path_factory):
    out = tmp_path_factory.mktemp("shots") / "two.mp4"
    result = generate("Shot 1: a glass falls off a table and shatters. "
                      "Shot 2: close-up of the shards on the floor", out=out, fps=24,
                      seconds=3, **SMALL)
    return result


def test_a_two_shot_prompt_is_one_world_seen_twice(two_shots):
    side = two_shots.sidecar
    shots = side["script"]["shots"]
    assert [s["id"] for s in shots] == ["shot_1", "shot_2"]
    assert shots[1]["camera"]["framing"] == "close"
    rows = side["shots"]
    assert rows[0]["world"][1] == pytest.approx(rows[1]["world"][0])  # no time lost at the cut
    start2 = rows[1]["entities"]["first"]
    # The glass broke in shot 1, so shot 2 opens on its shards and no glass.
    assert "glass" not in start2 and any("shard" in k for k in start2)
    # The cut changes only the view: the same world filmed as one shot has every entity at
    # exactly the same place at the cut's world time.
    one = dict(side["script"], shots=[dict(side["script"]["shots"][0], end=None)])
    sim = simulate(WorldScript.model_validate(one))
    f = int(np.argmin(np.abs(sim.times - rows[1]["world"][0])))
    assert abs(sim.times[f] - rows[1]["world"][0]) < 1e-9
    seen = {t.id: t.pos[f] for t in sim.tracks if t.visible[f] and (t.parent or t.id == t.entity)}
    assert set(seen) == set(start2)
    for k, pos in start2.items():
        assert np.allclose(pos, seen[k], atol=2e-4), k
    pics = frames(two_shots.video)
    cut = rows[1]["frames"][0]
    assert psnr(pics[cut - 1], pics[cut]) < 25  # a new camera: the cut shows


def test_screenplay_headings_and_dialogue_become_shots_with_lines_in_them():
    r = plan("INT. KITCHEN - NIGHT\nA glass sits on a table.\nMARY\nCareful with that!\n"
             "CUT TO:\nA close-up of the glass.\nJOHN\nIt is fine.")
    s = r.script
    assert len(s.shots) == 2 and s.environment == "kitchen" and s.lighting.preset == "night"
    (v0, v1), (w0, w1) = s.shot_video_spans()
    assert [line.text for line in s.dialogue] == ["Careful with that!", "It is fine."]
    assert v0 <= s.dialogue[0].t < v1 and w0 <= s.dialogue[1].t < w1
    assert s.dialogue[0].speaker != s.dialogue[1].speaker  # two names, two people


@pytest.mark.parametrize("prompt, shots", [
    ("a ball bounces", [("a ball bounces", "cut", 1.0)]),
    ("Shot 1: a ball rolls. dissolve to: Shot 2 (2s): a close-up of the ball, slow motion",
     [("a ball rolls.", "cut", 1.0), ("a close-up of the ball, slow motion", "crossfade", 0.25)]),
    ("fade in: a ball rolls, cut to a wide shot. fade to black. the ball rests",
     [("a ball rolls", "fade", 1.0), ("a wide shot.", "cut", 1.0), ("the ball rests", "fade", 1.0)]),
])
def test_shots_are_found_with_their_transitions_and_speeds(prompt, shots):
    from tenku.planner.shots import split

    assert [(s.text, s.transition, s.speed) for s in split(prompt)] == shots


@pytest.mark.parametrize("prompt, words", [
    ("Shot 1: a ball on the moon. Shot 2: the ball in a kitchen", "one place"),
    ("Shot 2: a ball rolls. Shot 1: the ball stops", "in the order"),
    ("Shot 1: a ball at night. Shot 2: the ball at noon", "one light"),
    ("Shot 1: a ball rolls. Shot 2:", "empty"),
])
def test_contradictory_shots_are_refused_with_the_reason(prompt, words):
    with pytest.raises(ScriptError, match=words):
        plan(prompt)


def test_transitions_dissolve_and_fade(tmp_path):
    out = tmp_path / "t.mp4"
    res = generate("a basketball rests on a basketball court. dissolve to: a close-up of the "
                   "ball. fade to black. Shot 3: a wide shot of the ball", out=out, fps=12,
                   seconds=3, **SMALL)
    shots = res.sidecar["script"]["shots"]
    assert [s["transition"] for s in shots] == ["cut", "crossfade", "fade"]
    pics = frames(out).astype(float)
    fade_at = res.sidecar["shots"][2]["frames"][0]
    luma = pics.mean(axis=(1, 2, 3))
    assert luma[fade_at] < 0.6 * luma[fade_at + 4]  # comes up out of black
    assert luma[fade_at - 1] < 0.6 * luma[fade_at - 5]  # went down into it
    # Half way through the dissolve (6 frames at 12 fps) the picture is half each view.
    mix = res.sidecar["shots"][1]["frames"][0]
    old, mid, new = pics[mix - 1], pics[mix + 2], pics[mix + 8]
    apart = np.abs(new - old).mean()
    assert apart > 5
    assert 0.2 * apart < np.abs(mid - old).mean() < 0.8 * apart
    assert 0.2 * apart < np.abs(mid - new).mean() < 0.8 * apart


# --------------------------------------------------------------------------- camera language

def test_slow_motion_samples_the_world_densely_and_time_lapse_sparsely():
    planned = plan("a ball drops onto the floor in slow motion", duration=2)
    assert planned.grounding.camera["speed_words"] == "in slow motion"
    slow = planned.script
    fast = plan("a ball drops onto the floor, time-lapse", duration=2).script
    assert slow.shots[0].speed == 0.25 and fast.shots[0].speed == 8.0
    ts = [t for t, _ in slow.frame_times()]
    assert slow.world_end == pytest.approx(0.5) and len(ts) == 48
    assert np.allclose(np.diff(ts), 0.25 / 24)
    assert fast.world_end == pytest.approx(16.0)


def test_slow_motion_video_shows_the_impact_four_times_later(tmp_path):
    normal = generate("a rubber ball drops onto the floor", out=tmp_path / "n.mp4", fps=24,
                      seconds=2, **SMALL)
    data = normal.sidecar["script"]
    data["shots"][0]["speed"] = 0.5
    slow = generate(script=WorldScript.model_validate(data), out=tmp_path / "s.mp4", **SMALL)
    hit = next(e for e in normal.sidecar["events"] if e["type"] == "contact")
    again = next(e for e in slow.sidecar["events"] if e["type"] == "contact")
    assert again["t"] == pytest.approx(hit["t"], abs=1e-3)  # the same world...
    assert probe(slow.video).frame_count == probe(normal.video).frame_count == 48


def test_camera_words_reach_the_shot():
    cam = plan("a low angle tracking shot of a ball rolling, handheld").script.shots[0].camera
    assert (cam.angle, cam.rig, cam.shake) == ("low", "follow", 0.5)
    orbit = plan("a wide shot, the camera orbits a ball rolling on the floor").script.shots[0].camera
    assert (orbit.framing, orbit.rig) == ("wide", "orbit")


def test_handheld_shake_moves_a_static_camera(tmp_path):
    res = generate("a ball rests on the floor, handheld camera", out=tmp_path / "h.mp4",
                   fps=12, seconds=2, **SMALL)
    cam = res.sidecar["shots"][0]["camera"]
    assert cam["first"]["target"] != cam["last"]["target"]
    pics = frames(res.video)
    assert psnr(pics[0], pics[-1]) < 40  # nothing moves but the operator


# --------------------------------------------------------------------------- image plates

def test_an_image_becomes_the_backdrop_and_the_first_frame_background(tmp_path):
    img = Image.new("RGB", (320, 180), (200, 40, 40))
    img.paste((40, 60, 200), (0, 0, 320, 40))  # a blue band along the top
    img.save(tmp_path / "plate.png")
    proc = run("generate", "a ball drops onto the floor", "--image", "plate.png", "-o",
               "p.mp4", "--size", "160x90", "--seconds", "1", "--quality", "draft",
               "--no-audio", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    side = json.loads((tmp_path / "p.world.json").read_text())
    assert side["script"]["backdrop"]["file"] == "p.backdrop.png"
    assert (tmp_path / "p.backdrop.png").is_file()
    first = frames(tmp_path / "p.mp4")[0].astype(int)
    assert np.abs(first[2, 80] - [40, 60, 200]).max() < 40  # the top band
    assert np.abs(first[60, 4] - [200, 40, 40]).max() < 50  # the picture, low left
    again = run("generate", "--script", "p.world.json", "-o", "q.mp4", "--quality", "draft",
                "--no-audio", cwd=tmp_path)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_text("not a picture"), "PNG, JPEG or WebP"),
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: Image.new("RGB", (8, 8)).save(p, format="GIF"), "PNG, JPEG or WebP"),
])
def test_bad_images_get_a_clear_error(tmp_path, make, words):
    make(tmp_path / "bad.png")
    proc = run("generate", "a ball", "--image", "bad.png", "-o", "x.mp4", "--size", "160x90",
               cwd=tmp_path)
    assert proc.returncode == 2 and words in proc.stderr and "Traceback" not in proc.stderr


def test_an_enormous_image_is_refused_before_it_is_decoded(tmp_path):
    # A 1x1 PNG whose header claims 60000x60000 pixels: refused from the header alone.
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    head = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head)
           + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00")) + chunk(b"IEND", b""))
    (tmp_path / "huge.png").write_bytes(png)
    proc = run("generate", "a ball", "--image", "huge.png", "-o", "x.mp4", "--size", "160x90",
               cwd=tmp_path)
    assert proc.returncode == 2 and "pixels" in proc.stderr.lower()


# --------------------------------------------------------------------------- remix

@pytest.fixture(scope="module")
def dropped(tmp_path_factory):
    """A bowling ball dropped from 1.5 m (heavy: air drag is negligible)."""
    d = tmp_path_factory.mktemp("remix")
    return generate("a bowling ball is dropped from 1.5 meters onto the floor",
                    out=d / "drop.mp4", fps=24, seconds=2, **SMALL)


def test_a_look_only_remix_keeps_every_event_time(dropped, tmp_path):
    proc = run("remix", str(dropped.sidecar_path), "make the ball blue and film it in anime style",
               "-o", "blue.mp4", "--size", "160x90", "--quality", "draft", "--no-audio",
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "changed" in proc.stdout and "color" in proc.stdout
    side = json.loads((tmp_path / "blue.world.json").read_text())
    assert side["parent"]["kind"] == "remix" and side["parent"]["sidecar"] == str(
        dropped.sidecar_path)
    assert side["edit"]["physics"] is False and side["script"]["style"] == "anime"
    key = [(e["t"], e["type"], e["a"], e["b"]) for e in dropped.sidecar["events"]]
    assert [(e["t"], e["type"], e["a"], e["b"]) for e in side["events"]] == key
    assert psnr(frames(dropped.video)[10], frames(tmp_path / "blue.mp4")[10]) < 30  # it looks new


def test_a_gravity_remix_moves_the_impact_as_physics_says(dropped, tmp_path):
    res = remix(dropped.sidecar_path, "with half gravity", out=tmp_path / "half.mp4", **SMALL)
    assert res.sidecar["edit"]["physics"] is True
    g = res.sidecar["script"]["gravity"]
    assert g[2] == pytest.approx(-9.81 / 2, rel=0.01)
    drop = next(a for a in dropped.sidecar["script"]["actions"] if a["type"] == "drop")

    def fall(side):
        return next(e["t"] for e in side["events"] if e["type"] == "contact") - drop["t"]

    # t = sqrt(2h/g): half the gravity, sqrt(2) times the fall.
    assert fall(res.sidecar) / fall(dropped.sidecar) == pytest.approx(math.sqrt(2), rel=0.02)


def test_remix_of_something_not_there_says_so(dropped, tmp_path):
    proc = run("remix", str(dropped.sidecar_path), "make the dragon red", "-o", "d.mp4",
               cwd=tmp_path)
    assert proc.returncode == 2 and "dragon" in proc.stderr and "bowling" in proc.stderr


# --------------------------------------------------------------------------- extend

def test_an_extension_starts_where_the_video_ended(tmp_path):
    first = generate("a ball rolls across the floor toward a table", out=tmp_path / "a.mp4",
                     fps=24, seconds=2, size="160x90", quality="draft")
    proc = run("extend", "a.world.json", "--seconds", "2", "then the ball rolls under the table",
               "-o", "b.mp4", "--quality", "draft", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    side = json.loads((tmp_path / "b.world.json").read_text())
    assert side["parent"]["kind"] == "extension"
    assert side["script"]["begin"] == pytest.approx(47 / 24)
    a, b = frames(first.video), frames(tmp_path / "b.mp4")
    assert psnr(a[-1], b[0]) > 35
    assert len(b) == 48 and probe(tmp_path / "b.mp4").duration == pytest.approx(2.0, abs=0.1)
    # The world went on with what the prompt added, and nothing before it began is listed.
    begin = side["script"]["begin"]
    assert any(a["type"] == "roll" and a["t"] >= begin for a in side["script"]["actions"])
    assert any(e["type"] == "launch" and e["a"] == "ball" for e in side["events"])
    assert all(e["t"] >= begin - 1e-6 for e in side["events"])


def test_extending_a_video_without_a_world_script_is_refused(tmp_path, two_shots):
    bare = tmp_path / "upload.mp4"
    bare.write_bytes(two_shots.video.read_bytes())  # the picture, but no sidecar beside it
    proc = run("extend", "upload.mp4", "--seconds", "2", "then more", cwd=tmp_path)
    assert proc.returncode == 2 and "no world script" in proc.stderr
    with pytest.raises(ScriptError, match="--seconds"):
        extend(two_shots.sidecar_path, "more", seconds=None, out=tmp_path / "x.mp4")
