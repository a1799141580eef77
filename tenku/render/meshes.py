"""Triangle meshes for :class:`~tenku.scene.Part` primitives.

Every mesh is built once, in the frame of the body that owns the part (the part's ``pos`` and
``quat`` already applied), as an interleaved float32 vertex array::

    position (3) | normal (3) | texture point (3) | texture normal (3) | linear colour (3) | material (3)

The *texture point* and *texture normal* are the vertex in the part's own frame (before its
pose), so procedural textures stick to the part however the body moves. ``material`` holds
roughness, metallic and transmission.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tenku.catalog.materials import MATERIALS, Material
from tenku.scene.parts import Part, quat_to_mat

FLOATS_PER_VERTEX = 18
VERTEX_FORMAT = "3f 3f 3f 3f 3f 3f"
VERTEX_ATTRS = ("in_pos", "in_nrm", "in_tp", "in_tn", "in_col", "in_mat")

_DEFAULT_MAT = Material("default", 1000, 0.5, 0.5)


def srgb_to_linear(c) -> np.ndarray:
    c = np.clip(np.asarray(c, dtype=np.float64), 0.0, 1.0)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def part_material(part: Part) -> Material:
    return MATERIALS.get(part.material, _DEFAULT_MAT)


def part_texture(part: Part) -> str | None:
    """The procedural texture a part is drawn with: its own, else its material's default."""
    return part.texture if part.texture is not None else part_material(part).texture


def is_transparent(part: Part) -> bool:
    return part_material(part).transmission > 0.05


# --- raw shapes in the part's own frame: (positions (N,3), normals (N,3), triangles (M,3)) ---

def _grid_indices(nu: int, nv: int) -> np.ndarray:
    """Triangles of a (nu+1) x (nv+1) vertex grid, u fastest... rows are v."""
    i, j = np.meshgrid(np.arange(nu), np.arange(nv), indexing="xy")
    a = j * (nu + 1) + i
    b = a + 1
    c = a + (nu + 1)
    d = c + 1
    return np.stack([np.stack([a, b, d], -1), np.stack([a, d, c], -1)], -2).reshape(-1, 3)


def _revolve(profile: np.ndarray, normals2d: np.ndarray, seg: int):
    """Revolve (radius, z) points with 2-D (radial, z) normals about local z."""
    th = np.linspace(0.0, 2 * math.pi, seg + 1)
    ct, st = np.cos(th), np.sin(th)
    r, z = profile[:, 0], profile[:, 1]
    pos = np.stack([r[:, None] * ct[None], r[:, None] * st[None],
                    np.broadcast_to(z[:, None], (len(r), seg + 1))], -1).reshape(-1, 3)
    nr, nz = normals2d[:, 0], normals2d[:, 1]
    nrm = np.stack([nr[:, None] * ct[None], nr[:, None] * st[None],
                    np.broadcast_to(nz[:, None], (len(r), seg + 1))], -1).reshape(-1, 3)
    tri = _grid_indices(seg, len(r) - 1)
    return pos, nrm, tri


def sphere(r: float, seg: int = 48, rings: int = 24):
    phi = np.linspace(-math.pi / 2, math.pi / 2, rings + 1)
    prof = np.stack([np.cos(phi), np.sin(phi)], -1)
    prof[0, 0] = prof[-1, 0] = 0.0
    pos, nrm, tri = _revolve(prof * r, prof, seg)
    return pos, nrm / np.linalg.norm(nrm, axis=1, keepdims=True), tri


def box(hx: float, hy: float, hz: float):
    h = np.array([hx, hy, hz])
    ps, ns, ts = [], [], []
    for axis in range(3):
        for sgn in (-1.0, 1.0):
            n = np.zeros(3)
            n[axis] = sgn
            u = np.zeros(3)
            v = np.zeros(3)
            u[(axis + 1) % 3] = 1.0
            v[(axis + 2) % 3] = 1.0
            if sgn < 0:
                u, v = v, u
            c = n * h
            quad = [c + (-u - v) * h, c + (u - v) * h, c + (u + v) * h, c + (-u + v) * h]
            base = len(ps) * 4
            ps.append(quad)
            ns.append([n] * 4)
            ts += [[base, base + 1, base + 2], [base, base + 2, base + 3]]
    return (np.array(ps).reshape(-1, 3), np.array(ns).reshape(-1, 3), np.array(ts))


