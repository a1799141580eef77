"""World script + catalog -> a MuJoCo model, and the map from its bodies back to entities.

Every contact pair is listed explicitly with its own restitution (through the calibrated
damping) and friction, because MuJoCo's automatic mixing takes the *larger* friction of two
geoms, which would make an ice rink grip a rubber ball like asphalt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import mujoco
import numpy as np

from tenku.catalog import Environment, Kind, Material, environment, kind, material
from tenku.catalog.figures import HUMANOID_HEIGHT
from tenku.catalog.materials import pair_friction, pair_restitution
from tenku.scene.meshes import part_mesh
from tenku.scene.parts import Part, euler_to_quat, parts_bounds, quat_rotate
from tenku.script import WorldScript
from tenku.sim.calibrate import SOLIMP, TIMESTEP, solref, stiffness_for
from tenku.sim.figures import Figure

#: Pieces a brittle object shatters into.
SHARDS = 10
_PARK = np.array([500.0, 500.0, 500.0])  # where dormant bodies wait, far from everything


def _hex_rgb(h: str) -> tuple[float, float, float]:
    return tuple(int(h[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


@dataclass
class Body:
    """A simulated rigid body and what it stands for."""

    track_id: str
    entity: str
    kind: str
    parts: list[Part]
    material: Material
    role: str  # "entity" | "static" | "bone" | "shard"
    restitution: float | None = None
    mass: float = 0.0
    volume: float = 0.0
    parent: str | None = None  # shard: the entity it broke from
    pose0: tuple[np.ndarray, tuple] = (np.zeros(3), (1.0, 0.0, 0.0, 0.0))
    velocity0: tuple = ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
    body_id: int = -1
    qpos_adr: int = -1
    qvel_adr: int = -1
    mocap_id: int = -1
    ipos: np.ndarray = field(default_factory=lambda: np.zeros(3))  # COM in the body frame
    geoms: list[int] = field(default_factory=list)
    mesh: tuple[np.ndarray, np.ndarray] | None = None  # buoyancy mesh, body frame
    bone: str | None = None

    @property
    def dynamic(self) -> bool:
        return self.role in ("entity", "shard")

    @cached_property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(lo, hi) of all its parts in its own frame: asked for at every tick it is held."""
        return parts_bounds(self.parts)

    @property
    def round(self) -> bool:
        """A free ball: one collision sphere, so contact normals pass through its centre."""
        solid = [p for p in self.parts if p.collide]
        return self.dynamic and len(solid) == 1 and solid[0].shape == "sphere"

    @property
    def breakable(self) -> bool:
        return self.role == "entity" and self.material.break_speed is not None


@dataclass
class World:
    """The built model plus everything the run loop needs to interpret it."""

    script: WorldScript
    env: Environment
    model: mujoco.MjModel
    bodies: list[Body]
    figures: dict[str, Figure]
    shards: dict[str, list[int]]  # entity id -> indices into bodies
    static_names: dict[int, str]  # geom id -> name, for static geoms without a body entry
    static_materials: dict[int, Material]
    geom_body: np.ndarray  # geom id -> index into bodies, or -1 for the static world
    gravity: tuple[float, float, float]

    def body(self, track_id: str) -> Body:
        for b in self.bodies:
            if b.track_id == track_id:
                return b
        raise KeyError(track_id)


def entity_parts(script_entity, k: Kind) -> tuple[list[Part], Material, float, float | None]:
    """The entity's parts after material, colour and size overrides, its main material, its
    mass and its restitution override."""
    main = material(script_entity.material or k.material)
    parts = list(k.parts)
    if script_entity.size is not None and parts:
        lo, hi = k.bounds()
        dims = np.maximum(hi - lo, 1e-6)
        scale = tuple(float(s / d) for s, d in zip(script_entity.size, dims))
        parts = [p.scaled(scale) for p in parts]
    color = _hex_rgb(script_entity.color) if script_entity.color else None
    out = []
    for p in parts:
        if p.material == k.material:
            p = Part(**{**p.__dict__, "material": main.name,
                        "color": color if color is not None else (
                            p.color if script_entity.material is None else None)})
        out.append(p)
    volume = sum(p.volume() for p in out)
    restitution = k.restitution if script_entity.material is None else None
    if script_entity.material is None and k.mass is not None:
        mass = k.mass * volume / max(k.volume(), 1e-12)
    else:
        mass = main.density * volume
    return out, main, max(mass, 1e-4), restitution


