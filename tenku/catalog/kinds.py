"""Entity kinds: real-world objects with real sizes, masses and bounciness.

Every kind is built from :class:`~tenku.scene.Part` primitives in its own frame, whose origin is
the centre of the object's *base* (so ``pose.position`` puts it on a surface at that height) and
whose +x axis is its front. Sizes and masses follow the objects' rules or common retail items
(sources in each comment). ``restitution`` overrides the material's for objects whose bounce is
specified by their sport's rules; ``hollow`` marks thin-shelled balls (inertia 2/3 m r^2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tenku.scene.parts import Part, axis_angle


@dataclass(frozen=True)
class Kind:
    name: str
    category: str
    parts: tuple[Part, ...]
    material: str
    synonyms: tuple[str, ...] = ()
    mass: float | None = None  # kg; None: density x volume
    restitution: float | None = None
    hollow: bool = False
    fixed: bool = False
    figure: str | None = None  # "humanoid" | "quadruped": animated skeleton, see catalog.figures
    aim: tuple[float, float, float] | None = None  # local point a throw aims at (hoop: rim centre)
    description: str = ""
    plural: str | None = None

    @property
    def height(self) -> float:
        return self.bounds()[1][2] - self.bounds()[0][2]

    def bounds(self):
        import numpy as np

        los, his = zip(*(p.local_aabb() for p in self.parts))
        return np.min(los, axis=0), np.max(his, axis=0)

    def volume(self) -> float:
        return sum(p.volume() for p in self.parts)


_Y90 = axis_angle((0, 1, 0), math.pi / 2)  # turns a z-axis cylinder to lie along x
_X90 = axis_angle((1, 0, 0), math.pi / 2)  # ... or along y


def _ball(name, r, mass, e, material, color, texture=None, syn=(), hollow=True, desc=""):
    return Kind(
        name, "ball", (Part("sphere", (r,), (0, 0, r), material=material, color=color,
                            texture=texture),),
        material, syn, mass=mass, restitution=e, hollow=hollow, description=desc)


def _block(name, material, syn, hx=0.05, hy=0.05, hz=0.05, color=None, desc=""):
    return Kind(name, "block", (Part("box", (hx, hy, hz), (0, 0, hz), material=material,
                                     color=color),), material, syn, description=desc)


def _lathe(name, category, profile, material, mass, syn=(), color=None, desc="", extra=()):
    return Kind(name, category, (Part("lathe", (), material=material, color=color,
                                      profile=tuple(profile)),) + tuple(extra),
                material, syn, mass=mass, description=desc)


def _hoop() -> Kind:
    """NBA geometry: rim 3.05 m high, 0.457 m inner diameter, front of the backboard 1.22 m
    inside the baseline, backboard 1.83 x 1.07 m with its bottom 2.90 m up; rim centre
    0.38 m out from the board."""
    rim_R, rim_r, rim_h, rim_x = 0.2286, 0.009, 3.05, 0.38
    parts = [
        Part("cylinder", (0.09, 1.85), (-1.0, 0, 1.85), material="steel", color=(0.2, 0.22, 0.25),
             name="pole"),
        Part("box", (0.52, 0.06, 0.06), (-0.52, 0, 3.2), material="steel",
             color=(0.2, 0.22, 0.25), name="arm"),
        Part("box", (0.02, 0.915, 0.535), (0.0, 0, 3.435), material="acrylic", name="backboard"),
        Part("box", (0.005, 0.30, 0.005), (0.025, 0, 3.05 + 0.45), material="paint",
             color=(0.95, 0.95, 0.95), collide=False, name="target_top"),
        Part("box", (0.005, 0.30, 0.005), (0.025, 0, 3.05 + 0.0), material="paint",
             color=(0.95, 0.95, 0.95), collide=False, name="target_bottom"),
        Part("box", (0.005, 0.005, 0.23), (0.025, 0.30, 3.275), material="paint",
             color=(0.95, 0.95, 0.95), collide=False, name="target_left"),
        Part("box", (0.005, 0.005, 0.23), (0.025, -0.30, 3.275), material="paint",
             color=(0.95, 0.95, 0.95), collide=False, name="target_right"),
        Part("box", (rim_x / 2 - 0.12, 0.02, 0.006), (rim_x / 2 - 0.1, 0, rim_h - 0.01),
             material="steel", color=(0.95, 0.35, 0.05), name="rim_bracket"),
        Part("torus", (rim_R, rim_r), (rim_x, 0, rim_h), material="steel",
             color=(0.95, 0.35, 0.05), name="rim"),
        Part("lathe", (), (rim_x, 0, rim_h), material="fabric", color=(0.97, 0.97, 0.97),
             collide=False, texture="net", name="net",
             profile=((rim_R, 0.0), (0.20, -0.15), (0.16, -0.40))),
    ]
    return Kind("hoop", "structure", tuple(parts), "steel",
                ("basketball hoop", "hoop", "basket", "rim", "backboard", "net", "goal"),
                fixed=True, aim=(rim_x, 0, rim_h), description="NBA hoop with backboard and rim")


def _table(name, w, d, h, material, mass, syn, color=None) -> Kind:
    t = 0.025
    parts = [Part("box", (w / 2, d / 2, t), (0, 0, h - t), material=material, color=color,
                  name="top")]
    for sx in (-1, 1):
        for sy in (-1, 1):
            parts.append(Part("box", (0.025, 0.025, (h - 2 * t) / 2),
                              (sx * (w / 2 - 0.05), sy * (d / 2 - 0.05), (h - 2 * t) / 2),
                              material=material, color=color, name="leg"))
    return Kind(name, "furniture", tuple(parts), material, syn, mass=mass,
                description=f"{w:.2f} x {d:.2f} m, {h:.2f} m high")


def _chair() -> Kind:
    h = 0.45
    parts = [Part("box", (0.22, 0.22, 0.02), (0, 0, h), material="wood", name="seat"),
             Part("box", (0.02, 0.22, 0.22), (-0.21, 0, h + 0.24), material="wood", name="back")]
    for sx in (-1, 1):
        for sy in (-1, 1):
            parts.append(Part("box", (0.02, 0.02, (h - 0.02) / 2),
                              (sx * 0.19, sy * 0.19, (h - 0.02) / 2), material="wood"))
    return Kind("chair", "furniture", tuple(parts), "wood", ("chair", "stool", "seat"), mass=5.0)


def _shelf() -> Kind:
    w, d, h = 0.9, 0.3, 1.8
    parts = [Part("box", (0.01, d / 2, h / 2), (0, sy * (w / 2), h / 2), material="wood")
             for sy in (-1, 1)]
    parts.append(Part("box", (0.005, w / 2, h / 2), (-d / 2, 0, h / 2), material="wood"))
    for z in (0.02, 0.45, 0.9, 1.35, 1.78):
        parts.append(Part("box", (d / 2, w / 2, 0.012), (0, 0, z), material="wood"))
    return Kind("shelf", "furniture", tuple(parts), "wood",
                ("shelf", "bookshelf", "bookcase", "shelves", "rack"), fixed=True)


_PIN = ((0.0, 0.0), (0.0254, 0.0), (0.045, 0.05), (0.0605, 0.114), (0.05, 0.19), (0.0285, 0.25),
        (0.03, 0.29), (0.033, 0.33), (0.028, 0.365), (0.0, 0.381))
_WINE = ((0.0, 0.0), (0.035, 0.0), (0.035, 0.004), (0.005, 0.01), (0.004, 0.09), (0.02, 0.1),
         (0.038, 0.13), (0.042, 0.16), (0.038, 0.21), (0.0, 0.21))
_BOTTLE = ((0.0, 0.0), (0.037, 0.0), (0.037, 0.19), (0.03, 0.22), (0.014, 0.25), (0.013, 0.29),
           (0.0, 0.29))
_JAR = ((0.0, 0.0), (0.05, 0.0), (0.052, 0.11), (0.045, 0.125), (0.045, 0.14), (0.0, 0.14))
_CONE = ((0.0, 0.0), (0.17, 0.0), (0.17, 0.03), (0.1, 0.04), (0.035, 0.46), (0.0, 0.46))
_VASE = ((0.0, 0.0), (0.05, 0.0), (0.08, 0.08), (0.07, 0.18), (0.04, 0.25), (0.05, 0.3),
         (0.0, 0.3))
_DUCK = (Part("sphere", (0.045,), (0, 0, 0.045), material="rubber", color=(1.0, 0.85, 0.1)),
         Part("sphere", (0.028,), (0.03, 0, 0.095), material="rubber", color=(1.0, 0.85, 0.1)),
         Part("capsule", (0.008, 0.012), (0.06, 0, 0.095), _Y90, material="rubber",
              color=(1.0, 0.45, 0.05)))


def _toy_car() -> Kind:
    parts = [Part("box", (0.09, 0.045, 0.025), (0, 0, 0.045), material="plastic",
                  color=(0.85, 0.1, 0.1), name="body"),
             Part("box", (0.045, 0.04, 0.02), (-0.01, 0, 0.085), material="plastic",
                  color=(0.85, 0.1, 0.1), name="cabin")]
    for sx in (-1, 1):
        for sy in (-1, 1):
            parts.append(Part("cylinder", (0.02, 0.008), (sx * 0.06, sy * 0.05, 0.02), _X90,
                              material="rubber", name="wheel"))
    # Its wheels do not turn: low friction stands in for rolling (rolling resistance ~0.05).
    return Kind("toy_car", "vehicle", tuple(parts), "plastic",
                ("toy car", "car", "toy truck", "model car", "race car"), mass=0.2)


def _paddleboard() -> Kind:
    parts = (Part("box", (1.5, 0.40, 0.06), (0, 0, 0.06), material="foam",
                  color=(0.15, 0.55, 0.85), name="deck"),)
    return Kind("paddleboard", "vehicle", parts, "foam",
                ("paddleboard", "paddle board", "surfboard", "sup", "raft"), mass=11.0)


_KINDS = [
    # Balls. Sizes/masses from FIBA, FIFA, ITF, ITTF, USBC, USGA rules; restitution from the
    # rules' drop tests (e.g. FIBA: from 1.8 m a ball rebounds to 1.2-1.4 m: e ~= 0.83).
    _ball("basketball", 0.1194, 0.62, 0.83, "rubber", (0.85, 0.38, 0.12), "basketball",
          ("basketball", "b-ball", "bball", "hoops ball"), desc="size 7"),
    _ball("soccer_ball", 0.11, 0.43, 0.80, "leather", (0.96, 0.96, 0.96), "soccer",
          ("soccer ball", "football", "futbol", "soccerball")),
    _ball("tennis_ball", 0.0335, 0.058, 0.745, "felt", (0.83, 0.93, 0.20), "tennis",
          ("tennis ball",)),
    _ball("ping_pong_ball", 0.02, 0.0027, 0.89, "plastic", (0.98, 0.98, 0.96), None,
          ("ping pong ball", "ping-pong ball", "table tennis ball", "pingpong ball")),
    _ball("bowling_ball", 0.1085, 6.8, 0.35, "plastic", (0.1, 0.15, 0.55), "marble",
          ("bowling ball",), hollow=False),
    _ball("beach_ball", 0.25, 0.15, 0.70, "plastic", (0.95, 0.95, 0.95), "beachball",
          ("beach ball", "inflatable ball")),
    _ball("golf_ball", 0.02135, 0.04593, 0.78, "plastic", (0.98, 0.98, 0.98), None,
          ("golf ball",), hollow=False),
    _ball("volleyball", 0.105, 0.27, 0.75, "leather", (0.96, 0.94, 0.85), "volleyball",
          ("volleyball", "volley ball")),
    _ball("baseball", 0.0366, 0.145, 0.55, "leather", (0.96, 0.95, 0.92), None,
          ("baseball", "softball"), hollow=False),
    _ball("marble", 0.008, 0.0054, 0.65, "solid_glass", (0.3, 0.6, 0.9), None, ("marble",),
          hollow=False),  # solid glass: unlike a wine glass it survives a fall
    # Glassware and crockery (brittle: their material has a break speed).
    _lathe("wine_glass", "glassware", _WINE, "glass", 0.15,
           ("wine glass", "goblet", "champagne glass", "stemware", "chalice", "flute")),
    _lathe("drinking_glass", "glassware", ((0, 0), (0.032, 0), (0.037, 0.11), (0, 0.11)),
           "glass", 0.2, ("glass", "tumbler", "drinking glass", "water glass", "pint glass")),
    Kind("cup", "glassware", (Part("cylinder", (0.04, 0.0475), (0, 0, 0.0475),
                                   material="ceramic"),
                              Part("torus", (0.025, 0.006), (0.045, 0, 0.05), _X90,
                                   material="ceramic", collide=False)),
         "ceramic", ("cup", "mug", "coffee cup", "teacup", "tea cup"), mass=0.3),
    _lathe("bottle", "glassware", _BOTTLE, "glass", 0.45,
           ("bottle", "wine bottle", "beer bottle", "glass bottle"), color=(0.25, 0.5, 0.3)),
    _lathe("jar", "glassware", _JAR, "glass", 0.3, ("jar", "mason jar", "jam jar")),
    Kind("plate", "glassware", (Part("cylinder", (0.13, 0.01), (0, 0, 0.01),
                                     material="ceramic"),), "ceramic",
         ("plate", "dish", "saucer"), mass=0.55),
    _lathe("vase", "glassware", _VASE, "ceramic", 0.8, ("vase", "urn", "pot")),
    # Blocks: 10 cm cubes, the mass follows the material's density.
    _block("block", "wood", ("block", "cube", "brick block")),
    _block("wood_block", "wood", ("wooden block", "wood block", "block of wood", "wooden cube")),
    _block("iron_block", "iron", ("iron block", "block of iron", "metal block", "steel block",
                                  "iron cube", "ingot")),
    _block("stone_block", "stone", ("stone block", "stone", "rock", "block of stone", "boulder")),
    _block("ice_block", "ice", ("ice block", "ice cube", "block of ice")),
    _block("foam_block", "foam", ("foam block", "sponge", "foam cube", "block of foam")),
    _block("brick", "brick", ("brick", "red brick"), hx=0.1075, hy=0.05125, hz=0.0325),
    _block("cork_block", "cork", ("cork", "cork block")),
    _block("gold_bar", "gold", ("gold bar", "gold ingot", "bullion"), hx=0.09, hy=0.04,
           hz=0.022),
    # Dominoes: 48 x 24 x 7.5 mm, standing on the narrow end.
    _block("domino", "plastic", ("domino", "dominoes", "domino tile"), hx=0.0038, hy=0.012,
           hz=0.024, color=(0.06, 0.06, 0.08)),
    # A ramp is a plank: set its pitch in pose.rotation (positive pitch: rises toward -x).
    Kind("ramp", "structure", (Part("box", (0.6, 0.2, 0.01), (0, 0, 0.01), material="wood",
                                    texture="grain"),), "wood",
         ("ramp", "incline", "slope", "plank", "board", "chute"), fixed=True),
    _hoop(),
    _lathe("bowling_pin", "prop", _PIN, "wood", 1.55, ("bowling pin", "pin", "skittle"),
           color=(0.97, 0.97, 0.95)),
    Kind("can", "prop", (Part("cylinder", (0.033, 0.061), (0, 0, 0.061), material="aluminium",
                              color=(0.8, 0.1, 0.1)),), "aluminium",
         ("can", "soda can", "tin can", "beer can", "coke can"), mass=0.385),
    Kind("box", "prop", (Part("box", (0.2, 0.15, 0.15), (0, 0, 0.15), material="cardboard"),),
         "cardboard", ("box", "cardboard box", "package", "parcel", "carton"), mass=0.6),
    Kind("crate", "prop", (Part("box", (0.25, 0.25, 0.25), (0, 0, 0.25), material="wood",
                                texture="planks"),),
         "wood", ("crate", "wooden crate", "chest"), mass=9.0),
    _table("table", 1.2, 0.8, 0.75, "wood", 25.0, ("table", "dining table", "desk"),
           color=(0.55, 0.36, 0.2)),
    _table("counter", 1.8, 0.6, 0.9, "stone", 120.0, ("counter", "countertop", "kitchen counter",
                                                       "worktop", "island")),
    _table("coffee_table", 1.0, 0.5, 0.42, "wood", 15.0, ("coffee table", "low table")),
    _chair(),
    _shelf(),
    _toy_car(),
    _paddleboard(),
    Kind("person", "figure", (), "flesh",
         ("person", "man", "woman", "player", "basketball player", "athlete", "chef", "boy",
          "girl", "kid", "child", "guy", "someone", "human", "figure", "shooter", "kicker",
          "bowler", "waiter", "waitress", "he", "she", "friend", "teenager", "lady"),
         fixed=True, figure="humanoid", description="1.75 m articulated figure"),
    Kind("dog", "animal", (), "fur", ("dog", "puppy", "pup", "hound", "doggo", "retriever"),
         fixed=True, figure="quadruped", description="medium dog, 0.55 m at the shoulder"),
    Kind("cat", "animal", (), "fur", ("cat", "kitten", "kitty", "feline"), fixed=True,
         figure="quadruped", description="house cat, 0.25 m at the shoulder"),
    Kind("apple", "food", (Part("sphere", (0.04,), (0, 0, 0.04), material="fruit",
                                color=(0.75, 0.08, 0.08)),), "fruit", ("apple",), mass=0.2),
    Kind("orange", "food", (Part("sphere", (0.04,), (0, 0, 0.04), material="fruit",
                                 color=(1.0, 0.55, 0.05)),), "fruit", ("orange", "tangerine"),
         mass=0.18),
    Kind("rubber_duck", "toy", _DUCK, "rubber", ("rubber duck", "duck", "ducky", "duckie"),
         mass=0.03),
    Kind("book", "prop", (Part("box", (0.1, 0.075, 0.015), (0, 0, 0.015), material="cardboard",
                               color=(0.2, 0.3, 0.6)),), "cardboard",
         ("book", "novel", "notebook"), mass=0.45),
    _lathe("traffic_cone", "prop", _CONE, "rubber", 1.2, ("traffic cone", "cone"),
           color=(1.0, 0.4, 0.05)),
    Kind("log", "prop", (Part("cylinder", (0.12, 0.5), (0, 0, 0.12), _Y90, material="wood",
                              texture="grain"),), "wood", ("log", "tree trunk", "driftwood")),
    Kind("anvil", "prop", (Part("box", (0.2, 0.08, 0.06), (0, 0, 0.24), material="iron"),
                           Part("box", (0.09, 0.07, 0.09), (0, 0, 0.09), material="iron"),
                           Part("box", (0.14, 0.1, 0.02), (0, 0, 0.02), material="iron")),
         "iron", ("anvil",)),
    Kind("barrel", "prop", (Part("cylinder", (0.28, 0.44), (0, 0, 0.44), material="wood",
                                 texture="planks"),), "wood", ("barrel", "keg", "drum"),
         mass=20.0),
    Kind("feather", "prop", (Part("box", (0.12, 0.02, 0.001), (0, 0, 0.001), material="fabric",
                                  color=(0.97, 0.97, 0.97)),), "fabric", ("feather",),
         mass=0.005),
    Kind("hammer", "prop", (Part("cylinder", (0.014, 0.15), (0, 0, 0.014), _Y90,
                                 material="wood"),
                            Part("box", (0.02, 0.05, 0.016), (0.15, 0, 0.016), material="steel")),
         "steel", ("hammer", "mallet"), mass=0.6),
]

KINDS: dict[str, Kind] = {k.name: k for k in _KINDS}


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"unknown kind {name!r}; `tenku script kinds` lists them") from None
