"""Characters: a named person or creature, made from an uploaded video and kept for later
videos. Today the upload is checked, stored and given an id; what a character does in a video
comes with cameos (the ``characters`` field of a create is refused until a backend can)."""

from __future__ import annotations

import secrets
import time

from tenku.platform import uploads
from tenku.platform.errors import InvalidRequest, NotFound, storable
from tenku.platform.runtime import Runtime
from tenku.store.models import ApiKey, Character


def character_json(c: Character) -> dict:
    return {"id": c.id, "object": "character", "name": c.name, "created_at": int(c.created_at)}


class CharacterService:
    def __init__(self, rt: Runtime):
        self.rt = rt

    def create(self, key: ApiKey, *, name, video: bytes | None) -> dict:
        if not isinstance(name, str) or not name.strip() or len(name) > 80:
            raise InvalidRequest("'name' is required, 1 to 80 characters.", param="name",
                                 code="invalid_name")
        if video is None:
            raise InvalidRequest("'video' is required: upload a video of the character.",
                                 param="video", code="missing_video")
        upload = uploads.check_video(video)
        cid = "char_" + secrets.token_hex(12)
        blob = f"characters/{cid}/video{upload.suffix}"
        self.rt.blobs.put_bytes(blob, upload.data, upload.content_type)
        c = Character(id=cid, owner=key.id, name=name.strip(), blob=blob,
                      content_type=upload.content_type, created_at=time.time())
        try:
            with self.rt.db.session() as s:
                s.add(c)
        except Exception:
            self.rt.blobs.delete_prefix(f"characters/{cid}")  # nothing stored half-way
            raise
        return character_json(c)

    def get(self, key: ApiKey, character_id: str) -> dict:
        with self.rt.db.read() as s:
            c = s.get(Character, character_id) if storable(character_id) else None
            if c is None or c.owner != key.id:
                raise NotFound(f"No character found with id '{character_id}'.",
                               param="character_id", code="character_not_found")
            return character_json(c)
