"""Renderer and camera rigs, on tiny frames built from hand-made simulation results."""

from __future__ import annotations

import numpy as np
import pytest

from tenku.catalog import environment, kind
from tenku.render import CameraPose, Renderer, camera_path
from tenku.scene.parts import Part
from tenku.scene.result import SimResult, Track
from tenku.script.model import Camera, Entity, Lighting, Push, Shot, WorldScript

T = 12
FPS = 24
STUDIO = environment("studio")


def _track(tid, parts, pos, T=T, visible=None, dynamic=True):
    pos = np.asarray(pos, dtype=float)
    if pos.ndim == 1:
        pos = np.tile(pos, (T, 1))
    quat = np.tile([1.0, 0.0, 0.0, 0.0], (len(pos), 1))
    vis = np.ones(len(pos), bool) if visible is None else np.asarray(visible, bool)
    return Track(tid, tid, "thing", list(parts), pos, quat, vis, dynamic=dynamic)


def _ball(r=0.15, material="plastic", color=(0.9, 0.1, 0.1), texture=None):
    return Part("sphere", (r,), (0, 0, r), material=material, color=color, texture=texture)


def _sim(tracks, water=None, static=(), n=T):
    return SimResult(np.arange(n) / FPS, tracks, list(static), [], (0, 0, -9.81), water=water)


def _project(pose: CameraPose, p, w, h):
    """Pixel (col, row from the top) of a world point, and whether it is in front."""
    v = pose.view() @ np.append(p, 1.0)
    c = pose.projection(w / h, 0.01, 100.0) @ v
    ndc = c[:3] / c[3]
    return (ndc[0] * 0.5 + 0.5) * w, (1 - (ndc[1] * 0.5 + 0.5)) * h, c[3] > 0


FRONT = CameraPose(eye=(0.0, -2.2, 0.9), target=(0.0, 0.0, 0.15), fov=40.0)


def _render(sim, frames, pose=FRONT, size=(96, 64), env=STUDIO, **kw):
    with Renderer(*size, sim, env, lighting=Lighting(), **kw) as r:
        return [r.render(f, pose) for f in frames]


def _patch(img, col, row, rad=3):
    c, r = int(round(col)), int(round(row))
    return img[max(r - rad, 0):r + rad + 1, max(c - rad, 0):c + rad + 1].astype(float)


def test_output_shape_dtype_and_sizes_portrait_and_landscape():
    sim = _sim([_track("ball", [_ball()], (0, 0, 0))])
    for w, h in ((160, 90), (64, 64), (90, 160)):
        (img,) = _render(sim, [0], size=(w, h))
        assert img.shape == (h, w, 3) and img.dtype == np.uint8
        assert img.std() > 2  # not a blank frame


def test_moving_ball_changes_pixels_where_it_is():
    xs = np.linspace(-0.5, 0.5, T)
    pos = np.stack([xs, np.zeros(T), np.zeros(T)], 1)
    sim = _sim([_track("ball", [_ball()], pos)])
    w, h = 96, 64
    a, b = _render(sim, [0, T - 1], size=(w, h))
    # Where the ball was at frame 0 the picture changed; a far corner did not.
    col, row, _ = _project(FRONT, pos[0] + [0, 0, 0.15], w, h)
    assert np.abs(_patch(a, col, row) - _patch(b, col, row)).mean() > 20
    assert np.abs(a[:6, :6].astype(float) - b[:6, :6]).mean() < 3
    # The ball is red where it is.
    pa = _patch(a, col, row, 1).reshape(-1, 3).mean(0)
    assert pa[0] > pa[1] + 40


def test_shadow_darkens_floor_under_object():
    # A slab hovering 40 cm up; the sun straight overhead-ish puts its shadow on the floor.
    slab = Part("box", (0.25, 0.25, 0.02), (0, 0, 0), material="wood")
    sim_with = _sim([_track("slab", [slab], (0, 0, 0.4))])
    sim_without = _sim([_track("slab", [slab], (5, 5, 0.4))])
    # Low camera: the floor under the slab is seen in the gap below it.
    pose = CameraPose(eye=(0.0, -3.0, 0.6), target=(0.0, 0.0, 0.2), fov=40.0)
    light = Lighting(preset="day", sun_elevation=89.0)
    w, h = 96, 64
    with Renderer(w, h, sim_with, STUDIO, lighting=light) as r:
        a = r.render(0, pose)
    with Renderer(w, h, sim_without, STUDIO, lighting=light) as r:
        b = r.render(0, pose)
    col, row, _ = _project(pose, np.array([0.0, 0.05, 0.0]), w, h)
    la, lb = _patch(a, col, row, 1).mean(), _patch(b, col, row, 1).mean()
    assert la < lb - 15, (la, lb)


