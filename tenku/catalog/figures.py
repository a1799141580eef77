"""Skeletons of the animated figures: a 1.78 m humanoid (any height, scaled uniformly) and a
dog/cat-sized quadruped.

A skeleton is a tree of bones. Each bone's ``offset`` is its joint's position in the parent
bone's frame in the rest pose (standing, arms down, facing +x); its ``parts`` hang from that
joint in the bone's own frame. The simulator turns joint angles into bone poses (forward
kinematics) and moves the bones as kinematic bodies, so a figure can hold, release, throw and
kick while the objects it touches stay fully simulated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from tenku.scene.parts import Part, axis_angle

_X90 = axis_angle((1, 0, 0), math.pi / 2)
_Y90 = axis_angle((0, 1, 0), math.pi / 2)
#: The humanoid's standing height (top of the hair to the soles) at scale 1, in metres.
HUMANOID_HEIGHT = 1.78


@dataclass(frozen=True)
class Bone:
    name: str
    parent: str | None
    offset: tuple[float, float, float]
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Skeleton:
    bones: tuple[Bone, ...]
    grip: dict[str, tuple[str, tuple[float, float, float]]]  # hand -> (bone, point in bone frame)

    def bone(self, name: str) -> Bone:
        for b in self.bones:
            if b.name == name:
                return b
        raise KeyError(name)


def _cap(r, half, z, material, color, name=""):
    return Part("capsule", (r, half), (0, 0, z), material=material, color=color, name=name)


def humanoid(shirt=(0.2, 0.35, 0.7), pants=(0.15, 0.15, 0.2), skin=(0.8, 0.6, 0.48),
             hair=(0.15, 0.1, 0.07), scale: float = 1.0) -> Skeleton:
    """A 1.78 m figure (times ``scale``). Pelvis joint 1.0 m up; feet flat on z = 0 in the
    rest pose. ``scale`` grows every offset, part and grip point alike, so a 1.5 m character
    is a smaller adult (not a child's proportions) and its clips, being joint angles, fit it
    unchanged."""
    f, fl = "fabric", "flesh"
    bones = [
        Bone("pelvis", None, (0, 0, 1.0), (
            Part("capsule", (0.11, 0.07), (0, 0, -0.02), _X90, material=f, color=pants),)),
        Bone("torso", "pelvis", (0, 0, 0.05), (
            Part("capsule", (0.14, 0.13), (0, 0, 0.24), _X90, material=f, color=shirt),
            Part("capsule", (0.12, 0.1), (0, 0, 0.1), _X90, material=f, color=shirt))),
        Bone("head", "torso", (0, 0, 0.45), (
            Part("cylinder", (0.045, 0.05), (0, 0, 0.03), material=fl, color=skin),
            Part("sphere", (0.1,), (0.01, 0, 0.16), material=fl, color=skin),
            Part("sphere", (0.102,), (-0.012, 0, 0.185), material=f, color=hair, collide=False),
            Part("sphere", (0.013,), (0.095, 0.035, 0.175), material="paint",
                 color=(0.05, 0.05, 0.05), collide=False, name="eye"),
            Part("sphere", (0.013,), (0.095, -0.035, 0.175), material="paint",
                 color=(0.05, 0.05, 0.05), collide=False, name="eye"),
            )),
        # The jaw hinges behind the mouth: pitching it down opens the mouth as a figure speaks.
        Bone("jaw", "head", (0.06, 0, 0.125), (
            Part("box", (0.01, 0.03, 0.006), (0.04, 0, -0.01), material="paint",
                 color=(0.45, 0.2, 0.2), collide=False, name="mouth"),)),
    ]
    for side, y in (("l", 1), ("r", -1)):
        bones += [
            Bone(f"upper_arm_{side}", "torso", (0, 0.2 * y, 0.38), (
                _cap(0.05, 0.1, -0.14, f, shirt),)),
            Bone(f"forearm_{side}", f"upper_arm_{side}", (0, 0, -0.29), (
                _cap(0.04, 0.1, -0.13, fl, skin),)),
            Bone(f"hand_{side}", f"forearm_{side}", (0, 0, -0.26), (
                Part("box", (0.022, 0.045, 0.05), (0, 0, -0.05), material=fl, color=skin),)),
            Bone(f"thigh_{side}", "pelvis", (0, 0.1 * y, -0.05), (
                _cap(0.07, 0.16, -0.21, f, pants),)),
            Bone(f"shin_{side}", f"thigh_{side}", (0, 0, -0.44), (
                _cap(0.05, 0.17, -0.22, f, pants),)),
            Bone(f"foot_{side}", f"shin_{side}", (0, 0, -0.445), (
                Part("box", (0.12, 0.045, 0.033), (0.05, 0, -0.028), material="rubber",
                     color=(0.1, 0.1, 0.1)),)),
        ]
    grip = {"r": ("hand_r", (0.0, 0.0, -0.12)), "l": ("hand_l", (0.0, 0.0, -0.12))}
    if scale != 1.0:
        return _scaled(Skeleton(tuple(bones), grip), scale)
    return Skeleton(tuple(bones), grip)


def _scaled(sk: Skeleton, s: float) -> Skeleton:
    """The skeleton ``s`` times as big: joint offsets, parts and grip points."""
    def mul(v):
        return tuple(x * s for x in v)

    bones = tuple(replace(b, offset=mul(b.offset), parts=tuple(p.scaled((s, s, s))
                                                                for p in b.parts))
                  for b in sk.bones)
    return Skeleton(bones, {h: (bone, mul(pt)) for h, (bone, pt) in sk.grip.items()})


def quadruped(scale: float = 1.0, coat=(0.6, 0.42, 0.25)) -> Skeleton:
    """A dog at scale 1 (0.55 m at the shoulder, 0.8 m long); a cat is scale 0.45."""
    s = scale
    fur = "fur"
    bones = [
        Bone("body", None, (0, 0, 0.55 * s), (
            Part("capsule", (0.14 * s, 0.22 * s), (0, 0, 0), _Y90, material=fur, color=coat),)),
        Bone("head", "body", (0.36 * s, 0, 0.1 * s), (
            Part("sphere", (0.11 * s,), (0.05 * s, 0, 0.06 * s), material=fur, color=coat),
            Part("capsule", (0.05 * s, 0.05 * s), (0.15 * s, 0, 0.03 * s), _Y90, material=fur,
                 color=coat),
            Part("sphere", (0.025 * s,), (0.22 * s, 0, 0.04 * s), material="paint",
                 color=(0.05, 0.05, 0.05), collide=False),
            Part("sphere", (0.015 * s,), (0.12 * s, 0.05 * s, 0.1 * s), material="paint",
                 color=(0.05, 0.05, 0.05), collide=False),
            Part("sphere", (0.015 * s,), (0.12 * s, -0.05 * s, 0.1 * s), material="paint",
                 color=(0.05, 0.05, 0.05), collide=False),
            Part("box", (0.02 * s, 0.03 * s, 0.05 * s), (0.0, 0.07 * s, 0.16 * s), material=fur,
                 color=coat, collide=False),
            Part("box", (0.02 * s, 0.03 * s, 0.05 * s), (0.0, -0.07 * s, 0.16 * s),
                 material=fur, color=coat, collide=False))),
        Bone("tail", "body", (-0.33 * s, 0, 0.06 * s), (
            Part("capsule", (0.025 * s, 0.12 * s), (-0.0, 0, 0.12 * s), material=fur,
                 color=coat, collide=False),)),
    ]
    for name, x, y in (("fl", 0.25, 0.09), ("fr", 0.25, -0.09), ("bl", -0.25, 0.09),
                       ("br", -0.25, -0.09)):
        bones += [
            Bone(f"leg_{name}", "body", (x * s, y * s, -0.05 * s), (
                _cap(0.045 * s, 0.12 * s, -0.12 * s, fur, coat),)),
            Bone(f"paw_{name}", f"leg_{name}", (0, 0, -0.25 * s), (
                _cap(0.035 * s, 0.1 * s, -0.12 * s, fur, coat),)),
        ]
    return Skeleton(tuple(bones), {"m": ("head", (0.22 * s, 0, 0.0))})
