"""Music words in a prompt ("a swelling orchestral score", "over a lo-fi beat", "tense") pick
the mood of the procedural score (see :mod:`tenku.audio.music`); weather words ("in the rain")
set the script's weather."""

from __future__ import annotations

import re

MOOD_WORDS = {
    "orchestral": ("swelling orchestral", "orchestral", "orchestra", "epic music", "epic score",
                   "cinematic score", "strings swell", "symphonic"),
    "lofi": ("lo-fi", "lofi", "lo fi", "chill beat", "chillhop", "hip hop beat", "hip-hop beat",
             "chill music"),
    "tense": ("tense", "suspense", "suspenseful", "thriller music", "ominous", "eerie",
              "menacing"),
    "upbeat": ("upbeat", "happy music", "cheerful music", "energetic music", "pop music",
               "dance music", "funky"),
    "calm": ("calm music", "peaceful music", "ambient music", "relaxing music", "soothing",
             "gentle music"),
    "sad": ("sad music", "melancholy", "melancholic", "somber", "sombre", "mournful",
            "sad piano"),
}
_PATTERNS = [(mood, w, re.compile(r"\b" + re.escape(w) + r"\b", re.I))
             for mood, words in MOOD_WORDS.items() for w in words]


def mood_of(prompt: str) -> tuple[str, str] | None:
    """(mood, the words that chose it) for the first music phrase in the prompt, or None."""
    hits = [(m.start(), -len(w), mood, m.group(0)) for mood, w, pat in _PATTERNS
            for m in [pat.search(prompt)] if m]
    if not hits:
        return None
    _, _, mood, words = min(hits)
    return mood, words


_RAIN = re.compile(r"\b(rain|raining|rains|rainy|rainstorm|downpour|drizzle|drizzling|storm|"
                   r"stormy|thunderstorm)\b", re.I)


def weather_of(prompt: str) -> tuple[str, str] | None:
    """("rain", the words) when the prompt says it rains, else None."""
    m = _RAIN.search(prompt)
    return ("rain", m.group(0)) if m else None
