"""Presets: how lighting presets change an environment's look, what each style grades the
picture to, and what each quality level spends. Adding a style or a quality level is adding a
dictionary entry here; the shaders compile the values in as constants (a style pays only for
the passes it uses)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from tenku.catalog.environments import Look
from tenku.render.meshes import srgb_to_linear


@dataclass(frozen=True)
class Style:
    """How a style changes the picture (never the physics). Sizes in pixels (``dof``,
    ``soft``, ``weave``) are at 1280x720 and scale with the frame's short side.

    Grade, in every surface shader after tone mapping (display-linear colour): ``exposure``,
    ``saturation`` (0 = black and white), ``contrast``, ``tint``, split toning
    (``shadow_tint`` toward ``highlight_tint`` as colours brighten), ``lift`` (faded blacks)
    and ``fade`` (dimmed whites).
    Light: ``sun`` and ``ambient`` scale the lighting preset's (noir's hard light).
    Shading: ``cel_bands`` > 0 quantises the sun's diffuse light into flat bands with a hard
    highlight; ``painted_sky`` draws a flat stylised gradient with soft painted clouds.
    Screen pass (:mod:`tenku.render.post`, run only when one of these is set): ``aspect``
    (picture area; black bars outside it), ``dof`` (blur radius in px of what lies far behind
    the focus), ``soft`` (least blur radius, px), ``outline`` (ink strength), ``grain``,
    ``weave`` (gate weave, px) and ``vignette`` (round, over the picture area). A picture
    softened by a pixel or more skips FXAA: the softening anti-aliases it.
    Without a screen pass ``vignette`` is the surface shaders' gentle elliptical lens falloff
    (the realistic look).
    """

    exposure: float = 1.0
    saturation: float = 1.0
    contrast: float = 1.0
    tint: tuple[float, float, float] = (1.0, 1.0, 1.0)
    shadow_tint: tuple[float, float, float] = (1.0, 1.0, 1.0)
    highlight_tint: tuple[float, float, float] = (1.0, 1.0, 1.0)
    lift: float = 0.0
    fade: float = 0.0
    vignette: float = 0.18
    sun: float = 1.0
    ambient: float = 1.0
    cel_bands: int = 0
    painted_sky: bool = False
    aspect: float | None = None
    dof: float = 0.0
    soft: float = 0.0
    outline: float = 0.0
    grain: float = 0.0
    weave: float = 0.0

    @property
    def screen_pass(self) -> bool:
        """Whether the style needs the full-frame pass after the scene is drawn."""
        return bool(self.aspect or self.dof or self.soft or self.outline or self.grain
                    or self.weave)

    @property
    def graded(self) -> bool:
        """Whether the grade changes colours at all (the realistic look skips it)."""
        neutral = (1.0, 1.0, 1.0)
        return (self.saturation != 1.0 or self.contrast != 1.0 or tuple(self.tint) != neutral
                or tuple(self.shadow_tint) != neutral or tuple(self.highlight_tint) != neutral
                or self.lift != 0.0 or self.fade != 0.0)


STYLES: dict[str, Style] = {
    "realistic": Style(),
    # 2.39:1 letterbox, teal shadows and orange highlights, shallow focus on the subject.
    "cinematic": Style(exposure=0.95, saturation=1.05, contrast=1.12,
                       shadow_tint=(0.84, 0.98, 1.1), highlight_tint=(1.07, 0.99, 0.9),
                       vignette=0.3, aspect=2.39, dof=7.0),
    # Cel bands, ink outlines, a painted sky, flatter and more saturated colour.
    "anime": Style(saturation=1.3, contrast=1.05, vignette=0.0, ambient=1.2, cel_bands=2,
                   painted_sky=True, outline=1.0),
    # 1960s black-and-white TV: 4:3, soft, grainy, weaving, heavily vignetted, washed out.
    "newsreel": Style(saturation=0.0, contrast=1.1, lift=0.01, fade=0.08, vignette=0.7,
                      aspect=4 / 3, soft=1.2, grain=0.07, weave=0.8),
    # 1970s Super-8 home movie: warm faded colour, lifted blacks, grain, soft, slight weave.
    "vintage": Style(saturation=0.72, contrast=0.95, tint=(1.08, 1.0, 0.8), lift=0.02,
                     fade=0.06, vignette=0.45, soft=1.0, grain=0.05, weave=0.5),
    # 1940s film noir: hard light, deep shadows, high-contrast black and white, fine grain.
    "noir": Style(exposure=0.8, saturation=0.0, contrast=1.7, sun=1.6, ambient=0.4,
                  vignette=0.45, grain=0.05),
}

#: Prompt words that choose a style (``--style`` wins over them). Longest phrase first wins.
STYLE_ALIASES: dict[str, str] = {
    "realistic": "realistic", "photorealistic": "realistic", "photoreal": "realistic",
    "hyperrealistic": "realistic", "hyper-realistic": "realistic", "documentary": "realistic",
    "cinematic": "cinematic", "film look": "cinematic", "movie": "cinematic",
    "blockbuster": "cinematic", "anamorphic": "cinematic", "widescreen cinema": "cinematic",
    "letterbox": "cinematic", "letterboxed": "cinematic", "teal and orange": "cinematic",
    "anime": "anime", "cel shaded": "anime", "cel-shaded": "anime", "cartoon": "anime",
    "cartoonish": "anime", "manga": "anime", "studio ghibli": "anime", "cel shading": "anime",
    "1960s": "newsreel", "60s": "newsreel", "newsreel": "newsreel", "old tv": "newsreel",
    "black and white tv": "newsreel", "black-and-white tv": "newsreel",
    "black and white": "newsreel", "black-and-white": "newsreel", "b&w": "newsreel",
    "vintage": "vintage", "retro": "vintage", "super 8": "vintage", "super-8": "vintage",
    "8mm": "vintage", "1970s": "vintage", "70s": "vintage", "home movie": "vintage",
    "faded film": "vintage",
    "film noir": "noir", "noir": "noir", "1940s": "noir", "40s": "noir",
}


def style(name: str) -> Style:
    try:
        return STYLES[name]
    except KeyError:
        raise ValueError(
            f"unknown style {name!r}; known styles: {', '.join(sorted(STYLES))}"
        ) from None


@dataclass(frozen=True)
class Quality:
    shadow_size: int       # shadow map texels per side
    pcf_taps: int          # shadow filter taps (1 = one hardware 2x2 PCF lookup)
    pcf_radius: float      # filter radius in shadow texels
    aa: str                # "none" | "fxaa" | "msaa4"
    occluders: int         # analytic ambient-occlusion spheres
    detail: float          # mesh tessellation factor


QUALITIES: dict[str, Quality] = {
    "draft": Quality(1024, 1, 1.0, "none", 4, 0.6),
    "standard": Quality(2048, 2, 1.5, "fxaa", 4, 1.0),
    "high": Quality(4096, 12, 2.2, "msaa4", 16, 1.5),
}


def quality(name: str) -> Quality:
    try:
        return QUALITIES[name]
    except KeyError:
        raise ValueError(
            f"unknown quality {name!r}; known: {', '.join(QUALITIES)}"
        ) from None


# Lighting presets: changes to an environment's Look. "day" keeps the place's own look.
LIGHTING_PRESETS: dict[str, dict] = {
    "day": {},
    "sunset": dict(sun_elevation=9.0, sun_color=(1.0, 0.6, 0.32), sun_strength_mul=0.9,
                   sky_top=(0.30, 0.36, 0.62), sky_horizon=(0.98, 0.66, 0.42),
                   ambient_mul=0.8),
    "overcast": dict(sun_strength_mul=0.12, sky_top=(0.72, 0.74, 0.77),
                     sky_horizon=(0.82, 0.83, 0.85), ambient_mul=1.5),
    "night": dict(sun_elevation=40.0, sun_color=(0.6, 0.7, 1.0), sun_strength_mul=0.22,
                  sky_top=(0.01, 0.015, 0.04), sky_horizon=(0.04, 0.05, 0.09),
                  ambient_mul=0.6, stars=True),
    "studio": dict(sun_elevation=55.0, sun_color=(1.0, 0.98, 0.95), sky_top=(0.86, 0.87, 0.9),
                   sky_horizon=(0.93, 0.93, 0.94), ground=(0.8, 0.8, 0.8), ambient=1.0),
    "indoor": dict(sun_color=(1.0, 0.92, 0.8), sun_strength_mul=0.8, ambient_mul=1.2),
}


def apply_lighting(look: Look, preset: str, elevation: float | None = None,
                   azimuth: float | None = None) -> Look:
    if preset not in LIGHTING_PRESETS:
        raise ValueError(f"unknown lighting preset {preset!r}; known: {', '.join(LIGHTING_PRESETS)}")
    p = dict(LIGHTING_PRESETS[preset])
    kw = {}
    for key in ("sun_elevation", "sun_color", "sky_top", "sky_horizon", "ground", "ambient",
                "stars"):
        if key in p:
            kw[key] = p[key]
    if "sun_strength_mul" in p:
        kw["sun_strength"] = look.sun_strength * p["sun_strength_mul"]
    if "ambient_mul" in p:
        kw["ambient"] = look.ambient * p["ambient_mul"]
    if look.indoor:  # a room keeps its own walls' colours as its "sky"
        for key in ("sky_top", "sky_horizon", "ground"):
            if key in kw and preset not in ("night", "sunset"):
                kw.pop(key)
    if elevation is not None:
        kw["sun_elevation"] = elevation
    if azimuth is not None:
        kw["sun_azimuth"] = azimuth
    return replace(look, **kw)


@dataclass
class LightRig:
    """A resolved look in the units the shaders want (linear colours, unit sun vector)."""

    sun_dir: np.ndarray
    sun_col: np.ndarray
    sky_top: np.ndarray
    sky_hor: np.ndarray
    sky_gnd: np.ndarray
    ambient: float
    fog: float
    indoor: bool
    stars: bool


def light_rig(look: Look) -> LightRig:
    el = math.radians(max(look.sun_elevation, 2.0))
    az = math.radians(look.sun_azimuth)
    # Compass azimuth: 0 = +y (north, behind the stage), 90 = +x, clockwise seen from above;
    # the default 135 puts the sun to the camera's front right, shadows falling back-left.
    d = np.array([math.cos(el) * math.sin(az), math.cos(el) * math.cos(az), math.sin(el)])
    fade = float(np.clip((look.sun_elevation + 2.0) / 8.0, 0.0, 1.0))  # sun setting below
    fog = look.fog if look.fog > 0 else (0.0 if look.indoor else 0.0015)
    return LightRig(
        sun_dir=d / np.linalg.norm(d),
        sun_col=srgb_to_linear(look.sun_color) * look.sun_strength * fade,
        sky_top=srgb_to_linear(look.sky_top),
        sky_hor=srgb_to_linear(look.sky_horizon),
        sky_gnd=srgb_to_linear(look.ground),
        ambient=look.ambient,
        fog=fog,
        indoor=look.indoor,
        stars=look.stars,
    )
