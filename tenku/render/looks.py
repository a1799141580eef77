"""Presets: how lighting presets change an environment's look, what each style grades the
picture to, and what each quality level spends. Adding a style or a quality level is adding a
dictionary entry here; the shaders read the values as uniforms."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from tenku.catalog.environments import Look
from tenku.render.meshes import srgb_to_linear


@dataclass(frozen=True)
class Style:
    """A grade applied after tone mapping (and, later, shading switches)."""

    exposure: float = 1.0
    saturation: float = 1.0
    contrast: float = 1.0
    tint: tuple[float, float, float] = (1.0, 1.0, 1.0)
    vignette: float = 0.18


STYLES: dict[str, Style] = {
    "realistic": Style(),
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
