"""Camera rigs: one :class:`CameraPose` per video frame from the script's shots.

Automatic framing collects what matters in a shot (every body that moves, and fixed bodies an
action names, such as the hoop a ball is thrown at), then places the camera on an elevated
front three-quarter view (the camera stands on the open -y side of the stage and looks
roughly along +y), far enough back that all of it fits the frame with a margin at the output's
aspect ratio. Rigs then move that camera smoothly; walls are never crossed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from tenku.render.meshes import is_transparent
from tenku.scene.parts import quat_to_mat
from tenku.scene.result import SimResult, Track

UP = np.array([0.0, 0.0, 1.0])


@dataclass
class CameraPose:
    eye: np.ndarray
    target: np.ndarray
    up: np.ndarray = field(default_factory=lambda: UP.copy())
    fov: float = 40.0  # vertical, degrees

    def __post_init__(self):
        self.eye = np.asarray(self.eye, dtype=np.float64)
        self.target = np.asarray(self.target, dtype=np.float64)
        self.up = np.asarray(self.up, dtype=np.float64)

    def view(self) -> np.ndarray:
        return look_at(self.eye, self.target, self.up)

    def projection(self, aspect: float, near: float, far: float) -> np.ndarray:
        return perspective(self.fov, aspect, near, far)


def look_at(eye, target, up) -> np.ndarray:
    f = np.asarray(target, float) - eye
    f /= np.linalg.norm(f) or 1.0
    s = np.cross(f, up)
    if np.linalg.norm(s) < 1e-6:  # looking straight along up: pick any side vector
        s = np.cross(f, [0.0, 1.0, 0.0])
    s /= np.linalg.norm(s)
    u = np.cross(s, f)
    m = np.eye(4)
    m[0, :3], m[1, :3], m[2, :3] = s, u, -f
    m[:3, 3] = -m[:3, :3] @ eye
    return m


def perspective(fov_deg: float, aspect: float, near: float, far: float) -> np.ndarray:
    f = 1.0 / math.tan(math.radians(fov_deg) / 2)
    m = np.zeros((4, 4))
    m[0, 0] = f / aspect
    m[1, 1] = f
    m[2, 2] = (far + near) / (near - far)
    m[2, 3] = 2 * far * near / (near - far)
    m[3, 2] = -1.0
    return m


# --- what a shot is about ------------------------------------------------------------------

def track_spheres(track: Track) -> tuple[np.ndarray, np.ndarray]:
    """Per-part bounding spheres in the body frame: centres (P,3) and radii (P,)."""
    cs, rs = [], []
    for p in track.parts:
        lo, hi = p.local_aabb()
        cs.append((lo + hi) / 2)
        rs.append(float(np.linalg.norm(hi - lo) / 2))
    if not cs:
        return np.zeros((1, 3)), np.array([0.1])
    return np.array(cs), np.array(rs)


def track_world_points(track: Track, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """World-space centres and radii of a track's part spheres over the given frames
    (only where it is visible)."""
    cs, rs = track_spheres(track)
    frames = [f for f in frames if track.visible[f]]
    if not frames:
        return np.zeros((0, 3)), np.zeros(0)
    pts, rad = [], []
    for f in frames:
        R = quat_to_mat(track.quat[f])
        pts.append(cs @ R.T + track.pos[f])
        rad.append(rs)
    return np.concatenate(pts), np.concatenate(rad)


def _moves(track: Track, frames: np.ndarray) -> bool:
    if not track.dynamic or len(frames) == 0:
        return False
    vis = track.visible[frames]
    if not vis.any():
        return False  # not there at all (a glass that broke in an earlier shot)
    if not vis.all():
        return True  # appears or disappears (a fragment, a shattering glass)
    p = track.pos[frames]
    q = track.quat[frames]
    return bool(np.ptp(p, axis=0).max() > 0.01 or np.abs(q - q[0]).max() > 0.02)


def _named_entities(script) -> set[str]:
    out = set()
    for a in getattr(script, "actions", []) or []:
        for key in ("target", "at", "on", "actor"):
            v = getattr(a, key, None)
            if v:
                out.add(v)
        for v in getattr(a, "targets", None) or []:
            out.add(v)
    return out


def subject_tracks(script, sim: SimResult, frames: np.ndarray) -> list[Track]:
    """What a shot is about: what moves in it; in a later shot where nothing moves, what
    moved last before it (the shards a close-up after the crash looks at)."""
    moving = [t for t in sim.tracks if _moves(t, frames)]
    if not moving and frames[0] > 0:
        before = np.arange(frames[0] + 1)
        moving = [t for t in sim.tracks if t.visible[frames[0]] and _moves(t, before)]
    named = _named_entities(script)
    fixed = [t for t in sim.tracks if t not in moving and t.entity in named and t.parent is None
             and (not t.dynamic or t.entity in named)]
    subjects = moving + [t for t in fixed if not t.dynamic]
    if not subjects:
        subjects = [t for t in sim.tracks if t.dynamic] or list(sim.tracks)
    return subjects


# --- fitting -------------------------------------------------------------------------------

ELEVATION = {"eye": 14.0, "low": 4.0, "high": 34.0, "top": 82.0}
FRAMING_SCALE = {"auto": 1.0, "wide": 1.55, "medium": 0.8, "close": 0.5}
YAW = math.radians(22.0)  # camera swung toward +x: a front three-quarter view


def _yaw_for(target: np.ndarray) -> float:
    """Swing toward the middle of the room: a scene near the +x wall is filmed from -x."""
    return -YAW if target[0] > 2.0 else YAW


def _basis(direction: np.ndarray):
    f = -direction  # forward: from the eye toward the target
    s = np.cross(f, UP)
    if np.linalg.norm(s) < 1e-6:
        s = np.array([1.0, 0.0, 0.0])
    s /= np.linalg.norm(s)
    u = np.cross(s, f)
    return s, u, f


def view_direction(yaw: float, elevation_deg: float) -> np.ndarray:
    """Unit vector from the target to the eye (yaw 0: the eye on the -y side)."""
    el = math.radians(elevation_deg)
    return np.array([math.sin(yaw) * math.cos(el), -math.cos(yaw) * math.cos(el), math.sin(el)])


def fit_distance(points, radii, target, direction, fov_deg, aspect, margin=0.82) -> float:
    """Smallest eye distance along ``direction`` from ``target`` at which every sphere
    projects inside ``margin`` of the frame."""
    if len(points) == 0:
        return 3.0
    s, u, f = _basis(direction)
    tv = math.tan(math.radians(fov_deg) / 2) * margin
    th = tv * aspect
    rel = points - target
    x, y, z = rel @ s, rel @ u, rel @ f
    # A sphere at depth D + z fits when |x| + r <= th (D + z), with a sphere's angular growth.
    need = np.maximum((np.abs(x) + radii * 1.1) / th, (np.abs(y) + radii * 1.1) / tv) - z
    need = np.maximum(need, z * 0 + radii * 3.0 - z)
    return float(max(need.max(), 0.6))


def _centre(points, radii) -> np.ndarray:
    lo = (points - radii[:, None]).min(axis=0)
    hi = (points + radii[:, None]).max(axis=0)
    return (lo + hi) / 2


def _smooth(x: np.ndarray, sigma: float) -> np.ndarray:
    """Zero-phase Gaussian smoothing along axis 0 (no lag: the whole path is known)."""
    if sigma <= 0 or len(x) < 3:
        return x.copy()
    r = int(math.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    pad = np.concatenate([np.repeat(x[:1], r, 0), x, np.repeat(x[-1:], r, 0)])
    out = np.empty_like(x)
    for j in range(x.shape[1]):
        out[:, j] = np.convolve(pad[:, j], k, mode="valid")
    return out


def _ease(t):
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3 - 2 * t)


# --- walls ---------------------------------------------------------------------------------

def _wall_boxes(sim: SimResult):
    """Opaque static boxes (walls, decks) as (lo, hi) world AABBs."""
    out = []
    for p in sim.static_parts:
        if p.shape != "box" or is_transparent(p):
            continue
        lo, hi = p.local_aabb()
        if hi[2] < 0.5:  # decks, sea beds: things to look over, not walls
            continue
        out.append((np.asarray(lo), np.asarray(hi)))
    return out


def _keep_clear(eye: np.ndarray, target: np.ndarray, boxes) -> np.ndarray:
    """Move the eye toward the target until the line of sight crosses no wall box."""
    eye = eye.copy()
    for _ in range(3):
        d = eye - target
        length = np.linalg.norm(d)
        if length < 1e-6:
            return eye
        d /= length
        best = length
        for lo, hi in boxes:
            lo2, hi2 = lo - 0.25, hi + 0.25
            # slab test along the ray target -> eye
            with np.errstate(divide="ignore", invalid="ignore"):
                t1 = (lo2 - target) / d
                t2 = (hi2 - target) / d
            tmin = np.nanmax(np.where(np.isfinite(np.minimum(t1, t2)), np.minimum(t1, t2), -np.inf))
            tmax = np.nanmin(np.where(np.isfinite(np.maximum(t1, t2)), np.maximum(t1, t2), np.inf))
            inside_axis = (d == 0) & ((target < lo2) | (target > hi2))
            if inside_axis.any() or tmax < max(tmin, 0.0):
                continue
            if tmin > 0.0 and tmin < best:
                best = tmin
        if best >= length:
            break
        eye = target + d * max(best - 0.05, 0.3)
    return eye


def _clamp_height(eye: np.ndarray, sim: SimResult) -> np.ndarray:
    eye = eye.copy()
    floor = 0.15
    w = sim.water
    if w is not None and w.lo[0] <= eye[0] <= w.hi[0] and w.lo[1] <= eye[1] <= w.hi[1]:
        floor = max(floor, w.level + 0.15)
    eye[2] = max(eye[2], floor)
    return eye


# --- the rigs ------------------------------------------------------------------------------

def _shot_frames(script, n: int):
    """Each shot with the video frames it shows (the script's timeline says which)."""
    owner = np.array([k for _, k in script.frame_times()][:n], dtype=int)
    return [(s, np.nonzero(owner == i)[0]) for i, s in enumerate(script.shots)]


def camera_path(script, sim: SimResult, width: int, height: int) -> list[CameraPose]:
    """One camera pose per frame of ``sim``."""
    aspect = width / height
    boxes = _wall_boxes(sim)
    poses: list[CameraPose | None] = [None] * len(sim.times)
    for k, (shot, frames) in enumerate(_shot_frames(script, len(sim.times))):
        if len(frames) == 0:
            continue
        shot_poses = _shot_poses(script, sim, shot.camera, frames, aspect, boxes)
        if shot.camera.shake > 0:
            _handheld(shot_poses, shot.camera.shake, script.fps, (script.seed, k))
        for f, pose in zip(frames, shot_poses):
            poses[f] = pose
    return poses  # type: ignore[return-value]


#: At shake 1 (running with the camera): how far the aim wanders (degrees) and the eye bobs
#: (metres), and how fast (Hz). Real handheld footage drifts slowly with a faster tremor on top.
SHAKE_DEGREES = (1.6, 0.35)
SHAKE_HZ = (0.6, 4.5)
SHAKE_BOB = 0.025


def _handheld(poses: list[CameraPose], amount: float, fps: int, seed: tuple[int, int]) -> None:
    """Add a handheld operator's sway and tremor on the video's clock (so slow motion does not
    slow the operator down): smooth noise, deterministic for the script's seed and shot."""
    n = len(poses)
    rng = np.random.default_rng(list(seed))
    t = np.arange(n) / fps

    def noise(hz: float) -> np.ndarray:  # a few random sines around ``hz``: smooth, no drift
        f = hz * rng.uniform(0.6, 1.6, 4)
        ph = rng.uniform(0, 2 * np.pi, 4)
        return np.sin(2 * np.pi * f[None] * t[:, None] + ph[None]).sum(axis=1) / 2.0

    yaw = sum(math.radians(d) * noise(hz) for d, hz in zip(SHAKE_DEGREES, SHAKE_HZ)) * amount
    pitch = sum(math.radians(d) * 0.7 * noise(hz) for d, hz in zip(SHAKE_DEGREES, SHAKE_HZ)) * amount
    bob = SHAKE_BOB * amount * noise(SHAKE_HZ[1] * 0.5)
    for i, p in enumerate(poses):
        d = p.target - p.eye
        dist = float(np.linalg.norm(d)) or 1.0
        s, u, _ = _basis(-d / dist)
        p.eye = p.eye + u * bob[i]
        p.target = p.target + (s * math.tan(yaw[i]) + u * math.tan(pitch[i])) * dist + u * bob[i]


def action_points(sim: SimResult, subjects: list[Track], frames: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """What a static camera should keep in view: every subject where the shot starts, plus
    where things happen in it (impacts, breaks, splashes, launches; not every shard's
    tinkle). A ball rolling on after the strike may leave the frame, as in real camera work;
    with no events in the shot, the subjects' whole paths are framed instead."""
    t0, t1 = sim.times[frames[0]], sim.times[frames[-1]]
    radius = {t.id: float(track_spheres(t)[1].max(initial=0.05)) for t in sim.tracks}
    names = {t.id for t in subjects} | {t.entity for t in subjects}
    events = [e for e in sim.events if t0 <= e.t <= t1 and e.type != "release"
              and "." not in e.a and (e.a in names or e.b in names)]
    pts, rad = [], []
    for t in subjects:
        p, r = track_world_points(t, frames if not events else frames[:1])
        pts.append(p)
        rad.append(r)
    for e in events:
        pts.append(np.array([e.pos], dtype=float))
        rad.append(np.array([radius.get(e.a, 0.1)]))
    points = np.concatenate(pts) if pts else np.zeros((0, 3))
    return points, (np.concatenate(rad) if rad else np.zeros(0))


def _shot_poses(script, sim, cam, frames, aspect, boxes) -> list[CameraPose]:
    n = len(frames)
    fov = float(cam.fov)
    subjects = subject_tracks(script, sim, frames)
    points, radii = action_points(sim, subjects, frames)
    if len(points) == 0:
        points, radii = np.array([[0.0, 0.0, 0.5]]), np.array([0.5])
    elevation = ELEVATION[cam.angle]
    scale = FRAMING_SCALE[cam.framing]
    u = _ease(np.linspace(0.0, 1.0, n)) if n > 1 else np.zeros(1)

    if cam.rig == "follow":
        return _follow(script, sim, cam, frames, aspect, boxes, elevation, scale, points, radii)

    target = _centre(points, radii)
    if cam.framing == "close":  # close-ups aim at the main subject's path
        p0, r0 = track_world_points(subjects[0], frames)
        if len(p0):
            target = _centre(p0, r0)
    if cam.look_at is not None:
        target = np.asarray(cam.look_at, dtype=float)
    # The look target sits a little low in the frame for low angles, so lift low cameras'
    # target to the subjects' mid height (never below 5 cm).
    target = target.copy()
    target[2] = max(target[2], 0.05)

    yaw0 = _yaw_for(target)
    if cam.rig == "orbit":
        sweep = math.radians(cam.orbit_degrees)
        yaws = yaw0 + (u - 0.5) * sweep
    else:
        yaws = np.full(n, yaw0)
    samples = np.linspace(yaws.min(), yaws.max(), 7) if cam.rig == "orbit" else yaws[:1]
    dist = max(fit_distance(points, radii, target, view_direction(y, elevation), fov, aspect)
               for y in samples) * scale
    dist = max(dist, 0.35)
    if cam.rig == "dolly":
        d0 = dist / max(1.0 - cam.dolly * 0.5, 0.1)  # start wider, end closer
        dists = d0 * (1.0 - cam.dolly * u)
    else:
        dists = np.full(n, dist)

    out = []
    for i in range(n):
        if cam.position is not None and cam.rig == "static":
            eye = np.asarray(cam.position, dtype=float)
        elif cam.position is not None:
            # Explicit start position: the rig moves relative to it.
            base = np.asarray(cam.position, dtype=float) - target
            ang = (yaws[i] - yaw0) if cam.rig == "orbit" else 0.0
            c, s_ = math.cos(ang), math.sin(ang)
            rot = np.array([base[0] * c - base[1] * s_, base[0] * s_ + base[1] * c, base[2]])
            k = dists[i] / dists[0] if cam.rig == "dolly" else 1.0
            eye = target + rot * k
        else:
            eye = target + view_direction(yaws[i], elevation) * dists[i]
            eye = _keep_clear(eye, target, boxes)
            eye = _clamp_height(eye, sim)
        out.append(CameraPose(eye=eye, target=target.copy(), fov=fov))
    if cam.position is None and n > 2:
        eyes = _smooth(np.array([p.eye for p in out]), 2.0)
        for p, e in zip(out, eyes):
            p.eye = e
    return out


def _follow(script, sim, cam, frames, aspect, boxes, elevation, scale, points, radii):
    n = len(frames)
    fov = float(cam.fov)
    try:
        track = next(t for t in sim.tracks if t.entity == cam.follow or t.id == cam.follow)
    except StopIteration:
        track = None
    if track is None:
        raw = np.repeat(_centre(points, radii)[None], n, 0)
        size = 0.5
    else:
        cs, rs = track_spheres(track)
        centre_local = cs.mean(axis=0)
        raw = np.array([track.pos[f] + quat_to_mat(track.quat[f]) @ centre_local for f in frames])
        vis = track.visible[frames]
        if vis.any():  # hold the last/next visible position where it is hidden
            idx = np.nonzero(vis)[0]
            fill = np.interp(np.arange(n), idx, np.arange(len(idx))).round().astype(int)
            raw = raw[idx][fill]
        size = float(max(rs.max(), 0.05))
    fps = float(script.fps)  # smoothing on the video's clock, whatever the shot's speed
    target = _smooth(raw, sigma=0.25 * fps)  # zero-phase: no lag behind the subject
    if cam.look_at is not None:
        target = np.repeat(np.asarray(cam.look_at, float)[None], n, 0)
    # Distance: the subject plus some of its surroundings (a ball fills ~1/6 of the frame).
    dist = max(size * 12.0, 1.2) * scale / (math.tan(math.radians(fov) / 2) / math.tan(math.radians(20)))
    direction = view_direction(_yaw_for(target.mean(axis=0)), elevation)
    eyes = []
    for i in range(n):
        if cam.position is not None:
            eye = np.asarray(cam.position, float)
        else:
            eye = target[i] + direction * dist
            eye = _keep_clear(eye, target[i], boxes)
            eye = _clamp_height(eye, sim)
        eyes.append(eye)
    eyes = _smooth(np.array(eyes), sigma=0.15 * fps)
    return [CameraPose(eye=e, target=t, fov=fov) for e, t in zip(eyes, target)]
