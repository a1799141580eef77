"""Spoken dialogue: each line voiced offline by espeak-ng (Debian package ``espeak-ng``), one
distinct voice per speaker (a figure's own ``voice``, such as a saved character's, else the
next of :data:`VOICES`), laid out on the timeline.

Speech is made *before* the simulation because the speakers' mouths move with it: ``speak``
returns each line's samples, its start and end, and a loudness envelope the figures' jaws
follow. Lines without a time follow the previous one after a short beat; lines that overlap
or run past the end of the video are refused with the numbers to fix (the planner lengthens a
prompt's video to fit its dialogue instead).
"""

from __future__ import annotations

import functools
import hashlib
import io
import subprocess
import wave
from dataclasses import dataclass

import numpy as np
from pydantic import ValidationError
from scipy.signal import resample_poly

from tenku.script import ScriptError, WorldScript
from tenku.script.model import Voice

SAMPLE_RATE = 48000
FIRST_LINE_AT = 0.4  # s: when the first untimed line starts
BEAT = 0.3  # s: the pause before an untimed line
ENVELOPE_RATE = 100  # Hz: samples of the mouth-opening envelope

#: Distinct voices handed to speakers in order of first appearance: (espeak voice, pitch 0-99,
#: words per minute).
VOICES = [("en-us+m3", 45, 165), ("en-us+f3", 60, 170), ("en-gb+m1", 35, 160),
          ("en-us+f2", 70, 175), ("en-gb+m7", 50, 155), ("en-us+f4", 55, 165)]


def voice_for(key: str) -> Voice:
    """A voice picked from ``key`` (a character's id) alone: one of :data:`VOICES` with its
    pitch and rate nudged by other bits of the key's hash, so two characters almost never
    sound alike and one always sounds the same."""
    h = hashlib.sha256(key.encode()).digest()
    name, pitch, rate = VOICES[h[0] % len(VOICES)]
    return Voice(name=name, pitch=min(99, max(0, pitch + h[1] % 21 - 10)),
                 rate=rate + h[2] % 21 - 10)


