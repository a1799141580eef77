"""Running a world: the step loop, kinematic holds, actions, breakage, water and the event log.

The loop advances MuJoCo in 1 ms control ticks (4 physics steps of 0.25 ms). Between ticks it
moves what is kinematic (figures' bones, held and waiting objects), fires actions whose time
has come, applies water forces, turns new contacts into events (breaking brittle things hit
too hard) and samples every body at each video frame time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import mujoco
import numpy as np

from tenku.catalog import kind
from tenku.catalog.materials import pair_restitution
from tenku.scene.meshes import mesh_volume
from tenku.scene.parts import euler_to_quat, quat_rotate, quat_to_mat
from tenku.scene.result import Event, SimResult, Track
from tenku.script import WorldScript
from tenku.sim.actions import aim_point, horizontal_direction, throw_candidates
from tenku.sim.air import drag_constant, launch_velocity
from tenku.sim.build import _PARK, Body, World, build
from tenku.sim.calibrate import TIMESTEP
from tenku.sim.contacts import MIN_SPEED, ContactTracker
from tenku.sim.water import water_force

SUBSTEPS = 4  # physics steps per control tick
TICK = TIMESTEP * SUBSTEPS
FIGURE_EVERY = 5  # ticks between figure pose updates (200 Hz)
BOUNCE_MIN = 0.3  # m/s: impacts at least this fast get the restitution law at separation

Progress = Callable[[float], None]


@dataclass
class _Hold:
    """A body moved kinematically: held in a hand, waiting to be dropped, being lowered onto
    water, or parked (a shard before its glass breaks)."""

    mode: str  # "hand" | "pin" | "lower" | "park"
    holder: str | None = None
    until: float = math.inf
    start: np.ndarray | None = None
    end: np.ndarray | None = None
    t0: float = 0.0


@dataclass
class _Run:
    world: World
    data: mujoco.MjData
    holds: dict[int, _Hold] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    visible_from: dict[int, float] = field(default_factory=dict)
    visible_until: dict[int, float] = field(default_factory=dict)
    made_at: float = math.inf  # first basket
    touched: dict = field(default_factory=dict)  # entity -> first contact time
    bounces: dict = field(default_factory=dict)  # pair key -> (body, outward normal, v_in, e)


def simulate(script: WorldScript, progress: Progress | None = None,
             mouths: dict[str, list[tuple[float, np.ndarray]]] | None = None) -> SimResult:
    """Simulate ``script`` and return tracks sampled at its frame times plus the event log.

    ``mouths``: per speaking figure, (start, loudness envelope at 100 Hz) for each line it
    says; its jaw follows the envelope."""
    world = build(script)
    for fid, lines in (mouths or {}).items():
        if fid in world.figures:
            world.figures[fid].speech = lines
    throws = [a for a in script.actions if a.type == "throw"]
    if not throws:
        return _simulate_once(world, None, progress)
    # Search aim candidates until the requested outcome physically happens.
    first = throws[0]
    target = script.entity(first.at)
    tb = world.body(target.id) if not kind(target.kind).figure else None
    aim_pos, aim_q = (tb.pose0 if tb is not None else (np.zeros(3), (1, 0, 0, 0)))
    centre = aim_point(target, np.asarray(aim_pos), aim_q)
    shooter = (world.figures[first.actor].base if first.actor in world.figures
               else np.asarray(world.body(first.target).pose0[0]))
    ball = world.body(first.target)
    r = float(max(ball.bounds[1]))
    cands = throw_candidates(first.outcome, centre, shooter.copy(), kind(target.kind).aim is not None,
                             r, script.seed)
    result = None
    for attempt, cand in enumerate(cands, 1):
        result = _simulate_once(world, cand, progress if attempt == 1 else None)
        made, touched = result.stats["made"], result.stats["touched_target"]
        ok = made if first.outcome == "make" else (not made and touched)
        result.stats["throw"] = {"outcome": first.outcome, "achieved": bool(ok),
                                 "attempts": attempt, "aim": [round(float(x), 3) for x in cand[0]],
                                 "angle": cand[1]}
        if ok:
            break
    if progress:
        progress(1.0)
    return result  # type: ignore[return-value]


def _simulate_once(world: World, throw_aim, progress: Progress | None) -> SimResult:
    m, script = world.model, world.script
    d = mujoco.MjData(m)
    m.body_gravcomp[:] = 0.0  # a previous attempt (throw search) may have parked bodies
    run = _Run(world, d)
    bodies = world.bodies
    # One sample per video frame at its world time (slow motion samples densely, a
    # time-lapse sparsely); an extension replays its parent's world unseen up to ``begin``.
    times = np.array([t for t, _ in script.frame_times()])
    n_frames = len(times)
    g = np.array(world.gravity, dtype=float)
    drag = np.array([drag_constant(b.parts, world.env.air_density) if b.dynamic else 0.0
                     for b in bodies])

    # Initial velocities: the script gives the centre of mass's velocity and the spin.
    for b in bodies:
        if b.dynamic and b.role == "entity":
            _set_free(d, b, b.pose0[0], b.pose0[1], *b.velocity0)
    for ent, idxs in world.shards.items():
        for i in idxs:
            _park(run, i, np.asarray(bodies[i].pose0[0]))
            run.visible_from[i] = math.inf

    # Holds and figure clips from the actions.
    held_by = {e.id: e.held_by for e in script.entities if e.held_by}
    for ent, holder in held_by.items():
        if holder in world.figures:
            run.holds[_index(world, ent)] = _Hold("hand", holder=holder)
            world.figures[holder].holding = ent
    scheduled: list[tuple[float, Callable[[], None]]] = []
    for fig in world.figures.values():
        fig.rest()
        if fig.holding:
            fig.hold()
    for a in script.actions:
        scheduled.append((a.t, _action_fn(run, a, throw_aim, drag)))
        actor = getattr(a, "actor", None)
        fig = world.figures.get(actor) if actor else None
        if fig is not None:
            {"throw": fig.shoot, "kick": fig.kick, "push": fig.push, "roll": fig.push,
             "release": fig.release}.get(a.type, lambda t: None)(a.t)
        if a.type == "drop" and a.t > 0:
            i = _index(world, a.target)
            run.holds.setdefault(i, _Hold("pin", until=a.t, start=np.asarray(bodies[i].pose0[0])))
        if a.type == "place_on_water" and world.env.water is not None:
            i = _index(world, a.target)
            b = bodies[i]
            start = np.asarray(b.pose0[0], float)
            end = start.copy()
            end[2] = world.env.water.level - _bottom_offset(b) + 0.002  # bottom on the surface
            run.holds[i] = _Hold("lower", until=a.t, start=start, end=end, t0=0.0)
    scheduled.sort(key=lambda x: x[0])

    # Static things that contacts may name: floor, walls and fixed entities.
    keys = world.geom_body.copy()
    names = [b.entity for b in bodies]
    static_key: dict[str, int] = {}
    for gid, nm in world.static_names.items():
        static_key.setdefault(nm, len(names) + len(static_key))
        keys[gid] = static_key[nm]
    key_names = names + list(static_key)
    key_mats = [b.material for b in bodies] + [
        next(world.static_materials[g] for g, n in world.static_names.items() if n == nm)
        for nm in static_key]
    tracker = ContactTracker(keys)

    dyn = [i for i, b in enumerate(bodies) if b.dynamic]
    adr = np.array([bodies[i].qvel_adr for i in dyn], dtype=np.int64)
    bid = np.array([bodies[i].body_id for i in dyn], dtype=np.int64)
    vel_prev = np.zeros((len(bodies), 3))
    ang_prev = np.zeros((len(bodies), 3))
    z_prev = {i: float(d.xpos[bodies[i].body_id][2]) for i in dyn}
    vol_scale = {i: (bodies[i].volume / max(mesh_volume(*bodies[i].mesh), 1e-12))
                 if bodies[i].mesh is not None else 0.0 for i in dyn}

    pos = np.zeros((len(bodies), n_frames, 3))
    quat = np.zeros((len(bodies), n_frames, 4))
    rim = _rim(world)
    ball_idx = None
    if throw_aim is not None:
        ball_idx = _index(world, next(a for a in script.actions if a.type == "throw").target)

    _kinematics(run, 0.0, force_figures=True)
    mujoco.mj_forward(m, d)
    frame = 0
    tick = 0
    total = max(float(times[-1]), 1e-3)
    next_progress = 0.0
    while frame < n_frames:
        t = d.time
        while frame < n_frames and t >= times[frame] - 1e-9:
            _record(run, frame, t, pos, quat)
            frame += 1
        if frame >= n_frames:
            break
        while scheduled and scheduled[0][0] <= t + 1e-9:
            scheduled.pop(0)[1]()
        _kinematics(run, t, force_figures=(tick % FIGURE_EVERY == 0))
        # Velocities before the step: impact speeds are measured from these.
        if len(dyn):
            lin = d.qvel[adr[:, None] + np.arange(3)]
            angl = d.qvel[adr[:, None] + np.arange(3, 6)]
            R = d.xmat[bid].reshape(-1, 3, 3)
            vel_prev[dyn] = lin
            ang_prev[dyn] = np.einsum("nij,nj->ni", R, angl)
            d.xfrc_applied[bid] = 0.0
            speed = np.linalg.norm(lin, axis=1, keepdims=True)
            d.xfrc_applied[bid, :3] = -drag[dyn][:, None] * speed * lin
        if world.env.water is not None:
            _apply_water(run, dyn, vol_scale, g)
        mujoco.mj_step(m, d, nstep=SUBSTEPS)
        tick += 1
        t = d.time
        for ka, kb, ci in tracker.new_touches(d, t):
            _on_touch(run, ka, kb, ci, t, key_names, key_mats, vel_prev, ang_prev)
        if run.bounces:
            _finish_bounces(run, tracker, t)
        for i in dyn:
            z = float(d.xpos[bodies[i].body_id][2])
            w = world.env.water
            if w is not None and z_prev[i] > w.level >= z and i not in run.holds:
                x, y = d.xpos[bodies[i].body_id][:2]
                vz = vel_prev[i][2]
                if w.lo[0] <= x <= w.hi[0] and w.lo[1] <= y <= w.hi[1] and -vz > 0.05:
                    run.events.append(Event(t, "splash", bodies[i].track_id, None, speed=-vz,
                                            pos=tuple(d.xpos[bodies[i].body_id]),
                                            materials=(bodies[i].material.name, "water")))
            z_prev[i] = z
        if ball_idx is not None and rim is not None:
            _check_basket(run, ball_idx, rim, vel_prev)
        if progress and t / total >= next_progress:
            progress(min(1.0, t / total))
            next_progress += 0.02

    tracks = []
    for i, b in enumerate(bodies):
        vis = (times >= run.visible_from.get(i, -1.0)) & (times < run.visible_until.get(i, math.inf))
        tracks.append(Track(b.track_id, b.entity, b.kind, b.parts, pos[i], quat[i], vis,
                            parent=b.parent, dynamic=b.role != "static"))
    run.events.sort(key=lambda e: e.t)
    throw_target = next((a.at for a in script.actions if a.type == "throw"), None)
    # A throw's outcome is judged over what its own video showed: an extension replays the
    # parent's throw and must pick the same launch even if the ball drops in later.
    judged = script.begin if script.begin > 0 else math.inf
    return SimResult(times, tracks, list(world.env.parts), run.events, world.gravity,
                     world.env.water,
                     stats={"made": run.made_at < judged,
                            "touched_target": run.touched.get(throw_target, math.inf) < judged,
                            "ticks": tick, "timestep": TIMESTEP})


# --- helpers -----------------------------------------------------------------------------

def _index(world: World, track_id: str) -> int:
    for i, b in enumerate(world.bodies):
        if b.track_id == track_id:
            return i
    raise KeyError(track_id)


def _bottom_offset(b: Body) -> float:
    return float(b.bounds[0][2])


def _set_free(d, b: Body, pos, quat, vel=(0, 0, 0), ang_world=(0, 0, 0)) -> None:
    """Place a free body and give its centre of mass velocity ``vel`` and spin ``ang_world``.

    MuJoCo's free joint moves the body *origin* (our base point) and spins about it, so the
    origin's velocity is the COM's minus the spin's contribution at the COM."""
    R = quat_to_mat(quat)
    w = np.asarray(ang_world, float)
    d.qpos[b.qpos_adr:b.qpos_adr + 3] = pos
    d.qpos[b.qpos_adr + 3:b.qpos_adr + 7] = quat
    d.qvel[b.qvel_adr:b.qvel_adr + 3] = np.asarray(vel, float) - np.cross(w, R @ b.ipos)
    d.qvel[b.qvel_adr + 3:b.qvel_adr + 6] = R.T @ w


