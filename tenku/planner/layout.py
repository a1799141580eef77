"""Placement: where every entity starts, so that the simulator gets a physically sensible scene.

Everything is placed explicitly: resting on the floor (z = 0) or on what it stands on, never
overlapping, inside the environment's open stage. A few scenes need exact geometry because
the physics depends on it (a hoop 4.6 m from the shooter, the ten-pin triangle, dominoes one
spacing apart, blocks above a tank's water); those are laid out first by dedicated rules, and
everything else goes into tidy rows on free floor. Ids are made readable here ("ball",
"player", "domino_1").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from tenku.catalog import ENVIRONMENTS, KINDS
from tenku.planner.actions import Intent
from tenku.planner.parse import Thing
from tenku.script.model import Entity, Pose

#: Half-width of the floor area the planner may use, by environment (rooms have walls).
STAGE = {"studio": 3.0, "basketball_court": 13.5, "kitchen": 3.0, "living_room": 3.0,
         "water_tank": 2.0, "pool": 9.0, "bathtub": 2.0, "lake": 10.0, "street": 10.0,
         "ice_rink": 12.0, "beach": 10.0, "space_station": 2.2, "vacuum_chamber": 2.5,
         "moon": 10.0, "bowling_alley": 8.0, "park": 10.0}

FIGURE_DIMS = {"person": (0.45, 0.5, 1.75), "dog": (0.9, 0.3, 0.7), "cat": (0.46, 0.18, 0.3)}
#: Where a figure's hand (or mouth) is, in its own frame.
HAND = {"person": (0.35, 0.0, 1.0), "dog": (0.45, 0.0, 0.45), "cat": (0.25, 0.0, 0.22)}
SUPPORTS = ("table", "counter", "coffee_table")
DROP_HEIGHT = 1.0
BOUNCE_HEIGHT = 1.5
GAP = 0.12
PIN_SPACING = 0.3048
DOMINO_SPACING = 0.036
RAMP_PITCH = 20.0
ID_NAMES = {"basketball": "ball", "soccer_ball": "ball", "volleyball": "ball",
            "wine_glass": "glass", "drinking_glass": "glass", "bowling_pin": "pin"}


def dims(kind: str, scale: float | None = None) -> tuple[float, float, float]:
    """Full (x, y, z) extent of a kind in metres, scaled."""
    if kind in FIGURE_DIMS:
        return FIGURE_DIMS[kind]
    lo, hi = KINDS[kind].bounds()
    s = scale or 1.0
    return tuple(float(max(0.001, (h - l) * s)) for l, h in zip(lo, hi))  # type: ignore


@dataclass
class Placed:
    """One entity being built; ``thing`` is the index of the parse Thing it came from."""

    id: str
    thing: int
    kind: str
    pos: list[float]
    yaw: float = 0.0
    pitch: float = 0.0
    held_by: str | None = None
    fixed: bool | None = None


@dataclass
class Layout:
    env: str
    placed: list[Placed] = field(default_factory=list)
    ids: dict[int, list[str]] = field(default_factory=dict)
    rects: list[tuple[float, float, float, float]] = field(default_factory=list)
    info: dict = field(default_factory=dict)   # facts actions need (edge directions, ...)

    @property
    def stage(self) -> float:
        return STAGE.get(self.env, 3.0)

    def first(self, thing: int) -> str | None:
        ids = self.ids.get(thing)
        return ids[0] if ids else None

    def get(self, eid: str) -> Placed:
        return next(p for p in self.placed if p.id == eid)

    def occupy(self, x: float, y: float, dx: float, dy: float) -> None:
        self.rects.append((x - dx / 2, y - dy / 2, x + dx / 2, y + dy / 2))

    def free(self, x: float, y: float, dx: float, dy: float) -> bool:
        a = (x - dx / 2, y - dy / 2, x + dx / 2, y + dy / 2)
        return all(a[2] <= r[0] or r[2] <= a[0] or a[3] <= r[1] or r[3] <= a[1]
                   for r in self.rects)


def _id_base(th: Thing) -> str:
    if th.kind == "person":
        w = th.role_word if th.role_word not in ("he", "she", "someone", "somebody", "they",
                                                 "human", "figure") else "person"
        if th.how != "rule":
            w = "person"
    else:
        w = ID_NAMES.get(th.kind, th.kind)
    w = re.sub(r"[^a-z0-9_]", "_", w.lower()).strip("_")
    if not w or not w[0].isalpha():
        w = "thing_" + w if w else "thing"
    return w[:50]


def assign_ids(things: list[Thing], lay: Layout) -> None:
    used: set[str] = set()
    for k, th in enumerate(things):
        base = _id_base(th)
        if base in used or any(_id_base(o) == base for j, o in enumerate(things) if j < k):
            base = th.kind if th.kind not in used else base
        if th.count == 1:
            eid, n = base, 2
            while eid in used:
                eid, n = f"{base}_{n}", n + 1
            ids = [eid]
        else:
            ids = []
            n = 1
            while len(ids) < th.count:
                eid = f"{base}_{n}"
                if eid not in used:
                    ids.append(eid)
                n += 1
        used.update(ids)
        lay.ids[k] = ids


def _yaw_vec(yaw: float, v) -> tuple[float, float, float]:
    c, s = math.cos(math.radians(yaw)), math.sin(math.radians(yaw))
    return (v[0] * c - v[1] * s, v[0] * s + v[1] * c, v[2])


def _place(lay: Layout, things: list[Thing], k: int, idx: int, pos, yaw=0.0, pitch=0.0,
           held_by=None, fixed=None, occupy=True) -> None:
    th = things[k]
    eid = lay.ids[k][idx]
    if any(p.id == eid for p in lay.placed):  # one place per id: the first scene rule wins
        return
    lay.placed.append(Placed(eid, k, th.kind, [float(pos[0]), float(pos[1]), float(pos[2])],
                             yaw, pitch, held_by, fixed))
    if occupy and held_by is None:
        d = dims(th.kind, th.size)
        r = max(d[0], d[1]) if yaw % 180 else None
        lay.occupy(pos[0], pos[1], r or d[0], r or d[1])


def _is_placed(lay: Layout, k: int) -> bool:
    return any(p.thing == k for p in lay.placed)


# --------------------------------------------------------------------------- scenes

def _throw_scene(lay, things, it: Intent, held: dict[int, int]) -> None:
    """Shooter facing a hoop: rim 4.6 m ahead, so a real jump shot can make or miss."""
    hoop, shooter, ball = it.goal, it.subject, it.obj
    s = lay.stage
    hoop_x = -12.5 if s >= 12.5 else -(s - 0.3)
    rim_x = hoop_x + 0.38
    shooter_x = min(rim_x + 4.62, s - 0.5)
    _place(lay, things, hoop, 0, (hoop_x, 0.0, 0.0), yaw=0.0, fixed=True)
    if shooter is not None:
        _place(lay, things, shooter, 0, (shooter_x, 0.0, 0.0), yaw=180.0)
        sid = lay.ids[shooter][0]
        hx, hy, hz = _yaw_vec(180.0, HAND["person"])
        _place(lay, things, ball, 0, (shooter_x + hx, hy, 1.2), held_by=sid)
        held.pop(ball, None)
    else:
        _place(lay, things, ball, 0, (shooter_x, 0.0, 1.2))


def _bowling(lay, things, pins: int, ball: int | None, bowler: int | None) -> None:
    """Ten-pin triangle (12-inch centres, head pin at the origin, rows toward +x); the ball
    4 m back, slightly off-centre so it hits the pocket side of the head pin."""
    n = things[pins].count
    row, k = 0, 0
    row_dx = PIN_SPACING * math.sqrt(3) / 2
    while k < n:
        for j in range(row + 1):
            if k >= n:
                break
            y = (row / 2 - j) * PIN_SPACING
            _place(lay, things, pins, k, (row * row_dx, y, 0.0))
            k += 1
        row += 1
    if ball is not None:
        for j in range(things[ball].count):
            _place(lay, things, ball, j, (-4.0, 0.03 + j * 0.4, 0.0))
    if bowler is not None:
        _place(lay, things, bowler, 0, (-4.6, 0.45, 0.0), yaw=0.0)


def _dominoes(lay, things, k: int) -> None:
    n = things[k].count
    sp = DOMINO_SPACING * (things[k].size or 1.0)
    x0 = -(n - 1) * sp / 2
    max_row = int((2 * lay.stage - 0.4) / sp) + 1
    for j in range(n):
        r, c = divmod(j, max_row)
        _place(lay, things, k, j, (x0 + c * sp if n <= max_row else -lay.stage + 0.2 + c * sp,
                                   0.3 * r, 0.0))


def _water(lay, things, ks: list[int], drop: set[int]) -> None:
    """Into the water region: spread along x over the water, a little above the surface."""
    w = ENVIRONMENTS[lay.env].water
    items = [(k, j) for k in ks for j in range(things[k].count)]
    lo_x, hi_x = w.lo[0], w.hi[0]
    cy = 0.0 if w.lo[1] <= 0 <= w.hi[1] else (w.lo[1] + 2.0)
    span = min(hi_x - lo_x, 8.0)
    cx = 0.0 if lo_x <= 0 <= hi_x else (lo_x + hi_x) / 2
    n = len(items)
    if lay.env == "water_tank" and n <= 2:
        xs = [0.0] if n == 1 else [-0.12, 0.12]
    else:
        margin = 0.1 * span
        step = (span - 2 * margin) / max(1, n - 1)
        step = min(step, 0.24 if span < 1 else 0.8)
        xs = [cx + (j - (n - 1) / 2) * step for j in range(n)]
    for (k, j), x in zip(items, xs):
        h = dims(things[k].kind, things[k].size)[2]
        z = w.level + (0.3 if k in drop else 0.1)
        if lay.env == "water_tank":
            z = w.level + 0.1 if k not in drop else w.level + 0.25
        _place(lay, things, k, j, (x, cy, max(z, w.level + 0.02)), occupy=True)
        del h


def _ramp(lay, things, ramp: int, riders: list[int]) -> None:
    """A plank pitched 20 degrees, low end on the floor at +x; riders start near the top,
    tilted with the slope, and roll or slide down toward +x."""
    half = dims("ramp", things[ramp].size)[0] / 2
    th = math.radians(RAMP_PITCH)
    z0 = half * math.sin(th)
    _place(lay, things, ramp, 0, (0.0, 0.0, z0), pitch=RAMP_PITCH, fixed=True)
    top = dims("ramp", things[ramp].size)[2]
    for n, k in enumerate(riders[:3]):
        lx_ = -half * 0.75
        x = lx_ * math.cos(th) + (top + 0.002) * math.sin(th)
        z = z0 - lx_ * math.sin(th) + (top + 0.002) * math.cos(th)
        _place(lay, things, k, 0, (x, (n - (len(riders[:3]) - 1) / 2) * 0.12, z),
               pitch=RAMP_PITCH, occupy=False)
    lay.info["ramp_riders"] = [lay.ids[k][0] for k in riders[:3]]


def _on_support(lay, things, sup: int, ks: list[int], edge: set[int], figures_on: list[int]):
    """Small things on a table top, pushed ones near its +x edge."""
    if not _is_placed(lay, sup):
        x, y = _free_spot(lay, *dims(things[sup].kind)[:2])
        _place(lay, things, sup, 0, (x, y, 0.0))
    sp = lay.get(lay.ids[sup][0])
    w, d, h = dims(things[sup].kind)
    items = [(k, j) for k in ks for j in range(things[k].count)]
    edge_items = [(k, j) for k, j in items if k in edge]
    rest = [(k, j) for k, j in items if k not in edge]
    x_edge = sp.pos[0] + w / 2
    for n, (k, j) in enumerate(edge_items):
        dx = dims(things[k].kind, things[k].size)[0]
        _place(lay, things, k, j, (x_edge - 0.1 - dx / 2, sp.pos[1] + (n - (len(edge_items) - 1)
                                                                         / 2) * 0.15, h),
               occupy=False)
        lay.info.setdefault("edge", {})[lay.ids[k][j]] = (x_edge - (x_edge - 0.1 - dx / 2))
    x = sp.pos[0] - w / 2 + 0.08
    yrow = sp.pos[1] - d / 4 if edge_items else sp.pos[1]
    for k, j in rest:
        dx = dims(things[k].kind, things[k].size)[0]
        if x + dx > sp.pos[0] + w / 2 - (0.3 if edge_items else 0.05):
            x = sp.pos[0] - w / 2 + 0.08
            yrow += 0.2
        _place(lay, things, k, j, (x + dx / 2, yrow, h), occupy=False)
        x += dx + 0.06
    for k in figures_on:  # a cat on the table, right behind what it pushes
        tx = edge_items and lay.get(lay.ids[edge_items[0][0]][edge_items[0][1]]).pos[0]
        _place(lay, things, k, 0, ((tx or sp.pos[0]) - 0.32, sp.pos[1], h), occupy=False)


def _free_spot(lay: Layout, dx: float, dy: float, near: float = 0.0) -> tuple[float, float]:
    s = lay.stage - 0.2
    for r in range(0, 60):
        for x, y in ((near + r * 0.25, 0.0), (near - r * 0.25, 0.0), (near + r * 0.25, 0.6 * r),
                     (near, 0.5 * r), (near, -0.5 * r), (near - r * 0.25, 0.6 * r)):
            if abs(x) + dx / 2 <= s and abs(y) + dy / 2 <= s and lay.free(x, y, dx + GAP,
                                                                          dy + GAP):
                return x, y
    return near, s * 0.9


def _rows(lay, things, ks: list[int], heights: dict[int, float]) -> None:
    """Remaining things: a row along x on free floor, stacks/pyramids built up in place."""
    groups = []
    for k in ks:
        th = things[k]
        d = dims(th.kind, th.size)
        if th.arrangement in ("stack", "pyramid") and th.count > 1:
            base = th.count if th.arrangement == "stack" else _pyr_base(th.count)
            width = d[0] if th.arrangement == "stack" else base * (d[0] + 0.004)
            groups.append((k, width, d[1], "stack"))
        else:
            for j in range(th.count):
                groups.append((k, d[0], d[1], j))
    if not groups:
        return
    total = sum(g[1] for g in groups) + GAP * 2 * (len(groups) - 1)
    limit = 2 * (lay.stage - 0.3)
    rows: list[list] = [[]]
    acc = 0.0
    for g in groups:
        if rows[-1] and acc + g[1] > limit:
            rows.append([])
            acc = 0.0
        rows[-1].append(g)
        acc += g[1] + 2 * GAP
    y = 0.0
    for row in rows:
        width = sum(g[1] for g in row) + 2 * GAP * (len(row) - 1)
        depth = max(g[2] for g in row)
        y = _free_row_y(lay, width, depth, y)
        x = -width / 2
        for k, dx, dy, j in row:
            cx = x + dx / 2
            if j == "stack":
                _stack(lay, things, k, cx, y)
            else:
                _place(lay, things, k, j, (cx, y, heights.get(k, 0.0)))
            x += dx + 2 * GAP
        y += depth + 0.3
    del total


def _free_row_y(lay, width, depth, y0) -> float:
    s = lay.stage
    for step in range(0, 40):
        for y in (y0 + step * 0.25, y0 - step * 0.25):
            if abs(y) + depth / 2 > s:
                continue
            if lay.free(0.0, y, width + GAP, depth + GAP):
                return y
    return y0


def _pyr_base(n: int) -> int:
    b = 1
    while b * (b + 1) // 2 < n:
        b += 1
    return b


def _stack(lay, things, k, cx, cy) -> None:
    th = things[k]
    dx, dy, dz = dims(th.kind, th.size)
    if th.arrangement == "stack":
        for j in range(th.count):
            _place(lay, things, k, j, (cx, cy, j * (dz + 0.001)), occupy=(j == 0))
        lay.info.setdefault("stacks", []).append(k)
        return
    base = _pyr_base(th.count)
    j = 0
    for level in range(base):
        n = base - level
        for c in range(n):
            if j >= th.count:
                return
            x = cx + (c - (n - 1) / 2) * (dx + 0.004)
            _place(lay, things, k, j, (x, cy, level * (dz + 0.001)), occupy=(level == 0))
            j += 1


# --------------------------------------------------------------------------- entry

def layout(things: list[Thing], intents: list[Intent], env: str) -> Layout:
    """Place every thing; returns the layout with ids and facts for the action builder."""
    lay = Layout(env)
    assign_ids(things, lay)
    held: dict[int, int] = {}     # thing -> holder thing
    for it in intents:
        if it.extra.get("holds") is not None and it.subject is not None:
            held.setdefault(it.extra["holds"], it.subject)
    env_obj = ENVIRONMENTS[env]

    # 1. exact-geometry scenes
    for it in intents:
        if it.intent == "throw" and it.goal is not None and things[it.goal].kind == "hoop" \
                and it.obj is not None and not _is_placed(lay, it.goal):
            _throw_scene(lay, things, it, held)
    pins = next((k for k, t in enumerate(things) if t.kind == "bowling_pin"), None)
    if pins is not None and not _is_placed(lay, pins):
        ball = next((k for k, t in enumerate(things) if t.kind == "bowling_ball"), None)
        bowler = next((it.subject for it in intents if it.intent in ("roll", "throw")
                       and it.subject is not None and things[it.subject].is_figure), None)
        if bowler is not None and ball is not None:
            held.pop(ball, None)
        _bowling(lay, things, pins, ball, bowler)
    for k, t in enumerate(things):
        if t.kind == "domino" and t.count > 1 and t.arrangement not in ("stack", "pyramid") \
                and not _is_placed(lay, k):
            _dominoes(lay, things, k)

    # 2. water: loose things go into the water where the place is a container of water
    floats = any(it.intent in ("float",) for it in intents)
    drop_into = {k for it in intents if it.intent == "drop" for k in it.extra.get("targets", [])}
    if env_obj.water is not None and (env in ("water_tank", "bathtub") or floats):
        ks = [k for k, t in enumerate(things) if not t.is_figure and not _is_placed(lay, k)
              and not KINDS[t.kind].fixed and k not in held]
        if ks:
            _water(lay, things, ks, drop_into)
            lay.info["in_water"] = [e for k in ks for e in lay.ids[k]]

    # 3. a ramp and what rolls down it
    ramp = next((k for k, t in enumerate(things) if t.kind == "ramp"), None)
    if ramp is not None and not _is_placed(lay, ramp):
        riders = [k for it in intents if it.extra.get("ramp") == ramp
                  for k in it.extra.get("targets", []) if not _is_placed(lay, k)]
        if not riders:
            riders = [k for k, t in enumerate(things) if not t.is_figure and k != ramp
                      and not _is_placed(lay, k) and not KINDS[t.kind].fixed][:1]
        _ramp(lay, things, ramp, riders)

    # 4. a table (or counter) and what stands on it
    sup = next((k for k, t in enumerate(things) if t.kind in SUPPORTS), None)
    if sup is not None:
        edge = {k for it in intents if it.extra.get("edge_of") == sup
                for k in it.extra.get("targets", [])}
        small = [k for k, t in enumerate(things)
                 if not t.is_figure and not _is_placed(lay, k) and k != sup and k not in held
                 and max(dims(t.kind, t.size)) < 0.45 and not KINDS[t.kind].fixed
                 and (k in edge or any(it.extra.get("on") == sup for it in intents)
                      or k in _mentioned_on(intents, sup))]
        pushers = [it.subject for it in intents if it.intent == "push" and it.subject is not None
                   and things[it.subject].kind == "cat" and set(it.extra.get("targets", []))
                   & edge]
        _on_support(lay, things, sup, small, edge, pushers[:1])

    # 5. everything else: loose things in rows, figures next to what they act on
    heights: dict[int, float] = {}
    for it in intents:
        if it.intent in ("drop", "bounce") and not it.extra.get("edge_of"):
            h = it.extra.get("height") or (BOUNCE_HEIGHT if it.intent == "bounce" else
                                           DROP_HEIGHT)
            for k in it.extra.get("targets", []):
                heights.setdefault(k, h)
    rest = [k for k, t in enumerate(things) if not t.is_figure and not _is_placed(lay, k)
            and k not in held]
    _rows(lay, things, rest, heights)
    lay.info["heights"] = {e: h for k, h in heights.items() for e in lay.ids.get(k, [])}

    # figures: the actor stands behind its target facing +x; others stand aside
    for k, t in enumerate(things):
        if not t.is_figure or _is_placed(lay, k):
            continue
        for j in range(t.count):
            target = _target_of(intents, k, lay)
            d = dims(t.kind)
            if target is not None and j == 0:
                tp = lay.get(target)
                tdx = _extent_x(lay, target, things)
                want = tp.pos[0] - tdx / 2 - (0.25 if t.kind != "person" else 0.3) - d[0] / 2
                x, y = want, tp.pos[1]
                if not lay.free(x, y, d[0], d[1]):
                    x, y = _free_spot(lay, d[0], d[1], near=want)
                _place(lay, things, k, j, (x, y, 0.0), yaw=_face(x, y, tp.pos))
            else:
                x, y = _free_spot(lay, d[0], d[1], near=0.0 if not lay.rects else
                                  -1.2 - j * 0.8)
                _place(lay, things, k, j, (x, y, 0.0), yaw=0.0)

    # held things: in the holder's hand
    for k, holder in held.items():
        if _is_placed(lay, k) or holder is None or not _is_placed(lay, holder):
            continue
        hp = lay.get(lay.ids[holder][0])
        hand = HAND.get(things[holder].kind, (0.3, 0, 1.0))
        hx, hy, hz = _yaw_vec(hp.yaw, hand)
        for j in range(things[k].count):
            _place(lay, things, k, j, (hp.pos[0] + hx, hp.pos[1] + hy + j * 0.1,
                                       hp.pos[2] + hz), held_by=hp.id)
    # anything still unplaced (a held thing whose holder is missing)
    left = [k for k, t in enumerate(things) if not _is_placed(lay, k)]
    if left:
        _rows(lay, things, left, heights)
    # copies a scene builder left out ("shoots three balls" puts one in the hand): on the
    # floor at a free spot, so every id an action names exists
    done = {p.id for p in lay.placed}
    for k, t in enumerate(things):
        for j, eid in enumerate(lay.ids.get(k, [])):
            if eid not in done:
                d = dims(t.kind, t.size)
                x, y = _free_spot(lay, d[0], d[1], near=0.0)
                _place(lay, things, k, j, (x, y, 0.0))
    return lay


def _mentioned_on(intents: list[Intent], sup: int) -> set[int]:
    return {k for it in intents if it.extra.get("on") == sup for k in it.extra.get("targets", [])}


def _target_of(intents: list[Intent], k: int, lay: Layout) -> str | None:
    for it in intents:
        if it.subject == k:
            for t in it.extra.get("targets", []) + ([it.goal] if it.goal is not None else []):
                if t is not None and t in lay.ids and _is_placed(lay, t):
                    return lay.ids[t][0]
    return None


def _extent_x(lay: Layout, eid: str, things) -> float:
    p = lay.get(eid)
    return dims(p.kind, things[p.thing].size)[0]


def _face(x: float, y: float, target) -> float:
    dx, dy = target[0] - x, target[1] - y
    if abs(dx) < 1e-6 and abs(dy) < 1e-6:
        return 0.0
    return round(math.degrees(math.atan2(dy, dx)), 3)


def to_entities(lay: Layout, things: list[Thing]) -> list[Entity]:
    out = []
    for p in lay.placed:
        th = things[p.thing]
        size = None
        if th.size and not th.is_figure:
            size = tuple(min(50.0, max(0.001, round(v, 4))) for v in dims(th.kind, th.size))
        out.append(Entity(
            id=p.id, kind=p.kind, material=th.material, size=size,
            pose=Pose(position=tuple(round(v, 4) for v in p.pos),
                      rotation=(0.0, round(p.pitch, 3), round(p.yaw, 3))),
            color=th.color, fixed=p.fixed, held_by=p.held_by, label=th.words[:200] or None))
    return out


# --------------------------------------------------------------------------- into a made script
# Remixes and saved characters add things to a script that is already laid out: these work on
# its entity dicts (``WorldScript.model_dump()``), with the same floor plan as above.

def is_fixed(e: dict) -> bool:
    return e["fixed"] if e["fixed"] is not None else KINDS[e["kind"]].fixed


def floor_extent(e: dict) -> tuple[float, float, float]:
    """An entity's (x, y, z) extent on the floor plan: the box around it turned by its yaw."""
    dx, dy, dz = e["size"] or dims(e["kind"])
    yaw = math.radians(e["pose"]["rotation"][2])
    c, s = abs(math.cos(yaw)), abs(math.sin(yaw))
    return round(dx * c + dy * s, 6), round(dx * s + dy * c, 6), dz


