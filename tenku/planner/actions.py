"""Verb rules: which words mean which physical action, and how a verb becomes a script action.

A verb is read as an *intent* (what kind of event, who does it, to what, toward what); the
layout then decides where everything stands and :func:`build` turns intents into the
script's action objects with ids and times. Keeping intents separate from ids lets the same
verb rule serve "a ball rolls" (the ball is the target) and "a bowler rolls the ball" (the
bowler is the actor).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# intent -> inflected forms (single tokens or space-separated phrases)
VERBS: dict[str, tuple[str, ...]] = {
    "throw": ("throw", "throws", "threw", "thrown", "throwing", "toss", "tosses", "tossed",
              "tossing", "lob", "lobs", "lobbed", "shoot", "shoots", "shooting", "shoots at",
              "takes a shot", "take a shot", "dunk", "dunks", "dunking", "hurl", "hurls",
              "hurled", "fling", "flings", "flung", "pitch", "pitches", "pitched", "launches",
              "launch", "launched"),
    "release": ("lets go", "let go", "letting go", "releases", "release", "released",
                "releasing", "opens his hand", "opens her hand", "opens their hand",
                "opens its hand", "opens the hand", "open his hand", "open her hand",
                "opens his fingers", "opens her fingers", "loses grip", "loses his grip",
                "loses her grip", "lets slip", "lets it slip", "lets it go", "let it go",
                "unclenches", "opens his grip", "opens her grip"),
    "hold": ("holding", "holds", "hold", "held", "carrying", "carries", "carry", "grips",
             "gripping", "grasping", "grasps", "clutching", "clutches", "cradling"),
    "drop": ("drop", "drops", "dropped", "dropping", "falls", "fall", "falling", "fell",
             "fallen", "plummets", "plunges", "tumbles", "tumbling", "falls off", "fell off",
             "falls from", "fell from", "drops from", "dropped from", "falls down",
             "is dropped", "are dropped", "shatters", "shatter", "shattering", "smashes",
             "breaks", "break", "breaking", "crashes", "crash"),
    "bounce": ("bounce", "bounces", "bounced", "bouncing", "dribbles", "dribble",
               "dribbling"),
    "push": ("push", "pushes", "pushed", "pushing", "shove", "shoves", "shoved", "nudge",
             "nudges", "nudged", "flick", "flicks", "flicked", "swat", "swats", "swatted",
             "paws", "bats", "slide", "slides", "slid", "sliding", "skids", "glides",
             "knocks", "knock", "knocked", "knocks off", "pushes off", "hits", "hit",
             "strikes", "taps", "tap", "collides", "collide", "crashes into", "smashes into",
             "slams into", "slides across", "moves", "scoots"),
    "roll": ("roll", "rolls", "rolled", "rolling", "rolls down", "rolling down",
             "rolled down", "bowls", "bowl", "bowled", "bowling", "trundles"),
    "kick": ("kick", "kicks", "kicked", "kicking", "punts", "punt", "boots", "volleys",
             "strikes the ball"),
    "float": ("float", "floats", "floating", "floated", "bobs", "bobbing", "sinks", "sink",
              "sinking", "sank", "drifts", "drifting", "placed", "place", "placing", "put",
              "puts", "set", "sets", "lowered", "submerged", "dipped", "is placed",
              "are placed", "placed in", "put in", "dropped in", "dropped into"),
    "topple": ("topple", "topples", "toppled", "toppling", "tips over", "tipped over",
               "tip over", "falls over", "fell over", "fall over", "falling over",
               "knocks over", "knocked over", "knock over", "knocks down", "knocked down",
               "knock down", "collapses", "collapse", "collapsing", "cascade", "cascades",
               "cascading", "tumble down", "tumbles down", "falls down like dominoes",
               "tips", "keels over"),
    "stack": ("stacked", "stacks", "stack up", "piled", "piled up", "stacked up"),
    "spin": ("spin", "spins", "spinning", "spun", "twirls", "twirl", "twirling",
             "whirls", "whirling", "rotates", "rotating", "rotate", "pirouettes"),
}

MAKE_WORDS = ("makes", "made", "make", "scores", "scored", "score", "scoring", "swish",
              "swishes", "sinks it", "sinks the shot", "sinks", "sank", "nothing but net",
              "goes in", "went in", "drains", "buries", "dunks", "makes it", "hits the shot",
              "in the hoop", "through the hoop", "into the hoop", "into the basket",
              "through the net")
MISS_WORDS = ("misses", "missed", "miss", "missing", "bricks", "bricked", "airball", "airballs",
              "air ball", "off the rim", "off the backboard", "rims out", "clanks", "clanked",
              "rattles out", "bounces off the rim", "bounces off the backboard",
              "hits the rim", "hits the backboard", "bounces out")


def phrase_table() -> dict[str, str]:
    """Every verb form -> intent (longest phrases are matched first by the parser)."""
    out: dict[str, str] = {}
    for intent, forms in VERBS.items():
        for f in forms:
            out.setdefault(f, intent)
    return out


@dataclass
class Intent:
    """One understood verb. ``subject``/``obj``/``goal`` are thing indices (see parse.Thing)."""

    intent: str
    words: str
    pos: int
    subject: int | None = None
    obj: int | None = None
    goal: int | None = None
    outcome: str | None = None
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- who does what

_STRUCTURE = ("hoop", "ramp", "table", "counter", "coffee_table", "shelf", "chair")
_AGENTIVE = {"throw", "kick", "push", "release", "hold", "roll", "spin", "drop", "stack"}
_NON_AGENT_ALL = {"drop", "float", "topple", "spin", "bounce", "stack"}


def attach(p) -> None:
    """Fill each intent's subject (actor), targets, goal and relations from word order.

    The nearest thing before a verb is its subject; if that is a figure it is the actor and
    the first thing after the verb is the target ("a cat pushes a cup"); otherwise the things
    before the verb are the targets ("a tennis ball and a bowling ball are dropped"). A thing
    after "into/at/toward" is the goal; a table after "off" is an edge to push things over; a
    ramp is something to roll down.
    """
    from tenku.planner.parse import ARTICLES  # local: parse imports this module

    mentions = sorted((pos, k) for k, th in enumerate(p.things) for pos in th.positions)
    toks, clause = p.toks, p.clause
    intents = sorted(p.intents, key=lambda it: it.pos)
    for n, it in enumerate(intents):
        c = clause[it.pos] if it.pos < len(clause) else 0
        prev_pos = max((o.pos for o in intents[:n] if clause[o.pos] == c), default=-1)
        next_pos = min((o.pos for o in intents[n + 1:] if clause[o.pos] == c), default=10**9)
        before = [(pos, k) for pos, k in mentions if pos < it.pos]
        same = [(pos, k) for pos, k in before if clause[pos] == c]
        window = [(pos, k) for pos, k in same if pos > prev_pos] or same
        subj = (window or before or [(None, None)])[-1][1]
        after = [(pos, k) for pos, k in mentions if it.pos < pos < next_pos and clause[pos] == c]
        targets: list[int] = []
        for pos, k in after:
            th = p.things[k]
            j = pos - 1
            while j > it.pos and toks[j] in ARTICLES | {"of"} | set(th.modifier_words):
                j -= 1
            prep = toks[j] if j > it.pos else ""
            if th.kind == "ramp":
                it.extra["ramp"] = k
            elif th.kind in ("table", "counter", "coffee_table") and prep in (
                    "off", "from", "on", "onto", "across", "over", "along"):
                it.extra["edge_of" if prep in ("off", "from", "over") else "on"] = k
            elif th.kind in _STRUCTURE or prep in ("into", "toward", "towards", "at", "onto",
                                                   "against", "to", "through"):
                if it.goal is None:
                    it.goal = k
            elif not th.is_figure and not targets:
                targets.append(k)
        # things before that carry an "on the table" note
        actor = None
        if subj is not None and p.things[subj].is_figure:
            actor = subj
        elif it.intent in ("release", "hold"):
            figs = [k for _, k in before if p.things[k].is_figure]
            actor = figs[-1] if figs else None
        if actor is None and it.intent in _AGENTIVE | _NON_AGENT_ALL:
            pre = [k for _, k in window if not p.things[k].is_figure
                   and p.things[k].kind not in _STRUCTURE]
            if it.intent in _NON_AGENT_ALL or not targets:
                targets = list(dict.fromkeys(pre)) + targets if pre else targets
            targets = targets[:8]
        it.subject = actor
        it.obj = targets[0] if targets else None
        it.extra["targets"] = targets
        if it.intent == "hold" and actor is not None and targets:
            it.extra["holds"] = targets[0]
        if it.intent in ("release", "drop") and actor is not None and targets:
            it.extra["holds"] = targets[0]
            it.intent = "release"
        if it.intent == "throw" and actor is not None and targets:
            it.extra["holds"] = targets[0]
        if it.intent in ("drop", "bounce") and p.drop_height:
            it.extra["height"] = p.drop_height
    p.intents = intents


# --------------------------------------------------------------------------- script actions

#: When each kind of action happens (s); late enough to see the scene settle first.
TIMES = {"throw": 0.8, "release": 1.0, "drop": 0.5, "bounce": 0.3, "float": 0.3, "topple": 0.3,
         "roll": 0.2, "push": 0.5, "kick": 0.5, "spin": 0.3, "stack": 0.0}


def build(p, lay, things, duration: float, window=None) -> tuple[list, list[dict]]:
    """Script actions (one per target; the first verb that moves a thing wins) and the
    grounding rows describing them.

    ``window(token index) -> (start, seconds)``: for a multi-shot prompt, the world-time span
    of the shot whose words hold the verb, so each shot's action happens in that shot."""
    from tenku.script.model import (Drop, Kick, PlaceOnWater, Push, Release, Stack,
                                    Throw)

    acts: list = []
    rows: list[dict] = []
    moved: set[str] = set()
    span = {"start": 0.0, "seconds": duration}  # the verb's shot (the whole video by default)
    if window is not None:
        span["start"], span["seconds"] = window(0)

    def t_of(name: str) -> float:
        return round(span["start"] + min(TIMES[name], max(0.0, span["seconds"] * 0.5)), 3)

    def ids(k):
        return lay.ids.get(k, []) if k is not None else []

    def first(k):
        v = ids(k)
        return v[0] if v else None

    def row(it, **kw):
        r = {"words": it.words, "type": kw.pop("type")}
        r.update({k: v for k, v in kw.items() if v is not None})
        rows.append(r)

    speed = max(0.2, min(p.speed, 3.0))
    in_water = set(lay.info.get("in_water", []))
    riders = set(lay.info.get("ramp_riders", []))
    for it in p.intents:
        if window is not None:
            span["start"], span["seconds"] = window(it.pos)
        actor = first(it.subject)
        tgt_things = it.extra.get("targets", [])
        tgt = first(tgt_things[0]) if tgt_things else None
        goal = first(it.goal)
        kind = it.intent
        if kind == "hold":
            if tgt:
                row(it, type="hold", actor=actor, target=tgt)
            continue
        if kind == "release":
            if actor is None:
                continue
            held = [e.id for e in lay.placed if e.held_by == actor]
            if not held:
                continue
            acts.append(Release(actor=actor, t=t_of("release")))
            moved.update(held)
            row(it, type="release", actor=actor, target=held[0])
            continue
        if kind == "throw":
            if tgt is None or tgt in moved:
                continue
            if goal is None or goal == tgt:
                d = (-1.0, 0.0, 0.0) if actor and lay.get(actor).yaw == 180 else (1.0, 0.0, 0.0)
                acts.append(Kick(actor=None, target=tgt, direction=d, speed=round(6 * speed, 2),
                                 loft_deg=35.0, t=t_of("throw")))
                row(it, type="kick", actor=actor, target=tgt, note="thrown with nothing to aim "
                    "at: launched forward")
                if actor:
                    acts.append(Release(actor=actor, t=t_of("throw")))
            else:
                oc = p.outcome[1] if p.outcome else "make"
                acts.append(Throw(actor=actor, target=tgt, at=goal, outcome=oc,
                                  t=t_of("throw")))
                row(it, type="throw", actor=actor, target=tgt, at=goal, outcome=oc,
                    outcome_words=p.outcome[0] if p.outcome else None)
            moved.add(tgt)
            continue
        if kind == "stack":
            for k in tgt_things:
                if len(ids(k)) > 1:
                    acts.append(Stack(targets=ids(k), t=0.0))
                    row(it, type="stack", targets=ids(k))
            continue
        for k in tgt_things or []:
            if kind in ("topple", "push") and k in lay.info.get("stacks", []) and ids(k):
                top = ids(k)[-1]
                acts.append(Stack(targets=ids(k), t=0.0))
                acts.append(Push(target=top, direction=(1.0, 0.0, 0.0),
                                 speed=round(1.5 * max(speed, 1.0), 2), t=t_of("push")))
                moved.update(ids(k))
                row(it, type="push", target=top, note="the stack's top is shoved so it falls")
                continue
            for e in ids(k)[: (1 if kind in ("topple", "push", "roll", "kick") else 12)]:
                if e in moved:
                    continue
                a, r = _one(kind, it, e, actor, goal, lay, in_water, riders, speed, t_of)
                if a is None:
                    continue
                acts.append(a)
                moved.add(e)
                row(it, **r)
    # Water scenes: everything in the water is set down on it, even with no verb.
    for e in sorted(in_water - moved):
        acts.append(PlaceOnWater(target=e, t=t_of("float")))
        moved.add(e)
        rows.append({"words": "", "type": "place_on_water", "target": e,
                     "note": "in the water"})
    # Whatever was lifted for a drop and has no action yet falls.
    for e, h in lay.info.get("heights", {}).items():
        if e not in moved and h > 0:
            acts.append(Drop(target=e, t=t_of("drop")))
            moved.add(e)
    # A stack falls over from the top: a nudge at its bottom is pinned by the weight above.
    tops = {x: a.targets[-1] for a in acts if isinstance(a, Stack) for x in a.targets}
    for i, a in enumerate(acts):
        if a.type == "topple" and tops.get(a.target, a.target) != a.target:
            acts[i] = a.model_copy(update={"target": tops[a.target], "speed": max(a.speed, 1.0)})
            for r in rows:
                if r.get("type") == "topple" and r.get("target") == a.target:
                    r["target"] = tops[a.target]
    return acts, rows