def _held_pose(run: _Run, i: int, t: float) -> tuple[np.ndarray, tuple]:
    """A held object rests on its holder's grip, upright, turned the way the holder faces."""
    b = run.world.bodies[i]
    h = run.holds[i]
    fig = run.world.figures[h.holder]
    grip = fig.grip_point(t, "r" if fig.kind == "humanoid" else "m")
    lo, hi = b.bounds
    q = fig.base_quat
    centre_xy = quat_rotate(q, [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, 0])
    base = grip + np.array([0, 0, 0.015]) - centre_xy - np.array([0, 0, lo[2]])
    if fig.two_handed:  # a ball held for a shot sits between both hands, not on one palm
        base = base + np.array([0, 0, (hi[2] - lo[2]) / 2 - 0.015])
    return base, q


def _kinematics(run: _Run, t: float, force_figures: bool) -> None:
    d, world = run.data, run.world
    if force_figures:
        for fid, fig in world.figures.items():
            tr = fig.bone_transforms(t)
            for b in world.bodies:
                if b.role == "bone" and b.entity == fid:
                    p, q = tr[b.bone]
                    d.mocap_pos[b.mocap_id] = p
                    d.mocap_quat[b.mocap_id] = q
    for i, h in list(run.holds.items()):
        b = world.bodies[i]
        if h.mode == "hand":
            if not force_figures:
                continue
            p, q = _held_pose(run, i, t)
            v = (p - h.start) / (FIGURE_EVERY * TICK) if h.start is not None else np.zeros(3)
            h.start = p
            _set_free(d, b, p, q, v)
        elif h.mode == "pin":
            if t >= h.until:
                del run.holds[i]
                continue
            _set_free(d, b, b.pose0[0], b.pose0[1])
        elif h.mode == "lower":
            if t >= h.until:
                del run.holds[i]
                _set_free(d, b, h.end, b.pose0[1])
                continue
            u = (t - h.t0) / max(h.until - h.t0, 1e-6)
            u = u * u * (3 - 2 * u)
            _set_free(d, b, h.start + (h.end - h.start) * u, b.pose0[1])


