"""Saved characters: made once (with ``tenku character create`` or over the API from a video),
cast by id into later videos, where the figure has the character's colours, height, name and
voice; the store keeps rows from before characters had looks."""

from __future__ import annotations

import json
from types import SimpleNamespace
import math
import sqlite3

import numpy as np
import openai
import pytest
from openai import OpenAI

from live import Server, create_key, deployment, postgres_database

import tenku
from tenku.cli import main
from tenku.cli_service import cast_for
from tenku.media import VideoWriter, decode_frames
from tenku.planner import plan
from tenku.planner.cast import CastMember, prepare
from tenku.platform.characters import BANDS, appearance_from_video
from tenku.script import ScriptError
from tenku.script.model import Appearance, Voice

GREEN = "#00ff00"
TINY = dict(size="160x90", seconds=2, quality="draft")


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("TENKU_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


def _made(capsys, *args) -> dict:
    code, out, err = cli(capsys, "character", "create", *args, "--json")
    assert code == 0, err
    return json.loads(out)


# -- the command line ----------------------------------------------------------------------
def test_create_list_show_delete_round_trip(data, capsys):
    mia = _made(capsys, "Mia", "--height", "1.6", "--shirt", "green", "--pants", "#112233",
                "--voice", "en-gb+f3", "--pitch", "70", "--rate", "180")
    assert mia["id"].startswith("char_") and mia["name"] == "Mia" and mia["height"] == 1.6
    assert mia["appearance"] == {"shirt": "#2a9d3f", "pants": "#112233", "skin": None,
                                 "hair": None}
    assert mia["voice"] == {"name": "en-gb+f3", "pitch": 70, "rate": 180}
    leo = _made(capsys, "Leo")  # defaults: 1.78 m, a shirt and a voice picked from the id
    assert leo["height"] == 1.78 and leo["appearance"]["shirt"]
    assert leo["voice"] != mia["voice"]

    code, out, _ = cli(capsys, "character", "list", "--json")
    assert code == 0 and [c["id"] for c in json.loads(out)] == [mia["id"], leo["id"]]
    code, out, _ = cli(capsys, "character", "list")
    assert code == 0 and "Mia" in out and "Leo" in out and "en-gb+f3" in out
    code, out, _ = cli(capsys, "character", "show", mia["id"], "--json")
    assert code == 0 and json.loads(out) == mia
    code, out, _ = cli(capsys, "character", "delete", mia["id"])
    assert code == 0 and mia["id"] in out
    code, _, err = cli(capsys, "character", "show", mia["id"])
    assert code == 2 and "No character found" in err and "tenku character list" in err
    code, out, _ = cli(capsys, "character", "list", "--json")
    assert [c["id"] for c in json.loads(out)] == [leo["id"]]


@pytest.mark.parametrize("args, flag", [
    (["--shirt", "greenish"], "--shirt"), (["--hair", "#12345"], "--hair"),
    (["--height", "3"], "--height"), (["--height", "tall"], "--height"),
    (["--height", "nan"], "--height"), (["--voice", "xx-yy"], "--voice"),
    (["--voice", "en-us+nope"], "--voice"), (["--voice", "EN US"], "--voice"),
    (["--pitch", "100"], "--pitch"), (["--rate", "fast"], "--rate"),
    (["--from-video", "/no/such.mp4"], "--from-video"),
])
def test_bad_input_exits_2_naming_the_flag(data, capsys, args, flag):
    code, out, err = cli(capsys, "character", "create", "Mia", *args)
    assert code == 2 and flag in err and not out
    code, out, _ = cli(capsys, "character", "list", "--json")
    assert json.loads(out) == []  # nothing half-made


def test_a_non_video_file_is_refused(data, capsys, tmp_path):
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video")
    code, _, err = cli(capsys, "character", "create", "Mia", "--from-video", str(fake))
    assert code == 2 and "--from-video" in err


def test_generate_character_flag_limits(data, capsys):
    ids = [_made(capsys, f"P{i}")["id"] for i in range(5)]
    with pytest.raises(ValueError, match="--character: at most 4"):
        cast_for(ids)
    with pytest.raises(ValueError, match="--character: the same id"):
        cast_for([ids[0], ids[0]])
    with pytest.raises(ValueError, match="--character: No character found with id 'char_x'"):
        cast_for(["char_x"])
    assert [m.name for m in cast_for(ids[:2])] == ["P0", "P1"]


# -- reading a look from a video ----------------------------------------------------------
COLOURS = {"hair": (20, 20, 200), "skin": (230, 180, 140), "shirt": (0, 220, 0),
           "pants": (200, 0, 200)}


def person_video(path, width=96, height=192, frames=12) -> None:
    """A grey picture with a full-length 'person' in the middle: colour bands a little wider
    than the ones the estimate reads."""
    img = np.full((height, width, 3), 128, np.uint8)
    x0, x1 = int(width * 0.3), int(width * 0.7)
    for part, (top, bottom) in BANDS.items():
        img[int(height * (top - 0.03)):int(height * (bottom + 0.03)), x0:x1] = COLOURS[part]
    with VideoWriter(path, width, height, 12) as w:
        for _ in range(frames):
            w.write(img)


def _near(hex_: str, rgb, tol=24) -> bool:
    got = [int(hex_[i:i + 2], 16) for i in (1, 3, 5)]
    return all(abs(a - b) <= tol for a, b in zip(got, rgb))


def test_appearance_is_read_from_the_bands_of_the_middle_of_the_picture(tmp_path):
    person_video(tmp_path / "p.mp4")
    look = appearance_from_video(tmp_path / "p.mp4")
    for part, rgb in COLOURS.items():
        assert _near(look[part], rgb), (part, look[part], rgb)


def test_from_video_fills_only_the_colours_not_given(data, capsys, tmp_path):
    person_video(tmp_path / "p.mp4")
    made = _made(capsys, "Ana", "--from-video", str(tmp_path / "p.mp4"), "--shirt", "red")
    assert made["appearance"]["shirt"] == "#d62828"
    assert _near(made["appearance"]["pants"], COLOURS["pants"])
    assert _near(made["appearance"]["hair"], COLOURS["hair"])


# -- casting --------------------------------------------------------------------------------
MIA = CastMember("char_mia", "Mia", 1.5, Appearance(shirt=GREEN), Voice(name="en-gb+f3"))
LEO = CastMember("char_leo", "Leo", 2.1, Appearance(shirt="#ff00ff"), Voice(name="en-us+m7"))


def test_names_become_the_characters_figures_and_their_lines():
    r = plan('Mia kicks the ball to Leo. Mia says "nice one Leo"', characters=[MIA, LEO])
    s = r.script
    mia, leo = s.entity("mia"), s.entity("leo")
    assert (mia.character, mia.label, leo.character, leo.label) == ("char_mia", "Mia",
                                                                     "char_leo", "Leo")
    assert mia.appearance.shirt == GREEN and mia.voice.name == "en-gb+f3"
    assert mia.size[2] == 1.5 and leo.size[2] == 2.1
    assert math.isclose(leo.size[0] / mia.size[0], 2.1 / 1.5, rel_tol=1e-3)
    kick = s.actions[0]
    assert (kick.type, kick.actor, kick.at) == ("kick", "mia", "leo")
    assert [(d.speaker, d.text) for d in s.dialogue] == [("mia", "nice one Leo")]
    assert s.prompt.startswith("Mia kicks the ball to Leo")
    assert [row["entity"] for row in r.grounding.cast] == ["mia", "leo"]


def test_a_screenplay_line_and_quoted_names_are_speech_not_people():
    r = plan("In a park.\nMIA: Hello Leo!\nLEO: Hi Mia.", characters=[MIA, LEO])
    assert [(d.speaker, d.text.rstrip(".")) for d in r.script.dialogue] == [
        ("mia", "Hello Leo!"), ("leo", "Hi Mia")]
    r = plan('a man says "hello Mia"', characters=[MIA])
    assert [d.speaker for d in r.script.dialogue] == ["man"]


def test_a_character_the_prompt_does_not_name_joins_the_scene_facing_the_others():
    r = plan("a man kicks a ball to a woman", characters=[LEO])
    leo = r.script.entity("leo")
    others = [e for e in r.script.entities if e.id != "leo"]
    assert all(math.dist(leo.pose.position[:2], o.pose.position[:2]) >= 0.6 for o in others)
    cx = sum(o.pose.position[0] for o in others) / len(others)
    cy = sum(o.pose.position[1] for o in others) / len(others)
    want = math.degrees(math.atan2(cy - leo.pose.position[1], cx - leo.pose.position[0]))
    assert abs((leo.pose.rotation[2] - want + 180) % 360 - 180) < 1
    assert r.grounding.cast[0]["how"].startswith("added")


def test_two_characters_with_one_name_are_refused():
    twin = CastMember("char_twin", "mia", 1.7, Appearance(), Voice())
    with pytest.raises(ScriptError, match="both named"):
        prepare("Mia waves", [MIA, twin])


def _green(frame: np.ndarray) -> int:
    f = frame.astype(int)
    return int(((f[..., 1] > 160) & (f[..., 0] < 110) & (f[..., 2] < 110)).sum())


def test_one_saved_character_looks_the_same_in_two_videos(data, capsys, tmp_path):
    mia = _made(capsys, "Mia", "--height", "1.5", "--shirt", GREEN, "--voice", "en-gb+f3")
    leo = _made(capsys, "Leo", "--height", "2.1", "--shirt", "#ff00ff")
    cast = cast_for([mia["id"], leo["id"]])
    code, _, err = cli(capsys, "generate", 'Mia says "hello there"', "-o", str(tmp_path / "a.mp4"),
                       "--character", mia["id"], "--character", leo["id"], "--size", "160x90",
                       "--seconds", "2", "--quality", "draft", "--json")
    assert code == 0, err
    a = SimpleNamespace(video=tmp_path / "a.mp4",
                        sidecar=json.loads((tmp_path / "a.world.json").read_text()))
    b = tenku.generate("Mia kicks a ball to Leo in a studio", out=tmp_path / "b.mp4",
                       characters=cast, seed=3, **TINY)
    figs = []
    for result in (a, b):
        ents = {e["id"]: e for e in result.sidecar["script"]["entities"]}
        fig = next(e for e in ents.values() if e.get("character") == mia["id"])
        figs.append((fig["appearance"], fig["size"], fig["voice"]))
        rows = {r["id"]: r for r in result.sidecar["entities"]}
        # pelvis height: a 2.1 m Leo stands 2.1 / 1.5 times as tall as a 1.5 m Mia
        leo_fig = next(e for e in ents.values() if e.get("character") == leo["id"])
        ratio = rows[leo_fig["id"]]["start"][2] / rows[fig["id"]]["start"][2]
        assert math.isclose(ratio, 2.1 / 1.5, rel_tol=0.01)
        frames = list(decode_frames(result.video))
        assert max(_green(f) for f in frames) > 40  # her bright green shirt is on screen
    assert figs[0] == figs[1] and figs[0][0]["shirt"] == GREEN
    spoken = a.sidecar["dialogue"]
    assert [(d["speaker"], d["voice"]) for d in spoken] == [("mia", "en-gb+f3")]
    plain = tenku.generate('a woman says "hello there"', out=tmp_path / "c.mp4", **TINY)
    assert max(_green(f) for f in decode_frames(plain.video)) < 10
    assert plain.sidecar["dialogue"][0]["voice"] != "en-gb+f3"


# -- the store ------------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_characters_saved_before_looks_existed_still_cast(engine, tmp_path):
    """A row made at migration 0003 (a key's character from a video) upgrades to a
    character with the default height and a shirt and voice picked from its id."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from tenku.audio.speech import voice_for
    from tenku.platform.characters import cast_json
    from tenku.store.db import Database, _alembic_config, upgrade
    from tenku.store.models import Character

    def check(url: str) -> None:
        command.upgrade(_alembic_config(url), "0003")
        e = create_engine(url)
        with e.begin() as conn:
            conn.execute(text("INSERT INTO api_keys (id, name, secret_hash, hint, created_at) "
                              "VALUES ('key_1', '', 'h', 'sk', 0)"))
            conn.execute(text("INSERT INTO characters (id, owner, name, blob, content_type, "
                              "created_at) VALUES ('char_old', 'key_1', 'Old', "
                              "'characters/char_old/video.mp4', 'video/mp4', 1)"))
        e.dispose()
        upgrade(url)
        db = Database(url)
        try:
            with db.read() as s:
                got = cast_json(s.get(Character, "char_old"))
        finally:
            db.dispose()
        assert got["height"] == 1.78 and got["name"] == "Old" and got["appearance"]["shirt"]
        assert CastMember.from_json(got).voice == voice_for("char_old")

    if engine == "sqlite":
        check(f"sqlite:///{tmp_path / 'old.db'}")
        assert sqlite3.connect(tmp_path / "old.db").execute(
            "SELECT height FROM characters").fetchone() == (1.78,)
    else:
        with postgres_database() as url:
            check(url)


# -- the API, through the official SDK -----------------------------------------------------
@pytest.fixture(scope="module")
def service(tmp_path_factory):
    data = tmp_path_factory.mktemp("chars")
    with deployment("embedded", data, TENKU_POLL_AFTER_MS="200") as env:
        keys = [create_key(data, env), create_key(data, env)]
        server = Server(data, env).start()
        try:
            yield {"url": server.url, "keys": keys, "data": data}
        finally:
            server.stop()


def client(service, key: int = 0) -> OpenAI:
    return OpenAI(base_url=service["url"] + "/v1", api_key=service["keys"][key], max_retries=0)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("clip") / "person.mp4"
    person_video(path)
    return path.read_bytes()


def test_api_character_from_a_video_is_cast_by_id(service, clip):
    c = client(service)
    made = c.videos.create_character(name="Mia", video=("mia.mp4", clip, "video/mp4"),
                                     extra_body={"height": "1.6", "voice": "en-gb+f3"})
    got = c.videos.get_character(made.id)
    assert (got.id, got.name, got.created_at) == (made.id, "Mia", made.created_at)
    extra = got.model_extra
    assert extra["height"] == 1.6 and extra["voice"]["name"] == "en-gb+f3"
    assert _near(extra["appearance"]["shirt"], COLOURS["shirt"])  # read from the video

    video = c.videos.create(prompt='Mia says "hi"', model="tenku-sim-draft", size="160x90",
                            seconds="2", extra_body={"characters": [made.id]})
    done = c.videos.poll(video.id, poll_interval_ms=200)
    assert done.status == "completed", done.error
    [sidecar] = service["data"].glob(f"blobs/videos/{video.id}/*/world.json")
    script = json.loads(sidecar.read_text())["script"]
    fig = next(e for e in script["entities"] if e.get("character") == made.id)
    assert fig["label"] == "Mia" and fig["size"][2] == 1.6
    assert script["dialogue"][0]["speaker"] == fig["id"]


def test_api_refuses_unknown_foreign_and_too_many_characters(service, clip):
    c, other = client(service), client(service, 1)
    mine = [c.videos.create_character(name=f"C{i}", video=("c.mp4", clip, "video/mp4")).id
            for i in range(3)]
    theirs = other.videos.create_character(name="T", video=("t.mp4", clip, "video/mp4")).id
    kw = dict(prompt="a person waves", model="tenku-sim-draft", size="160x90", seconds="1")
    for ids, error, code in ((["char_nope"], openai.NotFoundError, "character_not_found"),
                             ([theirs], openai.NotFoundError, "character_not_found"),
                             (mine, openai.BadRequestError, "too_many_characters"),
                             ([mine[0], mine[0]], openai.BadRequestError,
                              "duplicate_characters")):
        with pytest.raises(error) as err:
            c.videos.create(**kw, extra_body={"characters": ids})
        assert err.value.code == code and err.value.param == "characters"
    with pytest.raises(openai.NotFoundError):
        other.videos.get_character(mine[0])
    for field, value in (("shirt", "greenish"), ("height", "9"), ("voice", "xx"),
                         ("voice_pitch", "-1")):
        with pytest.raises(openai.BadRequestError) as err:
            c.videos.create_character(name="Bad", video=("c.mp4", clip, "video/mp4"),
                                      extra_body={field: value})
        assert err.value.param == field and f"'{field}'" in err.value.message
