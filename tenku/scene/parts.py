"""Primitive parts that entities and environments are built from, and the quaternion maths
shared by everything that places them. Quaternions are (w, x, y, z), as in MuJoCo."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

@dataclass(frozen=True)
class Part:
    """One primitive, in its parent's frame (an entity's body or the world).

    ``size`` by shape: sphere ``(r,)``; box ``(hx, hy, hz)`` half-extents; cylinder and capsule
    ``(r, half_length)`` along local z; torus ``(R, r)`` in the local xy plane; plane
    ``(hx, hy)``; lathe: ``profile`` is a list of ``(radius, z)`` points revolved about local z
    (a closed solid for physics uses its convex hull).
    ``material`` names a catalog material; ``color`` (sRGB, 0..1) overrides its base colour.
    ``collide=False`` parts are drawn but not simulated (court lines, a net, a face).
    ``texture`` selects a procedural pattern in the renderer ("planks", "court", "tiles", ...).
    """

    shape: str
    size: tuple[float, ...]
    pos: tuple[float, float, float] = (0.0, 0.0, 0.0)
    quat: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)
    material: str = "plastic"
    color: tuple[float, float, float] | None = None
    collide: bool = True
    texture: str | None = None
    profile: tuple[tuple[float, float], ...] = field(default=())
    name: str = ""

    def scaled(self, s: tuple[float, float, float]) -> "Part":
        """This part scaled by per-axis factors about its parent's origin. Round shapes take
        the mean of the factors they cannot stretch along (a sphere stays a sphere)."""
        sx, sy, sz = s
        pos = (self.pos[0] * sx, self.pos[1] * sy, self.pos[2] * sz)
        sr = (sx + sy) / 2
        if self.shape == "sphere":
            size = (self.size[0] * (sx + sy + sz) / 3,)
        elif self.shape == "box":
            size = (self.size[0] * sx, self.size[1] * sy, self.size[2] * sz)
        elif self.shape in ("cylinder", "capsule"):
            size = (self.size[0] * sr, self.size[1] * sz)
        elif self.shape == "torus":
            size = (self.size[0] * sr, self.size[1] * sr)
        elif self.shape == "plane":
            size = (self.size[0] * sx, self.size[1] * sy)
        else:
            size = self.size
        profile = tuple((r * sr, z * sz) for r, z in self.profile)
        return replace(self, pos=pos, size=size, profile=profile)

    def volume(self) -> float:
        """Solid volume in m^3 (0 for planes and visual-only parts)."""
        if not self.collide or self.shape == "plane":
            return 0.0
        if self.shape == "sphere":
            return 4 / 3 * math.pi * self.size[0] ** 3
        if self.shape == "box":
            return 8 * self.size[0] * self.size[1] * self.size[2]
        if self.shape == "cylinder":
            return math.pi * self.size[0] ** 2 * 2 * self.size[1]
        if self.shape == "capsule":
            r, h = self.size
            return math.pi * r * r * 2 * h + 4 / 3 * math.pi * r**3
        if self.shape == "torus":
            R, r = self.size
            return 2 * math.pi**2 * R * r * r
        if self.shape == "lathe":
            v = 0.0  # frustum sum of the outer profile
            for (r0, z0), (r1, z1) in zip(self.profile, self.profile[1:]):
                v += math.pi * abs(z1 - z0) * (r0 * r0 + r0 * r1 + r1 * r1) / 3
            return v
        raise ValueError(self.shape)

    def local_aabb(self) -> tuple[np.ndarray, np.ndarray]:
        """Axis-aligned bounds in the parent frame (conservative for rotated parts)."""
        if self.shape == "sphere":
            h = np.full(3, self.size[0])
        elif self.shape == "box":
            h = np.array(self.size, dtype=float)
        elif self.shape in ("cylinder", "capsule"):
            r, hl = self.size
            h = np.array([r, r, hl + (r if self.shape == "capsule" else 0)])
        elif self.shape == "torus":
            R, r = self.size
            h = np.array([R + r, R + r, r])
        elif self.shape == "plane":
            h = np.array([self.size[0], self.size[1], 0.0])
        else:
            rmax = max(r for r, _ in self.profile)
            zs = [z for _, z in self.profile]
            lo, hi = min(zs), max(zs)
            c = np.array([0, 0, (lo + hi) / 2])
            h = np.array([rmax, rmax, (hi - lo) / 2])
            return self._rotate_box(c, h)
        return self._rotate_box(np.zeros(3), h)

    def _rotate_box(self, c: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        R = quat_to_mat(self.quat)
        ext = np.abs(R) @ h
        centre = R @ c + np.array(self.pos)
        return centre - ext, centre + ext


def parts_bounds(parts) -> tuple[np.ndarray, np.ndarray]:
    """Axis-aligned (lo, hi) over several parts in their common parent frame."""
    boxes = [p.local_aabb() for p in parts]
    return np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0)


def quat_mul(a, b) -> tuple[float, float, float, float]:
    aw, ax, ay, az = a
    bw, bx, by, bz = b
    return (
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
    )


def quat_to_mat(q) -> np.ndarray:
    w, x, y, z = q
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def quat_rotate(q, v) -> np.ndarray:
    """Rotate vector ``v`` by unit quaternion ``q`` (plain arithmetic: this sits in hot loops)."""
    w, x, y, z = q
    vx, vy, vz = float(v[0]), float(v[1]), float(v[2])
    # t = 2 q_vec x v ; v' = v + w t + q_vec x t
    tx = 2 * (y * vz - z * vy)
    ty = 2 * (z * vx - x * vz)
    tz = 2 * (x * vy - y * vx)
    return np.array([vx + w * tx + (y * tz - z * ty),
                     vy + w * ty + (z * tx - x * tz),
                     vz + w * tz + (x * ty - y * tx)])


def axis_angle(axis, angle: float) -> tuple[float, float, float, float]:
    ax, ay, az = (float(a) for a in axis)
    n = math.sqrt(ax * ax + ay * ay + az * az) or 1.0
    s = math.sin(angle / 2) / n
    return (math.cos(angle / 2), ax * s, ay * s, az * s)


def euler_to_quat(roll_deg: float, pitch_deg: float, yaw_deg: float):
    """Roll about x, pitch about y, yaw about z (world axes, applied roll first)."""
    cr, sr = math.cos(math.radians(roll_deg) / 2), math.sin(math.radians(roll_deg) / 2)
    cp, sp = math.cos(math.radians(pitch_deg) / 2), math.sin(math.radians(pitch_deg) / 2)
    cy, sy = math.cos(math.radians(yaw_deg) / 2), math.sin(math.radians(yaw_deg) / 2)
    return (cr * cp * cy + sr * sp * sy,
            sr * cp * cy - cr * sp * sy,
            cr * sp * cy + sr * cp * sy,
            cr * cp * sy - sr * sp * cy)
