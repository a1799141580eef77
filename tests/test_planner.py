"""Planner tests: canonical scenes, grounding, determinism, input errors, fuzzing, LLM path."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenku.catalog import ENVIRONMENTS, KINDS
from tenku.catalog.check import check_script
from tenku.planner import LLMConfig, NothingToFilm, plan
from tenku.script import ScriptError, WorldScript


def _by_id(script):
    return {e.id: e for e in script.entities}


def _actions(script, kind):
    return [a for a in script.actions if a.type == kind]


# ---------------------------------------------------------------- canonical prompts

def test_basketball_miss():
    r = plan("a basketball player shoots and misses, the ball bounces off the rim")
    s = r.script
    ents = _by_id(s)
    assert s.environment == "basketball_court"
    assert ents["hoop"].kind == "hoop" and ents["hoop"].fixed is True
    assert ents["hoop"].pose.position == (-12.5, 0.0, 0.0) and ents["hoop"].pose.rotation[2] == 0
    p = ents["player"]
    assert p.kind == "person" and p.pose.rotation[2] == 180.0
    assert abs((p.pose.position[0] - (-12.5 + 0.38)) - 4.62) < 0.2
    assert ents["ball"].kind == "basketball" and ents["ball"].held_by == "player"
    (throw,) = _actions(s, "throw")
    assert (throw.actor, throw.target, throw.at, throw.outcome) == ("player", "ball", "hoop",
                                                                     "miss")
    assert abs(throw.t - 0.8) < 0.3 and s.duration == 4.0
    assert r.grounding.actions[0]["outcome"] == "miss"


@pytest.mark.parametrize("prompt", ["a basketball player shoots and scores",
                                    "a player takes a shot, swish, nothing but net",
                                    "a player shoots and makes it"])
def test_basketball_make(prompt):
    (throw,) = _actions(plan(prompt).script, "throw")
    assert throw.outcome == "make" and throw.at == "hoop"


@pytest.mark.parametrize("prompt", ["a player shoots and bricks it", "a kid shoots an airball",
                                    "a player shoots, the ball bounces off the backboard"])
def test_basketball_miss_words(prompt):
    assert _actions(plan(prompt).script, "throw")[0].outcome == "miss"


def test_release_wine_glass():
    s = plan("a man holding a wine glass opens his hand").script
    ents = _by_id(s)
    assert s.environment == "studio"
    assert ents["man"].kind == "person" and ents["man"].pose.position == (0.0, 0.0, 0.0)
    assert ents["glass"].kind == "wine_glass" and ents["glass"].held_by == "man"
    (rel,) = _actions(s, "release")
    assert rel.actor == "man" and abs(rel.t - 1.0) < 0.3
    assert plan("in a kitchen a man holding a wine glass lets go").script.environment == \
        "kitchen"


def test_drop_without_holder():
    s = plan("a glass falls from 2 m").script
    (e,) = s.entities
    assert e.kind == "drinking_glass" and e.pose.position[2] == 2.0
    assert _actions(s, "drop")[0].target == e.id


def test_water_tank_blocks():
    s = plan("a wooden block and an iron block are placed in a water tank").script
    ents = _by_id(s)
    assert s.environment == "water_tank"
    assert ents["wood_block"].pose.position == (-0.12, 0.0, 0.42)
    assert ents["iron_block"].pose.position == (0.12, 0.0, 0.42)
    targets = {a.target for a in _actions(s, "place_on_water")}
    assert targets == {"wood_block", "iron_block"}


def test_dominoes():
    s = plan("a line of dominoes topples").script
    ids = [f"domino_{i}" for i in range(1, 13)]
    ents = _by_id(s)
    assert [e.id for e in s.entities] == ids
    xs = [ents[i].pose.position[0] for i in ids]
    assert all(abs((b - a) - 0.036) < 1e-6 for a, b in zip(xs, xs[1:]))
    assert all(ents[i].pose.position[1:] == (0.0, 0.0) for i in ids)
    (top,) = _actions(s, "topple")
    assert top.target == "domino_1" and top.direction == (1.0, 0.0, 0.0) and top.t == 0.3


def test_bowling():
    s = plan("a bowling ball rolls into the pins").script
    ents = _by_id(s)
    assert s.environment == "bowling_alley"
    pins = [ents[f"pin_{i}"] for i in range(1, 11)]
    assert pins[0].pose.position == (0.0, 0.0, 0.0)
    assert all(p.kind == "bowling_pin" and p.pose.position[0] >= 0 for p in pins)
    for a in pins:  # 12-inch centres: no two pins closer than 0.3048 m
        for b in pins:
            if a is not b:
                d = sum((u - v) ** 2 for u, v in zip(a.pose.position, b.pose.position)) ** .5
                assert d > 0.30
    ball = ents["bowling_ball"]
    assert ball.pose.position[0] == -4.0 and 0 < abs(ball.pose.position[1]) < 0.06
    (roll,) = _actions(s, "roll")
    assert roll.target == "bowling_ball" and roll.speed == 7.0 and roll.at == "pin_1"


@pytest.mark.parametrize("prompt,env,kinds,acts", [
    ("a ball bounces", "studio", {"basketball"}, {"drop"}),
    ("a tennis ball and a bowling ball are dropped", "studio", {"tennis_ball", "bowling_ball"},
     {"drop"}),
    ("a stack of boxes falls over", "studio", {"box"}, {"stack", "push"}),
    ("a soccer player kicks the ball", None, {"person", "soccer_ball"}, {"kick"}),
    ("a toy car rolls down a ramp", "studio", {"toy_car", "ramp"}, {"drop"}),
    ("a beach ball floats in the pool", "pool", {"beach_ball"}, {"place_on_water"}),
    ("a cat pushes a cup off the table", "studio", {"cat", "cup", "table"}, {"push"}),
    ("astronaut in a space station lets go of an apple", "space_station", {"person", "apple"},
     {"release"}),
    ("a feather and a hammer are dropped on the moon", "moon", {"feather", "hammer"}, {"drop"}),
    ("a feather and a hammer fall in a vacuum chamber", "vacuum_chamber", {"feather", "hammer"},
     {"drop"}),
])
def test_reasonable_plans(prompt, env, kinds, acts):
    s = plan(prompt).script
    if env:
        assert s.environment == env
    assert {e.kind for e in s.entities} == kinds
    assert {a.type for a in s.actions} == acts


def test_ramp_and_table_geometry():
    s = plan("a toy car rolls down a ramp").script
    ramp, car = _by_id(s)["ramp"], _by_id(s)["toy_car"]
    assert ramp.pose.rotation[1] == 20.0 and car.pose.position[2] > 0.2
    s = plan("a cat pushes a cup off the table").script
    e = _by_id(s)
    assert e["cup"].pose.position[2] == pytest.approx(0.75)
    assert e["cat"].pose.position[2] == pytest.approx(0.75)
    assert _actions(s, "push")[0].actor == "cat"


def test_modifiers_camera_lighting_duration():
    r = plan("three giant red wooden balls in a kitchen, close-up from above at sunset, "
             "an 8-second vertical video, orbiting")
    s = r.script
    balls = [e for e in s.entities if e.id.startswith("ball")]
    assert len(balls) == 3 and all(b.color == "#d62828" and b.material == "wood" and b.size
                                   for b in balls)
    cam = s.shots[0].camera
    assert (cam.framing, cam.angle, cam.rig) == ("close", "top", "orbit")
    assert s.lighting.preset == "sunset" and s.duration == 8.0 and s.size == "720x1280"
    assert plan("a ball bounces for 90 seconds").script.duration == 20.0
    s = plan("a ball rolls, tracking the ball").script
    assert s.shots[0].camera.rig == "follow" and s.shots[0].camera.follow == "ball"
    s = plan("a pyramid of cans").script
    assert len(s.entities) == 6


def test_no_overlap_on_floor():
    s = plan("a crate, a barrel, a chair, two boxes and a traffic cone in a living room").script
    foot = []
    for e in s.entities:
        lo, hi = KINDS[e.kind].bounds()
        x, y, _ = e.pose.position
        foot.append((x + lo[0], y + lo[1], x + hi[0], y + hi[1]))
        assert abs(x) < 3 and abs(y) < 3
    for i, a in enumerate(foot):
        for b in foot[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


# ---------------------------------------------------------------- grounding

@pytest.mark.parametrize("prompt,kind", [("b-ball", "basketball"), ("a goblet", "wine_glass"),
                                         ("a pooch", "dog"), ("a wineglass", "wine_glass"),
                                         ("a footballer", "person")])
def test_synonyms(prompt, kind):
    r = plan(prompt)
    assert r.grounding.entities[0]["kind"] == kind
    assert r.script.entities[0].kind == kind


def test_embedding_rows():
    g = plan("a pooch").grounding
    assert g.entities[0]["how"] == "embedding" and 0.58 <= g.entities[0]["score"] <= 1
    g = plan("a kid shooting hoops").grounding
    assert g.environment["name"] == "basketball_court"
    assert any(e["kind"] == "hoop" for e in g.entities)


def test_not_understood():
    r = plan("a basketball and a quantum philosophy")
    g = r.grounding
    assert [e["kind"] for e in g.entities] == ["basketball"]
    assert any("philosophy" in w for w in g.not_understood)
    assert json.loads(json.dumps(g.to_json()))["not_understood"] == g.not_understood


def test_determinism():
    for prompt in ("a basketball player shoots and misses, the ball bounces off the rim",
                   "a pooch and three red balls in the park at night"):
        a = plan(prompt, seed=7)
        b = plan(prompt, seed=7)
        assert a.script.model_dump_json() == b.script.model_dump_json()
        assert a.grounding.to_json() == b.grounding.to_json()
        assert a.script.seed == 7 and a.script.prompt == prompt


# ---------------------------------------------------------------- errors and fuzz

@pytest.mark.parametrize("prompt", ["", "   \n\t ", "x" * 32_001])
def test_bad_prompts(prompt):
    with pytest.raises(ScriptError):
        plan(prompt)


def test_bad_arguments():
    for kw in ({"fps": 7}, {"size": "999x3"}, {"duration": 0}, {"duration": 21},
               {"seed": -1}):
        with pytest.raises(ScriptError):
            plan("a ball bounces", **kw)


def test_nothing_to_film():
    with pytest.raises(NothingToFilm) as err:
        plan("philosophy of democracy")
    assert "a line of dominoes topples" in str(err.value)
    assert "basketball" in str(err.value)


def _check(prompt):
    try:
        r = plan(prompt)
    except (ScriptError, NothingToFilm):
        return
    s = r.script
    WorldScript.model_validate(s.model_dump())
    assert s.environment in ENVIRONMENTS
    assert all(e.kind in KINDS for e in s.entities)
    check_script(s)  # holders are figures, targets can move, speakers are people
    json.dumps(r.grounding.to_json())


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=300))
def test_fuzz_text(prompt):
    _check(prompt)


_WORDS = ["ball", "three", "dominoes", "glass", "man", "holding", "drops", "kicks", "shoots",
          "misses", "in", "the", "pool", "table", "off", "a", "line", "of", "stack", "giant",
          "red", "rolls", "into", "pins", "ramp", "down", "cat", "pushes", "🎉", "<b>", "'; DROP",
          "TABLE", "\x00", "lets", "go", "falls", "over", "on", "moon", "99999999", "and", ","]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=30).map(" ".join))
def test_fuzz_words(prompt):
    _check(prompt)


def test_huge_prompt():
    _check(("a line of 500 dominoes topples and a ball bounces " * 700)[:32_000])
    _check("ball " * 6400)


# ---------------------------------------------------------------- LLM path

_VALID = {
    "environment": "studio",
    "entities": [{"id": "ball", "kind": "basketball", "pose": {"position": [0, 0, 1.5]}}],
    "actions": [{"type": "drop", "target": "ball", "t": 0.5}],
}


def _serve(reply: str):
    class H(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            n = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(n))
            assert body["messages"][-1]["content"]
            assert "basketball" in body["messages"][0]["content"]
            out = json.dumps({"choices": [{"message": {"role": "assistant",
                                                       "content": reply}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *a):
            pass

    srv = HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.mark.parametrize("reply,used", [
    ("```json\n" + json.dumps(_VALID) + "\n```", True),
    ("I am not JSON at all", False),
    (json.dumps({**_VALID, "entities": [{"id": "x", "kind": "unicorn"}], "actions": []}), False),
])
def test_llm(reply, used):
    srv = _serve(reply)
    try:
        cfg = LLMConfig(f"http://127.0.0.1:{srv.server_address[1]}/v1", "test-model", "k")
        r = plan("a dog drops a ball", seed=3, llm=cfg)
    finally:
        srv.shutdown()
    assert r.script.seed == 3 and r.script.prompt == "a dog drops a ball"
    if used:
        assert r.grounding.planner == "llm"
        assert r.script.entities[0].id == "ball" and r.grounding.entities[0]["how"] == "llm"
    else:
        assert r.grounding.planner.startswith("offline (llm failed:")
        assert any(e.kind == "dog" for e in r.script.entities)


def test_llm_unreachable_and_env(monkeypatch):
    r = plan("a ball bounces", llm=LLMConfig("http://127.0.0.1:9", "m", timeout=2))
    assert r.grounding.planner.startswith("offline (llm failed:")
    monkeypatch.delenv("TENKU_LLM_BASE_URL", raising=False)
    assert LLMConfig.from_env() is None
    monkeypatch.setenv("TENKU_LLM_BASE_URL", "http://x")
    monkeypatch.setenv("TENKU_LLM_MODEL", "m")
    assert LLMConfig.from_env().model == "m"