def _geom_xml(name: str, p: Part, mass: float | None, meshes: list[str]) -> list[str]:
    """MJCF geoms for one part (a torus becomes a ring of capsules)."""
    quat = " ".join(f"{x:.6g}" for x in p.quat)
    pos = " ".join(f"{x:.6g}" for x in p.pos)
    common = f'contype="0" conaffinity="0" group="{0 if p.collide else 3}"'
    mass_attr = f' mass="{mass:.6g}"' if mass is not None else ""
    if p.shape == "torus":
        R, r = p.size
        n = 16
        out = []
        for i in range(n):
            a = 2 * math.pi * (i + 0.5) / n
            c = np.array(p.pos) + quat_rotate(p.quat, (R * math.cos(a), R * math.sin(a), 0))
            tangent = quat_rotate(p.quat, (-math.sin(a), math.cos(a), 0))
            half = R * math.sin(math.pi / n)
            e0, e1 = c - tangent * half, c + tangent * half
            m = f' mass="{mass / n:.6g}"' if mass is not None else ""
            out.append(
                f'<geom name="{name}_{i}" type="capsule" size="{r:.6g}" '
                f'fromto="{" ".join(f"{x:.6g}" for x in (*e0, *e1))}" {common}{m}/>')
        return out
    if p.shape == "lathe":
        v, _ = part_mesh(Part("lathe", (), profile=p.profile), seg=16)
        meshes.append(f'<mesh name="{name}_mesh" vertex="{" ".join(f"{x:.5g}" for x in v.ravel())}"/>')
        return [f'<geom name="{name}" type="mesh" mesh="{name}_mesh" pos="{pos}" quat="{quat}" '
                f'{common}{mass_attr}/>']
    size = " ".join(f"{x:.6g}" for x in (p.size if p.shape != "plane" else (*p.size, 0.1)))
    return [f'<geom name="{name}" type="{p.shape}" size="{size}" pos="{pos}" quat="{quat}" '
            f'{common}{mass_attr}/>']


def _resolve_stacks(script: WorldScript, poses: dict[str, list[float]]) -> None:
    """Stack actions put their targets one on another (bottom first) over ``on``."""
    for a in script.actions:
        if a.type != "stack":
            continue
        if a.on:
            base = script.entity(a.on)
            bx, by = poses[a.on][0], poses[a.on][1]
            z = poses[a.on][2] + _height(base)
        else:
            bx, by = poses[a.targets[0]][0], poses[a.targets[0]][1]
            z = poses[a.targets[0]][2]
        for tid in a.targets:
            poses[tid] = [bx, by, z]
            z += _height(script.entity(tid))


def _height(e) -> float:
    parts = entity_parts(e, kind(e.kind))[0]
    if not parts:
        return 0.0
    lo, hi = parts_bounds(parts)
    return float(hi[2] - lo[2])


