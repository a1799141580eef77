"""The planner: turn a prompt into a world script, and report how each word was understood.

:func:`plan` reads top to bottom:

1. check the prompt and the explicit arguments (``ScriptError`` for bad input);
2. if an LLM endpoint is configured, ask it for a script; on any failure fall through;
3. read the prompt with rules (:mod:`.parse`: things, counts, colours, materials, sizes,
   verbs, places; :mod:`.shot`: camera, lighting, style, duration);
4. match the noun phrases the rules left over with sentence embeddings (:mod:`.embed`,
   loaded only when needed);
5. decide who does what to what (:func:`.actions.attach`), fill in what verbs imply
   (a shot needs a ball and a hoop) and pick the place;
6. place everything (:mod:`.layout`) and turn verbs into timed actions
   (:func:`.actions.build`);
7. validate the script and return it with its grounding report.

Offline planning is deterministic for a prompt and seed.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import replace

from pydantic import ValidationError

from tenku.catalog import ENVIRONMENTS, KINDS
from tenku.planner import dialogue, embed, music, shots
from tenku.planner import shot as shotwords
from tenku.planner.actions import attach, build
from tenku.planner.layout import layout, to_entities
from tenku.planner.llm import LLMConfig, LLMFailed, request_script
from tenku.planner.parse import PLACE_PREPS, ARTICLES, Parsed, add_thing, parse
from tenku.planner.report import EXAMPLE_PROMPTS, Grounding, NothingToFilm, PlanResult
from tenku.script.io import ScriptError
from tenku.script.model import (FPS_CHOICES, MAX_PROMPT_CHARS, MAX_SECONDS, Camera, Lighting,
                                Shot, WorldScript, parse_size)

__all__ = ["plan", "PlanResult", "Grounding", "NothingToFilm", "LLMConfig", "EXAMPLE_PROMPTS"]

DEFAULT_DURATION = 4.0
DEFAULT_FPS = 24


def plan(prompt: str, *, seed: int = 0, duration: float | None = None, fps: int | None = None,
         size: str | None = None, style: str | None = None,
         llm: LLMConfig | None = None, characters=None) -> PlanResult:
    """Plan ``prompt`` into a :class:`WorldScript` plus its :class:`Grounding` report.

    ``characters`` (:class:`.cast.CastMember`): saved characters to put in the scene; the
    prompt names them by name."""
    t0 = time.perf_counter()
    _check_input(prompt, seed, duration, fps, size, style)
    casting = None
    if characters:
        from tenku.planner import cast

        prompt, casting = cast.prepare(prompt, characters)
    result = _plan(prompt, seed, duration, fps, size, style, llm)
    if casting is not None:
        result = cast.apply(result, casting)
    result.grounding.timing["plan_s"] = round(time.perf_counter() - t0, 4)
    return result


def _plan(prompt, seed, duration, fps, size, style, llm) -> PlanResult:
    failed = None
    if llm is not None:
        try:
            return _plan_llm(prompt, llm, seed, duration, fps, size, style)
        except LLMFailed as err:
            failed = str(err)
    segments = shots.split(prompt)
    said = []  # each shot's lines
    for seg in segments:
        seg.text, lines = dialogue.extract(seg.text)
        said.append(lines)
    spoken = [line for lines in said for line in lines]
    _people_for_names(segments, spoken)
    if spoken and not any(PERSON_RE.search(seg.text.lower()) for seg in segments):
        segments[-1].text += " . a person"  # somebody has to say it
    scene = " . ".join(seg.text for seg in segments)
    if len(segments) == 1:
        result = _plan_offline(scene, seed, duration, fps, size, style,
                               speed=(segments[0].speed, segments[0].speed_words))
        if spoken:
            result = _with_dialogue(result, prompt, spoken, duration)
    else:
        needs = [dialogue.needed_seconds([t for _, t in lines]) if lines else 0.0
                 for lines in said]
        seconds = shots.video_seconds(segments, duration, needs)
        result = _plan_offline(scene, seed, sum(seconds), fps, size, style,
                               segments=(segments, seconds))
        if spoken:
            starts = [v0 for v0, _ in result.script.shot_video_spans()]
            result = _with_dialogue(result, prompt, spoken, sum(seconds),
                                    at=[starts[k] for k, lines in enumerate(said) for _ in lines])
    beds = (("music", music.mood_of(scene)), ("weather", music.weather_of(scene)))
    for field_name, chosen in beds:
        if not chosen:
            continue
        data = result.script.model_dump()
        data[field_name] = chosen[0]
        result = PlanResult(WorldScript.model_validate(data), result.grounding)
        setattr(result.grounding, field_name, {"words": chosen[1], field_name: chosen[0]})
        used = set(chosen[1].lower().split())
        result.grounding.not_understood = [w for w in result.grounding.not_understood
                                           if not set(w.lower().split()) & used]
    if failed is not None:
        result.grounding.planner = f"offline (llm failed: {failed})"
    return result


def _people_for_names(segments: list[shots.Segment], spoken) -> None:
    """A screenplay speaker with a name ("MARY: ...") is a person of their own: where the
    name stands in the scene it becomes "a person", then "another person" for the next name,
    so two names give two people (and the lines go to them in order)."""
    names = [w for w in dict.fromkeys(w for w, _ in spoken) if w and w not in dialogue.PERSON_WORDS]
    first = not any(PERSON_RE.search(seg.text.lower()) for seg in segments)
    for name in names:
        pattern = re.compile(rf"\ba {re.escape(name)}\b", re.I)
        for seg in segments:
            if pattern.search(seg.text):
                seg.text = pattern.sub("a person" if first else "another person", seg.text, 1)
                first = False
                break


PERSON_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, dialogue.PERSON_WORDS))) + r")\b")


def _face_each_other(data: dict, speakers: set[str]) -> None:
    """People in a conversation turn toward the centre of the others (unless an action of
    theirs already decides which way they face)."""
    busy = {a.get("actor") for a in data["actions"]}
    people = [e for e in data["entities"] if e["id"] in speakers]
    if len(people) < 2:
        return
    for e in people:
        if e["id"] in busy:
            continue
        others = [o["pose"]["position"] for o in people if o is not e]
        cx = sum(p[0] for p in others) / len(others)
        cy = sum(p[1] for p in others) / len(others)
        x, y, _ = e["pose"]["position"]
        roll, pitch, _ = e["pose"]["rotation"]
        e["pose"]["rotation"] = (roll, pitch, round(math.degrees(math.atan2(cy - y, cx - x)), 2))


def _with_dialogue(result: PlanResult, prompt: str, spoken, duration: float | None,
                   at: list[float] | None = None) -> PlanResult:
    """Give each quoted line to the person it names (else the first person), and lengthen
    the video to fit the lines unless the caller fixed the duration. ``at``: for a
    multi-shot script, the video time of each line's shot (lines in one shot follow each
    other from a beat after its start)."""
    people = [e for e in result.script.entities if e.kind in dialogue.PERSON_KINDS]
    lines, rows, line_shots = [], [], []
    voiced: dict[str | None, object] = {}  # speaker word -> figure: two names, two people
    for i, (word, text) in enumerate(spoken):
        who = next((e for e in people if word and (e.id == word or e.id.startswith(word + "_")
                    or (e.label and word in e.label.lower()))), None) or voiced.get(word)
        if who is None:
            free = [e for e in people if e not in voiced.values()]
            who = free[0] if free and word else (people[0] if people else None)
        if who is None:
            result.grounding.not_understood.append(text)
            continue
        voiced.setdefault(word, who)
        line = {"speaker": who.id, "text": text}
        if at is not None:  # a beat after its shot starts, after the shot's earlier lines
            before = [x["text"] for x, k in zip(lines, line_shots) if k == at[i]]
            line["t"] = round(at[i] + 0.25 + (dialogue.needed_seconds(before) - 0.5
                                              if before else 0.0), 3)
        lines.append(line)
        line_shots.append(at[i] if at is not None else None)
        rows.append({"words": text, "speaker": who.id, "speaker_words": word or ""})
    data = result.script.model_dump()
    data["prompt"] = prompt
    data["dialogue"] = lines
    _face_each_other(data, {x["speaker"] for x in lines})
    need = dialogue.needed_seconds([x["text"] for x in lines])
    if duration is None and need > data["duration"] and at is None:
        if need > MAX_SECONDS:
            raise ScriptError(f"the dialogue needs about {need:.0f} s but a video is at most "
                              f"{MAX_SECONDS:g} s: shorten or drop some lines")
        data["duration"] = round(need, 1)
    try:
        script = WorldScript.model_validate(data)
    except ValidationError as err:
        raise ScriptError("the dialogue cannot be spoken: " + err.errors()[0]["msg"]) from None
    result.grounding.dialogue = rows
    return PlanResult(script, result.grounding)


# --------------------------------------------------------------------------- 1. input

def _check_input(prompt, seed, duration, fps, size, style) -> None:
    if not isinstance(prompt, str):
        raise ScriptError(f"the prompt must be text, got {type(prompt).__name__}")
    if not prompt.strip():
        raise ScriptError("the prompt is empty: describe a scene, e.g. "
                          f"{EXAMPLE_PROMPTS[0]!r}")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise ScriptError(f"the prompt is {len(prompt)} characters; the limit is "
                          f"{MAX_PROMPT_CHARS}")
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= 2**32 - 1:
        raise ScriptError(f"seed must be an integer from 0 to {2**32 - 1}, got {seed!r}")
    if duration is not None and not (0 < float(duration) <= MAX_SECONDS):
        raise ScriptError(f"duration must be more than 0 and at most {MAX_SECONDS} s")
    if fps is not None and fps not in FPS_CHOICES:
        raise ScriptError(f"fps must be one of {', '.join(map(str, FPS_CHOICES))}")
    if size is not None:
        try:
            parse_size(size)
        except ValueError as err:
            raise ScriptError(str(err)) from None
    if style is not None and (not isinstance(style, str) or not style.strip()):
        raise ScriptError("style must be a non-empty string")


# --------------------------------------------------------------------------- 2. llm

def _plan_llm(prompt, cfg, seed, duration, fps, size, style) -> PlanResult:
    script = request_script(prompt, cfg)
    data = script.model_dump(mode="json")
    data.update(prompt=prompt, seed=seed)
    for key, val in (("duration", duration), ("fps", fps), ("size", size), ("style", style)):
        if val is not None:
            data[key] = val
    try:
        script = WorldScript.model_validate(data)
    except Exception as err:  # pydantic ValidationError: the LLM's times exceed our duration
        raise LLMFailed(f"script invalid after applying arguments: {err}"[:300]) from None
    g = Grounding(planner="llm")
    g.entities = [{"words": e.label or "", "kind": e.kind, "ids": [e.id], "how": "llm",
                   "score": 1.0} for e in script.entities]
    g.actions = [{"words": "", **a.model_dump(mode="json")} for a in script.actions]
    g.environment = {"words": "", "name": script.environment, "how": "llm"}
    cam = script.shots[0].camera
    g.camera = {"framing": cam.framing, "angle": cam.angle, "rig": cam.rig, "how": "llm"}
    g.lighting = {"preset": script.lighting.preset, "how": "llm"}
    g.style = {"style": script.style, "words": []}
    return PlanResult(script, g)


# --------------------------------------------------------------------------- 3-7. offline

def _plan_offline(prompt, seed, duration, fps, size, style, speed: tuple[float, str] = (1.0, ""),
                  segments: tuple[list[shots.Segment], list[float]] | None = None) -> PlanResult:
    """``segments``: a multi-shot prompt's shots and their video seconds (``prompt`` is their
    words joined); ``speed``: a single shot's speed (slow motion, time-lapse) and the words
    that asked for it."""
    speed, speed_words = speed
    g = Grounding()
    p = parse(prompt)
    t = time.perf_counter()
    not_understood = list(p.ignored)
    not_understood += _ground_leftovers(p, g)
    g.timing["embed_s"] = round(time.perf_counter() - t, 4)
    attach(p)
    implied = _fill_implied(p)
    env, env_row = _choose_env(p)
    if not p.things and (p.env is None or p.env.get("weak")):
        raise NothingToFilm(prompt, not_understood)
    lay = layout(p.things, p.intents, env)
    entities = to_entities(lay, p.things)
    dur = float(duration) if duration is not None else (p.shot.duration or DEFAULT_DURATION)
    if duration is None and not p.shot.duration and speed < 1.0:
        dur = min(DEFAULT_DURATION * 2, MAX_SECONDS)  # slow motion: a little more to see
    if segments is None:
        actions, action_rows = build(p, lay, p.things, dur * speed)
        camera, cam_row = _camera(p, lay, actions)
        shot_list = [Shot(camera=camera, speed=speed, description=prompt[:200])]
        if speed != 1.0:
            cam_row.update(speed=speed, speed_words=speed_words)
    else:
        shot_list, actions, action_rows, cam_row = _shots(p, lay, *segments)
        g.shots = [{"words": seg.text[:200], "transition": seg.transition, "speed": seg.speed,
                    "speed_words": seg.speed_words, "seconds": round(sec, 3),
                    "camera_words": seg.camera_words}
                   for seg, sec in zip(*segments)]
        _check_one_place(segments[0])
    lighting, light_row = _lighting(p, env)
    by_words = shotwords.style_of(p.shot.style_words)
    used_style = style.strip() if style else (by_words or "realistic")
    size_ = size or ("720x1280" if p.shot.portrait else "1280x720")
    try:
        script = WorldScript(
            prompt=prompt, duration=dur, fps=fps or DEFAULT_FPS, size=size_, seed=seed,
            style=used_style, environment=env, lighting=lighting, entities=entities,
            actions=actions, shots=shot_list)
    except ValidationError as err:
        raise ScriptError("the shots do not fit together: " + err.errors()[0]["msg"]) from None
    script = WorldScript.model_validate(script.model_dump())

    g.entities = [_entity_row(th, lay.ids.get(k, []), implied.get(k)) for k, th in
                  enumerate(p.things)]
    g.actions = action_rows
    g.environment = env_row
    g.camera = cam_row
    g.lighting = light_row
    g.style = {"style": used_style, "words": p.shot.style_words,
               "how": "argument" if style else "words" if by_words else "default"}
    if p.shot.duration_words:
        g.style["duration_words"] = p.shot.duration_words
    if p.shot.orientation_words:
        g.style["orientation_words"] = p.shot.orientation_words
    if p.speed_words:
        g.style["speed_words"] = p.speed_words
    if p.drop_words:
        g.style["height_words"] = p.drop_words
    not_understood += [f"{w} (too many things)" for w in p.dropped_things[:5]]
    g.not_understood = list(dict.fromkeys(not_understood))
    return PlanResult(script, g)


def _shots(p: Parsed, lay, segments: list[shots.Segment], seconds: list[float]):
    """One :class:`Shot` per segment, back to back in world time, with each verb's action
    timed inside the shot whose words hold it."""
    bounds, first = [], 0
    for seg in segments:
        bounds.append(first)
        first += shots.token_count(seg.text)
    starts, t = [], 0.0
    for seg, sec in zip(segments, seconds):
        starts.append(t)
        t += sec * seg.speed

    def owner(pos: int) -> int:
        return max(k for k, b in enumerate(bounds) if b <= pos) if pos >= 0 else 0

    def window(pos: int) -> tuple[float, float]:
        k = owner(pos)
        return starts[k], seconds[k] * segments[k].speed

    actions, rows = build(p, lay, p.things, t, window)
    shot_list, cam_rows = [], []
    whole = p.shot
    for k, seg in enumerate(segments):
        mine = [a for a in actions if starts[k] <= a.t < starts[k] + seconds[k] * seg.speed]
        p.shot = replace(whole, camera=dict(seg.camera), camera_words=list(seg.camera_words),
                         follow_hint=None if seg.follow_hint is None
                         else bounds[k] + seg.follow_hint)
        cam, row = _camera(p, lay, mine or actions)
        if not seg.camera and k > 0 and shot_list[-1].camera == cam:
            cam = cam.model_copy(update={"framing": "medium" if cam.framing != "medium"
                                         else "wide"})  # an unmarked cut still shows a cut
            row["note"] = "no camera words: framed differently from the shot before"
        shot_list.append(Shot(id=f"shot_{k + 1}", start=round(starts[k], 6), camera=cam,
                              speed=seg.speed, transition=seg.transition,
                              description=seg.text[:200]))
        cam_rows.append(row)
    p.shot = whole
    return shot_list, actions, rows, {"shots": cam_rows, **cam_rows[0]}


def _check_one_place(segments: list[shots.Segment]) -> None:
    """One world has one place and one light: shots that name two are contradictory."""
    places = {}
    for k, seg in enumerate(segments):
        env = parse(seg.text).env
        if env and not env.get("weak"):
            places.setdefault(env["name"], k + 1)
    if len(places) > 1:
        (a, ka), (b, kb) = list(places.items())[:2]
        raise ScriptError(
            f"shot {ka} is set in {a.replace('_', ' ')} and shot {kb} in {b.replace('_', ' ')}: "
            "the shots of one video film one world in one place. Set every shot in one place, "
            "or make a video per place")
    lights = {}
    for k, seg in enumerate(segments):
        if seg.lighting:
            lights.setdefault(seg.lighting, k + 1)
    if len(lights) > 1:
        (a, ka), (b, kb) = list(lights.items())[:2]
        raise ScriptError(
            f"shot {ka} is lit for {a} and shot {kb} for {b}, with no time between them: the "
            "shots share one world and one light. Pick one time of day for the video")


def _ground_leftovers(p: Parsed, g: Grounding) -> list[str]:
    """Embedding-match the noun phrases the rules left; return the ones still unmatched."""
    phrases = list(dict.fromkeys(lo.words for lo in p.leftovers))
    if not phrases:
        return []
    ask = phrases[:embed.MAX_PHRASES]
    unmatched = phrases[embed.MAX_PHRASES:]
    if not embed.available():
        g.timing["embed_note"] = "embedding model not installed"
        return phrases
    try:
        matches = {m.phrase: m for m in embed.match(ask)}
    except Exception as err:  # a broken model install must not stop planning
        g.timing["embed_note"] = f"embedding failed: {type(err).__name__}"
        return phrases
    done: set[str] = set()
    for lo in p.leftovers:
        m = matches.get(lo.words)
        if m is None or lo.words in done:
            continue
        done.add(lo.words)
        j = lo.start - 1
        while j >= 0 and p.toks[j] in ARTICLES:
            j -= 1
        after_prep = j >= 0 and p.toks[j] in PLACE_PREPS
        env_ok = p.env is None or p.env.get("weak")
        if after_prep and env_ok and m.env_score >= embed.ENV_THRESHOLD \
                and m.env_score >= m.kind_score:
            p.env = {"words": lo.words, "name": m.env, "how": "embedding",
                     "score": m.env_score}
        elif m.kind_score >= embed.KIND_THRESHOLD and m.kind in KINDS:
            add_thing(p, m.kind, lo.words, lo.start, lo.pending, how="embedding",
                      score=m.kind_score)
        elif env_ok and m.env_score >= embed.ENV_BARE_THRESHOLD:
            p.env = {"words": lo.words, "name": m.env, "how": "embedding",
                     "score": m.env_score}
        else:
            unmatched.append(lo.words)
    return unmatched


_BALL_BY_CONTEXT = (("bowling", "bowling_ball"), ("soccer", "soccer_ball"),
                    ("tennis", "tennis_ball"), ("volleyball", "volleyball"),
                    ("golf", "golf_ball"), ("baseball", "baseball"),
                    ("pingpong", "ping_pong_ball"), ("beach", "beach_ball"),
                    ("basketball", "basketball"))


def _ball_kind(p: Parsed) -> str:
    intents = {it.intent for it in p.intents}
    if "kick" in intents:
        return "soccer_ball"
    if any(t.kind == "bowling_pin" for t in p.things):
        return "bowling_ball"
    if "throw" in intents and "basketball" in p.context:
        return "basketball"
    for ctx, kind in _BALL_BY_CONTEXT:
        if ctx in p.context:
            return kind
    if p.env and p.env["name"] in ("pool", "beach", "lake", "bathtub"):
        return "beach_ball"
    if p.env and p.env["name"] == "bowling_alley":
        return "bowling_ball"
    return "basketball"


def _new_thing(p: Parsed, kind: str, role: str = "") -> int:
    pend = {"count": None, "arrangement": None, "color": None, "material": None, "size": None,
            "another": True, "definite": False, "words": []}
    k = add_thing(p, kind, "", -1, pend, how="implied", score=1.0)
    p.things[k].positions = []
    if role:
        p.things[k].role_word = role
    return k


def _fill_implied(p: Parsed) -> dict[int, str]:
    """Add what verbs need but the prompt left out; returns thing -> "implied by" words."""
    implied: dict[int, str] = {}
    for th in p.things:
        if th.kind == "ball":
            th.kind = _ball_kind(p)
            th.how = th.how if th.how != "rule" else "rule (ball kind from context)"
    def find_or_add(kinds: tuple[str, ...], add_kind: str, words: str, role: str = "") -> int:
        k = next((k for k, t in enumerate(p.things) if t.kind in kinds), None)
        if k is None:
            k = _new_thing(p, add_kind, role)
            implied[k] = words
        return k

    def ensure_actor(it) -> None:
        if it.subject is None and not any(t.is_figure for t in p.things):
            it.subject = find_or_add((), "person", it.words, "player")

    for it in p.intents:
        if it.intent == "throw":
            if it.obj is None:
                it.obj = find_or_add(("basketball", "soccer_ball", "volleyball", "tennis_ball",
                                      "beach_ball", "baseball"), _ball_kind(p), it.words)
                it.extra["targets"] = [it.obj]
            ensure_actor(it)
            if it.subject is None:
                it.subject = next(k for k, t in enumerate(p.things) if t.is_figure)
            hoop_ctx = ("basketball" in p.context or p.things[it.obj].kind == "basketball"
                        or (p.env and p.env["name"] == "basketball_court"))
            if it.goal is None and hoop_ctx:
                it.goal = find_or_add(("hoop",), "hoop", it.words)
            if it.subject is not None:
                it.extra["holds"] = it.obj
        elif it.intent == "kick":
            if it.obj is None:
                it.obj = find_or_add(("soccer_ball",), "soccer_ball", it.words)
                it.extra["targets"] = [it.obj]
            ensure_actor(it)
        elif it.intent in ("bounce", "roll") and not it.extra.get("targets"):
            balls = [k for k, t in enumerate(p.things) if KINDS[t.kind].category == "ball"]
            if not balls and (it.subject is not None or not p.things):
                balls = [find_or_add((), _ball_kind(p), it.words)]
            it.extra["targets"] = balls[:1]
            it.obj = balls[0] if balls else None
            if it.intent == "roll" and it.goal is None:
                pins = next((k for k, t in enumerate(p.things) if t.kind == "bowling_pin"), None)
                it.goal = pins
    # bowling: a bowling ball and "pins"/"strike" go together
    if "bowling" in p.context and any(t.kind == "bowling_ball" for t in p.things) and not any(
            t.kind == "bowling_pin" for t in p.things) and any(
            it.intent == "roll" for it in p.intents):
        k = _new_thing(p, "bowling_pin")
        p.things[k].count = 10
        implied[k] = "bowling"
        for it in p.intents:
            if it.intent == "roll" and it.goal is None:
                it.goal = k
    if any(t.kind == "bowling_pin" for t in p.things):
        pins = next(k for k, t in enumerate(p.things) if t.kind == "bowling_pin")
        for it in p.intents:
            if it.intent in ("roll", "push", "throw") and it.goal == pins:
                it.intent = "roll"
    return implied


_IMPLIED_ENV = (("hoop", "basketball_court"), ("bowling_pin", "bowling_alley"))


def _choose_env(p: Parsed) -> tuple[str, dict]:
    if p.env is not None:
        row = {"words": p.env["words"], "name": p.env["name"], "how": p.env["how"]}
        if p.env["how"] == "embedding":
            row["score"] = p.env["score"]
        return p.env["name"], row
    kinds = {t.kind for t in p.things}
    intents = {it.intent for it in p.intents}
    for kind, env in _IMPLIED_ENV:
        if kind in kinds:
            return env, {"words": "", "name": env, "how": f"implied by {kind.replace('_', ' ')}"}
    if "space" in p.context:
        return "space_station", {"words": "", "name": "space_station",
                                 "how": "implied by astronaut"}
    if "float" in intents and any(it.words.startswith(("float", "bob", "drift", "sink"))
                                  for it in p.intents):
        return "water_tank", {"words": "", "name": "water_tank", "how": "implied by float"}
    if "kick" in intents:
        return "park", {"words": "", "name": "park", "how": "implied by kick"}
    return "studio", {"words": "", "name": "studio", "how": "default"}


def _camera(p: Parsed, lay, actions) -> tuple[Camera, dict]:
    cam = dict(p.shot.camera)
    row = {"words": p.shot.camera_words, **cam}
    if cam.get("rig") == "follow":
        follow = None
        if p.shot.follow_hint is not None:
            for k, th in enumerate(p.things):
                if any(pos >= p.shot.follow_hint for pos in th.positions) and lay.ids.get(k):
                    follow = lay.ids[k][0]
                    break
        if follow is None:
            movers = [getattr(a, "target", None) for a in actions]
            follow = next((m for m in movers if m), None)
        if follow is None:
            nonfig = [e.id for e in lay.placed if not KINDS[e.kind].figure]
            follow = nonfig[0] if nonfig else None
        if follow is None:
            cam["rig"] = "static"
            row["note"] = "nothing to follow"
        else:
            cam["follow"] = follow
            row["follow"] = follow
    return Camera(**cam), row


def _lighting(p: Parsed, env: str) -> tuple[Lighting, dict]:
    if p.shot.lighting:
        return Lighting(preset=p.shot.lighting), {"words": p.shot.lighting_words,
                                                  "preset": p.shot.lighting, "how": "rule"}
    look = ENVIRONMENTS[env].look
    preset = "studio" if env == "studio" else "indoor" if look.indoor else "day"
    return Lighting(preset=preset), {"words": "", "preset": preset, "how": "default"}


def _entity_row(th, ids: list[str], implied_by: str | None) -> dict:
    row = {"words": th.words, "kind": th.kind, "ids": ids,
           "how": f"implied by {implied_by!r}" if implied_by else th.how,
           "score": round(float(th.score), 3)}
    if th.count > 1:
        row["count"] = th.count
    for key in ("color", "material", "size", "arrangement"):
        if getattr(th, key):
            row[key] = getattr(th, key)
    if th.modifier_words:
        row["modifier_words"] = th.modifier_words
    return row
