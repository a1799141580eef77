"""Styles: each named preset changes the picture in its own measurable way, re-renders are
bit-identical, and a style never changes what happens (the event log)."""

from __future__ import annotations

import numpy as np
import pytest

from tenku.catalog import environment
from tenku.media import decode_frames
from tenku.render import CameraPose, Renderer, STYLES
from tenku.render.looks import STYLE_ALIASES
from tenku.render.post import picture_rect
from tenku.scene.parts import Part
from tenku.scene.result import SimResult, Track
from tenku.script.model import Drop, Entity, Lighting, Pose, WorldScript

W, H = 160, 90
T = 3
PARK = environment("park")
POSE = CameraPose(eye=(0.0, -2.2, 0.9), target=(0.0, 0.0, 0.15), fov=40.0)
BALL_AT = np.array([0.25, 0.0, 0.15])
BALL_R = 0.15
#: Mean absolute difference (0-255 levels) a style must make against realistic. A re-render
#: differs by 0 and video coding by a level or two; the smallest style change measured on
#: this scene is about 20 levels (anime, whose colours stay close to realistic's).
DIFFERENT = 5.0


def _still_sim() -> SimResult:
    """A red ball and a blue box standing still: any change between frames is the style's."""
    def track(tid, part, pos):
        return Track(tid, tid, "thing", [part], np.tile(pos, (T, 1)),
                     np.tile([1.0, 0.0, 0.0, 0.0], (T, 1)), np.ones(T, bool))

    ball = Part("sphere", (BALL_R,), (0, 0, BALL_R), material="plastic", color=(0.9, 0.1, 0.1))
    box = Part("box", (0.15, 0.15, 0.15), (0, 0, 0.15), material="paint", color=(0.2, 0.5, 0.9))
    return SimResult(np.arange(T) / 24, [track("ball", ball, BALL_AT - [0, 0, BALL_R]),
                                         track("box", box, (-0.3, 0.1, 0.0))],
                     [], [], (0, 0, -9.81))


SIM = _still_sim()


def _render(style: str, frames=(0,), size=(W, H), **kw) -> list[np.ndarray]:
    with Renderer(*size, SIM, PARK, lighting=Lighting(), style=style, **kw) as r:
        return [r.render(f, POSE) for f in frames]


@pytest.fixture(scope="module")
def frames() -> dict[str, list[np.ndarray]]:
    """Frames 0 and 1 of the still scene in every style."""
    return {name: _render(name, (0, 1)) for name in STYLES}


def _diff(a, b) -> float:
    return float(np.abs(a.astype(float) - b).mean())


def test_the_six_styles_exist_and_prompt_words_name_them():
    assert {"realistic", "cinematic", "anime", "newsreel", "vintage", "noir"} <= set(STYLES)
    assert set(STYLE_ALIASES.values()) <= set(STYLES)


def test_every_style_differs_from_realistic(frames):
    real = frames["realistic"][0]
    for name in STYLES:
        if name != "realistic":
            assert _diff(frames[name][0], real) > DIFFERENT, name


def test_rerendering_is_bit_identical(frames):
    for name in STYLES:
        again = _render(name, (1, 0))
        assert np.array_equal(again[0], frames[name][1]), name
        assert np.array_equal(again[1], frames[name][0]), name


def _bars(img, axis: int) -> np.ndarray:
    """Brightest value per row (axis=1) or per column (axis=0)."""
    return img.max(axis=(axis, 2))


def test_cinematic_letterbox_is_2_39_to_1(frames):
    img = frames["cinematic"][0]
    rows = _bars(img, 1)
    picture = np.flatnonzero(rows > 8)
    top, bottom = picture[0], H - 1 - picture[-1]
    height = picture[-1] - picture[0] + 1
    assert abs(W / height - 2.39) < 0.05, height
    assert abs(top - bottom) <= 1 and top >= 10
    assert rows[:top].max() <= 2 and rows[H - bottom:].max() <= 2  # black, not dark grey
    assert _bars(img, 0).min() > 8  # no pillars


def test_newsreel_is_monochrome_4_3_with_changing_grain(frames):
    a, b = frames["newsreel"]
    assert np.abs(a[..., 0].astype(int) - a[..., 1]).max() <= 1
    assert np.abs(a[..., 1].astype(int) - a[..., 2]).max() <= 1
    cols = _bars(a, 0)
    x0, _, x1, _ = picture_rect(W, H, 4 / 3)
    assert cols[:x0].max() <= 2 and cols[x1:].max() <= 2 and cols[x0:x1].min() > 8
    assert abs((x1 - x0) / H - 4 / 3) < 0.02
    # The scene stands still, so frame-to-frame change is grain (and weave): all over the
    # picture, not in a few places.
    assert np.array_equal(frames["realistic"][0], frames["realistic"][1])
    moved = np.abs(a.astype(int) - b)[:, x0:x1].max(axis=2) > 0
    assert moved.mean() > 0.5
    assert _diff(a[:, x0:x1], b[:, x0:x1]) > 1.0


