"""Places: floor, walls and fixtures, gravity, air, water, and how the place looks.

Every environment has a floor at z = 0 (water places put their surface at ``water.level``), an
open stage around the origin where the planner lays entities out, and a ``look`` the renderer
reads (sky colours, sun, fog, backdrop). Dimensions follow the real places (an NBA court's
key, a 60x30 cm water tank ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tenku.scene.parts import Part
from tenku.scene.result import Water

EARTH_G = 9.81
MOON_G = 1.62


@dataclass(frozen=True)
class Look:
    """How a place looks: sky gradient (zenith, horizon, ground bounce) in sRGB, sun colour
    and strength, fog (0 = none), and whether the sky shows (indoor rooms have walls)."""

    sky_top: tuple[float, float, float] = (0.32, 0.52, 0.85)
    sky_horizon: tuple[float, float, float] = (0.78, 0.85, 0.92)
    ground: tuple[float, float, float] = (0.35, 0.32, 0.28)
    sun_color: tuple[float, float, float] = (1.0, 0.96, 0.9)
    sun_strength: float = 3.0
    sun_elevation: float = 50.0
    sun_azimuth: float = 135.0
    ambient: float = 0.6
    fog: float = 0.0
    indoor: bool = False
    stars: bool = False


@dataclass(frozen=True)
class Environment:
    name: str
    synonyms: tuple[str, ...]
    floor_material: str
    parts: tuple[Part, ...] = ()
    gravity: tuple[float, float, float] = (0.0, 0.0, -EARTH_G)
    air_density: float = 1.2
    water: Water | None = None
    look: Look = field(default_factory=Look)
    floor_texture: str | None = None
    floor_size: float = 30.0  # half-extent of the visible floor
    description: str = ""


def _walls(hx: float, hy: float, h: float, material: str, color) -> tuple[Part, ...]:
    """Back wall (+y) and side walls (+-x) of a room centred on the origin; the camera's
    side (-y) stays open."""
    t = 0.05
    return (
        Part("box", (hx, t, h / 2), (0, hy + t, h / 2), material=material, color=color,
             name="wall_back"),
        Part("box", (t, hy, h / 2), (-hx - t, 0, h / 2), material=material, color=color,
             name="wall_left"),
        Part("box", (t, hy, h / 2), (hx + t, 0, h / 2), material=material, color=color,
             name="wall_right"),
    )


def _tank(cx: float, hx: float, hy: float, h: float) -> tuple[Part, ...]:
    """Glass walls of an open-topped tank centred at (cx, 0), 1 cm thick."""
    t = 0.01
    g = "glass"
    return (
        Part("box", (hx + t, hy + t, t), (cx, 0, t), material=g, name="tank_floor"),
        Part("box", (hx + t, t, h / 2), (cx, hy + t, h / 2), material=g, name="tank_wall"),
        Part("box", (hx + t, t, h / 2), (cx, -hy - t, h / 2), material=g, name="tank_wall"),
        Part("box", (t, hy, h / 2), (cx - hx - t, 0, h / 2), material=g, name="tank_wall"),
        Part("box", (t, hy, h / 2), (cx + hx + t, 0, h / 2), material=g, name="tank_wall"),
    )


def _pool_walls(hx: float, hy: float, depth: float) -> tuple[Part, ...]:
    """A pool sunk into the ground: its floor and a deck around it at z = 0."""
    deck = 6.0
    tile = "tile"
    return (
        Part("box", (hx, hy, 0.05), (0, 0, -depth - 0.05), material=tile, texture="tiles",
             color=(0.55, 0.8, 0.9), name="pool_floor"),
        Part("box", (hx + deck, deck / 2, depth / 2), (0, hy + deck / 2, -depth / 2),
             material=tile, texture="tiles", name="deck"),
        Part("box", (hx + deck, deck / 2, depth / 2), (0, -hy - deck / 2, -depth / 2),
             material=tile, texture="tiles", name="deck"),
        Part("box", (deck / 2, hy, depth / 2), (hx + deck / 2, 0, -depth / 2), material=tile,
             texture="tiles", name="deck"),
        Part("box", (deck / 2, hy, depth / 2), (-hx - deck / 2, 0, -depth / 2), material=tile,
             texture="tiles", name="deck"),
    )


def _bowling_lane() -> tuple[Part, ...]:
    """A 1.05 m lane (USBC: 41.5 in) with its head pin at the origin and the pin deck toward
    +x: gutters either side, lane dividers, and the pit's dark back curtain. (No kickback
    walls: from the camera's side they would hide the pins.)"""
    dark = (0.08, 0.08, 0.1)
    return (
        Part("box", (12.0, 0.12, 0.03), (-6.0, 0.645, -0.03), material="plastic", color=dark,
             collide=False, name="gutter"),
        Part("box", (12.0, 0.12, 0.03), (-6.0, -0.645, -0.03), material="plastic", color=dark,
             collide=False, name="gutter"),
        Part("box", (0.05, 0.85, 0.6), (1.8, 0.0, 0.6), material="fabric", color=dark,
             name="pit_curtain"),
        Part("box", (12.0, 0.02, 0.01), (-6.0, 1.0, 0.01), material="paint",
             color=(0.9, 0.9, 0.9), collide=False, name="divider"),
        Part("box", (12.0, 0.02, 0.01), (-6.0, -1.0, 0.01), material="paint",
             color=(0.9, 0.9, 0.9), collide=False, name="divider"),
    )


