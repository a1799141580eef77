"""Provenance end to end: every generated video carries a moving visible mark, an invisible
watermark that survives the usual edits (applied here with PyAV), and a C2PA manifest that
``tenku verify`` and c2pa-python's own Reader trust; the server traces remixes and finds clips
by fingerprint over HTTP; bad files get clear answers."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import av
import httpx
import numpy as np
import pytest
from attacks import WATERMARK_ATTACKS, chain, crop, excerpt, synthetic_clip
from c2pa_sdk import sdk_read

from live import TENKU, Server, base_env, create_key
from tenku.backends import GenerateOptions, get
from tenku.media import decode_frames
from tenku.planner import plan
from tenku.provenance.stamp import Stamp
from tenku.provenance.visible import VisibleMark
from tenku.provenance.watermark import average_luma, candidate_periods, detect_file

PROMPT = "a basketball player shoots and misses, the ball bounces off the rim"


def tenku(*args, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([TENKU, *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=600)


def verify(path: Path, env: dict) -> dict:
    proc = tenku("verify", path, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A 12-second 720p video made by `tenku generate` with its own data folder."""
    folder = tmp_path_factory.mktemp("prov")
    env = base_env(folder / "data")
    out = folder / "shot.mp4"
    proc = tenku("generate", PROMPT, "-o", out, "--seconds", 12, "--size", "1280x720",
                 "--quality", "draft", env=env)
    assert proc.returncode == 0, proc.stderr
    side = json.loads(out.with_name("shot.world.json").read_text())
    return {"out": out, "env": env, "folder": folder, "payload": side["provenance"]["watermark"],
            "data": folder / "data", "side": side}


def test_a_generated_video_is_trusted_by_tenku_and_by_c2pa_itself(made):
    r = verify(made["out"], made["env"])
    assert r["c2pa"]["state"] == "trusted", r["c2pa"]
    assert r["watermark"] == {**r["watermark"], "found": True, "payload": made["payload"]}
    assert r["watermark"]["confidence"] > 1 - 1e-6
    assert r["match"]["path"] == str(made["out"].resolve()) and r["match"]["source"] == "cli"
    tk = r["c2pa"]["tenku"]
    assert tk["watermark_payload"] == made["payload"]
    assert tk["world_script_sha256"] == made["side"]["provenance"]["world_script_sha256"]
    assert r["c2pa"]["digital_source_type"].endswith("/algorithmicMedia")
    assert r["c2pa"]["generator"]["backend"] == "sim"
    # c2pa-python's own Reader, with this data folder's CA as its only trust anchor, offline
    anchors = (made["data"] / "provenance" / "ca.pem").read_text()
    state, active = sdk_read(made["out"], anchors)
    assert state == "Trusted"
    assert active["claim_generator_info"][0]["name"] == "tenku"


def test_one_flipped_byte_in_the_media_makes_it_invalid(made, tmp_path):
    data = bytearray(made["out"].read_bytes())
    at = data.find(b"mdat") + 5000
    data[at] ^= 0xFF
    bad = tmp_path / "flipped.mp4"
    bad.write_bytes(bytes(data))
    r = verify(bad, made["env"])
    assert r["c2pa"]["state"] == "invalid"
    assert any("mismatch" in reason for reason in r["c2pa"]["reasons"]), r["c2pa"]["reasons"]


@pytest.mark.parametrize("name", list(WATERMARK_ATTACKS))
def test_the_watermark_survives(made, tmp_path, name):
    attacked = chain(made["out"], tmp_path / "attacked.mp4", *WATERMARK_ATTACKS[name])
    d = detect_file(attacked)
    assert d.found and d.payload == made["payload"], (name, d)


def test_a_busy_picture_does_not_hide_the_mark(tmp_path):
    """The README's basketball court, 720p: its lines give the autocorrelation stronger peaks
    than the mark's own tile (96 px here), which once kept the tile from being tried."""
    script = plan("a basketball player shoots and misses, the ball bounces off the rim",
                  duration=4).script
    payload = bytes.fromhex("dbeefbf0c7e74355")
    out = tmp_path / "court.mp4"
    get("sim").generate(script, out, options=GenerateOptions(
        quality="draft", audio=False, thumbnail=False, spritesheet=False,
        stamp=Stamp(1280, 720, script.fps, payload)))
    avg, frames = average_luma(decode_frames(out, pixels="gray"))
    assert all(abs(p - 96) > 2 for p in candidate_periods(avg))  # the case this guards
    d = detect_file(out)
    assert d.found and d.payload == payload.hex(), d


def test_unmarked_clips_yield_nothing(tmp_path):
    clips = []
    for i, prompt in enumerate(["a red ball rolls off a wooden table", PROMPT,
                                "a glass falls off a table and shatters"]):
        script = plan(prompt, seed=i, duration=2, size="640x360").script
        out = tmp_path / f"plain{i}.mp4"
        get("sim").generate(script, out, options=GenerateOptions(quality="draft"))
        clips.append(out)
    for i in range(3):
        clips.append(synthetic_clip(tmp_path / f"noise{i}.mp4", seconds=2, size=(640, 360),
                                    seed=i))
    for clip in clips:
        d = detect_file(clip)
        assert not d.found and d.payload is None and d.confidence < 0.5, (clip.name, d)