def build(script: WorldScript) -> World:
    """Build the MuJoCo model for ``script``. Raises KeyError for unknown kinds/materials."""
    env = environment(script.environment)
    gravity = tuple(script.gravity) if script.gravity is not None else env.gravity
    bodies: list[Body] = []
    figures: dict[str, Figure] = {}
    meshes: list[str] = []
    world_xml: list[str] = []
    static_names: dict[str, str] = {}
    static_mats: dict[str, Material] = {}

    # 1. The place: floor and fixtures.
    if env.floor_size > 0:
        world_xml.append(f'<geom name="s_floor" type="plane" size="{env.floor_size} '
                         f'{env.floor_size} 0.1" contype="0" conaffinity="0"/>')
        static_names["s_floor"] = "floor"
        static_mats["s_floor"] = material(env.floor_material)
    for i, p in enumerate(env.parts):
        if not p.collide:
            continue
        gname = f"s_env{i}"
        world_xml += _geom_xml(gname, p, None, meshes)
        static_names[gname] = p.name or "wall"
        static_mats[gname] = material(p.material)

    # 2. Entities: fixed ones are static bodies, figures are kinematic bones, the rest free.
    poses = {e.id: list(e.pose.position) for e in script.entities}
    _resolve_stacks(script, poses)
    shards: dict[str, list[int]] = {}
    for e in script.entities:
        k = kind(e.kind)
        pos = np.array(poses[e.id], dtype=float)
        quat = euler_to_quat(*e.pose.rotation)
        if k.figure:
            scale, colors = _figure_look(e, k, script.seed + len(figures))
            fig = Figure(e.id, k.figure, pos, e.pose.rotation[2], scale=scale, colors=colors)
            figures[e.id] = fig
            for bone in fig.skeleton.bones:
                bodies.append(Body(f"{e.id}.{bone.name}", e.id, e.kind, list(bone.parts),
                                   material(k.material), "bone", bone=bone.name))
            continue
        parts, mat, mass, rest = entity_parts(e, k)
        fixed = k.fixed if e.fixed is None else e.fixed
        if not fixed:  # free bodies turn about their centre of mass: put their frame there
            parts, com = _about_centre(parts)
            pos = pos + quat_rotate(quat, com)
        b = Body(e.id, e.id, e.kind, parts, mat, "static" if fixed else "entity",
                 restitution=rest, mass=mass, volume=sum(p.volume() for p in parts),
                 pose0=(pos, quat), velocity0=(tuple(e.velocity), tuple(e.angular_velocity)))
        bodies.append(b)
        if b.breakable:
            shards[e.id] = []
            for j, sp in enumerate(_shard_parts(parts, mat, SHARDS)):
                sb = Body(f"{e.id}.shard_{j}", e.id, "shard", [sp], mat, "shard",
                          mass=mass / SHARDS, volume=sp.volume(), parent=e.id,
                          pose0=(_PARK + np.array([len(bodies) * 1.0, 0, 0]), (1.0, 0, 0, 0)))
                shards[e.id].append(len(bodies))
                bodies.append(sb)

    # 3. MJCF bodies.
    holders = {e.id: e.held_by for e in script.entities if e.held_by}
    for i, b in enumerate(bodies):
        name = f"b{i}"
        if b.role == "bone":
            body_xml = [f'<body name="{name}" mocap="true" pos="0 0 -50">']
        else:
            p, q = b.pose0
            body_xml = [f'<body name="{name}" pos="{p[0]:.6g} {p[1]:.6g} {p[2]:.6g}" '
                        f'quat="{" ".join(f"{x:.6g}" for x in q)}">']
            if b.dynamic:
                body_xml.append(f'<freejoint name="j{i}"/>')
        collide_parts = [p for p in b.parts if p.collide]
        vol = sum(p.volume() for p in collide_parts) or 1.0
        hollow_ball = (b.role == "entity" and kind(b.kind).hollow and b.restitution is not None
                       and len(collide_parts) == 1 and collide_parts[0].shape == "sphere")
        if hollow_ball:
            r = collide_parts[0].size[0]
            I = 2 / 3 * b.mass * r * r
            body_xml.append(f'<inertial pos="{" ".join(f"{x:.6g}" for x in collide_parts[0].pos)}" '
                            f'mass="{b.mass:.6g}" diaginertia="{I:.6g} {I:.6g} {I:.6g}"/>')
        for j, p in enumerate(b.parts):
            if not p.collide:
                continue
            gm = None if (hollow_ball or not b.dynamic) else b.mass * p.volume() / vol
            body_xml += _geom_xml(f"g{i}_{j}", p, gm, meshes)
        body_xml.append("</body>")
        world_xml += body_xml

    g = " ".join(f"{x:.6g}" for x in gravity)
    xml = (f'<mujoco model="tenku"><compiler angle="radian" boundmass="1e-5" boundinertia="1e-9"/>'
           f'<option timestep="{TIMESTEP}" integrator="implicitfast" cone="elliptic" '
           f'gravity="{g}"/>'
           f'<size memory="64M"/>'
           f'<asset>{"".join(meshes)}</asset><worldbody>{"".join(world_xml)}</worldbody>'
           f'<contact>{"".join(_pairs_xml(bodies, static_mats, holders))}</contact></mujoco>')
    model = mujoco.MjModel.from_xml_string(xml)

    # 4. Map model ids back to bodies.
    geom_body = np.full(model.ngeom, -1, dtype=np.int64)
    for i, b in enumerate(bodies):
        b.body_id = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, f"b{i}")
        if b.role == "bone":
            b.mocap_id = int(model.body_mocapid[b.body_id])
        if b.dynamic:
            jid = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, f"j{i}")
            b.qpos_adr = int(model.jnt_qposadr[jid])
            b.qvel_adr = int(model.jnt_dofadr[jid])
            b.ipos = np.array(model.body_ipos[b.body_id])
            b.mesh = _body_mesh(b.parts)
        b.geoms = [gid for gid in range(model.ngeom) if model.geom_bodyid[gid] == b.body_id]
        geom_body[b.geoms] = i
    static_names_id = {mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_GEOM, n): v
                       for n, v in static_names.items()}
    static_mats_id = {mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_GEOM, n): v
                      for n, v in static_mats.items()}
    return World(script, env, model, bodies, figures, shards, static_names_id, static_mats_id,
                 geom_body, gravity)