_INDOOR = Look(sky_top=(0.9, 0.88, 0.84), sky_horizon=(0.9, 0.88, 0.84), ground=(0.4, 0.35, 0.3),
               sun_color=(1.0, 0.93, 0.82), sun_strength=2.2, sun_elevation=60, ambient=0.9,
               indoor=True)

_ENVIRONMENTS = [
    Environment("studio", ("studio", "stage", "white room", "photo studio", "backdrop", "room"),
                "paint", floor_texture="studio",
                look=Look(sky_top=(0.86, 0.87, 0.9), sky_horizon=(0.93, 0.93, 0.94),
                          ground=(0.8, 0.8, 0.8), sun_elevation=55, ambient=1.0, indoor=True),
                description="seamless grey studio"),
    Environment("basketball_court", ("basketball court", "court", "gym", "gymnasium", "arena",
                                     "basketball game", "hoops"),
                "court", floor_texture="court",
                parts=_walls(14.0, 14.0, 9.0, "paint", (0.55, 0.6, 0.7)),
                look=Look(sky_top=(0.75, 0.75, 0.78), sky_horizon=(0.8, 0.8, 0.82),
                          sun_elevation=70, sun_strength=2.6, ambient=1.0, indoor=True),
                description="indoor hardwood court with NBA markings"),
    Environment("kitchen", ("kitchen", "diner", "restaurant", "cafe", "bakery"), "tile",
                floor_texture="tiles", parts=_walls(3.5, 3.0, 2.7, "paint", (0.93, 0.9, 0.82)),
                look=_INDOOR, description="tiled kitchen"),
    Environment("living_room", ("living room", "lounge", "apartment", "house", "home",
                                "bedroom", "office", "den"),
                "hardwood", floor_texture="planks",
                parts=_walls(4.0, 3.5, 2.7, "paint", (0.85, 0.82, 0.76)), look=_INDOOR,
                description="wooden floor, painted walls"),
    Environment("water_tank", ("water tank", "tank", "aquarium", "fish tank", "tub of water",
                               "container of water", "bucket of water", "water"),
                "concrete", floor_texture="studio", parts=_tank(0.0, 0.3, 0.15, 0.4),
                water=Water(lo=(-0.3, -0.15), hi=(0.3, 0.15), level=0.32, floor=0.02),
                look=Look(sky_top=(0.86, 0.87, 0.9), sky_horizon=(0.93, 0.93, 0.94),
                          ground=(0.8, 0.8, 0.8), ambient=1.0, indoor=True),
                description="60 x 30 x 40 cm glass tank filled to 32 cm"),
    Environment("pool", ("pool", "swimming pool"), "tile", floor_texture="tiles",
                parts=_pool_walls(4.0, 2.5, 1.5), floor_size=0.0,
                water=Water(lo=(-4.0, -2.5), hi=(4.0, 2.5), level=-0.1, floor=-1.5),
                description="8 x 5 m pool, 1.5 m deep"),
    Environment("bathtub", ("bathtub", "bath", "tub", "bathroom"), "tile", floor_texture="tiles",
                parts=_tank(0.0, 0.8, 0.35, 0.55),
                water=Water(lo=(-0.8, -0.35), hi=(0.8, 0.35), level=0.4, floor=0.02),
                look=_INDOOR, description="1.6 m tub, water 40 cm deep"),
    Environment("lake", ("lake", "pond", "river", "sea", "ocean", "harbor", "harbour"), "sand",
                floor_texture="sand", parts=(Part("box", (40, 40, 0.05), (0, 0, -3.05),
                                                  material="sand", texture="sand",
                                                  name="lake_bed"),),
                water=Water(lo=(-40, -40), hi=(40, 40), level=0.0, floor=-3.0),
                look=Look(fog=0.004), floor_size=0.0, description="open water, 3 m deep"),
    Environment("street", ("street", "road", "sidewalk", "parking lot", "alley", "city",
                           "crosswalk", "downtown"), "concrete", floor_texture="asphalt",
                look=Look(fog=0.006), description="asphalt street"),
    Environment("ice_rink", ("ice rink", "rink", "skating rink", "hockey rink", "ice"),
                "rink_ice", floor_texture="rink",
                parts=_walls(15.0, 15.0, 1.1, "paint", (0.95, 0.95, 0.97)),
                look=Look(sky_top=(0.8, 0.84, 0.9), sky_horizon=(0.85, 0.88, 0.92),
                          ambient=1.0, indoor=True), description="low-friction ice"),
    Environment("beach", ("beach", "seaside", "shore", "coast", "sand"), "sand",
                floor_texture="sand",
                water=Water(lo=(-60, 4.0), hi=(60, 80), level=-0.05, floor=-1.0),
                parts=(Part("box", (60, 38, 0.5), (0, 42, -1.5), material="sand",
                            texture="sand", name="sea_bed"),
                       Part("box", (60, 32, 0.5), (0, -28, -0.5), material="sand",
                            texture="sand", name="beach")),
                floor_size=0.0,
                look=Look(sky_top=(0.25, 0.5, 0.9), sky_horizon=(0.75, 0.85, 0.95),
                          sun_strength=3.4, fog=0.003), description="sand, sea beyond y = 4 m"),
    Environment("space_station", ("space station", "space", "orbit", "spaceship", "iss",
                                  "zero gravity", "zero-g", "weightless", "microgravity"),
                "aluminium", floor_texture="panels", gravity=(0.0, 0.0, 0.0),
                parts=_walls(2.5, 2.5, 2.6, "aluminium", (0.85, 0.86, 0.88)),
                look=Look(sky_top=(0.02, 0.02, 0.05), sky_horizon=(0.05, 0.05, 0.1),
                          sun_strength=2.5, sun_elevation=75, ambient=0.8, indoor=True,
                          stars=True), description="no gravity, cabin air"),
    Environment("vacuum_chamber", ("vacuum chamber", "vacuum", "bell jar", "laboratory", "lab"),
                "steel", floor_texture="panels", air_density=0.0,
                look=Look(sky_top=(0.86, 0.87, 0.9), sky_horizon=(0.93, 0.93, 0.94),
                          ambient=1.0, indoor=True), description="Earth gravity, no air"),
    Environment("moon", ("moon", "lunar surface", "lunar"), "stone", floor_texture="regolith",
                gravity=(0.0, 0.0, -MOON_G), air_density=0.0,
                look=Look(sky_top=(0.0, 0.0, 0.0), sky_horizon=(0.02, 0.02, 0.03),
                          ground=(0.3, 0.3, 0.3), sun_strength=4.0, sun_elevation=25,
                          ambient=0.15, stars=True), description="1.62 m/s^2, no air"),
    Environment("bowling_alley", ("bowling alley", "bowling lane", "lane", "alley lanes"),
                "lane", floor_texture="lane", parts=_bowling_lane(),
                look=Look(sky_top=(0.2, 0.2, 0.25), sky_horizon=(0.3, 0.3, 0.35),
                          sun_strength=2.4, sun_elevation=65, ambient=0.8, indoor=True),
                description="oiled maple lane"),
    Environment("park", ("park", "garden", "lawn", "field", "backyard", "yard", "meadow"),
                "grass", floor_texture="grass", description="a lawn in the open"),
]

ENVIRONMENTS: dict[str, Environment] = {e.name: e for e in _ENVIRONMENTS}


def environment(name: str) -> Environment:
    try:
        return ENVIRONMENTS[name]
    except KeyError:
        raise KeyError(
            f"unknown environment {name!r}; known: {', '.join(sorted(ENVIRONMENTS))}"
        ) from None