def test_glass_is_see_through():
    # A red wall behind a glass pane and an opaque pane of the same shape.
    wall = Part("box", (0.6, 0.02, 0.4), (0, 0, 0.4), material="paint", color=(0.9, 0.05, 0.05))
    glass = Part("box", (0.3, 0.01, 0.25), (0, 0, 0.3), material="glass")
    opaque = Part("box", (0.3, 0.01, 0.25), (0, 0, 0.3), material="paint", color=(0.92, 0.96, 0.98))
    pose = CameraPose(eye=(0.0, -2.0, 0.35), target=(0.0, 0.0, 0.3), fov=35.0)
    w, h = 96, 64
    imgs = {}
    for name, pane in (("glass", glass), ("opaque", opaque), ("none", None)):
        tracks = [_track("wall", [wall], (0, 0.5, 0))]
        if pane is not None:
            tracks.append(_track("pane", [pane], (0, 0, 0)))
        (imgs[name],) = _render(_sim(tracks), [0], pose=pose, size=(w, h))
    col, row, _ = _project(pose, np.array([0.0, 0.0, 0.3]), w, h)

    def redness(img):
        p = _patch(img, col, row, 2).reshape(-1, 3).mean(0)
        return p[0] - (p[1] + p[2]) / 2

    assert redness(imgs["none"]) > 80
    assert redness(imgs["opaque"]) < 20
    assert redness(imgs["glass"]) > 0.6 * redness(imgs["none"])
    # ...and the glass still shows: it is not simply missing.
    assert np.abs(imgs["glass"].astype(float) - imgs["none"]).mean() > 0.5


def test_invisible_tracks_are_not_drawn():
    vis = np.zeros(T, bool)
    vis[6:] = True
    sim = _sim([_track("ball", [_ball()], (0, 0, 0), visible=vis)])
    sim_empty = _sim([])
    hidden, shown = _render(sim, [0, 8])
    (empty,) = _render(sim_empty, [0])
    assert np.abs(hidden.astype(float) - empty).max() <= 2
    assert np.abs(shown.astype(float) - empty).max() > 50


def test_water_and_lathe_and_torus_render():
    env = environment("water_tank")
    glass = kind("wine_glass").parts
    ring = Part("torus", (0.08, 0.015), (0, 0, 0.1), material="steel")
    duck = _track("duck", [_ball(0.04, "rubber", (1.0, 0.85, 0.1))], (0.1, 0, 0.3))
    sim = SimResult(np.arange(4) / FPS,
                    [duck, _track("glass", glass, (0.45, 0, 0), 4), _track("ring", [ring], (-0.5, 0, 0), 4)],
                    list(env.parts), [], (0, 0, -9.81), water=env.water)
    pose = CameraPose(eye=(0.1, -1.4, 0.7), target=(0.0, 0.0, 0.2), fov=40.0)
    (a,) = _render(sim, [0], pose=pose, size=(96, 64), env=env)
    (b,) = _render(_sim([]), [0], pose=pose, size=(96, 64), env=STUDIO)
    assert a.shape == (64, 96, 3)
    # The water volume tints the tank blue-green compared with an empty studio.
    col, row, _ = _project(pose, np.array([-0.2, 0.0, 0.2]), 96, 64)
    pa, pb = _patch(a, col, row, 1).reshape(-1, 3).mean(0), _patch(b, col, row, 1).reshape(-1, 3).mean(0)
    assert (pa[2] - pa[0]) > (pb[2] - pb[0]) + 5


def test_unknown_style_and_quality_raise():
    sim = _sim([])
    with pytest.raises(ValueError, match="realistic"):
        Renderer(32, 32, sim, STUDIO, lighting=Lighting(), style="vaporwave")
    with pytest.raises(ValueError, match="standard"):
        Renderer(32, 32, sim, STUDIO, lighting=Lighting(), quality="ultra")


def test_unknown_texture_draws_plain_colour():
    part = _ball(texture="no_such_pattern")
    (img,) = _render(_sim([_track("ball", [part], (0, 0, 0))]), [0])
    assert img.std() > 2


def test_all_qualities_render():
    sim = _sim([_track("ball", [_ball(texture="basketball")], (0, 0, 0))])
    for q in ("draft", "standard", "high"):
        (img,) = _render(sim, [0], quality=q, size=(64, 48))
        assert img.shape == (48, 64, 3)


# --- camera rigs ---------------------------------------------------------------------------

def _script(camera=None, duration=2.0, entities=("a", "b"), actions=()):
    return WorldScript(duration=duration, fps=FPS,
                       entities=[Entity(id=e, kind="basketball") for e in entities],
                       actions=list(actions), shots=[Shot(camera=camera or Camera())])


def _moving_sim(n, wall_env=None):
    t = np.arange(n) / FPS
    a = np.stack([-1.5 + 1.6 * t, 0.3 * t, 0.12 + 2.0 * t - 4.9 * t * t * 0.5], 1)
    a[:, 2] = np.maximum(a[:, 2], 0.0)
    b = np.stack([1.0 - 0.5 * t, 0.8 + 0.2 * t, np.zeros(n)], 1)
    tracks = [_track("a", [_ball(0.12)], a, n), _track("b", [_ball(0.12)], b, n),
              _track("still", [_ball(0.12)], (3.0, 2.0, 0.0), n)]
    static = list(wall_env.parts) if wall_env else []
    return SimResult(t, tracks, static, [], (0, 0, -9.81))


