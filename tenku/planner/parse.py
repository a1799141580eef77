"""Phrase extraction: read the prompt's tokens into things, a place, verbs and leftovers.

One left-to-right pass with longest-match lookup in the lexicon. Modifiers (counts, colours,
materials, sizes, "a line of") accumulate until the noun they describe; a colour or material
word that is also a noun ("orange", "glass") is a modifier only when a noun follows. Repeated
mentions of the same kind ("a basketball ... the ball") are one thing unless a count or
"another" says otherwise, so ids stay stable. Whatever content is left is grouped into short
phrases for the embedding matcher (see :mod:`tenku.planner.embed`) and, failing that, the
grounding report's ``not_understood``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tenku.catalog import KINDS
from tenku.planner import lexicon as lx
from tenku.planner import shot as shotwords
from tenku.planner.actions import MAKE_WORDS, MISS_WORDS, Intent, phrase_table

MAX_TOKENS = 4000          # a 32k-char prompt is read in full up to this many words
MAX_THINGS = 40            # distinct things kept (further mentions are reported, not built)
ARTICLES = {"a", "an", "the", "some", "this", "that", "these", "those", "his", "her", "their",
            "my", "your", "our", "its"}
DEFINITE = {"the", "this", "that", "these", "those", "his", "her", "their", "my", "your", "our",
            "its"}
ANOTHER = {"another", "other", "second", "extra", "additional", "different"}
PLACE_PREPS = {"in", "into", "on", "onto", "at", "inside", "within", "under", "across",
               "through", "aboard"}


@dataclass
class Thing:
    """A group of identical things the prompt names ("three red balls" is one Thing, count 3)."""

    kind: str                    # catalog kind, or "ball" until context picks a ball kind
    words: str
    count: int = 1
    explicit_count: bool = False
    arrangement: str | None = None
    color: str | None = None
    material: str | None = None
    size: float | None = None
    how: str = "rule"
    score: float = 1.0
    role_word: str = ""          # the noun used ("player", "man") for readable figure ids
    positions: list[int] = field(default_factory=list)
    modifier_words: list[str] = field(default_factory=list)

    @property
    def is_figure(self) -> bool:
        k = KINDS.get(self.kind)
        return bool(k and k.figure)


@dataclass
class Leftover:
    start: int
    end: int
    words: str
    pending: dict


@dataclass
class Parsed:
    text: str
    toks: list[str]
    clause: list[int]
    things: list[Thing] = field(default_factory=list)
    env: dict | None = None
    intents: list[Intent] = field(default_factory=list)
    outcome: tuple[str, str] | None = None
    shot: shotwords.ShotWords | None = None
    leftovers: list[Leftover] = field(default_factory=list)
    drop_height: float | None = None
    drop_words: str = ""
    speed: float = 1.0
    speed_words: list[str] = field(default_factory=list)
    context: set[str] = field(default_factory=set)
    dropped_things: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def _clauses(text: str) -> tuple[list[str], list[int]]:
    """Tokens and, per token, the index of the clause (split at . , ; ! ? and newlines)."""
    toks: list[str] = []
    clause: list[int] = []
    c = 0
    pos = 0
    for m in lx._TOKEN.finditer(text):
        if re.search(r"[.,;!?\n:]", text[pos:m.start()]):
            c += 1
        toks.append(m.group(0))
        clause.append(c)
        pos = m.end()
        if len(toks) >= MAX_TOKENS:
            break
    return toks, clause


def _longest(toks: list[str], i: int, table: dict, maxlen: int) -> tuple[int, object]:
    for n in range(min(maxlen, len(toks) - i), 0, -1):
        v = table.get(tuple(toks[i:i + n]))
        if v is not None:
            return n, v
    # possessive "man's" reads as "man"
    t = toks[i]
    if t.endswith("'s") and table.get((t[:-2],)) is not None:
        return 1, table[(t[:-2],)]
    return 0, None


_CONTEXT_WORDS = {
    "basketball": "basketball", "hoop": "basketball", "hoops": "basketball", "dunk": "basketball",
    "dunks": "basketball", "court": "basketball", "rim": "basketball", "backboard": "basketball",
    "soccer": "soccer", "football": "soccer", "goal": "soccer", "kick": "soccer",
    "kicks": "soccer", "tennis": "tennis", "volleyball": "volleyball", "beach": "beach",
    "pool": "beach", "bowling": "bowling", "pins": "bowling", "golf": "golf",
    "baseball": "baseball", "ping": "pingpong", "pong": "pingpong", "space": "space",
    "astronaut": "space",
}

_DROP_HEIGHT = re.compile(
    r"from\s+(?:a\s+height\s+of\s+|about\s+|around\s+)?(\d{1,3}(?:\.\d+)?)\s*"
    r"(m|meters?|metres?|cm|centimeters?|centimetres?|ft|feet|foot)\b")


def _verbs(toks: list[str], used: set[int], p: Parsed) -> None:
    table = phrase_table()
    forms = sorted(table, key=lambda s: -len(s.split()))
    by_first: dict[str, list[str]] = {}
    for f in forms:
        by_first.setdefault(f.split()[0], []).append(f)
    has_throw = any(t in by_first and table.get(t) == "throw" for t in toks) or any(
        toks[i:i + 3] == ["takes", "a", "shot"] for i in range(len(toks)))
    if has_throw:  # "misses", "sinks", "off the rim" describe the shot's outcome
        outcome_forms = sorted([(w, "make") for w in MAKE_WORDS] + [(w, "miss") for w in
                                                                      MISS_WORDS],
                               key=lambda x: -len(x[0].split()))
        for i in range(len(toks)):
            for w, oc in outcome_forms:
                ws = w.split()
                if toks[i:i + len(ws)] == ws and not any(j in used for j in
                                                         range(i, i + len(ws))):
                    used.update(range(i, i + len(ws)))
                    if p.outcome is None:
                        p.outcome = (w, oc)
                    break
    kinds = lx.kind_phrases()
    maxlen = lx.max_phrase_len()
    for i, t in enumerate(toks):
        if i in used or t not in by_first:
            continue
        if _longest(toks, i, kinds, maxlen)[0] >= 2:
            continue  # "bowling ball", "spinning top": part of a name, not a verb
        for f in by_first[t]:
            ws = f.split()
            n = len(ws)
            if toks[i:i + n] != ws or any(j in used for j in range(i, i + n)):
                continue
            nxt = toks[i + n] if i + n < len(toks) else ""
            if nxt == "of" and table[f] in ("float", "stack", "roll", "drop"):
                break  # "a set of pins", "a roll of tape", "a drop of water"
            if t in ("tips", "set", "sets", "put", "puts") and nxt in ("", "and"):
                break
            used.update(range(i, i + n))
            p.intents.append(Intent(table[f], f, i))
            break


def parse(text: str) -> Parsed:
    norm = lx.normalize(text)
    toks, clause = _clauses(norm)
    p = Parsed(text=text, toks=toks, clause=clause)
    p.shot = shotwords.find(norm, toks)
    used = set(p.shot.used)
    m = _DROP_HEIGHT.search(norm)
    if m:
        val = float(m.group(1))
        unit = m.group(2)
        val = val / 100 if unit.startswith("c") else val * 0.3048 if unit.startswith("f") else val
        p.drop_height = min(max(val, 0.05), 10.0)
        p.drop_words = m.group(0)
        for i, t in enumerate(toks):
            if t == m.group(1) or (t == unit and i > 0 and toks[i - 1] == m.group(1)):
                used.add(i)
    for t in toks:
        if t in _CONTEXT_WORDS:
            p.context.add(_CONTEXT_WORDS[t])
    _verbs(toks, used, p)
    _walk(toks, used, p)
    return p


def _pending() -> dict:
    return {"count": None, "arrangement": None, "color": None, "material": None, "size": None,
            "another": False, "definite": False, "words": []}


def _leads_to_kind(toks: list[str], j: int, kinds: dict, maxlen: int) -> bool:
    for _ in range(4):
        if j >= len(toks):
            return False
        n, _v = _longest(toks, j, kinds, maxlen)
        if n:
            return True
        t = toks[j]
        if t in lx.COLORS or t in lx.SIZES or t in ("and", "-") or _longest(
                toks, j, lx.material_phrases(), 3)[0]:
            j += 1
            continue
        return False
    return False


def _walk(toks: list[str], used: set[int], p: Parsed) -> None:
    kinds = lx.kind_phrases()
    envs = lx.env_phrases()
    mats = lx.material_phrases()
    maxlen = lx.max_phrase_len()
    explicit_kind_words = {tuple(lx.tokens(s)) for k in KINDS.values() for s in k.synonyms}
    pend = _pending()
    n = len(toks)
    i = 0
    left_run: list[int] = []
    left_pend: dict | None = None

    def flush_left() -> None:
        nonlocal left_run, left_pend
        if left_run:
            for k in range(0, len(left_run), 4):
                chunk = left_run[k:k + 4]
                p.leftovers.append(Leftover(chunk[0], chunk[-1] + 1,
                                            " ".join(toks[j] for j in chunk),
                                            dict(left_pend or _pending())))
        left_run = []
        left_pend = None

    while i < n:
        t = toks[i]
        if i in used:
            flush_left()
            pend = _pending()
            i += 1
            continue
        if t in ARTICLES:
            flush_left()
            pend["definite"] = pend["definite"] or t in DEFINITE
            i += 1
            continue
        if t in ANOTHER:
            pend["another"] = True
            i += 1
            continue
        if t.isdigit() or t in lx.NUMBERS:
            if t.isdigit():
                pend["count"] = max(1, min(int(t[:4]), 200))
            else:
                pend["count"] = lx.NUMBERS[t]
            pend["words"].append(t)
            i += 1
            if i < n and toks[i] == "of":
                i += 1
            continue
        if t in lx.ARRANGEMENTS and i + 1 < n and toks[i + 1] == "of":
            pend["arrangement"] = lx.ARRANGEMENTS[t]
            pend["words"].append(f"{t} of")
            i += 2
            continue
        kl, kv = _longest(toks, i, kinds, maxlen)
        el, ev = _longest(toks, i, envs, maxlen)
        ml, mv = _longest(toks, i, mats, maxlen)
        cv = lx.COLORS.get(t)
        sv = lx.SIZES.get(t)
        modl = max(ml, 1 if (cv or sv) else 0)
        if modl and modl >= kl and _leads_to_kind(toks, i + modl, kinds, maxlen):
            if mv and ml == modl:
                pend["material"] = mv
            elif cv:
                pend["color"] = cv
            if sv:
                pend["size"] = sv
            pend["words"].append(" ".join(toks[i:i + modl]))
            i += modl
            continue
        if t in lx.PRONOUNS:
            figs = [k for k, th in enumerate(p.things) if th.is_figure]
            if figs and t in ("he", "she", "him", "her", "someone", "somebody", "they"):
                p.things[figs[-1]].positions.append(i)
                flush_left()
                pend = _pending()
                i += 1
                continue
            if t in ("he", "she", "someone", "somebody"):
                kl, kv = 1, "person"
            else:
                i += 1
                continue
        if kl and (kl > el or tuple(toks[i:i + kl]) in explicit_kind_words or not el):
            phrase = tuple(toks[i:i + kl])
            if len(phrase) == 1 and phrase[0] in lx.WEAK_KIND_WORDS and not _weak_kind_ok(
                    phrase, p):
                flush_left()
                p.ignored.append(phrase[0])
                i += kl
                continue
            flush_left()
            _mention(p, str(kv), " ".join(phrase), i, pend, plural=_is_plural(phrase, kinds))
            pend = _pending()
            i += kl
            continue
        if el:
            flush_left()
            phrase = tuple(toks[i:i + el])
            prev = [toks[j] for j in range(max(0, i - 2), i) if toks[j] not in ARTICLES]
            weak = " ".join(phrase) in lx.WEAK_ENV_WORDS
            if not weak or (prev and prev[-1] in PLACE_PREPS):
                cand = {"words": " ".join(phrase), "name": ev, "how": "rule", "score": 1.0,
                        "weak": weak}
                if p.env is None or (p.env.get("weak") and not weak):
                    p.env = cand
            pend = _pending()
            i += el
            continue
        if ml and i > 0 and toks[i - 1] in ("of", "from") and p.things:
            p.things[-1].material = mv
            p.things[-1].modifier_words.append(" ".join(toks[i - 1:i + ml]))
            i += ml
            continue
        if t in lx.SPEED_WORDS:
            p.speed *= lx.SPEED_WORDS[t]
            p.speed_words.append(t)
            i += 1
            continue
        if t in lx.STOPWORDS or not any(c.isalpha() for c in t) or len(t) < 2:
            if t not in ("and", "of"):
                flush_left()
            i += 1
            continue
        if left_pend is None:
            left_pend = dict(pend)
        left_run.append(i)
        pend = _pending()
        i += 1
    flush_left()


def _is_plural(phrase: tuple[str, ...], kinds: dict) -> bool:
    last = phrase[-1]
    if last in ("dominoes", "pins", "skittles", "balls", "people", "men", "women", "children"):
        return True
    if last.endswith("s") and not last.endswith("ss"):
        singular = phrase[:-1] + (last[:-1],)
        singular2 = phrase[:-1] + (last[:-2],)
        singular3 = phrase[:-1] + (last[:-3] + "y",)
        return any(s in kinds for s in (singular, singular2, singular3))
    return False


def _weak_kind_ok(phrase, p: Parsed) -> bool:
    """Ambiguous catalog words count only in their own context ("goal" on a court)."""
    if phrase in (("goal",), ("net",)):
        return "basketball" in p.context
    return False


_DEFAULT_COUNTS = {"line": 5, "stack": 3, "pyramid": 6, "pile": 5}


def add_thing(p: Parsed, kind: str, words: str, pos: int, pend: dict, *, plural: bool = False,
              how: str = "rule", score: float = 1.0) -> int:
    return _mention(p, kind, words, pos, pend, plural=plural, how=how, score=score)


def _mention(p: Parsed, kind: str, words: str, pos: int, pend: dict, *, plural: bool,
             how: str = "rule", score: float = 1.0) -> int:
    """Record one noun mention, merging with an earlier thing of the same kind."""
    count = pend["count"]
    explicit = count is not None
    if count is None:
        if pend["arrangement"]:
            count = 12 if kind == "domino" and pend["arrangement"] == "line" else \
                _DEFAULT_COUNTS[pend["arrangement"]]
        elif plural:
            count = {"bowling_pin": 10, "domino": 12}.get(kind, 3)
        else:
            count = 1
    limit = 60 if kind == "domino" else 24 if not KINDS.get(kind) or not KINDS[kind].figure else 6
    count = max(1, min(count, limit))
    target = None
    role = words.split()[-1] if words else kind
    figure = bool(KINDS.get(kind) and KINDS[kind].figure)
    if not pend["another"]:
        for k in range(len(p.things) - 1, -1, -1):
            th = p.things[k]
            same = th.kind == kind or (kind == "ball" and _is_ball(th.kind)) or (
                th.kind == "ball" and _is_ball(kind) and not th.explicit_count)
            if same and figure and th.role_word and role != th.role_word and \
                    role not in lx.PRONOUNS:
                continue  # "a chef ... a waiter": two people, not one
            if same:
                target = k
                break
    if target is not None:
        th = p.things[target]
        if th.kind == "ball" and kind != "ball":
            th.kind = kind
            th.words = words
        if explicit and count > th.count:
            th.count, th.explicit_count = count, True
        elif pend["arrangement"] and not th.arrangement:
            th.arrangement = pend["arrangement"]
            th.count = max(th.count, count)
        th.color = pend["color"] or th.color
        th.material = pend["material"] or th.material
        th.size = pend["size"] or th.size
        th.positions.append(pos)
        th.modifier_words += pend["words"]
        return target
    if len(p.things) >= MAX_THINGS:
        p.dropped_things.append(words)
        return len(p.things) - 1
    p.things.append(Thing(kind=kind, words=words, count=count, explicit_count=explicit,
                          arrangement=pend["arrangement"], color=pend["color"],
                          material=pend["material"], size=pend["size"], how=how, score=score,
                          role_word=role, positions=[pos], modifier_words=list(pend["words"])))
    return len(p.things) - 1


def _is_ball(kind: str) -> bool:
    k = KINDS.get(kind)
    return kind == "ball" or bool(k and k.category == "ball")
