"""Remix and extend, the planner half: instructions edit a planned world script (no rendering)."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenku.catalog import ENVIRONMENTS
from tenku.catalog.environments import MOON_G
from tenku.catalog.check import check_script
from tenku.planner import lexicon as lx
from tenku.planner import plan
from tenku.planner.edit import NEW_THINGS, Edit, NothingToEdit, continue_script, edit_script
from tenku.planner.layout import dims
from tenku.render.looks import STYLE_ALIASES
from tenku.script import ScriptError, WorldScript

PROMPTS = {
    "shot": "a basketball player shoots and misses, the ball bounces off the rim",
    "glass": "a glass falls off a table and shatters",
    "tank": "a wooden block and an iron ball are dropped into a water tank",
    "roll": "a ball rolls across the floor toward a table",
    "bowl": "a bowling ball rolls into the pins",
    "hold": "a man holding a wine glass",
}


@pytest.fixture(scope="module")
def parents() -> dict[str, WorldScript]:
    return {name: plan(prompt, seed=0).script for name, prompt in PROMPTS.items()}


def _by_id(script: WorldScript) -> dict:
    return {e.id: e for e in script.entities}


def _actions(script: WorldScript) -> list[dict]:
    return [a.model_dump() for a in script.actions]


def _footprint(e) -> tuple[float, float, float, float]:
    """The floor-plan box around an entity turned by its yaw."""
    w, d, _ = e.size or dims(e.kind)
    yaw = math.radians(e.pose.rotation[2])
    dx = w * abs(math.cos(yaw)) + d * abs(math.sin(yaw))
    dy = w * abs(math.sin(yaw)) + d * abs(math.cos(yaw))
    x, y, _ = e.pose.position
    return x - dx / 2, y - dy / 2, x + dx / 2, y + dy / 2


def _overlap(a, b) -> bool:
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])


def _valid(edit: Edit) -> Edit:
    check_script(edit.script)
    return edit


# ---------------------------------------------------------------- looks: same motion

def test_colour_changes_only_that_entity(parents):
    parent = parents["shot"]
    edit = _valid(edit_script(parent, "make the ball blue"))
    assert edit.physics is False and edit.not_understood == []
    assert edit.changes == [{"words": "make the ball blue", "what": "color", "target": "ball",
                             "from": None, "to": lx.COLORS["blue"]}]
    after = edit.script.model_dump()
    before = parent.model_dump()
    after["entities"][2]["color"] = None
    after["prompt"] = before["prompt"]
    assert after == before
    assert edit.script.prompt == parent.prompt + " / remix: make the ball blue"


def test_people_wear_their_colours(parents):
    parent = parents["shot"]
    shirt = edit_script(parent, "give the man a red shirt").script
    assert _by_id(shirt)["player"].appearance.shirt == lx.COLORS["red"]
    pants = edit_script(parent, "make his pants blue").script
    assert _by_id(pants)["player"].appearance.pants == lx.COLORS["blue"]
    assert _by_id(pants)["player"].appearance.shirt is None


def test_plural_colours_every_one_and_hex(parents):
    edit = edit_script(parents["bowl"], "make the pins gold")
    pins = [e for e in edit.script.entities if e.kind == "bowling_pin"]
    assert len(pins) == 10 and {p.color for p in pins} == {lx.EDIT_COLORS["gold"]}
    assert _by_id(edit.script)["bowling_ball"].color is None
    assert _by_id(edit_script(parents["shot"], "the ball should be #FF8800").script)[
        "ball"].color == "#ff8800"
    assert _by_id(edit_script(parents["shot"], "a red ball").script)["ball"].color == \
        lx.COLORS["red"]


@pytest.mark.parametrize("words,style", [("in anime style", "anime"),
                                         ("make it cinematic", "cinematic"),
                                         ("as a 1960s newsreel", "newsreel"),
                                         ("film noir", "noir"),
                                         ("make it black and white", "newsreel")])
def test_style_words(parents, words, style):
    edit = edit_script(parents["shot"], words)
    assert edit.script.style == style and style in STYLE_ALIASES.values()
    assert edit.physics is False


def test_weather_lighting_camera_music(parents):
    parent = parents["shot"]
    rain = edit_script(parent, "make it rain").script
    assert rain.weather == "rain"
    assert edit_script(rain, "stop the rain").script.weather == "clear"
    assert edit_script(parent, "at night").script.lighting.preset == "night"
    assert edit_script(parent, "at sunset").script.lighting.preset == "sunset"
    cams = edit_script(parent, "from a low angle, orbit around it, handheld").script.shots
    assert all(s.camera.angle == "low" and s.camera.rig == "orbit" and s.camera.shake > 0
               for s in cams)
    assert edit_script(parent, "close-up").script.shots[0].camera.framing == "close"
    sad = edit_script(parent, "add sad music").script
    assert sad.music == "sad"
    assert edit_script(sad, "no music").script.music is None


# ---------------------------------------------------------------- physics: motion may change

def test_blue_ball_on_the_moon(parents):
    parent = parents["shot"]
    edit = _valid(edit_script(parent, "make the ball blue and set it on the moon"))
    s = edit.script
    assert edit.physics is True and edit.not_understood == []
    assert _by_id(s)["ball"].color == lx.COLORS["blue"]
    assert s.environment == "moon" and s.gravity is None
    assert ENVIRONMENTS["moon"].gravity == (0.0, 0.0, -MOON_G) == (0.0, 0.0, -1.62)
    assert {r["what"] for r in edit.changes} >= {"color", "environment"}
    # the moon has no walls: everything stays where it was, every action as it was
    assert [e.pose for e in s.entities] == [e.pose for e in parent.entities]
    assert _actions(s) == _actions(parent)
    assert (s.seed, s.fps, s.size, s.duration) == (parent.seed, parent.fps, parent.size,
                                                   parent.duration)


def test_a_walled_place_moves_the_whole_scene(parents):
    edit = _valid(edit_script(parents["roll"], "set it in a pool"))
    row = next(r for r in edit.changes if r["what"] == "environment")
    assert "moved the whole scene" in row["note"]
    pool = ENVIRONMENTS["pool"].water
    for e in edit.script.entities:
        x0, y0, x1, y1 = _footprint(e)
        assert x1 <= pool.lo[0] or pool.hi[0] <= x0 or y1 <= pool.lo[1] or pool.hi[1] <= y0
    shifts = {tuple(round(b - a, 4) for a, b in zip(old.pose.position, new.pose.position))
              for old, new in zip(parents["roll"].entities, edit.script.entities)}
    assert len(shifts) == 1 and shifts != {(0.0, 0.0, 0.0)}   # one rigid move


def test_material_and_size(parents):
    parent = parents["shot"]
    wooden = edit_script(parent, "make the ball wooden")
    assert _by_id(wooden.script)["ball"].material == "wood" and wooden.physics
    assert _by_id(edit_script(parent, "make the ball out of steel").script)[
        "ball"].material == "steel"
    real = dims("basketball")
    assert _by_id(edit_script(parent, "make the ball twice as big").script)["ball"].size == \
        pytest.approx([2 * v for v in real], abs=1e-3)
    assert _by_id(edit_script(parent, "a bigger ball").script)["ball"].size == \
        pytest.approx([1.5 * v for v in real], abs=1e-3)
    tiny = _by_id(edit_script(parents["glass"], "make the glass tiny").script)["glass"]
    assert tiny.size == pytest.approx([lx.SIZES["tiny"] * v for v in dims("drinking_glass")],
                                      abs=1e-3)
    with pytest.raises(NothingToEdit, match="people and animals"):
        edit_script(parent, "make the player wooden")


def test_selectors_pick_among_things(parents):
    edit = edit_script(parents["tank"], "make the iron ball wooden")
    assert [r["target"] for r in edit.changes] == ["ball"]
    both = edit_script(parents["tank"], "make the block and the ball red")
    assert {r["target"] for r in both.changes} == {"ball", "wood_block"}
    assert both.not_understood == []


@pytest.mark.parametrize("words,g", [("with half gravity", -4.905), ("zero gravity", 0.0),
                                     ("in zero g", 0.0), ("twice the gravity", -19.62),
                                     ("moon gravity", -1.62), ("gravity 3 m/s2", -3.0),
                                     ("gravity of 2.5 m/s²", -2.5), ("in 2 g", -19.62),
                                     ("set it on the moon with twice the gravity", -3.24)])
def test_gravity_phrases(parents, words, g):
    edit = edit_script(parents["shot"], words)
    assert edit.script.gravity == pytest.approx((0.0, 0.0, g)) and edit.physics


def test_a_new_place_brings_its_own_gravity(parents):
    weightless = edit_script(parents["roll"], "zero gravity").script
    assert edit_script(weightless, "move it to a kitchen").script.gravity is None
    kept = edit_script(parents["roll"], "zero gravity and move it to a kitchen").script
    assert kept.environment == "kitchen" and kept.gravity == (0.0, 0.0, 0.0)


def test_replace_renames_every_reference(parents):
    edit = _valid(edit_script(parents["shot"], "replace the ball with a bowling ball"))
    s = edit.script
    ball = _by_id(s)["bowling_ball"]
    assert ball.kind == "bowling_ball" and ball.held_by == "player" and ball.size is None
    assert "ball" not in _by_id(s)
    (throw,) = s.actions
    assert (throw.actor, throw.target, throw.at) == ("player", "bowling_ball", "hoop")
    mug = _valid(edit_script(parents["glass"], "turn the glass into a mug")).script
    assert _by_id(mug)["cup"].kind == "cup" and mug.actions[0].target == "cup"
    soccer = edit_script(parents["shot"], "swap the basketball for a soccer ball").script
    assert _by_id(soccer)["ball"].kind == "soccer_ball"   # "ball" names a soccer ball too
    with pytest.raises(NothingToEdit, match="only people throw"):
        edit_script(parents["shot"], "replace the player with a dog")


def test_add_finds_free_floor(parents):
    for name in ("shot", "roll", "bowl"):
        parent = parents[name]
        s = _valid(edit_script(parent, "add two dogs")).script
        new = [e for e in s.entities if e.kind == "dog"]
        assert len(new) == 2 and all(e.pose.position[2] == 0.0 for e in new)
        others = [e for e in s.entities if not e.held_by]
        for e in new:
            assert not any(_overlap(_footprint(e), _footprint(o)) for o in others if o is not e)
        assert _actions(s) == _actions(parent)


def test_put_a_thing_on_the_table(parents):
    edit = _valid(edit_script(parents["glass"], "put a red ball on the table"))
    s = _by_id(edit.script)
    ball = next(e for e in edit.script.entities if e.kind == "basketball")
    assert ball.color == lx.COLORS["red"] and ball.pose.position[2] == pytest.approx(0.75)
    x0, y0, x1, y1 = _footprint(ball)
    t0, u0, t1, u1 = _footprint(s["table"])
    assert t0 <= x0 and x1 <= t1 and u0 <= y0 and y1 <= u1
    assert not _overlap(_footprint(ball), _footprint(s["glass"]))


def test_remove_refuses_what_an_action_needs(parents):
    with pytest.raises(NothingToEdit, match="the roll at 0.2 s aims at it"):
        edit_script(parents["roll"], "remove the table")
    edit = _valid(edit_script(parents["glass"], "without the table"))
    assert "table" not in _by_id(edit.script) and "glass rested on it" in edit.changes[0]["note"]
    with pytest.raises(NothingToEdit, match="there is no chair"):
        edit_script(parents["glass"], "remove the chair")


def test_action_outcome_and_speed(parents):
    score = edit_script(parents["shot"], "make him score")
    assert score.script.actions[0].outcome == "make" and score.physics
    faster = edit_script(parents["roll"], "make the ball roll faster").script
    assert faster.actions[0].speed == pytest.approx(parents["roll"].actions[0].speed * 1.5)
    assert faster.actions[0].t == parents["roll"].actions[0].t


# ---------------------------------------------------------------- what was not understood

def test_nothing_to_edit_says_what_the_video_has(parents):
    with pytest.raises(NothingToEdit) as err:
        edit_script(parents["shot"], "make the dragon red")
    msg = str(err.value)
    assert isinstance(err.value, ScriptError) and isinstance(err.value, ValueError)
    assert "there is no dragon in this video" in msg
    for listed in ("hoop (hoop)", "player (person)", "ball (basketball)"):
        assert listed in msg
    assert 'Try e.g. "make the basketball blue"' in msg


def test_partly_understood_keeps_the_understood_part(parents):
    edit = edit_script(parents["shot"], "make the ball blue and the dragon red, in 4k")
    assert _by_id(edit.script)["ball"].color == lx.COLORS["blue"]
    assert any("dragon" in w for w in edit.not_understood)
    assert any("4k" in w for w in edit.not_understood)


@pytest.mark.parametrize("bad", ["", "   ", None])
def test_empty_instruction_says_what_to_write(parents, bad):
    with pytest.raises(ScriptError, match="make the ball blue"):
        edit_script(parents["shot"], bad)


def test_the_floor_is_the_place(parents):
    with pytest.raises(NothingToEdit, match="belongs to the place"):
        edit_script(parents["shot"], "make the floor red")


# ---------------------------------------------------------------- property: looks only

_LOOKS = st.one_of(
    st.builds("make the {} {}".format, st.sampled_from(["ball", "hoop", "player", "man"]),
              st.sampled_from(["red", "blue", "gold", "orange", "#12ab34"])),
    st.builds("in {} style".format, st.sampled_from(["anime", "cinematic", "noir", "vintage"])),
    st.sampled_from(["make it cinematic", "as a 1960s newsreel", "film noir", "at night",
                     "at sunset", "from a low angle", "close-up", "orbit around it",
                     "handheld", "follow the ball", "make it rain", "stop the rain",
                     "add sad music", "no music", "give the man a red shirt",
                     "make his pants blue"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(_LOOKS, min_size=1, max_size=3),
       joiner=st.sampled_from([" and ", ", ", " then "]))
def test_look_only_edits_keep_the_motion(parents, parts, joiner):
    parent = parents["shot"]
    edit = edit_script(parent, joiner.join(parts))
    assert edit.physics is False
    assert [(e.id, e.kind, e.pose, e.size, e.material) for e in edit.script.entities] == \
        [(e.id, e.kind, e.pose, e.size, e.material) for e in parent.entities]
    assert _actions(edit.script) == _actions(parent)
    assert (edit.script.environment, edit.script.gravity) == (parent.environment,
                                                              parent.gravity)


# ---------------------------------------------------------------- extensions

def test_extension_rolls_the_ball_under_the_table(parents):
    parent = parents["roll"]
    at = parent.world_end
    edit = _valid(continue_script(parent, "then the ball rolls under the table", at=at,
                                  seconds=4))
    s = edit.script
    assert s.begin == at and s.shots[0].start == at and s.duration == 4
    assert s.world_end == pytest.approx(at + 4)
    assert _actions(s)[:len(parent.actions)] == _actions(parent)
    (new,) = s.actions[len(parent.actions):]
    assert (new.type, new.target, new.at) == ("roll", "ball", "table")
    assert at <= new.t < at + 4
    assert edit.physics and edit.not_understood == []
    assert [e.model_dump() for e in s.entities] == [e.model_dump() for e in parent.entities]


def test_extension_kick_and_look_change(parents):
    parent = parents["shot"]
    edit = continue_script(parent, "make it anime, then the person kicks the ball",
                           at=parent.world_end, seconds=3)
    assert edit.script.style == "anime"
    kick = edit.script.actions[-1]
    assert (kick.type, kick.actor, kick.target) == ("kick", "player", "ball")


def test_extension_lets_go_of_what_is_held(parents):
    parent = parents["hold"]
    edit = continue_script(parent, "then he drops it", at=parent.world_end, seconds=3)
    assert [(a.type, a.actor) for a in edit.script.actions] == [("release", "man")]
    glass = continue_script(parents["glass"], "the glass falls", at=4.0, seconds=3)
    assert glass.script.actions == parents["glass"].actions
    assert any("held" in w for w in glass.not_understood)


def test_extension_brings_in_nothing_new(parents):
    parent = parents["roll"]
    edit = continue_script(parent, "then a dog runs in and sets it on the moon",
                           at=parent.world_end, seconds=4)
    assert [e.id for e in edit.script.entities] == [e.id for e in parent.entities]
    assert edit.script.environment == parent.environment
    assert any(NEW_THINGS in w and w.startswith("dog") for w in edit.not_understood)
    assert any("moon" in w for w in edit.not_understood)
    quiet = continue_script(parent, "then nothing happens", at=parent.world_end, seconds=2)
    assert quiet.script.actions == parent.actions and quiet.physics is False
    assert quiet.not_understood


def test_extension_window_is_checked(parents):
    parent = parents["roll"]
    with pytest.raises(ScriptError, match="at most"):
        continue_script(parent, "", at=parent.world_end, seconds=0)
    with pytest.raises(ScriptError, match="starts at a world time"):
        continue_script(parent, "", at=-1.0, seconds=2)
    with pytest.raises(ScriptError, match="extend from its end"):
        continue_script(parent, "", at=0.0, seconds=0.1)