def _blocked(eye, target, parts) -> bool:
    """Whether the segment eye -> target passes through any box part."""
    pts = eye + np.linspace(0.0, 1.0, 200)[:, None] * (target - eye)
    for p in parts:
        lo, hi = p.local_aabb()
        if np.all((pts > lo) & (pts < hi), axis=1).any():
            return True
    return False


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280)])
@pytest.mark.parametrize("angle", ["eye", "high", "low"])
def test_auto_framing_keeps_moving_things_in_frame(size, angle):
    script = _script(Camera(angle=angle))
    sim = _moving_sim(script.frame_count, environment("living_room"))
    w, h = size
    poses = camera_path(script, sim, w, h)
    assert len(poses) == len(sim.times)
    for f, pose in enumerate(poses):
        for tid in ("a", "b"):
            p = sim.track(tid).pos[f] + [0, 0, 0.12]
            col, row, front = _project(pose, p, w, h)
            assert front and 0 <= col < w and 0 <= row < h, (tid, f, col, row)
        # never inside a wall, and no wall between the camera and what it looks at
        assert not _blocked(pose.eye, pose.target, environment("living_room").parts)


def test_orbit_is_smooth_and_turns():
    script = _script(Camera(rig="orbit", orbit_degrees=60))
    sim = _moving_sim(script.frame_count)
    poses = camera_path(script, sim, 160, 90)
    eyes = np.array([p.eye for p in poses])
    steps = np.linalg.norm(np.diff(eyes, axis=0), axis=1)
    dist = np.linalg.norm(eyes[0] - poses[0].target)
    assert steps.max() < 0.05 * dist  # no jumps
    d0 = eyes[0, :2] - poses[0].target[:2]
    d1 = eyes[-1, :2] - poses[-1].target[:2]
    ang = np.degrees(np.arccos(np.dot(d0, d1) / np.linalg.norm(d0) / np.linalg.norm(d1)))
    assert 40 < ang < 80


def test_follow_tracks_entity_smoothly_without_lag():
    script = _script(Camera(rig="follow", follow="a"))
    sim = _moving_sim(script.frame_count)
    poses = camera_path(script, sim, 160, 90)
    tgt = np.array([p.target for p in poses])
    steps = np.linalg.norm(np.diff(tgt, axis=0), axis=1)
    assert steps.max() < 0.2
    ball = sim.track("a").pos + [0, 0, 0.12]
    lag = np.linalg.norm(tgt - ball, axis=1)
    assert np.median(lag) < 0.15  # keeps up with the ball
    for f, pose in enumerate(poses):
        col, row, front = _project(pose, ball[f], 160, 90)
        assert front and 0 <= col < 160 and 0 <= row < 90


def test_explicit_position_and_look_at_win_and_dolly_closes_in():
    script = _script(Camera(position=(1.0, -5.0, 2.0), look_at=(0.0, 0.0, 0.5)))
    poses = camera_path(script, _moving_sim(script.frame_count), 160, 90)
    assert np.allclose(poses[0].eye, (1.0, -5.0, 2.0)) and np.allclose(poses[-1].target, (0, 0, 0.5))
    script = _script(Camera(rig="dolly", dolly=0.4))
    poses = camera_path(script, _moving_sim(script.frame_count), 160, 90)
    d = [np.linalg.norm(p.eye - p.target) for p in poses]
    assert d[-1] < 0.75 * d[0]
    assert np.abs(np.diff(d)).max() < 0.05 * d[0]


def test_named_fixed_hoop_is_framed():
    n = 24
    hoop = Track("hoop", "hoop", "hoop", list(kind("hoop").parts), np.tile([-12.5, 0, 0], (n, 1)),
                 np.tile([1.0, 0, 0, 0], (n, 1)), np.ones(n, bool), dynamic=False)
    t = np.arange(n) / FPS
    ball = _track("a", [_ball(0.12)], np.stack([-7 - 4 * t, 0 * t, 2 + t], 1), n)
    script = WorldScript(duration=1.0, fps=FPS, entities=[Entity(id="a", kind="basketball"),
                                                          Entity(id="hoop", kind="hoop")],
                         actions=[Push(target="a", at="hoop")])
    env = environment("basketball_court")
    sim = SimResult(t, [hoop, ball], list(env.parts), [], (0, 0, -9.81))
    poses = camera_path(script, sim, 1280, 720)
    for pose in poses:
        col, row, front = _project(pose, np.array([-12.12, 0, 3.05]), 1280, 720)  # the rim
        assert front and 0 <= col < 1280 and 0 <= row < 720
        assert not _blocked(pose.eye, pose.target, env.parts)