def _park(run: _Run, i: int, where: np.ndarray) -> None:
    """Move a body out of the world: far away, at rest, its weight compensated so it stays
    put without being re-placed every tick (a shard waiting for its glass to break)."""
    b = run.world.bodies[i]
    _set_free(run.data, b, where, (1.0, 0.0, 0.0, 0.0))
    run.world.model.body_gravcomp[b.body_id] = 1.0
    run.holds[i] = _Hold("park", start=where)


def _unpark(run: _Run, i: int) -> None:
    run.holds.pop(i, None)
    run.world.model.body_gravcomp[run.world.bodies[i].body_id] = 0.0


def _release(run: _Run, i: int, vel=None, t: float = 0.0, by: str | None = None) -> None:
    h = run.holds.pop(i, None)
    if h is None:
        return
    b = run.world.bodies[i]
    d = run.data
    if vel is not None:
        d.qvel[b.qvel_adr:b.qvel_adr + 3] = vel
        d.qvel[b.qvel_adr + 3:b.qvel_adr + 6] = 0
    if by:
        run.world.figures[by].holding = None
        run.events.append(Event(t, "release", b.track_id, by, speed=float(np.linalg.norm(
            d.qvel[b.qvel_adr:b.qvel_adr + 3])), pos=tuple(d.xpos[b.body_id])))