def _disc(r: float, z: float, up: bool, seg: int):
    th = np.linspace(0.0, 2 * math.pi, seg + 1)[:-1]
    pos = np.concatenate([[[0, 0, z]], np.stack([r * np.cos(th), r * np.sin(th),
                                                 np.full(seg, z)], -1)])
    nrm = np.tile([0, 0, 1.0 if up else -1.0], (seg + 1, 1))
    i = np.arange(seg)
    tri = np.stack([np.zeros(seg, int), 1 + i, 1 + (i + 1) % seg], -1)
    if not up:
        tri = tri[:, [0, 2, 1]]
    return pos, nrm, tri


def _merge(*meshes):
    ps, ns, ts, off = [], [], [], 0
    for p, n, t in meshes:
        ps.append(p)
        ns.append(n)
        ts.append(t + off)
        off += len(p)
    return np.concatenate(ps), np.concatenate(ns), np.concatenate(ts)


def cylinder(r: float, hl: float, seg: int = 40):
    prof = np.array([[r, -hl], [r, hl]])
    side = _revolve(prof, np.array([[1.0, 0.0], [1.0, 0.0]]), seg)
    return _merge(side, _disc(r, hl, True, seg), _disc(r, -hl, False, seg))


def capsule(r: float, hl: float, seg: int = 40, rings: int = 8):
    a = np.linspace(-math.pi / 2, 0, rings + 1)
    lo = np.stack([np.cos(a), np.sin(a)], -1)
    hi = np.stack([np.cos(-a[::-1]), np.sin(-a[::-1])], -1)
    nrm = np.concatenate([lo, hi])
    prof = nrm * r + np.concatenate([np.tile([0, -hl], (rings + 1, 1)),
                                     np.tile([0, hl], (rings + 1, 1))])
    prof[0, 0] = prof[-1, 0] = 0.0
    return _revolve(prof, nrm, seg)


def torus(R: float, r: float, seg: int = 48, sides: int = 16):
    a = np.linspace(0, 2 * math.pi, sides + 1)
    nrm = np.stack([np.cos(a), np.sin(a)], -1)
    prof = np.stack([R + r * np.cos(a), r * np.sin(a)], -1)
    return _revolve(prof, nrm, seg)


def lathe(profile, seg: int = 48):
    """Revolve a (radius, z) outline; normals are smoothed along the outline except at sharp
    corners (> 50 degrees), and open ends are capped."""
    pts = np.asarray(profile, dtype=np.float64)
    rows, nrms = [], []
    n = len(pts)
    seg_n = []
    for i in range(n - 1):
        d = pts[i + 1] - pts[i]
        ln = math.hypot(*d) or 1.0
        # Outward normal of an outline that goes up the outside (z grows where r > 0).
        seg_n.append(np.array([d[1], -d[0]]) / ln)
    if not seg_n:
        return np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3), int)
    # Orient: the average normal should point away from the axis.
    mid_r = np.array([(pts[i, 0] + pts[i + 1, 0]) / 2 for i in range(n - 1)])
    flip = sum(float(sn[0]) * w for sn, w in zip(seg_n, mid_r)) < 0
    if flip:
        seg_n = [-s for s in seg_n]
    for i in range(n):
        if i == 0 or i == n - 1:
            rows.append(pts[i])
            nrms.append(seg_n[0] if i == 0 else seg_n[-1])
            continue
        a, b = seg_n[i - 1], seg_n[i]
        if float(a @ b) > math.cos(math.radians(50)):
            m = a + b
            rows.append(pts[i])
            nrms.append(m / (np.linalg.norm(m) or 1.0))
        else:  # hard edge: duplicate the point with each side's normal
            rows += [pts[i], pts[i]]
            nrms += [a, b]
    prof = np.array(rows)
    nr = np.array(nrms)
    # Duplicated points make zero-area rows; harmless. Split the strip at duplicates so that
    # normals do not interpolate across the crease: build row pairs individually.
    meshes = []
    for i in range(len(prof) - 1):
        if np.allclose(prof[i], prof[i + 1]):
            continue
        p2 = prof[i:i + 2]
        n2 = nr[i:i + 2]
        meshes.append(_revolve(p2, n2, seg))
    pos, nrm, tri = _merge(*meshes)
    if flip:
        tri = tri[:, [0, 2, 1]]
    caps = []
    for (r, z), end in ((pts[0], 0), (pts[-1], 1)):
        if r > 1e-6:
            # Cap faces away from the rest of the profile.
            other = pts[1, 1] if end == 0 else pts[-2, 1]
            caps.append(_disc(r, z, z > other, seg))
    if caps:
        pos, nrm, tri = _merge((pos, nrm, tri), *caps)
    return pos, nrm, tri


