"""Word lists the rule-based planner matches against, built from the catalog.

The catalog's own ``synonyms`` are the single source of truth for what a kind, material or
place is called; this module only adds plural forms, a handful of extra words the catalog does
not carry (roles such as "astronaut", colour names, counts, camera and lighting terms) and the
function words that should never reach the embedding matcher or the "not understood" list.
Every phrase is stored as a tuple of tokens produced by :func:`tokens`, so matching is exact
token-sequence lookup, independent of punctuation and case.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from tenku.catalog import ENVIRONMENTS, KINDS, MATERIALS

_TOKEN = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*")


def normalize(text: str) -> str:
    """NFKC-fold and lower-case; curly apostrophes and dashes become ASCII so "bird’s-eye"
    and "bird's-eye" read the same."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return (text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-")
            .replace("\u2014", " "))


def tokens(text: str) -> list[str]:
    """Word tokens: letters/digits, keeping inner hyphens and apostrophes ("b-ball", "8-second")."""
    return _TOKEN.findall(normalize(text))


def plural(word: str) -> str:
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word]
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


_IRREGULAR_PLURALS = {
    "man": "men", "woman": "women", "child": "children", "person": "people", "mouse": "mice",
    "goose": "geese", "knife": "knives", "shelf": "shelves", "leaf": "leaves", "domino": "dominoes",
    "tomato": "tomatoes", "potato": "potatoes", "he": "he", "she": "she", "someone": "someone",
    "glass": "glasses", "dice": "dice", "hoops": "hoops",
}

#: Words the catalog lacks that name a kind; kept short and unambiguous.
EXTRA_KIND_WORDS: dict[str, str] = {
    "astronaut": "person", "cosmonaut": "person", "soccer player": "person",
    "football player": "person", "footballer": "person", "goalkeeper": "person",
    "basketballer": "person", "baller": "person", "bartender": "person", "scientist": "person",
    "worker": "person", "dude": "person", "gentleman": "person", "juggler": "person",
    "student": "person", "dancer": "person", "skater": "person", "baby": "person",
    "bowling pins": "bowling_pin", "pins": "bowling_pin", "skittles": "bowling_pin",
    "ball": "ball",  # generic: resolved from context (see parse.resolve_generic)
    "balls": "ball",
    "kitty cat": "cat", "puppy dog": "dog",
}

#: Words that refer back to an already-mentioned figure instead of adding one.
PRONOUNS = {"he", "she", "they", "him", "her", "someone", "somebody", "it"}

#: Catalog synonyms that are too ambiguous to add a thing on their own ("goal" in soccer is
#: not a basketball hoop; "board" is rarely a ramp in free text).
WEAK_KIND_WORDS = {"goal", "net", "board", "figure", "island", "chest", "pot"}

#: Environment synonyms that name a substance more often than a place ("a glass of water").
WEAK_ENV_WORDS = {"water", "ice", "sand", "space", "lane", "orbit", "field", "home", "house",
                  "room", "stage", "backdrop", "vacuum", "lab", "tub", "bath", "drum", "city",
                  "figure"}

#: Colour words -> hex. Applied only right before a thing ("a red ball").
COLORS: dict[str, str] = {
    "red": "#d62828", "green": "#2a9d3f", "blue": "#1f5fbf", "yellow": "#f2c80f",
    "orange": "#f07a16", "purple": "#7b3fa0", "violet": "#8a4fd0", "pink": "#f28ab2",
    "white": "#f2f2f2", "black": "#151515", "grey": "#808080", "gray": "#808080",
    "brown": "#7a4a24", "silver": "#c0c0c8", "cyan": "#22b8cf", "teal": "#158a8a",
    "navy": "#1b2a5e", "maroon": "#7a1f2b", "beige": "#d9c8a0", "magenta": "#d02090",
    "turquoise": "#30c8c0", "crimson": "#b01030", "lime": "#8ed12c", "golden": "#e0b030",
    "tan": "#c8a070",
}

#: Size words -> scale factor on the kind's real size.
SIZES: dict[str, float] = {
    "giant": 4.0, "gigantic": 4.0, "enormous": 4.0, "colossal": 5.0, "huge": 3.0,
    "massive": 3.0, "big": 1.5, "large": 1.5, "oversized": 2.0, "small": 0.6, "little": 0.6,
    "tiny": 0.3, "miniature": 0.25, "mini": 0.4, "teeny": 0.3, "itty-bitty": 0.3,
}

NUMBERS: dict[str, int] = {
    "one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
    "dozen": 12, "pair": 2, "couple": 2, "both": 2, "few": 3, "several": 4, "many": 8,
    "lots": 8, "bunch": 5,
}

#: "a line of X" / "a stack of X" ...: the arrangement and its default count.
ARRANGEMENTS: dict[str, str] = {
    "line": "line", "row": "line", "chain": "line", "trail": "line", "column": "stack",
    "stack": "stack", "tower": "stack", "pyramid": "pyramid", "pile": "pile", "heap": "pile",
    "group": "pile", "set": "pile", "cluster": "pile", "collection": "pile", "bunch": "pile",
}

#: Words that carry no content of their own; they never reach not_understood.
STOPWORDS = set("""
a an the and or but of to in on at into onto onto by with without for from as is are was were
be been being it its it's this that these those there here then than so very too just also
his her their our my your its he she they them him we i you me us some any each every all
another other same while when where which who whom whose what how why up down off over out
about around through across toward towards against after before during until upon inside
outside near next beside behind above below under underneath front back side top bottom
while one s t can will would should could may might must do does did has have had not no yes
lets let let's gets get got goes go going went come comes came make made makes being such
video clip scene footage movie film shot shots image picture camera view frame frames
seconds second sec secs s long slow fast quick quickly slowly gently softly hard suddenly
then finally again together both its onto via per like really almost nearly still
something thing things object objects stuff hand hands floor ground air
moment time first last very much more most less
""".split())