def _action_fn(run: _Run, a, throw_aim, drag: np.ndarray) -> Callable[[], None]:
    world, d = run.world, run.data

    def body_state(i):
        b = world.bodies[i]
        return np.array(d.xpos[b.body_id]), b

    def facing(actor):
        fig = world.figures.get(actor) if actor else None
        return quat_rotate(fig.base_quat, (1, 0, 0)) if fig else None

    def target_point(ref):
        if ref is None:
            return None
        e = world.script.entity(ref)
        if kind(e.kind).figure:
            return world.figures[ref].base
        return np.array(d.xpos[world.body(ref).body_id])

    def fire():
        t = d.time
        if a.type == "release":
            for i, h in list(run.holds.items()):
                if h.mode == "hand" and h.holder == a.actor:
                    _release(run, i, None, t, by=a.actor)
            return
        if a.type == "stack":
            return
        i = _index(world, a.target)
        p, b = body_state(i)
        if a.type == "drop":
            run.holds.pop(i, None)
            return
        if a.type == "place_on_water":
            return
        if a.type == "throw":
            com = np.array(d.xipos[b.body_id])
            aim, angle = throw_aim if throw_aim is not None else (
                aim_point(world.script.entity(a.at), *world.body(a.at).pose0), 52.0)
            v = launch_velocity(com, np.asarray(aim, float), angle, np.array(world.gravity),
                                drag[i] / b.mass)
            was_held = run.holds.get(i)
            _release(run, i, v, t, by=was_held.holder if was_held and was_held.mode == "hand" else None)
            if not was_held:
                d.qvel[b.qvel_adr:b.qvel_adr + 3] = v
            run.events.append(Event(t, "launch", b.track_id, a.actor, speed=float(np.linalg.norm(v)),
                                    pos=tuple(com)))
            return
        run.holds.pop(i, None)
        q = tuple(d.xquat[b.body_id])
        if a.type in ("push", "roll", "kick"):
            u = horizontal_direction(a.direction, p, target_point(a.at), facing(a.actor))
            v = u * a.speed
            if a.type == "kick":
                lo = math.radians(a.loft_deg)
                v = np.array([u[0] * math.cos(lo), u[1] * math.cos(lo), math.sin(lo)]) * a.speed
            w = np.zeros(3)
            if a.type == "roll":
                r = float(b.bounds[1][2] - b.bounds[0][2]) / 2
                w = np.cross([0, 0, 1.0], v) / max(r, 1e-3)
            _set_free(d, b, d.qpos[b.qpos_adr:b.qpos_adr + 3].copy(), q, v, w)
            run.events.append(Event(t, "launch", b.track_id, a.actor, speed=a.speed, pos=tuple(p)))
        elif a.type == "topple":
            u = horizontal_direction(a.direction, p, None, None)
            lo, hi = b.bounds
            R = quat_to_mat(q)
            half = np.abs(R @ ((hi - lo) / 2))
            height = float(2 * half[2])
            com = np.array(d.xipos[b.body_id])
            pivot = p + R @ np.array([0, 0, lo[2]]) + u * float(np.dot(half, np.abs(u)))
            w = np.cross([0, 0, 1.0], u) * (a.speed / max(height, 1e-3))
            v = np.cross(w, com - pivot)
            _set_free(d, b, d.qpos[b.qpos_adr:b.qpos_adr + 3].copy(), q, v, w)
            run.events.append(Event(t, "launch", b.track_id, None, speed=a.speed, pos=tuple(p)))
        elif a.type == "spin":
            d.qvel[b.qvel_adr + 3:b.qvel_adr + 6] = quat_to_mat(q).T @ np.array([0, 0, a.rate])
    return fire


