"""The `tenku` command and `tenku.generate`, driven as a user would: real processes, real
files, probed with PyAV and read back as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest

import tenku
from tenku.media import decode_audio, decode_frames, probe

ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}
EVENT_TYPES = {"contact", "break", "splash", "release", "launch"}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tenku.cli", *args], capture_output=True,
                          text=True, env=ENV, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def shot(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("gen") / "shot.mp4"
    proc = run("generate", "a basketball player shoots and misses, the ball bounces off the rim",
               "-o", str(out), "--size", "160x90", "--seconds", "3")
    return proc, out


def test_generate_writes_a_real_mp4_with_sound_track(shot):
    proc, out = shot
    assert proc.returncode == 0, proc.stderr
    p = probe(out)
    assert (p.width, p.height, p.video_codec, p.pix_fmt) == (160, 90, "h264", "yuv420p")
    assert p.fps == 24 and p.frame_count == 72 and p.duration == pytest.approx(3.0, abs=0.05)
    assert p.audio_codec == "aac" and p.faststart
    assert out.with_suffix(".webp").stat().st_size > 0
    assert out.with_name("shot.sprites.jpg").stat().st_size > 0
    # Progress: one bar per stage on stderr, all finished.
    for stage in ("plan", "simulate", "sound", "render", "encode"):
        assert stage in proc.stderr
    assert "100%" in proc.stderr


def test_sidecar_holds_script_entities_and_events(shot):
    _, out = shot
    side = json.loads(out.with_name("shot.world.json").read_text())
    assert side["backend"] == "sim" and side["tenku_version"] == tenku.__version__
    assert side["seed"] == side["script"]["seed"]
    ids = {e["id"]: e["kind"] for e in side["entities"]}
    assert ids["ball"] == "basketball" and ids["hoop"] == "hoop"
    assert side["events"], "a missed shot makes contacts"
    for e in side["events"]:
        assert {"t", "type", "a", "b", "speed"} <= set(e) and e["type"] in EVENT_TYPES
    assert [e["t"] for e in side["events"]] == sorted(e["t"] for e in side["events"])
    rim = [e for e in side["events"] if e["type"] == "contact" and e["a"] == "ball" and e["b"] == "hoop"]
    assert rim and rim[0]["part"] in ("rim", "backboard")
    # Every contact is heard: the sidecar lists the sounds placed, at the events' times.
    cue_times = [c["t"] for c in side["sounds"] if c["kind"] != "ambience"]
    for e in rim:
        assert min(abs(t - e["t"]) for t in cue_times) < 0.002
    assert -15.0 <= side["audio"]["loudness_lufs"] <= -13.0
    assert side["audio"]["true_peak_dbtp"] <= -1.0
    # The script validates against the exported JSON Schema.
    schema = json.loads(run("script", "schema").stdout)
    jsonschema.validate(side["script"], schema)


def test_script_regenerates_the_same_video(shot, tmp_path):
    _, out = shot
    again = tmp_path / "again.mp4"
    proc = run("generate", "--script", str(out.with_name("shot.world.json")), "-o", str(again))
    assert proc.returncode == 0, proc.stderr
    a = json.loads(out.with_name("shot.world.json").read_text())
    b = json.loads(again.with_name("again.world.json").read_text())
    assert a["events"] == b["events"] and a["script"] == b["script"]
    fa, fb = list(decode_frames(out)), list(decode_frames(again))
    assert len(fa) == len(fb)
    assert max(np.abs(x.astype(int) - y.astype(int)).max() for x, y in zip(fa, fb)) <= 2


def test_python_api_reports_progress_per_stage(tmp_path):
    seen: dict[str, list[float]] = {}
    result = tenku.generate("a ball bounces", out=tmp_path / "b.mp4", size="160x90", seconds=2,
                            progress=lambda stage, f: seen.setdefault(stage, []).append(f))
    assert set(seen) == {"plan", "simulate", "sound", "render", "encode"}
    assert all(v[-1] == 1.0 and v == sorted(v) for v in seen.values())
    assert probe(result.video).frame_count == 48
    assert any(e["type"] == "contact" for e in result.sidecar["events"])


def test_audio_is_in_the_file_and_no_audio_is_silent(shot, tmp_path):
    _, out = shot
    samples, rate = decode_audio(out)
    assert rate == 48000 and samples.shape[1] == 2 and np.abs(samples).max() > 0.05
    quiet = tmp_path / "quiet.mp4"
    proc = run("generate", "a ball bounces", "-o", str(quiet), "--size", "160x90",
               "--seconds", "2", "--no-audio")
    assert proc.returncode == 0, proc.stderr
    samples, _ = decode_audio(quiet)
    assert np.abs(samples).max() < 1e-4
    assert json.loads(quiet.with_name("quiet.world.json").read_text())["sounds"] == []


def test_plan_prints_script_and_grounding():
    proc = run("plan", "a red b-ball and a goblet of philosophy", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    kinds = {e["kind"] for e in data["script"]["entities"]}
    assert {"basketball", "wine_glass"} <= kinds
    assert data["grounding"]["not_understood"]


@pytest.mark.parametrize("args, words", [
    (["generate", ""], "empty"),
    (["generate", "   "], "empty"),
    (["generate", "x" * 32_001], "32"),
    (["generate", "a ball bounces", "--size", "123x45"], "size"),
    (["generate", "a ball bounces", "--size", "big"], "WIDTHxHEIGHT"),
    (["generate", "a ball bounces", "--fps", "7"], "fps"),
    (["generate", "a ball bounces", "--seconds", "0"], "seconds"),
    (["generate", "a ball bounces", "--seconds", "100"], "seconds"),
    (["generate", "a ball bounces", "--style", "vaporwave"], "realistic"),
    (["generate", "a ball bounces", "-o", "/nonexistent/dir/x.mp4"], "folder"),
    (["generate", "a ball bounces", "-o", "x.avi"], ".mp4"),
    (["generate", "qwzx blorf"], "Try prompts like"),
])
def test_bad_input_exits_2_with_a_clear_message(args, words, tmp_path):
    proc = run(*args, cwd=tmp_path)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert words in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not list(tmp_path.glob("*.mp4"))


def test_nothing_understood_lists_what_tenku_can_film(tmp_path):
    proc = run("generate", "qwzx blorf", cwd=tmp_path)
    assert proc.returncode == 2 and "basketball" in proc.stderr


@pytest.mark.parametrize("content, words", [
    ("{not json", "not valid JSON"),
    ('{"entities": [{"id": "b", "kind": "basketball", "colour": "#ff0000"}]}', "colour"),
    ('{"entities": [{"id": "b", "kind": "dragon"}]}', "dragon"),
    ('{"duration": -1}', "duration"),
    ('{"size": "100x100000"}', "size"),
    ('{"entities": [{"id": "b", "kind": "basketball"}], "actions": [{"type": "drop", "target": "nope"}]}',
     "nope"),
    ('[1, 2]', "JSON object"),
])
def test_invalid_script_files_are_refused_naming_the_field(content, words, tmp_path):
    f = tmp_path / "bad.world.json"
    f.write_text(content)
    proc = run("generate", "--script", str(f), "-o", str(tmp_path / "x.mp4"))
    assert proc.returncode == 2, proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr
    assert f.read_text() == content  # nothing already saved is touched


def test_script_kinds_lists_the_catalog():
    proc = run("script", "kinds")
    assert proc.returncode == 0
    kinds = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("kind ")]
    assert len(kinds) >= 40 and "wine_glass" in kinds and "hoop" in kinds