#: Adverbs that change push/roll/throw speed.
SPEED_WORDS = {"slowly": 0.6, "gently": 0.6, "softly": 0.6, "slow": 0.6, "lightly": 0.6,
               "fast": 1.5, "quickly": 1.3, "hard": 1.5, "forcefully": 1.6, "violently": 1.8}


def _phrase(s: str) -> tuple[str, ...]:
    return tuple(tokens(s))


@lru_cache(maxsize=1)
def kind_phrases() -> dict[tuple[str, ...], str]:
    """Token phrase -> kind name (or "ball" for the generic ball), plurals included."""
    out: dict[tuple[str, ...], str] = {}

    def add(words: str, name: str) -> None:
        p = _phrase(words)
        if not p:
            return
        out.setdefault(p, name)
        pl = p[:-1] + (plural(p[-1]),)
        out.setdefault(pl, name)

    for k in KINDS.values():
        add(k.name.replace("_", " "), k.name)
        for s in k.synonyms:
            add(s, k.name)
        if k.plural:
            add(k.plural, k.name)
    for w, name in EXTRA_KIND_WORDS.items():
        add(w, name)
    return out


@lru_cache(maxsize=1)
def env_phrases() -> dict[tuple[str, ...], str]:
    out: dict[tuple[str, ...], str] = {}
    for e in ENVIRONMENTS.values():
        for s in (e.name.replace("_", " "),) + e.synonyms:
            out.setdefault(_phrase(s), e.name)
    for s, name in {"swimming pool": "pool", "outer space": "space_station",
                    "zero g": "space_station", "the iss": "space_station",
                    "bowling": "bowling_alley", "moon's surface": "moon",
                    "lunar": "moon", "outdoors": "park", "outside": "park",
                    "grass": "park", "basketball hoop court": "basketball_court"}.items():
        out.setdefault(_phrase(s), name)
    out.pop(("outside",), None)  # "outside the box" is not a park
    return out


@lru_cache(maxsize=1)
def material_phrases() -> dict[tuple[str, ...], str]:
    out: dict[tuple[str, ...], str] = {}
    skip = {"court", "lane", "rink_ice", "paint", "flesh", "fur", "fruit", "water"}
    for m in MATERIALS.values():
        if m.name in skip:
            continue
        out.setdefault(_phrase(m.name), m.name)
        for s in m.synonyms:
            out.setdefault(_phrase(s), m.name)
    out[("metallic",)] = "steel"
    out[("wood",)] = "wood"
    return out


def max_phrase_len() -> int:
    return max(len(p) for d in (kind_phrases(), env_phrases(), material_phrases()) for p in d)


# --------------------------------------------------------------------------- edit instructions
# Words that only remix/extend instructions read (tenku.planner.edit); the prompt reader above
# does not use them, so adding here never changes how a prompt is planned.

def token_spans(text: str) -> list[tuple[str, int, int]]:
    """Like :func:`tokens`, with each token's character span in ``normalize(text)``, so that a
    regular expression matched on the normalised text can mark the tokens it covered."""
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(normalize(text))]


_SINGULARS = {pl: sg for sg, pl in _IRREGULAR_PLURALS.items() if pl != sg}


def singular(word: str) -> str:
    """The singular of a plural noun ("pins" -> "pin", "glasses" -> "glass"); other words as
    they are. Good enough for matching catalog nouns, not a general English stemmer."""
    if word in _SINGULARS:
        return _SINGULARS[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if re.search(r"(ss|x|z|ch|sh)es$", word):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


#: Colours an edit may ask for. "gold" is a colour in "make the pins gold" but a material in a
#: prompt's "a gold bar", so it is not in :data:`COLORS`.
EDIT_COLORS: dict[str, str] = {**COLORS, "gold": "#d4af37", "blond": "#e3c16f",
                               "blonde": "#e3c16f"}

#: Clothes and body parts of a person, by the :class:`~tenku.script.model.Appearance` field
#: their colour goes to ("give the man a red shirt", "make his pants blue").
GARMENTS: dict[str, str] = {
    "shirt": "shirt", "t-shirt": "shirt", "tshirt": "shirt", "jersey": "shirt",
    "jacket": "shirt", "hoodie": "shirt", "sweater": "shirt", "coat": "shirt", "blouse": "shirt",
    "uniform": "shirt", "dress": "shirt", "outfit": "shirt", "clothes": "shirt",
    "pants": "pants", "trousers": "pants", "jeans": "pants", "shorts": "pants",
    "skirt": "pants", "leggings": "pants", "hair": "hair", "skin": "skin",
}

#: "bigger", "shrink": factors on a thing's *current* size (:data:`SIZES` are on its real size).
SIZE_COMPARATIVES: dict[str, float] = {
    "bigger": 1.5, "larger": 1.5, "taller": 1.5, "enlarge": 1.5, "grow": 1.5,
    "smaller": 0.6, "tinier": 0.5, "shrink": 0.5,
}

#: "twice as big", "half the gravity": multiplying words.
MULTIPLIERS: dict[str, float] = {
    "half": 0.5, "halve": 0.5, "halved": 0.5, "twice": 2.0, "double": 2.0, "doubled": 2.0,
    "triple": 3.0, "tripled": 3.0, "thrice": 3.0, "quadruple": 4.0,
}

#: "roll it faster": factors on an action's speed (besides :data:`SPEED_WORDS`).
SPEED_COMPARATIVES: dict[str, float] = {"faster": 1.5, "quicker": 1.3, "harder": 1.5,
                                        "slower": 0.6, "softer": 0.6, "gentler": 0.6}