def _apply_water(run: _Run, dyn: list[int], vol_scale: dict, g: np.ndarray) -> None:
    d, w = run.data, run.world.env.water
    for i in dyn:
        b = run.world.bodies[i]
        if b.mesh is None or i in run.holds:
            continue
        R = d.xmat[b.body_id].reshape(3, 3)
        origin = d.xpos[b.body_id]
        verts = b.mesh[0] @ R.T + origin
        com = d.xipos[b.body_id]
        lin = d.qvel[b.qvel_adr:b.qvel_adr + 3]
        ang = R @ d.qvel[b.qvel_adr + 3:b.qvel_adr + 6]
        vel_com = lin + np.cross(ang, com - origin)
        f, tq, _ = water_force(w, verts, b.mesh[1], vol_scale[i], com, vel_com, ang, g)
        d.xfrc_applied[b.body_id, :3] += f
        d.xfrc_applied[b.body_id, 3:] += tq


def _on_touch(run: _Run, ka: int, kb: int, ci: int, t: float, key_names, key_mats,
              vel_prev, ang_prev) -> None:
    world, d = run.world, run.data
    bodies = world.bodies
    nb = len(bodies)
    # Touches involving a parked or kinematic-only pair are not events.
    for k in (ka, kb):
        if k < nb and run.holds.get(k) is not None and run.holds[k].mode == "park":
            return
    if ka < nb and kb < nb and bodies[ka].role == "bone" and bodies[kb].role == "bone":
        return
    c = d.contact[ci]
    p = np.array(c.pos)
    n = np.array(c.frame[:3])
    g1, g2 = int(c.geom[0]), int(c.geom[1])
    k1 = ka if (world.geom_body[g1] == ka or (world.geom_body[g1] < 0 and ka >= nb)) else kb

    def point_vel(k):
        if k >= nb or not bodies[k].dynamic:
            return np.zeros(3)
        origin = d.xpos[bodies[k].body_id]
        return vel_prev[k] + np.cross(ang_prev[k], p - origin)

    k2 = kb if k1 == ka else ka
    speed = float(max(0.0, np.dot(point_vel(k1) - point_vel(k2), n)))
    if speed < MIN_SPEED:
        return
    # Name the moving body first.
    a, b = (k1, k2) if (k1 < nb and bodies[k1].dynamic) else (k2, k1)
    ma, mbm = key_mats[a], key_mats[b]
    static_b = not (b < nb and bodies[b].dynamic)
    m1 = bodies[a].mass if a < nb and bodies[a].dynamic else math.inf
    m2 = bodies[b].mass if not static_b else math.inf
    m_eff = m1 if math.isinf(m2) else (m2 if math.isinf(m1) else m1 * m2 / (m1 + m2))
    e = pair_restitution(ma, mbm, False, static_b,
                         bodies[a].restitution if a < nb else None,
                         bodies[b].restitution if b < nb and not static_b else None)
    impulse = float(m_eff * (1 + e) * speed) if math.isfinite(m_eff) else 0.0
    if static_b and a < nb and bodies[a].round and speed > BOUNCE_MIN:
        out = n if k1 == b else -n  # contact normal points from geom1 to geom2
        run.bounces[(min(ka, kb), max(ka, kb))] = (a, out, speed, e)
    name_a = bodies[a].track_id if a < nb else key_names[a]
    name_b = (bodies[b].track_id if bodies[b].role != "bone" else bodies[b].entity) if b < nb \
        else key_names[b]
    extra = {}
    if b < nb and bodies[b].role == "static":
        extra["part"] = _part_name(world, g2 if k1 == a else g1)
    ev = Event(t, "contact", name_a, name_b, speed=speed, impulse=impulse, pos=tuple(p),
               materials=(ma.name, mbm.name), extra=extra)
    run.events.append(ev)
    for k in (a, b):
        if k < nb:
            run.touched.setdefault(bodies[k].entity, t)
    # Brittle things shatter when hit hard enough (a soft floor takes some of the blow).
    for x, y in ((a, b), (b, a)):
        if x < nb and bodies[x].breakable and x not in run.visible_until:
            other_static = not (y < nb and bodies[y].dynamic)
            eff = speed * (key_mats[y].surface if other_static else 1.0)
            if eff >= bodies[x].material.break_speed:
                _shatter(run, x, t, speed, name_b if x == a else name_a, n)


