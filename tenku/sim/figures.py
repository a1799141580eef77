"""Animating figures: joint angles over time -> bone poses (forward kinematics).

Figures are kinematic: their bones follow keyframed clips (idle, hold, release, shoot, kick,
push) rather than balancing under torque control, which a 2-core CPU budget cannot afford. What
they touch is simulated for real: a held object follows the grip exactly until release, then
physics owns it, and a shot leaves the hand with the launch the throw solver computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from tenku.catalog.figures import humanoid, quadruped
from tenku.scene.parts import euler_to_quat, quat_mul, quat_rotate

Pose = dict[str, tuple[float, float, float]]  # bone -> (roll, pitch, yaw) degrees

# Rest-relative joint angles. Pitch about +y swings a hanging limb forward when negative.
HOLD_R: Pose = {"upper_arm_r": (0, -35, 0), "forearm_r": (0, -55, 0), "hand_r": (0, -5, 0)}
OPEN_R: Pose = {"upper_arm_r": (0, -35, 0), "forearm_r": (0, -50, 0), "hand_r": (0, 35, 0)}
SHOOT_SET: Pose = {  # ball at the chest, knees bent
    "upper_arm_r": (-10, -60, 0), "forearm_r": (0, -100, 0), "hand_r": (0, -10, 0),
    "upper_arm_l": (10, -60, 0), "forearm_l": (0, -100, 0),
    "thigh_l": (0, -25, 0), "shin_l": (0, 40, 0), "foot_l": (0, -15, 0),
    "thigh_r": (0, -25, 0), "shin_r": (0, 40, 0), "foot_r": (0, -15, 0),
    "pelvis": (0, 0, 0), "torso": (0, 8, 0),
}
SHOOT_RELEASE: Pose = {  # arms up and extended, body extended
    "upper_arm_r": (-5, -160, 0), "forearm_r": (0, -15, 0), "hand_r": (0, -40, 0),
    "upper_arm_l": (5, -150, 0), "forearm_l": (0, -30, 0),
    "torso": (0, -3, 0),
}
KICK_BACK: Pose = {"thigh_r": (0, 35, 0), "shin_r": (0, 60, 0), "upper_arm_l": (0, -30, 0),
                   "upper_arm_r": (0, 25, 0), "torso": (0, 5, 0)}
KICK_HIT: Pose = {"thigh_r": (0, -45, 0), "shin_r": (0, 10, 0), "foot_r": (0, -10, 0),
                  "upper_arm_l": (0, 30, 0), "upper_arm_r": (0, -30, 0), "torso": (0, -5, 0)}
PUSH_OUT: Pose = {"upper_arm_r": (0, -80, 0), "forearm_r": (0, -5, 0), "upper_arm_l": (0, -80, 0),
                  "forearm_l": (0, -5, 0), "torso": (0, 10, 0)}


JAW_OPEN_DEG = 22.0


def _ease(u: float) -> float:
    u = min(1.0, max(0.0, u))
    return u * u * (3 - 2 * u)


def _blend(a: Pose, b: Pose, w: float) -> Pose:
    out: Pose = {}
    for k in set(a) | set(b):
        pa, pb = a.get(k, (0, 0, 0)), b.get(k, (0, 0, 0))
        out[k] = tuple(x + (y - x) * w for x, y in zip(pa, pb))  # type: ignore[assignment]
    return out


@dataclass
class Clip:
    """Keyframes (time, pose) blended with smoothstep; before the first key the first pose
    holds, after the last the last pose holds."""

    keys: list[tuple[float, Pose]] = field(default_factory=list)

    def at(self, t: float) -> Pose:
        if not self.keys:
            return {}
        if t <= self.keys[0][0]:
            return dict(self.keys[0][1])
        for (t0, p0), (t1, p1) in zip(self.keys, self.keys[1:]):
            if t <= t1:
                return _blend(p0, p1, _ease((t - t0) / max(t1 - t0, 1e-6)))
        return dict(self.keys[-1][1])


class Figure:
    """One animated figure: its skeleton, base pose and the clip it plays. ``scale`` sizes
    the whole skeleton (a 1.5 m person, a cat); the clips are joint angles, so they need no
    change to fit."""

    def __init__(self, entity_id: str, kind_figure: str, position, yaw_deg: float,
                 scale: float = 1.0, colors: dict | None = None):
        self.id = entity_id
        if kind_figure == "humanoid":
            self.skeleton = humanoid(**(colors or {}), scale=scale)
        else:
            self.skeleton = quadruped(scale=scale, **(colors or {}))
        self.kind = kind_figure
        self.base = np.asarray(position, dtype=float)
        self.base_quat = euler_to_quat(0, 0, yaw_deg)
        self.clip = Clip([(0.0, {})])
        self.holding: str | None = None
        self._fk: tuple[float, dict] | None = None  # last (t, transforms): FK is asked twice a tick
        self.two_handed = False  # holding a ball for a shot
        self.speech: list[tuple[float, np.ndarray]] = []  # (start s, envelope at 100 Hz)

    def pose_at(self, t: float) -> Pose:
        pose = self.clip.at(t)
        # Idle life: breathing and, for animals, a wagging tail.
        breath = 1.2 * math.sin(2 * math.pi * 0.3 * t)
        tr = pose.get("torso", (0, 0, 0))
        pose["torso"] = (tr[0], tr[1] + breath, tr[2])
        if self.speech:
            pose["jaw"] = (0.0, JAW_OPEN_DEG * self.mouth_open(t), 0.0)
        if self.kind == "quadruped":
            pose["tail"] = (25 * math.sin(2 * math.pi * 2.0 * t), -40, 0)
            pose["head"] = (0, 3 * math.sin(2 * math.pi * 0.5 * t), 0)
        return pose

    def mouth_open(self, t: float) -> float:
        """How far the mouth is open (0..1): the voice's loudness envelope at ``t``."""
        for start, env in self.speech:
            i = int((t - start) * 100)
            if 0 <= i < len(env):
                return float(env[i])
        return 0.0

    def bone_transforms(self, t: float) -> dict[str, tuple[np.ndarray, tuple]]:
        """World position and quaternion of every bone's joint frame at time ``t``."""
        if self._fk is not None and self._fk[0] == t:
            return self._fk[1]
        pose = self.pose_at(t)
        out: dict[str, tuple[np.ndarray, tuple]] = {}
        for b in self.skeleton.bones:
            rot = euler_to_quat(*pose.get(b.name, (0.0, 0.0, 0.0)))
            if b.parent is None:
                ppos, pq = self.base, self.base_quat
            else:
                ppos, pq = out[b.parent]
            pos = ppos + quat_rotate(pq, b.offset)
            out[b.name] = (pos, quat_mul(pq, rot))
        self._fk = (t, out)
        return out

    def grip_point(self, t: float, hand: str = "r") -> np.ndarray:
        bone, local = self.skeleton.grip[hand]
        pos, q = self.bone_transforms(t)[bone]
        return pos + quat_rotate(q, local)

    # --- clips (each replaces the current one) -----------------------------------------------
    def _play(self, keys, two_handed: bool = False) -> None:
        self.clip = Clip(keys)
        self.two_handed = two_handed
        self._fk = None

    def rest(self) -> None:
        self._play([(0.0, {})])

    def hold(self) -> None:
        self._play([(0.0, HOLD_R)])

    def release(self, t: float) -> None:
        self._play([(0.0, HOLD_R), (t - 0.05, HOLD_R), (t + 0.12, OPEN_R),
                    (t + 1.2, OPEN_R), (t + 2.2, {})])

    def shoot(self, t_release: float) -> None:
        self._play([(0.0, SHOOT_SET), (max(0.0, t_release - 0.45), SHOOT_SET),
                    (t_release, SHOOT_RELEASE), (t_release + 0.5, SHOOT_RELEASE),
                    (t_release + 1.6, {})], two_handed=True)

    def kick(self, t_hit: float) -> None:
        self._play([(0.0, {}), (max(0.0, t_hit - 0.5), {}), (t_hit - 0.18, KICK_BACK),
                    (t_hit, KICK_HIT), (t_hit + 0.35, KICK_HIT), (t_hit + 1.2, {})])

    def push(self, t_hit: float) -> None:
        self._play([(0.0, {}), (max(0.0, t_hit - 0.35), {}), (t_hit, PUSH_OUT),
                    (t_hit + 0.4, PUSH_OUT), (t_hit + 1.2, {})])