def occupy_script(data: dict, lay: Layout, things: list[dict]) -> None:
    """Mark the floor plan of ``things`` and the paths the actions send things along."""
    where = {e["id"]: e["pose"]["position"] for e in data["entities"]}
    for e in things:
        x, y, _ = e["pose"]["position"]
        dx, dy, _ = floor_extent(e)
        lay.occupy(x, y, dx, dy)
    for a in data["actions"]:
        start = where.get(a.get("actor") if a["type"] == "throw" else a.get("target"))
        if start is None or a["type"] not in ("push", "roll", "kick", "throw"):
            continue
        if a.get("at") in where:
            end = where[a["at"]]
        else:
            d = a.get("direction") or (1.0, 0.0, 0.0)
            end = (start[0] + 1.5 * d[0], start[1] + 1.5 * d[1], 0.0)
        lay.occupy((start[0] + end[0]) / 2, (start[1] + end[1]) / 2,
                   abs(end[0] - start[0]) + 0.6, abs(end[1] - start[1]) + 0.6)


def free_floor(data: dict, e: dict, near: str | None = None
               ) -> tuple[float, float, float] | None:
    """The free floor spot nearest ``near`` (an entity id; else the scene's loose things) for
    entity ``e``: clear of everything standing, of the paths actions send things along and
    of water, inside the walls. None when the place is full."""
    env = ENVIRONMENTS[data["environment"]]
    lay = Layout(env.name)
    occupy_script(data, lay, [o for o in data["entities"] if not o["held_by"]])
    if env.water is not None:
        w = env.water
        lay.rects.append((w.lo[0] - 0.05, w.lo[1] - 0.05, w.hi[0] + 0.05, w.hi[1] + 0.05))
    walled = any(p.name.startswith("wall") for p in env.parts)
    bound = (lay.stage if walled else 25.0) - 0.2
    dx, dy, _ = floor_extent(e)
    cx, cy = scene_centre(data, near)
    for r in range(0, 80):
        ring = [(i, j) for i in range(-r, r + 1) for j in range(-r, r + 1) if max(abs(i), abs(j))
                == r]
        ring.sort(key=lambda ij: math.hypot(*ij))
        for i, j in ring:
            x, y = cx + i * 0.25, cy + j * 0.25
            if abs(x) + dx / 2 <= bound and abs(y) + dy / 2 <= bound and \
                    lay.free(x, y, dx + GAP, dy + GAP):
                return (round(x, 4), round(y, 4), 0.0)
    return None


def scene_centre(data: dict, near: str | None = None) -> tuple[float, float]:
    """Where entity ``near`` stands, else the middle of the scene's loose things and figures
    (not the furniture and fixtures around them)."""
    if near is not None:
        x, y, _ = next(e for e in data["entities"] if e["id"] == near)["pose"]["position"]
        return x, y
    loose = [e for e in data["entities"] if not e["held_by"] and (
        not is_fixed(e) or KINDS[e["kind"]].figure)] or data["entities"]
    if not loose:
        return 0.0, 0.0
    return (sum(e["pose"]["position"][0] for e in loose) / len(loose),
            sum(e["pose"]["position"][1] for e in loose) / len(loose))


def facing_scene(data: dict, pos, near: str | None = None) -> float:
    """The yaw (degrees) that turns a new figure at ``pos`` toward what it was put next to,
    else toward the scene."""
    cx, cy = scene_centre(data, near)
    return _face(pos[0], pos[1], (cx, cy))