def _one(kind, it, e, actor, goal, lay, in_water, riders, speed, t_of):
    from tenku.script.model import Drop, Kick, PlaceOnWater, Push, Roll, Spin, Topple

    if kind == "float":
        if e in in_water:
            return PlaceOnWater(target=e, t=t_of("float")), {"type": "place_on_water",
                                                             "target": e}
        return None, None
    if kind in ("drop", "bounce"):
        if e in riders:
            return Drop(target=e, t=t_of("roll")), {"type": "drop", "target": e,
                                                     "note": "released at the top of the ramp"}
        edge = lay.info.get("edge", {}).get(e)
        if edge is not None:
            sp = _edge_speed(edge) * max(speed, 1.0)
            return Push(actor=actor, target=e, direction=(1.0, 0.0, 0.0), speed=sp,
                        t=t_of("push")), {"type": "push", "target": e, "speed": sp,
                                          "note": "pushed over the edge"}
        if e in in_water:
            return Drop(target=e, t=t_of("drop")), {"type": "drop", "target": e}
        h = lay.info.get("heights", {}).get(e, 0.0)
        if h <= 0 and lay.get(e).pos[2] <= 0:
            return None, None
        return Drop(target=e, t=t_of("drop")), {"type": "drop", "target": e, "height": h}
    if kind == "topple":
        return Topple(target=e, direction=(1.0, 0.0, 0.0), t=t_of("topple")), {
            "type": "topple", "target": e, "direction": [1.0, 0.0, 0.0]}
    if kind == "spin":
        return Spin(target=e, rate=20.0 * speed, t=t_of("spin")), {"type": "spin", "target": e}
    if kind in ("push", "roll", "kick"):
        if e in riders:
            return Drop(target=e, t=t_of("roll")), {"type": "drop", "target": e,
                                                     "note": "released at the top of the ramp"}
        if e in in_water:
            return None, None
        edge = lay.info.get("edge", {}).get(e)
        pe = lay.get(e)
        direction = None
        at = goal if goal and goal != e else None
        if at is None:
            if actor is not None:
                ap = lay.get(actor)
                import math
                direction = (round(math.cos(math.radians(ap.yaw)), 4),
                             round(math.sin(math.radians(ap.yaw)), 4), 0.0)
            else:
                direction = (1.0, 0.0, 0.0)
        if kind == "kick":
            sp = round(min(8.0 * speed, 30.0), 2)
            return Kick(actor=actor, target=e, direction=direction, at=at, speed=sp,
                        t=t_of("kick")), {"type": "kick", "actor": actor, "target": e, "at": at,
                                          "speed": sp}
        if kind == "roll":
            sp = 7.0 if pe.kind == "bowling_ball" else 2.0
            sp = round(min(sp * speed, 30.0), 2)
            return Roll(actor=actor, target=e, direction=direction, at=at, speed=sp,
                        t=t_of("roll")), {"type": "roll", "actor": actor, "target": e, "at": at,
                                          "speed": sp}
        sp = _edge_speed(edge) if edge is not None else 1.5
        sp = round(min(sp * max(speed, 1.0 if edge is not None else 0.2), 30.0), 2)
        t = t_of("push") if actor is None else min(1.0, t_of("release"))
        return Push(actor=actor, target=e, direction=direction if edge is None else (1.0, 0, 0),
                    at=None if edge is not None else at, speed=sp, t=t), {
            "type": "push", "actor": actor, "target": e, "at": at, "speed": sp,
            "note": "pushed over the edge" if edge is not None else None}
    return None, None


def _edge_speed(distance: float) -> float:
    """Speed that slides a thing ``distance`` m past a table edge against friction ~0.5."""
    import math

    return round(max(1.2, 1.3 * math.sqrt(2 * 0.5 * 9.81 * (distance + 0.08))), 2)