def _finish_bounces(run: _Run, tracker: ContactTracker, t: float) -> None:
    """Restitution as a velocity law at separation.

    A soft contact whose onset falls at a random point inside a 0.25 ms step returns a few
    percent more or less energy than its calibrated value; impulse-based engines avoid this
    by applying Newton's law v_out = e v_in directly. When a ball's impact on something
    static has ended and it touches nothing else, its outgoing normal speed is set to exactly
    e times the incoming one (tangential motion and spin are left as the contact made them).
    Only balls: for them the normal passes through the centre of mass, so the law needs no
    inertia; tumbling shapes keep the calibrated soft contact alone."""
    d = run.data
    touching = {k for k, last in tracker.last_seen.items() if last >= t}
    for key in list(run.bounces):
        if key in touching:
            continue
        i, out, v_in, e = run.bounces.pop(key)
        if any(i in k for k in touching) or i in run.holds:
            continue
        b = run.world.bodies[i]
        R = d.xmat[b.body_id].reshape(3, 3)
        w = R @ d.qvel[b.qvel_adr + 3:b.qvel_adr + 6]
        v_com = d.qvel[b.qvel_adr:b.qvel_adr + 3] + np.cross(w, R @ b.ipos)
        v_out = float(np.dot(v_com, out))
        if v_out <= 0:
            continue
        d.qvel[b.qvel_adr:b.qvel_adr + 3] += (e * v_in - v_out) * out


