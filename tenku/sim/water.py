"""Buoyancy and drag in water, computed from each body's closed mesh clipped by the surface.

The submerged volume and its centroid come from the divergence theorem with the reference
point on the water plane: the cap where the plane cuts the body then contributes nothing, so
summing signed tetrahedra over the clipped triangles is exact for any orientation. A floating
block therefore settles at exactly its density ratio, and a tilted board rights itself.
"""

from __future__ import annotations

import numpy as np

from tenku.scene.result import Water

#: Linear water damping (1/s per unit of displaced mass): radiation and viscous losses that
#: make a bobbing block settle within a couple of seconds, as real ones do.
LINEAR_DAMPING = 6.0
DRAG_COEFFICIENT = 1.0
ANGULAR_DAMPING = 0.05


def submerged(verts: np.ndarray, tris: np.ndarray, level: float) -> tuple[float, np.ndarray]:
    """Volume below z = level and its centroid, for a closed outward mesh in world frame."""
    d = verts[:, 2] - level
    below = d < 0
    if not below.any():
        return 0.0, np.zeros(3)
    tb = below[tris]
    nb = tb.sum(axis=1)
    o = np.array([verts[:, 0].mean(), verts[:, 1].mean(), level])
    pieces = [verts[tris[nb == 3]]]  # whole triangles under water
    for count in (1, 2):
        sel = tris[nb == count]
        if len(sel) == 0:
            continue
        flags = tb[nb == count]
        # Rotate each triangle so the odd vertex (the lone one below or above) comes first,
        # keeping the winding.
        odd = flags if count == 1 else ~flags
        k = np.argmax(odd, axis=1)
        idx = np.stack([sel[np.arange(len(sel)), (k + i) % 3] for i in range(3)], axis=1)
        a, b, c = verts[idx[:, 0]], verts[idx[:, 1]], verts[idx[:, 2]]
        da, db, dc = d[idx[:, 0]], d[idx[:, 1]], d[idx[:, 2]]
        ab = a + (b - a) * (da / (da - db))[:, None]
        ac = a + (c - a) * (da / (da - dc))[:, None]
        if count == 1:  # a below: one small triangle
            pieces.append(np.stack([a, ab, ac], axis=1))
        else:  # b and c below: a quad ab-b-c-ac
            pieces.append(np.stack([ab, b, c], axis=1))
            pieces.append(np.stack([ab, c, ac], axis=1))
    t = np.concatenate(pieces) - o
    vol6 = np.einsum("ij,ij->i", t[:, 0], np.cross(t[:, 1], t[:, 2]))
    v = vol6.sum() / 6
    if v <= 1e-12:
        return 0.0, np.zeros(3)
    centroid = (vol6[:, None] * (t.sum(axis=1) / 4)).sum(axis=0) / 6 / v + o
    return float(v), centroid


def water_force(water: Water, verts_world: np.ndarray, tris: np.ndarray, volume_scale: float,
                com: np.ndarray, vel: np.ndarray, angvel: np.ndarray, gravity: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, float]:
    """(force, torque about the COM, submerged volume) on a body; zeros when dry or outside
    the water's footprint."""
    zero = np.zeros(3)
    if not (water.lo[0] <= com[0] <= water.hi[0] and water.lo[1] <= com[1] <= water.hi[1]):
        return zero, zero, 0.0
    if verts_world[:, 2].min() >= water.level:
        return zero, zero, 0.0
    v, c = submerged(verts_world, tris, water.level)
    v *= volume_scale
    if v <= 0:
        return zero, zero, 0.0
    rho = water.density
    f = -rho * v * gravity
    speed = float(np.linalg.norm(vel))
    area = v ** (2 / 3)
    f = f - LINEAR_DAMPING * rho * v * vel - 0.5 * rho * DRAG_COEFFICIENT * area * speed * vel
    torque = np.cross(c - com, -rho * v * gravity) - ANGULAR_DAMPING * rho * v ** (5 / 3) * 50 * angvel
    return f, torque, v
