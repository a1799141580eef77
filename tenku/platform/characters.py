"""Characters: a named person saved once (outfit and body colours, height, voice) and cast by
id in later videos, so the same figure looks and sounds the same in each.

One is made over the API from an uploaded video (``POST /v1/videos/characters``; colours the
request leaves out are read from the video, see :func:`appearance_from_video`) or with
``tenku character create`` (no video needed; owned by the data folder, not by an API key).
What is not given gets a default picked from the id (a shirt colour, a voice), stored with
the character so it never changes later. A video's params keep a copy of each character it
casts (:func:`cast_json`, read back by :meth:`tenku.planner.cast.CastMember.from_json`), so
a video made once is remade the same even if the character is deleted later.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import secrets
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import select

from tenku.planner.lexicon import COLORS
from tenku.platform import uploads
from tenku.platform.errors import InvalidRequest, NotFound, storable
from tenku.platform.runtime import Runtime
from tenku.script.model import Appearance, Voice
from tenku.store.models import ApiKey, Character

DEFAULT_HEIGHT = 1.78
HEIGHTS = (0.5, 2.5)  # metres
#: Shirts handed out by id when none is given: colours that stand out from each other.
_SHIRTS = ("red", "blue", "green", "yellow", "orange", "purple", "teal", "pink")
#: Bands of the frame's central column (fractions of the height from the top) read by
#: :func:`appearance_from_video`, for a person standing full-length in the middle.
BANDS = {"hair": (0.06, 0.13), "skin": (0.16, 0.24), "shirt": (0.34, 0.52),
         "pants": (0.62, 0.84)}
_SAMPLE_EVERY, _SAMPLE_FRAMES = 5, 8


def _quoted(field: str) -> str:
    return f"'{field}'"


def check_look(*, height=None, shirt=None, pants=None, skin=None, hair=None, voice=None,
               voice_pitch=None, voice_rate=None, label=_quoted) -> dict:
    """The given parts of a character's look, checked and normalised (colours to
    ``#rrggbb``, numbers to numbers); left-out ones are left out. Raises
    :class:`InvalidRequest` whose ``param`` is the field and whose message names it as
    ``label(field)`` says (the API quotes field names, the CLI shows its flags)."""
    out: dict = {}
    if height is not None:
        h = _number(height, float)
        if h is None or not HEIGHTS[0] <= h <= HEIGHTS[1]:
            raise InvalidRequest(f"{label('height')} must be a height in metres from "
                                 f"{HEIGHTS[0]:g} to {HEIGHTS[1]:g}, got {height!r}.",
                                 param="height", code="invalid_height")
        out["height"] = h
    for part, value in (("shirt", shirt), ("pants", pants), ("skin", skin), ("hair", hair)):
        if value is not None:
            out[part] = _color(value, label(part), part)
    if voice is not None:
        from tenku.audio.speech import check_voice

        try:
            out["voice"] = check_voice(voice)
        except ValueError as err:
            raise InvalidRequest(f"{label('voice')}: {err}.", param="voice",
                                 code="invalid_voice") from None
    for field, value, lo, hi in (("voice_pitch", voice_pitch, 0, 99),
                                 ("voice_rate", voice_rate, 80, 450)):
        if value is not None:
            n = _number(value, int)
            if n is None or not lo <= n <= hi:
                raise InvalidRequest(f"{label(field)} must be a whole number from {lo} to {hi}"
                                     f", got {value!r}.", param=field, code=f"invalid_{field}")
            out[field] = n
    return out


def _number(value, kind):
    """``value`` (a number, or its text from a form or the command line) as ``kind``, or
    None when it is not one (booleans, NaN and infinities are not numbers here)."""
    if isinstance(value, bool):
        return None
    try:
        n = kind(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        return None
    return n if math.isfinite(n) else None


def _color(value, shown: str, field: str) -> str:
    """A colour name from the planner's lexicon ("red", "navy") or ``#rrggbb``, as hex."""
    text = value.strip().lower() if isinstance(value, str) else ""
    if text in COLORS:
        return COLORS[text]
    try:
        return Appearance(**{field: text}).model_dump()[field]
    except ValueError:
        names = ", ".join(list(COLORS)[:10])
        raise InvalidRequest(f"{shown} must be a colour name ({names}, ...) or #rrggbb, got "
                             f"{value!r}.", param=field, code="invalid_color") from None


def _defaults(cid: str) -> dict:
    """What a character with id ``cid`` gets when nothing else is said: 1.78 m, a shirt
    and a voice picked from the id (so two characters look and sound apart)."""
    from tenku.audio.speech import voice_for

    v = voice_for(cid)
    shirt = COLORS[_SHIRTS[hashlib.sha256(cid.encode()).digest()[3] % len(_SHIRTS)]]
    return {"height": DEFAULT_HEIGHT, "shirt": shirt, "voice": v.name,
            "voice_pitch": v.pitch, "voice_rate": v.rate}