def plane(hx: float, hy: float):
    pos = np.array([[-hx, -hy, 0], [hx, -hy, 0], [hx, hy, 0], [-hx, hy, 0]], dtype=np.float64)
    nrm = np.tile([0, 0, 1.0], (4, 1))
    return pos, nrm, np.array([[0, 1, 2], [0, 2, 3]])


def shape_mesh(part: Part, detail: float = 1.0):
    """Positions, normals and triangles of a part in its own frame."""
    s = part.size
    k = max(0.25, detail)
    if part.shape == "sphere":
        return sphere(s[0], int(48 * k), int(24 * k))
    if part.shape == "box":
        return box(*s[:3])
    if part.shape == "cylinder":
        return cylinder(s[0], s[1], int(40 * k))
    if part.shape == "capsule":
        return capsule(s[0], s[1], int(40 * k))
    if part.shape == "torus":
        return torus(s[0], s[1], int(48 * k), int(16 * k))
    if part.shape == "lathe":
        return lathe(part.profile, int(48 * k))
    if part.shape == "plane":
        return plane(s[0], s[1])
    raise ValueError(f"unknown part shape {part.shape!r}")


@dataclass
class MeshData:
    vertices: np.ndarray  # (N, FLOATS_PER_VERTEX) float32, triangle soup order via indices
    indices: np.ndarray  # (M*3,) uint32

    @property
    def empty(self) -> bool:
        return len(self.indices) == 0


def part_vertices(part: Part, detail: float = 1.0, color_override=None):
    """The part's vertex array in its parent's frame, and its triangle indices."""
    pos, nrm, tri = shape_mesh(part, detail)
    mat = part_material(part)
    R = quat_to_mat(part.quat)
    wp = pos @ R.T + np.asarray(part.pos, dtype=np.float64)
    wn = nrm @ R.T
    col = srgb_to_linear(color_override or part.color or mat.color)
    v = np.empty((len(pos), FLOATS_PER_VERTEX), dtype=np.float32)
    v[:, 0:3] = wp
    v[:, 3:6] = wn
    v[:, 6:9] = pos
    v[:, 9:12] = nrm
    v[:, 12:15] = col
    v[:, 15:18] = (mat.roughness, mat.metallic, mat.transmission)
    return v, tri.astype(np.uint32)


def merge_parts(items) -> MeshData:
    """One mesh from ``(vertices, triangles)`` pairs."""
    vs, ts, off = [], [], 0
    for v, t in items:
        vs.append(v)
        ts.append(t.reshape(-1) + off)
        off += len(v)
    if not vs:
        return MeshData(np.zeros((0, FLOATS_PER_VERTEX), np.float32), np.zeros(0, np.uint32))
    return MeshData(np.concatenate(vs), np.concatenate(ts).astype(np.uint32))


def transform_vertices(v: np.ndarray, pos, quat) -> np.ndarray:
    """A copy of a vertex array moved by a rigid pose (used to bake fixed bodies)."""
    R = quat_to_mat(quat)
    out = v.copy()
    out[:, 0:3] = v[:, 0:3] @ R.T.astype(np.float32) + np.asarray(pos, np.float32)
    out[:, 3:6] = v[:, 3:6] @ R.T.astype(np.float32)
    return out
