"""Restitution calibration: which contact damping gives a requested coefficient of restitution.

MuJoCo contacts are stiff spring-dampers that let go when the spring stops pushing, so the
textbook damping-ratio formula misses by up to 60 % for dull materials. For a given stiffness
and time step the bounce depends on the damping ratio alone (not on mass or speed), so one
table per stiffness, measured by colliding a body with a plane in MuJoCo itself (same cone,
friction and solver options as real pairs) at several speeds and contact phases, maps any
restitution to the damping that produces it.

Small things get stiffer contacts so that a marble does not sink deeper than its radius
during an impact: the stiffness is chosen from the smaller body's size.

Measuring a table takes about 0.3 s, so tables are cached on disk (``$TENKU_CACHE``, else
``$XDG_CACHE_HOME/tenku`` or ``~/.cache/tenku``) under a key of everything they depend on:
MuJoCo's version, the time step, the impedance and the stiffness. A missing, unreadable or
unwritable cache only means measuring again.
"""

from __future__ import annotations

import hashlib
import math
import os
from functools import lru_cache
from pathlib import Path

import mujoco
import numpy as np

TIMESTEP = 0.00025  # s, every simulation
SOLIMP = "0.99 0.99 0.001 0.5 2"
STIFFNESS_LEVELS = (1.0e5, 4.0e5, 1.6e6)  # 1/s^2: large, small (< 10 cm), tiny (< 3 cm)


def stiffness_for(size: float) -> float:
    """Contact stiffness for a pair whose smaller body is ``size`` metres across."""
    if size < 0.03:
        return STIFFNESS_LEVELS[2]
    if size < 0.1:
        return STIFFNESS_LEVELS[1]
    return STIFFNESS_LEVELS[0]


def _measure(zeta: float, v0: float, offset: float, k: float) -> float:
    b = 2 * zeta * math.sqrt(k)
    r = 0.05
    xml = f"""<mujoco><option timestep="{TIMESTEP}" integrator="implicitfast" cone="elliptic"
    gravity="0 0 0"/><worldbody><geom name="floor" type="plane" size="5 5 .1" contype="0"
    conaffinity="0"/><body pos="0 0 {r + offset}"><freejoint/><geom name="b" type="sphere"
    size="{r}" mass="1" contype="0" conaffinity="0"/></body></worldbody>
    <contact><pair geom1="b" geom2="floor" solref="{-k} {-b}" solimp="{SOLIMP}" condim="3"
    friction="0.5 0.5 0.001 0.0001 0.0001"/></contact></mujoco>"""
    m = mujoco.MjModel.from_xml_string(xml)
    d = mujoco.MjData(m)
    d.qvel[2] = -v0
    for _ in range(4000):
        mujoco.mj_step(m, d)
        if d.qpos[2] > r + offset and d.qvel[2] > 0:
            break
    return float(d.qvel[2] / v0)


def _cache_file(k: float) -> Path:
    root = os.environ.get("TENKU_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "tenku")
    key = hashlib.sha256(f"{mujoco.__version__}|{TIMESTEP}|{SOLIMP}|{k}|v1".encode()).hexdigest()
    return Path(root) / f"restitution-{key[:16]}.npy"


@lru_cache(maxsize=len(STIFFNESS_LEVELS))
def _table(k: float) -> tuple[np.ndarray, np.ndarray]:
    path = _cache_file(k)
    try:
        zetas, es = np.load(path)
        return zetas, es
    except (OSError, ValueError):
        pass
    zetas, es = _measure_table(k)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            np.save(f, np.stack([zetas, es]))
        tmp.replace(path)
    except OSError:
        pass
    return zetas, es


def _measure_table(k: float) -> tuple[np.ndarray, np.ndarray]:
    zetas = np.concatenate([np.linspace(0.0, 0.3, 16), np.linspace(0.34, 3.0, 20)])
    es = []
    for z in zetas:
        runs = [_measure(z, v, off, k) for v in (1.5, 4.5) for off in (0.0004, 0.0013, 0.0025)]
        es.append(float(np.mean(runs)))
    # Very stiff, very damped contacts go unstable and bounce again: keep the part of the
    # table where more damping means less bounce.
    es = np.array(es)
    rising = np.flatnonzero(np.diff(es) >= 0)
    end = int(rising[0]) + 1 if len(rising) else len(es)
    return zetas[:end], es[:end]


def damping_for(restitution: float, k: float = STIFFNESS_LEVELS[0]) -> float:
    """Damping (1/s, for MuJoCo's direct ``solref``) that gives ``restitution`` at stiffness k."""
    e = float(np.clip(restitution, 0.02, 0.99))
    zetas, es = _table(k)
    zeta = float(np.interp(e, es[::-1], zetas[::-1]))  # es falls as zeta grows
    return 2 * zeta * math.sqrt(k)


def solref(restitution: float, k: float = STIFFNESS_LEVELS[0]) -> str:
    return f"{-k:g} {-damping_for(restitution, k):.4f}"