_SHIRTS = [(0.75, 0.18, 0.15), (0.2, 0.35, 0.7), (0.95, 0.95, 0.95), (0.2, 0.55, 0.3),
           (0.95, 0.65, 0.1)]


def _figure_look(e, k: Kind, seed: int) -> tuple[float, dict]:
    """A figure's skeleton scale and colours. A person's ``appearance`` (a saved
    character's outfit, skin and hair) wins, then ``color`` for the shirt, then a shirt
    picked by ``seed``; ``size`` z sets a person's height (1.78 m at scale 1). A dog or
    cat's ``color`` is its coat."""
    if k.figure != "humanoid":
        coat = _hex_rgb(e.color) if e.color else (0.35, 0.33, 0.32) if e.kind == "cat" else None
        return (0.45 if e.kind == "cat" else 1.0), ({"coat": coat} if coat else {})
    scale = e.size[2] / HUMANOID_HEIGHT if e.size is not None else 1.0
    look = e.appearance.model_dump(exclude_none=True) if e.appearance is not None else {}
    colors = {part: _hex_rgb(hex_) for part, hex_ in look.items()}
    if "shirt" not in colors:
        colors["shirt"] = _hex_rgb(e.color) if e.color else _SHIRTS[
            int(np.random.default_rng(seed).integers(len(_SHIRTS)))]
    return scale, colors


def _about_centre(parts: list[Part]) -> tuple[list[Part], np.ndarray]:
    """Parts shifted so the volume-weighted centre of the solid parts is the origin, and that
    centre in the old frame. (A track's position is then the body's centre of mass, not a
    point on its surface that would trace a cycloid as a ball rolls.)"""
    solid = [p for p in parts if p.collide and p.volume() > 0]
    if not solid:
        return parts, np.zeros(3)
    vols = np.array([p.volume() for p in solid])
    centres = np.array([(p.local_aabb()[0] + p.local_aabb()[1]) / 2 for p in solid])
    com = (vols[:, None] * centres).sum(axis=0) / vols.sum()
    shifted = [Part(**{**p.__dict__, "pos": tuple(float(x) for x in np.array(p.pos) - com)})
               for p in parts]
    return shifted, com