def _part_name(world: World, gid: int) -> str:
    nm = mujoco.mj_id2name(world.model, mujoco.mjtObj.mjOBJ_GEOM, gid) or ""
    try:
        bi, pj = nm[1:].split("_")[:2]
        return world.bodies[int(bi)].parts[int(pj)].name or world.bodies[int(bi)].parts[int(pj)].shape
    except (ValueError, IndexError):
        return ""


def _shatter(run: _Run, i: int, t: float, speed: float, other: str, normal: np.ndarray) -> None:
    world, d = run.world, run.data
    b = world.bodies[i]
    rng = np.random.default_rng(world.script.seed + i)
    R = d.xmat[b.body_id].reshape(3, 3).copy()
    origin = d.xpos[b.body_id].copy()
    v = d.qvel[b.qvel_adr:b.qvel_adr + 3].copy()
    lo, hi = b.bounds
    shard_ids = world.shards[b.entity]
    up = -np.array(world.gravity) / (np.linalg.norm(world.gravity) or 1.0)
    if not np.any(up):
        up = np.array([0, 0, 1.0])
    for j, si in enumerate(shard_ids):
        cell = np.array([(j % 2 + 0.5) / 2, ((j // 2) % 2 + 0.5) / 2, ((j // 4) + 0.5) / 3])
        local = lo + (hi - lo) * np.clip(cell, 0.1, 0.9)
        p = origin + R @ local
        p[2] = max(p[2], origin[2] + 0.004)
        q = tuple(np.array(euler_to_quat(*rng.uniform(-180, 180, 3))))
        spread = rng.normal(0, 0.3 * speed, 3)
        spread[2] = abs(spread[2]) * 0.5
        vel = v - np.dot(v, up) * up + up * speed * rng.uniform(0.08, 0.3) + spread
        _unpark(run, si)
        _set_free(d, world.bodies[si], p, q, vel, rng.uniform(-25, 25, 3))
        run.visible_from[si] = t
    _park(run, i, _PARK + np.array([-100.0 - i, 0, 0]))
    run.visible_until[i] = t
    run.events.append(Event(t, "break", b.track_id, other, speed=speed, pos=tuple(origin),
                            materials=(b.material.name, b.material.name),
                            extra={"pieces": [world.bodies[s].track_id for s in shard_ids]}))


def _rim(world: World):
    for b in world.bodies:
        if b.role == "static" and kind(b.kind).aim is not None:
            return aim_point(world.script.entity(b.entity), np.asarray(b.pose0[0]), b.pose0[1])
    return None


def _check_basket(run: _Run, ball: int, rim: np.ndarray, vel_prev) -> None:
    """A basket: the ball's centre crosses the rim's plane going down, inside the ring."""
    d = run.data
    b = run.world.bodies[ball]
    c = d.xipos[b.body_id]
    vz = d.qvel[b.qvel_adr + 2]
    if vz < 0 and abs(c[2] - rim[2]) < abs(vz) * TICK + 1e-9 and c[2] <= rim[2]:
        if math.hypot(c[0] - rim[0], c[1] - rim[1]) < 0.2286:
            run.made_at = min(run.made_at, d.time)


def _record(run: _Run, frame: int, t: float, pos, quat) -> None:
    d, world = run.data, run.world
    tr_cache = {fid: fig.bone_transforms(t) for fid, fig in world.figures.items()}
    for i, b in enumerate(world.bodies):
        if b.role == "bone":
            p, q = tr_cache[b.entity][b.bone]
            pos[i, frame] = p
            quat[i, frame] = q
        else:
            pos[i, frame] = d.xpos[b.body_id]
            quat[i, frame] = d.xquat[b.body_id]
