"""What actions do to bodies: launch velocities, the throw solver and its aim candidates.

Every action sets initial conditions (a velocity, a spin, a release) at its time; after that,
physics alone decides what happens. A throw is solved ballistically from the release point to
an aim point; the run loop then checks that the requested outcome really happened and tries
the next aim candidate if not, so "misses off the rim" is a fact of the simulation, not a hope.
"""

from __future__ import annotations


import numpy as np

from tenku.catalog import kind
from tenku.scene.parts import quat_rotate


def aim_point(target_entity, pose_pos: np.ndarray, pose_quat) -> np.ndarray:
    """Where a throw at an entity aims: its kind's aim point, else the top of its centre."""
    k = kind(target_entity.kind)
    if k.aim is not None:
        return pose_pos + quat_rotate(pose_quat, k.aim)
    lo, hi = k.bounds() if k.parts else (np.zeros(3), np.array([0, 0, 1.0]))
    return pose_pos + quat_rotate(pose_quat, ((lo + hi) / 2) * np.array([1, 1, 0]) + [0, 0, hi[2]])


def throw_candidates(outcome: str, rim_centre: np.ndarray, shooter: np.ndarray, has_rim: bool,
                     ball_radius: float, seed: int) -> list[tuple[np.ndarray, float]]:
    """Aim points and launch angles to try, in a seed-dependent order. For a hoop a miss aims
    at the front rim, the back rim, the side of the rim or the board; a make aims through the
    centre at a steep arc."""
    u = rim_centre - shooter
    u[2] = 0
    u /= max(np.linalg.norm(u), 1e-9)
    side = np.array([-u[1], u[0], 0.0])
    R = 0.2286 if has_rim else 0.0
    if outcome == "make" or not has_rim:
        cands = [(rim_centre + [0, 0, 0.01], a) for a in (52.0, 55.0, 49.0, 58.0)]
        cands += [(rim_centre + u * 0.03, a) for a in (53.0, 50.0)]
        return cands
    cands = [
        (rim_centre - u * (R + 0.02) + [0, 0, ball_radius * 0.6], 50.0),  # front rim, clank back
        (rim_centre + u * (R + 0.05) + [0, 0, 0.35], 45.0),  # off the board above the rim
        (rim_centre + side * (R + 0.03) + [0, 0, ball_radius * 0.5], 52.0),  # side of the rim
        (rim_centre - u * (R + 0.04) + [0, 0, ball_radius * 0.9], 56.0),
        (rim_centre + u * (R + 0.0) + [0, 0, ball_radius * 0.9], 48.0),  # back rim
        (rim_centre - side * (R + 0.03) + [0, 0, ball_radius * 0.5], 52.0),
    ]
    rng = np.random.default_rng(seed)
    first = int(rng.integers(3))
    return cands[first:] + cands[:first]


def horizontal_direction(direction, frm: np.ndarray, to: np.ndarray | None,
                         facing: np.ndarray | None) -> np.ndarray:
    """A unit horizontal direction from an explicit vector, a target point, or a facing."""
    if direction is not None:
        v = np.array(direction, dtype=float)
    elif to is not None:
        v = to - frm
    elif facing is not None:
        v = facing.copy()
    else:
        v = np.array([1.0, 0.0, 0.0])
    v[2] = 0.0
    n = np.linalg.norm(v)
    return v / n if n > 1e-9 else np.array([1.0, 0.0, 0.0])