def _body_mesh(parts: list[Part]):
    vs, ts, n = [], [], 0
    for p in parts:
        if not p.collide or p.shape == "plane":
            continue
        v, t = part_mesh(p, seg=12)
        vs.append(v)
        ts.append(t + n)
        n += len(v)
    if not vs:
        return None
    return np.concatenate(vs), np.concatenate(ts)


def _shard_parts(parts: list[Part], mat: Material, n: int) -> list[Part]:
    """Thin glass slivers that together span the object's size; each lives in its own body."""
    lo, hi = parts_bounds(parts)
    ext = hi - lo
    out = []
    rng = np.random.default_rng(n)
    for j in range(n):
        a = 0.22 * ext[0] * rng.uniform(0.6, 1.0)
        b = 0.22 * ext[1] * rng.uniform(0.6, 1.0)
        c = 0.18 * ext[2] * rng.uniform(0.5, 1.0)
        t = 0.0025 if mat.name == "glass" else 0.005
        size = sorted([max(a, 0.006), max(b, 0.006), max(c, 0.006)])
        out.append(Part("box", (size[2] / 2, size[1] / 2, t), material=mat.name,
                        color=parts[0].color, name="shard"))
    return out


def _pairs_xml(bodies: list[Body], static_mats: dict[str, Material],
               holders: dict[str, str]) -> list[str]:
    """One <pair> per geom pair that can touch: dynamic vs everything else."""
    geoms: list[tuple[list[str], int | None, Material, bool]] = []  # names, body idx, mat, static
    for gname, mat in static_mats.items():
        geoms.append(([gname], None, mat, True))
    for i, b in enumerate(bodies):
        for j, p in enumerate(b.parts):
            if not p.collide:
                continue
            names = [f"g{i}_{j}_{k}" for k in range(16)] if p.shape == "torus" else [f"g{i}_{j}"]
            geoms.append((names, i, material(p.material), not b.dynamic))
    out = []
    cache: dict[tuple, str] = {}
    for x in range(len(geoms)):
        na, ia, ma, sa = geoms[x]
        for y in range(x + 1, len(geoms)):
            nb, ib, mb, sb = geoms[y]
            if sa and sb:
                continue
            if ia is not None and ia == ib:
                continue
            ba = bodies[ia] if ia is not None else None
            bb = bodies[ib] if ib is not None else None
            if _never_touch(ba, bb, holders):
                continue
            ra = ba.restitution if ba is not None else None
            rb = bb.restitution if bb is not None else None
            k = stiffness_for(min(_size(ba), _size(bb)))
            key = (ma.name, mb.name, sa, sb, ra, rb, k)
            if key not in cache:
                e = pair_restitution(ma, mb, sa, sb, ra, rb)
                mu = pair_friction(ma, mb)
                cache[key] = (f'solref="{solref(e, k)}" solimp="{SOLIMP}" condim="3" '
                              f'friction="{mu:.4g} {mu:.4g} 0.001 0.0001 0.0001"')
            for ga in na:
                for gb in nb:
                    out.append(f'<pair geom1="{ga}" geom2="{gb}" {cache[key]}/>')
    return out


def _size(b: Body | None) -> float:
    """A body's smallest bounding-box extent (inf for the static world)."""
    if b is None or b.role in ("static", "bone"):
        return math.inf
    lo, hi = parts_bounds([p for p in b.parts if p.collide])
    return float(np.min(hi - lo))


def _never_touch(a: Body | None, b: Body | None, holders: dict[str, str]) -> bool:
    if a is None or b is None:
        return False
    if a.role == "bone" and b.role == "bone":
        return True
    for x, y in ((a, b), (b, a)):
        # A figure never collides with what it holds; shards never with their own whole.
        if x.role == "bone" and holders.get(y.entity) == x.entity:
            return True
        if x.role == "shard" and y.entity == x.parent:
            return True
    return False