def appearance_from_video(path: Path) -> dict:
    """Guess a person's colours from a video: hair, skin, shirt and pants as ``#rrggbb``.

    The heuristic: take up to 8 frames from the first seconds (every 5th), keep the middle
    fifth of each frame's width, and take the per-channel median colour of four horizontal
    bands (:data:`BANDS`: hair near the top, then face, torso and legs), as they fall for
    someone standing full-length in the middle of the picture. It does not find the person:
    off-centre, cropped or crowded shots give the background's colours, and there is no
    lighting correction. Whatever the request states itself overrides the guess."""
    from tenku.media import decode_frames

    frames = list(itertools.islice(decode_frames(path, every=_SAMPLE_EVERY), _SAMPLE_FRAMES))
    if not frames:
        return {}
    h, w = frames[0].shape[:2]
    middle = np.stack([f[:, int(w * 0.4):max(int(w * 0.6), int(w * 0.4) + 1)] for f in frames])
    out = {}
    for part, (top, bottom) in BANDS.items():
        band = middle[:, int(h * top):max(int(h * bottom), int(h * top) + 1)].reshape(-1, 3)
        r, g, b = (int(x) for x in np.median(band, axis=0))
        out[part] = f"#{r:02x}{g:02x}{b:02x}"
    return out


def character_json(c: Character) -> dict:
    """OpenAI's character object (id, name, created_at) plus tenku's look and voice."""
    return {"id": c.id, "object": "character", "name": c.name, "created_at": int(c.created_at),
            **cast_json(c)}


def cast_json(c: Character) -> dict:
    """What casting needs of a character (:meth:`CastMember.from_json` reads it back); rows
    from before these columns existed get the id's defaults."""
    d = _defaults(c.id)
    return {"id": c.id, "name": c.name, "height": float(c.height or DEFAULT_HEIGHT),
            "appearance": {"shirt": c.shirt or d["shirt"], "pants": c.pants, "skin": c.skin,
                           "hair": c.hair},
            "voice": Voice(name=c.voice or d["voice"],
                           pitch=d["voice_pitch"] if c.voice_pitch is None else c.voice_pitch,
                           rate=d["voice_rate"] if c.voice_rate is None else c.voice_rate)
            .model_dump()}


class CharacterService:
    """Characters of an owner: an API key's id, or None for the data folder's own (the
    CLI's). Another owner's character is simply not found."""

    def __init__(self, rt: Runtime):
        self.rt = rt

    def create(self, key: ApiKey, *, name, video: bytes | None, **look) -> dict:
        """The API's create: ``video`` is required; ``look`` holds tenku's optional fields
        (height, shirt, pants, skin, hair, voice, voice_pitch, voice_rate) as sent."""
        name = _check_name(name)
        if video is None:
            raise InvalidRequest("'video' is required: upload a video of the character.",
                                 param="video", code="missing_video")
        given = check_look(**look)
        upload = uploads.check_video(video)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"upload{upload.suffix}"
            path.write_bytes(upload.data)
            seen = appearance_from_video(path)
        return self._save(key.id, name, {**seen, **given}, upload)

    def create_local(self, *, name, video: Path | None = None, **look) -> dict:
        """``tenku character create``: owned by the data folder; the video is optional (its
        colours fill in what the flags leave out). ``look`` is already checked."""
        name = _check_name(name)
        upload = None
        if video is not None:
            upload = uploads.check_video(Path(video).read_bytes())
            look = {**appearance_from_video(Path(video)), **look}
        return self._save(None, name, look, upload)

    def _save(self, owner: str | None, name: str, look: dict, upload) -> dict:
        cid = "char_" + secrets.token_hex(12)
        blob = f"characters/{cid}/video{upload.suffix}" if upload else None
        if upload:
            self.rt.blobs.put_bytes(blob, upload.data, upload.content_type)
        c = Character(id=cid, owner=owner, name=name, blob=blob,
                      content_type=upload.content_type if upload else None,
                      created_at=time.time(), **{**_defaults(cid), **look})
        try:
            with self.rt.db.session() as s:
                s.add(c)
        except Exception:
            self.rt.blobs.delete_prefix(f"characters/{cid}")  # nothing stored half-way
            raise
        return character_json(c)

    def get(self, key: ApiKey | None, character_id: str) -> dict:
        """``key`` None: the data folder's own view (the CLI sees every character)."""
        with self.rt.db.read() as s:
            return character_json(self._owned(s, key, character_id))

    def cast(self, key: ApiKey | None, ids: list[str]) -> list[dict]:
        """:func:`cast_json` of each id, in order; 404 naming the first unknown one."""
        with self.rt.db.read() as s:
            return [cast_json(self._owned(s, key, cid, param="characters")) for cid in ids]

    def list_all(self) -> list[dict]:
        """Every character in the store, oldest first (the CLI's listing)."""
        with self.rt.db.read() as s:
            rows = s.scalars(select(Character).order_by(Character.created_at, Character.id))
            return [{**character_json(c), "owner": c.owner} for c in rows]

    def delete(self, character_id: str) -> dict:
        """Remove a character and its video. Videos already made keep their copy."""
        with self.rt.db.session() as s:
            c = self._owned(s, None, character_id)
            s.delete(c)
        self.rt.blobs.delete_prefix(f"characters/{character_id}")
        return {"id": character_id, "object": "character.deleted", "deleted": True}

    @staticmethod
    def _owned(s, key: ApiKey | None, character_id, param: str = "character_id") -> Character:
        c = s.get(Character, character_id) if storable(character_id) else None
        if c is None or (key is not None and c.owner != key.id):
            raise NotFound(f"No character found with id '{character_id}'.", param=param,
                           code="character_not_found")
        return c


def _check_name(name) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 80:
        raise InvalidRequest("'name' is required, 1 to 80 characters.", param="name",
                             code="invalid_name")
    return name.strip()
