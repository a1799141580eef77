"""Materials: what things are made of, physically and visually.

Physical values are real (densities in kg/m^3; restitution is the coefficient measured when a
body of this material is dropped on a rigid, heavy surface; ``surface`` is how much of a body's
bounce a *floor* of this material gives back, 1 for hard floors, less for carpet or sand).
``break_speed`` (m/s of relative normal speed) makes a material brittle: above it, a body
shatters. Visual values feed the renderer's physically based shading; ``sound`` is the family
the audio synthesis uses. Colours are sRGB in 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Material:
    name: str
    density: float
    restitution: float
    friction: float
    surface: float = 1.0
    break_speed: float | None = None
    color: tuple[float, float, float] = (0.8, 0.8, 0.8)
    roughness: float = 0.5
    metallic: float = 0.0
    transmission: float = 0.0
    texture: str | None = None
    sound: str = "plastic"
    synonyms: tuple[str, ...] = ()


def _m(*args, **kw) -> Material:
    return Material(*args, **kw)


MATERIALS: dict[str, Material] = {m.name: m for m in [
    _m("wood", 600, 0.50, 0.45, surface=0.95, color=(0.62, 0.42, 0.24), roughness=0.55,
       texture="grain", sound="wood", synonyms=("wooden", "timber", "oak", "pine")),
    _m("hardwood", 750, 0.55, 0.50, surface=1.0, color=(0.72, 0.50, 0.30), roughness=0.35,
       texture="planks", sound="wood", synonyms=("parquet",)),
    _m("iron", 7870, 0.55, 0.40, surface=1.0, color=(0.42, 0.42, 0.44), roughness=0.45,
       metallic=1.0, sound="metal", synonyms=("steel", "cast iron", "metal")),
    _m("steel", 7850, 0.60, 0.40, surface=1.0, color=(0.75, 0.75, 0.77), roughness=0.25,
       metallic=1.0, sound="metal", synonyms=("chrome", "stainless")),
    _m("aluminium", 2700, 0.55, 0.35, color=(0.85, 0.86, 0.88), roughness=0.3, metallic=1.0,
       sound="metal", synonyms=("aluminum", "tin")),
    _m("gold", 19300, 0.45, 0.40, color=(1.0, 0.78, 0.34), roughness=0.25, metallic=1.0,
       sound="metal", synonyms=("golden",)),
    _m("stone", 2700, 0.45, 0.60, surface=1.0, color=(0.55, 0.54, 0.52), roughness=0.8,
       texture="speckle", sound="stone", synonyms=("granite", "rock", "marble")),
    _m("concrete", 2400, 0.45, 0.70, surface=1.0, color=(0.62, 0.62, 0.60), roughness=0.9,
       texture="speckle", sound="stone", synonyms=("asphalt", "pavement", "cement")),
    _m("brick", 1900, 0.40, 0.65, color=(0.62, 0.27, 0.18), roughness=0.85,
       texture="speckle", sound="stone"),
    _m("ice", 917, 0.40, 0.02, surface=1.0, color=(0.82, 0.92, 0.98), roughness=0.08,
       transmission=0.6, sound="ice", synonyms=("icy", "frozen")),
    _m("foam", 30, 0.30, 0.80, surface=0.35, color=(0.95, 0.93, 0.86), roughness=0.95,
       sound="foam", synonyms=("styrofoam", "polystyrene", "sponge")),
    _m("cork", 240, 0.45, 0.60, color=(0.72, 0.56, 0.38), roughness=0.9, texture="speckle",
       sound="wood"),
    _m("rubber", 1100, 0.80, 0.90, surface=0.7, color=(0.15, 0.15, 0.15),
       roughness=0.7, sound="rubber"),
    _m("plastic", 1050, 0.55, 0.40, color=(0.85, 0.2, 0.2), roughness=0.35, sound="plastic",
       synonyms=("plastic",)),
    _m("glass", 2500, 0.30, 0.30, break_speed=2.0, color=(0.92, 0.96, 0.98), roughness=0.03,
       transmission=0.92, sound="glass", synonyms=("crystal", "glassy")),
    _m("solid_glass", 2500, 0.65, 0.30, color=(0.3, 0.6, 0.9), roughness=0.03,
       transmission=0.7, sound="glass"),
    _m("ceramic", 2300, 0.35, 0.45, break_speed=3.0, color=(0.95, 0.95, 0.93), roughness=0.2,
       sound="ceramic", synonyms=("porcelain", "china", "clay")),
    _m("cardboard", 200, 0.25, 0.55, surface=0.5, color=(0.70, 0.55, 0.36), roughness=0.95,
       sound="cardboard", synonyms=("paper", "carton")),
    _m("fabric", 300, 0.20, 0.80, surface=0.4, color=(0.5, 0.5, 0.6), roughness=1.0,
       texture="weave", sound="cloth", synonyms=("cloth", "cotton", "carpet", "rug")),
    _m("carpet", 300, 0.20, 0.80, surface=0.45, color=(0.52, 0.38, 0.32), roughness=1.0,
       texture="weave", sound="cloth"),
    _m("sand", 1600, 0.05, 0.80, surface=0.15, color=(0.86, 0.78, 0.60), roughness=1.0,
       texture="sand", sound="sand"),
    _m("grass", 1200, 0.30, 0.70, surface=0.6, color=(0.28, 0.50, 0.20), roughness=1.0,
       texture="grass", sound="grass"),
    _m("tile", 2300, 0.45, 0.50, surface=1.0, color=(0.88, 0.88, 0.86), roughness=0.15,
       texture="tiles", sound="ceramic"),
    _m("court", 750, 0.55, 0.60, surface=1.0, color=(0.80, 0.58, 0.34), roughness=0.3,
       texture="court", sound="wood"),
    _m("lane", 750, 0.55, 0.04, surface=1.0, color=(0.84, 0.66, 0.44), roughness=0.1,
       texture="planks", sound="wood"),
    _m("rink_ice", 917, 0.40, 0.01, surface=1.0, color=(0.90, 0.95, 1.0), roughness=0.05,
       texture="rink", sound="ice"),
    _m("acrylic", 1180, 0.40, 0.40, color=(0.95, 0.97, 1.0), roughness=0.05,
       transmission=0.85, sound="plastic", synonyms=("perspex", "plexiglass")),
    _m("leather", 900, 0.75, 0.80, color=(0.55, 0.30, 0.16), roughness=0.6, sound="rubber"),
    _m("felt", 400, 0.75, 0.70, color=(0.83, 0.93, 0.20), roughness=1.0, sound="rubber"),
    _m("flesh", 1010, 0.20, 0.80, color=(0.80, 0.62, 0.50), roughness=0.6, sound="cloth"),
    _m("fur", 1000, 0.20, 0.80, color=(0.60, 0.42, 0.25), roughness=1.0, sound="cloth"),
    _m("fruit", 850, 0.35, 0.60, color=(0.75, 0.10, 0.10), roughness=0.4, sound="fruit"),
    _m("paint", 1200, 0.5, 0.5, color=(0.9, 0.9, 0.9), roughness=0.5, sound="plastic"),
    _m("water", 1000, 0.0, 0.0, color=(0.10, 0.30, 0.36), roughness=0.02, transmission=0.7,
       sound="water"),
]}


def material(name: str) -> Material:
    try:
        return MATERIALS[name]
    except KeyError:
        raise KeyError(
            f"unknown material {name!r}; known: {', '.join(sorted(MATERIALS))}"
        ) from None


def pair_restitution(a: Material, b: Material, a_static: bool, b_static: bool,
                     ra: float | None = None, rb: float | None = None) -> float:
    """Restitution of a contact between two materials (``ra``/``rb`` override a body's own
    value, as balls do). A body meeting a static surface keeps its own restitution scaled by
    the surface's ``surface`` factor; two moving bodies meet at the geometric mean."""
    ea = a.restitution if ra is None else ra
    eb = b.restitution if rb is None else rb
    if b_static and not a_static:
        return ea * b.surface
    if a_static and not b_static:
        return eb * a.surface
    return (ea * eb) ** 0.5


def pair_friction(a: Material, b: Material) -> float:
    """Sliding friction of a pair: the geometric mean (ice on anything stays slippery)."""
    return (a.friction * b.friction) ** 0.5