def test_portrait_newsreel_is_letterboxed_4_3():
    (img,) = _render("newsreel", size=(H, W))  # 90 x 160
    rows = _bars(img, 1)
    _, y0, _, y1 = picture_rect(H, W, 4 / 3)
    assert rows[:y0].max() <= 2 and rows[y1:].max() <= 2 and rows[y0:y1].min() > 8
    assert abs(H / (y1 - y0) - 4 / 3) < 0.03


def _ball_ring(inner: float, outer: float) -> np.ndarray:
    """Pixels whose centres lie between ``inner`` and ``outer`` ball radii from the ball's
    centre on screen."""
    view = POSE.view()
    c = view @ np.append(BALL_AT, 1.0)
    clip = POSE.projection(W / H, 0.01, 100.0) @ c
    cx, cy = (clip[0] / clip[3] * 0.5 + 0.5) * W, (0.5 - clip[1] / clip[3] * 0.5) * H
    r_px = BALL_R / -c[2] * (H / 2) / np.tan(np.radians(POSE.fov) / 2)
    yy, xx = np.mgrid[0:H, 0:W] + 0.5
    d = np.hypot(xx - cx, yy - cy) / r_px
    return (d > inner) & (d < outer)


def test_anime_inks_the_ball_silhouette_and_bands_its_shading(frames):
    ring = _ball_ring(0.8, 1.05)
    inside = _ball_ring(0.0, 0.6)

    def dark(img):
        return img.max(axis=2) < 60  # dark in every channel: ink, not red

    anime, real = frames["anime"][0], frames["realistic"][0]
    assert dark(anime)[ring].mean() > 0.4
    assert dark(real)[ring].mean() < 0.1
    assert dark(anime)[inside].mean() < 0.1  # the outline is a line, not a dark ball
    # Cel bands: across the ball, neighbouring pixels mostly share one flat tone, where
    # smooth shading changes a little from every pixel to the next.
    assert _flat(anime, _ball_ring(0.0, 0.75)) > max(0.35, 2 * _flat(real, _ball_ring(0.0, 0.75)))


def _flat(img, mask) -> float:
    """The share of neighbouring pixel pairs inside ``mask`` whose colours are (nearly) equal."""
    s = img.astype(int).sum(axis=2)
    dx = np.abs(np.diff(s, axis=1))[mask[:, 1:] & mask[:, :-1]]
    dy = np.abs(np.diff(s, axis=0))[mask[1:] & mask[:-1]]
    return float((np.concatenate([dx, dy]) <= 2).mean())


def test_anime_sky_is_painted():
    up = CameraPose(eye=(0.0, -3.0, 0.3), target=(0.0, 0.0, 1.5), fov=60.0)
    out = {}
    for name in ("realistic", "anime"):
        with Renderer(W, H, SIM, PARK, lighting=Lighting(), style=name) as r:
            out[name] = r.render(0, up)[: H // 3].astype(float)
    # Clouds: near-white patches in a sky that is otherwise a smooth gradient.
    white = out["anime"].min(axis=2) > 200
    assert 0.03 < white.mean() < 0.9
    assert (out["realistic"].min(axis=2) > 200).mean() < 0.01


def test_same_script_two_styles_same_events_different_pictures(tmp_path):
    from tenku.generate_api import generate

    ws = WorldScript(duration=1.5, fps=24, size="160x90", environment="park",
                     entities=[Entity(id="ball", kind="basketball", pose=Pose(position=(0, 0, 1.0)))],
                     actions=[Drop(target="ball", t=0.1)])
    results = {name: generate(script=ws, style=name, out=tmp_path / f"{name}.mp4",
                              quality="draft", audio=False)
               for name in ("realistic", "anime")}
    events = {name: r.sidecar["events"] for name, r in results.items()}
    assert events["realistic"], "the ball should hit the floor"
    assert events["realistic"] == events["anime"]
    a = list(decode_frames(results["realistic"].video))
    b = list(decode_frames(results["anime"].video))
    assert len(a) == len(b) == 36
    assert np.mean([_diff(x, y) for x, y in zip(a, b)]) > DIFFERENT


@pytest.mark.parametrize("quality", ["draft", "high"])
def test_screen_styles_work_at_every_quality(quality, frames):
    """Draft has no anti-aliasing pass and high resolves multisampled colour and depth first:
    the screen pass reads either."""
    real = frames["realistic"][0]
    cine, anime = (_render(s, quality=quality)[0] for s in ("cinematic", "anime"))
    rows = _bars(cine, 1)
    assert rows[:10].max() <= 2 and rows[-10:].max() <= 2 and rows[20:70].min() > 8
    assert (anime.max(axis=2) < 60)[_ball_ring(0.8, 1.05)].mean() > 0.3
    assert _diff(cine, real) > DIFFERENT and _diff(anime, real) > DIFFERENT