@functools.cache
def _installed() -> tuple[frozenset[str], frozenset[str]] | None:
    """(languages, variants) espeak-ng knows, lower-case; None when it is not installed."""
    try:
        langs = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True,
                               timeout=30, check=True).stdout
        variants = subprocess.run(["espeak-ng", "--voices=variant"], capture_output=True,
                                  text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    rows = [line.split() for line in langs.splitlines()[1:] if line.split()]
    files = [line.split()[-1] for line in variants.splitlines()[1:] if line.split()]
    return (frozenset(r[1].lower() for r in rows),
            frozenset(f.rsplit("/", 1)[-1].lower() for f in files))


def check_voice(name: str) -> str:
    """``name`` if espeak-ng can speak with it (``LANG`` or ``LANG+VARIANT``, e.g. ``en-us``,
    ``en-gb+f3``), else ``ValueError`` saying what would do. espeak-ng itself quietly falls
    back to its default for an unknown variant, so both halves are checked here. Without
    espeak-ng installed only the form is checked (voicing says what is missing later)."""
    try:
        Voice(name=name)
    except ValidationError:
        raise ValueError(f"voice {name!r} is not an espeak-ng voice name: use LANG or "
                         "LANG+VARIANT in lower case, e.g. en-us, en-gb+f3, en-us+m7") from None
    known = _installed()
    if known is None:
        return name
    lang, _, variant = name.partition("+")
    if lang not in known[0]:
        near = sorted(x for x in known[0] if x.split("-")[0] == lang.split("-")[0])[:8]
        raise ValueError(f"espeak-ng has no language {lang!r}" + (
            f"; close ones: {', '.join(near)}" if near else "; `espeak-ng --voices` lists them"))
    if variant and variant not in known[1]:
        raise ValueError(f"espeak-ng has no voice variant {variant!r}; try one of m1-m8, "
                         "f1-f5, or see `espeak-ng --voices=variant`")
    return name


@dataclass
class Spoken:
    """A voiced line: mono samples at 48 kHz from ``start`` to ``end`` seconds, and the
    mouth-opening envelope (0..1 at ``ENVELOPE_RATE`` Hz from ``start``)."""

    index: int
    speaker: str
    text: str
    voice: str
    start: float
    end: float
    samples: np.ndarray
    envelope: np.ndarray

    def to_json(self) -> dict:
        return {"speaker": self.speaker, "text": self.text, "voice": self.voice,
                "start": round(self.start, 3), "end": round(self.end, 3)}



def _voice(text: str, voice: Voice) -> np.ndarray:
    name, pitch, wpm = voice.name, voice.pitch, voice.rate
    try:
        proc = subprocess.run(["espeak-ng", "-v", name, "-p", str(pitch), "-s", str(wpm),
                               "--stdout", "--", text], capture_output=True, timeout=30,
                              check=True)
    except FileNotFoundError:
        raise ScriptError("dialogue needs the Debian package espeak-ng "
                          "(apt-get install espeak-ng)") from None
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
        raise ScriptError(f"espeak-ng could not voice {text!r}: {err}") from None
    with wave.open(io.BytesIO(proc.stdout)) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768
    pcm = _trim(pcm)
    return resample_poly(pcm, SAMPLE_RATE, rate) if rate != SAMPLE_RATE else pcm


def _trim(x: np.ndarray, floor: float = 0.01) -> np.ndarray:
    """espeak pads lines with silence; cut it so captions and mouths start with the voice."""
    loud = np.flatnonzero(np.abs(x) > floor)
    return x[loud[0]:loud[-1] + 1] if len(loud) else x


def _envelope(x: np.ndarray) -> np.ndarray:
    hop = SAMPLE_RATE // ENVELOPE_RATE
    n = max(1, len(x) // hop)
    rms = np.sqrt((x[: n * hop].reshape(n, hop) ** 2).mean(axis=1))
    return np.clip(rms / (rms.max() or 1.0), 0.0, 1.0)


def speak(script: WorldScript) -> list[Spoken]:
    """Voice every dialogue line of ``script`` and place it on the timeline. A speaker with
    its own ``voice`` uses it; the others take :data:`VOICES` in order of first line."""
    voices: dict[str, Voice] = {}
    picked = 0
    out: list[Spoken] = []
    cursor = FIRST_LINE_AT
    for i, line in enumerate(script.dialogue):
        if line.speaker not in voices:
            own = script.entity(line.speaker).voice
            if own is None:
                name, pitch, rate = VOICES[picked % len(VOICES)]
                own, picked = Voice(name=name, pitch=pitch, rate=rate), picked + 1
            voices[line.speaker] = own
        samples = _voice(line.text, voices[line.speaker])
        start = line.t if line.t is not None else cursor
        end = start + len(samples) / SAMPLE_RATE
        if out and start < out[-1].end - 1e-6:
            raise ScriptError(
                f"dialogue[{i}] starts at {start:.2f} s, but dialogue[{i - 1}] is still being "
                f"spoken until {out[-1].end:.2f} s: start it later or leave its time out")
        if end > script.duration + 1e-6:
            raise ScriptError(
                f"dialogue[{i}] ({line.text[:40]!r}) ends at {end:.2f} s, after the video ends "
                f"({script.duration:g} s): make the video at least {end + 0.3:.1f} s long or "
                "shorten the line")
        out.append(Spoken(i, line.speaker, line.text, voices[line.speaker].name, start, end,
                          samples.astype(np.float32), _envelope(samples)))
        cursor = end + BEAT
    return out


def write_vtt(lines: list[Spoken], path) -> None:
    """Captions as WebVTT, one cue per line, with the speaker as the voice tag."""
    def ts(t: float) -> str:
        ms = int(round(t * 1000))
        return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"

    parts = ["WEBVTT", ""]
    for n, s in enumerate(lines, 1):
        parts += [str(n), f"{ts(s.start)} --> {ts(s.end)}", f"<v {s.speaker}>{s.text}", ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts))
