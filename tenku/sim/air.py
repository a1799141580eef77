"""Air drag: F = -1/2 rho Cd A |v| v on every moving body, at its centre of mass.

MuJoCo's built-in fluid model sizes its drag box from the inertia, which for a hollow ball is
far too large (a jump shot fell a metre short). Here A is the body's mean projected area,
which for a convex body is a quarter of its surface area (Cauchy's formula), and Cd is 0.47 for
spheres and 1.05 for everything blunter. The throw solver integrates the same law, so aimed
shots still arrive where they were aimed.
"""

from __future__ import annotations

import numpy as np

from tenku.scene.meshes import part_mesh
from tenku.scene.parts import Part

SPHERE_CD = 0.47
BLUNT_CD = 1.05


def drag_constant(parts: list[Part], air_density: float) -> float:
    """k such that the drag force is -k |v| v (kg/m)."""
    solid = [p for p in parts if p.collide and p.shape != "plane"]
    if air_density <= 0 or not solid:
        return 0.0
    if len(solid) == 1 and solid[0].shape == "sphere":
        r = solid[0].size[0]
        return 0.5 * air_density * SPHERE_CD * np.pi * r * r
    area = 0.0
    for p in solid:
        v, t = part_mesh(p, seg=12)
        a, b, c = v[t[:, 0]], v[t[:, 1]], v[t[:, 2]]
        area += 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1).sum()
    return 0.5 * air_density * BLUNT_CD * area / 4


def launch_velocity(p0: np.ndarray, p1: np.ndarray, angle_deg: float, gravity: np.ndarray,
                    k_over_m: float) -> np.ndarray:
    """Launch velocity at elevation ``angle_deg`` whose drag-affected path passes through p1.

    Integrates a fan of candidate speeds at once (1 ms steps) and bisects on the height at
    which each crosses the target's horizontal distance."""
    d = p1 - p0
    horiz = float(np.hypot(d[0], d[1]))
    u = d[:2] / max(horiz, 1e-9)
    th = np.radians(angle_deg)
    g = float(-gravity[2])
    if g <= 0:
        direction = d / max(np.linalg.norm(d), 1e-9)
        return direction * 6.0
    lo, hi = 0.5, 40.0
    for _ in range(3):
        speeds = np.linspace(lo, hi, 48)
        heights = _height_at(speeds, th, horiz, g, k_over_m)
        above = heights >= d[2]
        if not above.any():
            break
        j = int(np.argmax(above))
        if j == 0:
            hi = speeds[1]
            continue
        lo, hi = speeds[j - 1], speeds[j]
    s = (lo + hi) / 2
    return np.array([u[0] * s * np.cos(th), u[1] * s * np.cos(th), s * np.sin(th)])


def _height_at(speeds: np.ndarray, th: float, dist: float, g: float, kom: float) -> np.ndarray:
    """Height of each trajectory where it reaches horizontal distance ``dist`` (-inf if never)."""
    x = np.zeros_like(speeds)
    z = np.zeros_like(speeds)
    vx = speeds * np.cos(th)
    vz = speeds * np.sin(th)
    out = np.full_like(speeds, -np.inf)
    done = np.zeros(len(speeds), bool)
    dt = 0.001
    for _ in range(20000):
        sp = np.hypot(vx, vz)
        ax = -kom * sp * vx
        az = -g - kom * sp * vz
        nx, nz = x + vx * dt, z + vz * dt
        cross = (~done) & (nx >= dist)
        if cross.any():
            f = (dist - x[cross]) / np.maximum(nx[cross] - x[cross], 1e-12)
            out[cross] = z[cross] + (nz[cross] - z[cross]) * f
            done |= cross
        x, z = nx, nz
        vx, vz = vx + ax * dt, vz + az * dt
        done |= (z < -50) | (vx <= 1e-6)
        if done.all():
            break
    return out
