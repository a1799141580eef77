"""Closed, outward-facing triangle meshes of parts, in the parent frame.

The simulator clips them against the water plane for buoyancy (so the meshes must be closed
and consistently oriented); anything else that needs a part's surface can use them too.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from tenku.scene.parts import Part, quat_to_mat


def _lathe(profile: list[tuple[float, float]], seg: int) -> tuple[np.ndarray, np.ndarray]:
    """Revolve (r, z) points about z. Points with r == 0 become single pole vertices."""
    verts: list[tuple[float, float, float]] = []
    rings: list[list[int]] = []
    for r, z in profile:
        if r <= 1e-9:
            verts.append((0.0, 0.0, z))
            rings.append([len(verts) - 1] * seg)
        else:
            ring = []
            for i in range(seg):
                a = 2 * math.pi * i / seg
                verts.append((r * math.cos(a), r * math.sin(a), z))
                ring.append(len(verts) - 1)
            rings.append(ring)
    tris = []
    for ra, rb in zip(rings, rings[1:]):
        for i in range(seg):
            j = (i + 1) % seg
            a0, a1, b0, b1 = ra[i], ra[j], rb[i], rb[j]
            if a0 != a1:
                tris.append((a0, a1, b1) if b0 == b1 else (a0, a1, b0))
            if b0 != b1:
                tris.append((a1, b1, b0))
    v = np.array(verts, dtype=float)
    t = np.array(tris, dtype=np.int64)
    return v, _orient_outward(v, t)


def _orient_outward(v: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Flip the whole mesh if its signed volume is negative (profile listed top-down)."""
    a, b, c = v[t[:, 0]], v[t[:, 1]], v[t[:, 2]]
    vol = np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6
    return t[:, ::-1].copy() if vol < 0 else t


def _close(profile) -> list[tuple[float, float]]:
    """Make sure a lathe profile starts and ends on the axis so the solid is closed."""
    p = list(profile)
    if p[0][0] > 1e-9:
        p.insert(0, (0.0, p[0][1]))
    if p[-1][0] > 1e-9:
        p.append((0.0, p[-1][1]))
    return p


@lru_cache(maxsize=256)
def _unit(shape: str, size: tuple, profile: tuple, seg: int) -> tuple[np.ndarray, np.ndarray]:
    if shape == "sphere":
        r = size[0]
        n = seg // 2
        prof = [(r * math.sin(math.pi * i / n), -r * math.cos(math.pi * i / n)) for i in range(n + 1)]
        return _lathe(prof, seg)
    if shape == "cylinder":
        r, h = size
        return _lathe([(0, -h), (r, -h), (r, h), (0, h)], seg)
    if shape == "capsule":
        r, h = size
        n = seg // 4
        prof = [(r * math.sin(math.pi / 2 * i / n), -h - r * math.cos(math.pi / 2 * i / n))
                for i in range(n + 1)]
        prof += [(r * math.cos(math.pi / 2 * i / n), h + r * math.sin(math.pi / 2 * i / n))
                 for i in range(n + 1)]
        return _lathe(prof, seg)
    if shape == "lathe":
        return _lathe(_close(profile), seg)
    if shape == "box":
        hx, hy, hz = size
        v = np.array([[x, y, z] for x in (-hx, hx) for y in (-hy, hy) for z in (-hz, hz)], float)
        quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
        t = np.array([tri for a, b, c, d in quads for tri in ((a, b, c), (a, c, d))])
        return v, _orient_outward(v, t)
    if shape == "torus":
        R, r = size
        verts, tris = [], []
        for i in range(seg):
            a = 2 * math.pi * i / seg
            for j in range(seg // 2):
                b = 2 * math.pi * j / (seg // 2)
                verts.append(((R + r * math.cos(b)) * math.cos(a), (R + r * math.cos(b)) * math.sin(a),
                              r * math.sin(b)))
        m = seg // 2
        for i in range(seg):
            for j in range(m):
                a, b = i * m + j, ((i + 1) % seg) * m + j
                c, d = ((i + 1) % seg) * m + (j + 1) % m, i * m + (j + 1) % m
                tris += [(a, b, c), (a, c, d)]
        v = np.array(verts, float)
        return v, _orient_outward(v, np.array(tris, dtype=np.int64))
    raise ValueError(f"no closed mesh for shape {shape!r}")


def part_mesh(part: Part, seg: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """(vertices (n, 3), triangles (m, 3)) of a part in its parent's frame."""
    v, t = _unit(part.shape, tuple(part.size), tuple(part.profile), seg)
    R = quat_to_mat(part.quat)
    return v @ R.T + np.asarray(part.pos, dtype=float), t


def mesh_volume(v: np.ndarray, t: np.ndarray) -> float:
    a, b, c = v[t[:, 0]], v[t[:, 1]], v[t[:, 2]]
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6)