def test_the_visible_mark_moves_and_names_the_creator(tmp_path):
    script = plan("a red ball rolls off a wooden table", duration=4, size="640x360").script
    plain = tmp_path / "plain.mp4"
    get("sim").generate(script, plain, options=GenerateOptions(quality="draft"))
    mark = VisibleMark(640, 360, 24, "ada")
    stamped = tmp_path / "stamped.mp4"
    get("sim").generate(script, stamped, options=GenerateOptions(
        quality="draft", stamp=lambda f, i: mark.apply(f.copy(), i)))
    a, b = list(decode_frames(plain)), list(decode_frames(stamped))
    h, w = mark.alpha.shape[:2]
    for i in (0, 72):  # two places, three seconds apart
        x, y = mark.position(i)
        diff = np.abs(a[i].astype(int) - b[i].astype(int)).sum(axis=2)
        inside = diff[y:y + h, x:x + w].mean()
        assert inside > 8 * (diff.mean() + 0.1), (i, inside, diff.mean())
    assert mark.position(0) != mark.position(72)
    assert mark.alpha.shape[0] > VisibleMark(640, 360, 24).alpha.shape[0]  # the handle's line


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("prov-server")
    env = base_env(data, TENKU_VISIBLE_MARK="false")
    srv = Server(data, env).start()
    key = create_key(data, env)
    http = httpx.Client(base_url=srv.url, timeout=120,
                        headers={"authorization": f"Bearer {key}"})
    try:
        yield {"url": srv.url, "http": http, "env": env, "data": data}
    finally:
        srv.stop()


def _made_on(server, path: str, body: dict) -> dict:
    http = server["http"]
    v = http.post(path, json=body).json()
    for _ in range(600):
        v = http.get(f"/v1/videos/{v['id']}").json()
        if v["status"] in ("completed", "failed"):
            break
        time.sleep(0.2)
    assert v["status"] == "completed", v
    return v


def test_the_server_traces_remixes_and_finds_clips(server, tmp_path):
    http = server["http"]
    first = _made_on(server, "/v1/videos", {"prompt": "a red ball rolls off a wooden table",
                                             "model": "tenku-sim-draft", "size": "640x360",
                                             "seconds": "3"})
    remix = _made_on(server, f"/v1/videos/{first['id']}/remix",
                     {"prompt": "a blue ball rolls off a wooden table"})
    files = {}
    for v in (first, remix):
        files[v["id"]] = tmp_path / f"{v['id']}.mp4"
        files[v["id"]].write_bytes(http.get(f"/v1/videos/{v['id']}/content").content)
    # the operator turned the visible mark off for API videos: the invisible one stays
    r = http.post("/api/provenance/verify",
                  files={"file": ("remix.mp4", files[remix["id"]].read_bytes())}).json()
    assert r["c2pa"]["state"] == "trusted"
    assert r["watermark"]["found"] and r["match"]["video_id"] == remix["id"]
    assert r["match"]["visible_mark"] is False
    assert [x["video_id"] for x in r["match"]["lineage"]] == [first["id"]]
    parents = [i for i in r["c2pa"]["ingredients"] if i["relationship"] == "parentOf"]
    assert parents and parents[0]["video_id"] == first["id"]
    # the CLI on the server's data folder says the same
    assert verify(files[remix["id"]], server["env"])["match"]["video_id"] == remix["id"]
    # a re-encoded, cropped excerpt without metadata is found by fingerprint
    clip = chain(files[first["id"]], tmp_path / "clip.mp4",
                 (excerpt, {"start": 0.5, "seconds": 2.0}), (crop, {"fraction": 0.1}))
    found = http.post("/api/provenance/lookup",
                      files={"file": ("clip.mp4", clip.read_bytes())}).json()["matches"]
    # the remix only changed the ball's colour (same world, same sound): both may match
    assert first["id"] in [m["video_id"] for m in found[:2]], found
    assert found[0]["score"] > 0.6 and abs(found[0]["offset"] - 0.5) < 0.5


def test_bad_files_get_clear_answers(server, made, tmp_path):
    http = server["http"]
    text = tmp_path / "notes.txt"
    text.write_text("not a video at all\n" * 50)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(made["out"].read_bytes()[: made["out"].stat().st_size // 2])
    webm = tmp_path / "clip.webm"
    with av.open(str(webm), "w", format="webm") as c:
        s = c.add_stream("libvpx-vp9", rate=24)
        s.width, s.height, s.pix_fmt = 64, 64, "yuv420p"
        for i in range(12):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), i * 9, np.uint8), "rgb24")
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    r = verify(text, made["env"])
    assert r["c2pa"]["state"] == "absent" and not r["watermark"]["found"] and r["match"] is None
    assert r["watermark"]["error"]
    r = verify(truncated, made["env"])
    assert r["c2pa"]["state"] in ("invalid", "absent")
    assert any("truncated" in x or "corrupt" in x for x in r["c2pa"]["reasons"]), r["c2pa"]
    r = verify(webm, made["env"])
    assert r["c2pa"]["state"] == "absent"
    assert any("WebM" in x for x in r["c2pa"]["reasons"]), r["c2pa"]
    proc = tenku("verify", tmp_path / "missing.mp4", env=made["env"])
    assert proc.returncode == 2 and "no such file" in proc.stderr
    # over HTTP: no file, and a lookup of something that is not a video
    r = http.post("/api/provenance/verify", data={"x": "1"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "file"
    r = http.post("/api/provenance/lookup", files={"file": ("notes.txt", text.read_bytes())})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_file"
