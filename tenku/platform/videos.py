"""Videos as the OpenAI Videos API sees them: create, remix, edit, extend, retrieve, list,
delete, download. Every method takes the calling API key and only ever sees that key's
videos (another key's id is simply "not found").

A create either stores the video row *and* its job in one transaction or stores nothing;
uploads are checked before anything is written. Generation itself happens in a worker
(``platform.generation``).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from tenku.backends.registry import features
from tenku.jobs import JobQueue
from tenku.platform import uploads
from tenku.platform.errors import Conflict, InvalidRequest, NotFound, RateLimited, storable
from tenku.platform.runtime import Runtime
from tenku.platform.video_models import VideoModel, check_seconds, check_size, resolve
from tenku.platform.webhooks import enqueue_event
from tenku.safety import check_prompt
from tenku.script import MAX_PROMPT_CHARS
from tenku.store.models import ApiKey, Video

#: what a finished video stores: variant -> (file name, media type)
FILES = {"video": ("video.mp4", "video/mp4"), "thumbnail": ("thumbnail.webp", "image/webp"),
         "spritesheet": ("spritesheet.jpg", "image/jpeg"),
         "sidecar": ("world.json", "application/json"), "captions": ("captions.vtt", "text/vtt")}
_NO_SCRIPT = ("An uploaded video has no world script, and tenku can only {doing} videos it "
              "made (it continues or edits the script, not the pixels): pass "
              "video={{'id': 'video_...'}} for a video made here.")
#: the variants OpenAI's content endpoint serves
VARIANTS = ("video", "thumbnail", "spritesheet")
ACTIVE = ("queued", "in_progress")


@dataclass(frozen=True)
class Reference:
    """``input_reference`` as it arrived: uploaded bytes, an image URL, or a file id."""

    data: bytes | None = None
    image_url: str | None = None
    file_id: str | None = None


def video_json(v: Video) -> dict:
    """The OpenAI ``VideoResource`` of a row."""
    error = None
    if v.status == "failed":
        error = {"code": v.error_code or "generation_failed",
                 "message": v.error_message or "generation failed"}
    return {
        "id": v.id, "object": "video", "model": v.model, "status": v.status,
        "progress": int(v.progress), "created_at": int(v.created_at),
        "completed_at": int(v.completed_at) if v.completed_at else None,
        "expires_at": int(v.expires_at) if v.expires_at else None,
        "prompt": v.prompt, "size": v.size, "seconds": v.seconds,
        "remixed_from_video_id": v.remixed_from_video_id, "error": error,
    }


def check_prompt_text(prompt, param: str = "prompt") -> str:
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidRequest(f"'{param}' is required: describe the video in words.",
                             param=param, code="invalid_prompt")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidRequest(f"'{param}' is {len(prompt)} characters long; the limit is "
                             f"{MAX_PROMPT_CHARS}.", param=param, code="invalid_prompt")
    return prompt


def check_style(style: str | None) -> str | None:
    """The CLI's own style check, answered as an API error."""
    if style is None:
        return None
    from tenku.generate_api import check_options

    try:
        check_options(style=style)
    except ValueError as err:
        raise InvalidRequest(str(err).replace("--style", "'style'"), param="style",
                             code="invalid_style") from None
    return style


class VideoService:
    def __init__(self, rt: Runtime):
        self.rt = rt

    # -- reading ---------------------------------------------------------------------------
    def _owned(self, s: Session, key: ApiKey, video_id: str, param: str = "video_id") -> Video:
        v = s.get(Video, video_id) if storable(video_id) else None
        if v is None or v.owner != key.id:
            raise NotFound(f"No video found with id '{video_id}'.", param=param,
                           code="video_not_found")
        return v

    def get(self, key: ApiKey, video_id: str) -> dict:
        with self.rt.db.read() as s:
            return video_json(self._owned(s, key, video_id))

    def stage(self, key: ApiKey, video_id: str) -> tuple[dict, str | None]:
        """The resource plus the pipeline stage it is in (for server-sent events)."""
        with self.rt.db.read() as s:
            v = self._owned(s, key, video_id)
            return video_json(v), v.stage

    def list(self, key: ApiKey, *, after: str | None = None, limit: int = 20,
             order: str = "desc") -> dict:
        if order not in ("asc", "desc"):
            raise InvalidRequest(f"Invalid 'order' {order!r}: use 'asc' or 'desc'.",
                                 param="order", code="invalid_order")
        if not 0 <= limit <= 100:
            raise InvalidRequest(f"Invalid 'limit' {limit}: use 0 to 100.", param="limit",
                                 code="invalid_limit")
        desc = order == "desc"
        with self.rt.db.read() as s:
            q = select(Video).where(Video.owner == key.id)
            if after:
                cursor = self._owned(s, key, after, param="after")
                # a row-value comparison, so SQLite and PostgreSQL seek the
                # (owner, created_at, id) index instead of walking the key's whole list
                at = tuple_(Video.created_at, Video.id)
                mark = tuple_(cursor.created_at, cursor.id)
                q = q.where(at < mark if desc else at > mark)
            cols = (Video.created_at.desc(), Video.id.desc()) if desc else (Video.created_at,
                                                                            Video.id)
            rows = s.scalars(q.order_by(*cols).limit(limit + 1)).all()
        data = [video_json(v) for v in rows[:limit]]
        return {"object": "list", "data": data,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
                "has_more": len(rows) > limit}

    def content(self, key: ApiKey, video_id: str, variant: str,
                variants: tuple[str, ...] = VARIANTS) -> tuple[str, str, str]:
        """(blob key, media type, file name) of a finished video's file, one of ``variants``."""
        if variant not in variants:
            raise InvalidRequest(f"Invalid 'variant' {variant!r}: use one of "
                                 f"{', '.join(variants)}.", param="variant",
                                 code="invalid_variant")
        with self.rt.db.read() as s:
            v = self._owned(s, key, video_id)
            if v.status != "completed":
                what = (f"failed ({v.error_code})" if v.status == "failed"
                        else f"{v.status}, {v.progress}% done")
                raise Conflict(f"Video '{video_id}' has no content yet: it is {what}. Wait "
                               "until its status is 'completed'.", param="video_id",
                               code="video_not_ready")
            if v.expires_at and v.expires_at < time.time():
                raise NotFound(f"The files of video '{video_id}' expired at "
                               f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(v.expires_at))}.",
                               param="video_id", code="video_expired")
            blob = (v.files or {}).get(variant)
        name, media_type = FILES[variant]
        if not blob:
            raise NotFound(f"Video '{video_id}' has no {variant}.", param="variant",
                       code="variant_not_found")
        return blob, media_type, f"{video_id}-{name}"

    # -- writing ---------------------------------------------------------------------------
    def create(self, key: ApiKey, *, prompt, model: str | None = None, seconds=None,
               size: str | None = None, reference: Reference | None = None,
               characters: list[str] | None = None, style: str | None = None,
               remix_of: str | None = None) -> dict:
        """``style`` (a tenku look preset) and ``remix_of`` (the video, possibly another
        account's, that the new one remixes) are tenku's additions for the app, which only
        passes posted videos; the Videos API does not expose ``remix_of``."""
        prompt = check_prompt_text(prompt)
        m = resolve(model)
        size = check_size(m, size)
        seconds = check_seconds(m, seconds)
        style = check_style(style)
        image = self._check_reference(m, reference, size) if reference is not None else None
        cast = self._check_characters(key, m, characters) if characters else None
        return self._submit(key, m, prompt=prompt, size=size, seconds=seconds,
                            kind="remix" if remix_of else "create",
                            params={"style": style, "characters": cast}, parent=remix_of,
                            image=image)

    def remix(self, key: ApiKey, video_id: str, prompt) -> dict:
        """The source's world script edited as the prompt says ("make the ball blue and set
        it on the moon"), over the source's model, size, length and seed."""
        prompt = check_prompt_text(prompt)
        with self.rt.db.read() as s:
            src = self._completed(s, key, video_id, "video_id")
        return self._derive(key, src, prompt, "remix", "video_id")

    def edit(self, key: ApiKey, *, prompt, video_id: str | None = None,
             upload: bytes | None = None) -> dict:
        prompt = check_prompt_text(prompt)
        if upload is not None:
            uploads.check_video(upload)
            raise InvalidRequest(_NO_SCRIPT.format(doing="edit"), param="video",
                                 code="unsupported_feature")
        if not video_id:
            raise InvalidRequest("'video' is required: {'id': 'video_...'} or a file.",
                                 param="video", code="missing_video")
        with self.rt.db.read() as s:
            src = self._completed(s, key, video_id, "video")
        return self._derive(key, src, prompt, "edit", "video")

    def extend(self, key: ApiKey, *, prompt, seconds, video_id: str | None = None,
               upload: bytes | None = None) -> dict:
        prompt = check_prompt_text(prompt)
        if upload is None and not video_id:
            raise InvalidRequest("'video' is required: {'id': 'video_...'} or a file.",
                                 param="video", code="missing_video")
        if upload is not None:
            uploads.check_video(upload)
            raise InvalidRequest(_NO_SCRIPT.format(doing="extend"), param="video",
                                 code="unsupported_feature")
        with self.rt.db.read() as s:
            src = self._completed(s, key, video_id, "video")
        m = resolve(src.model)
        seconds = check_seconds(m, seconds)
        self._parent_script(src, "video")
        return self._submit(key, m, prompt=prompt, size=src.size, seconds=seconds,
                            kind="extension", params={"seed": src.params.get("seed", 0),
                                                      "style": src.params.get("style")},
                            parent=src.id)

    def delete(self, key: ApiKey, video_id: str) -> dict:
        """Delete a video; a queued or running job for it is cancelled in the same
        transaction, and its files are removed after the commit."""
        with self.rt.db.session() as s:
            v = self._owned(s, key, video_id)
            JobQueue.cancel(s, v.id)
            s.delete(v)
        self.rt.blobs.delete_prefix(f"videos/{video_id}")
        return {"id": video_id, "object": "video.deleted", "deleted": True}

    # -- helpers ---------------------------------------------------------------------------
    def _completed(self, s: Session, key: ApiKey, video_id, param: str) -> Video:
        v = self._owned(s, key, video_id, param=param)
        if v.status != "completed":
            raise Conflict(f"Video '{video_id}' is {v.status}; only a completed video can be "
                           "remixed, edited or extended.", param=param,
                           code="video_not_completed")
        return v

    def _parent_script(self, src: Video, param: str):
        """The source's world script, read from its sidecar: a remix edits it and an extension
        continues it, so a video without one (its files expired) cannot be either."""
        from tenku.script import script_from_data

        blob = (src.files or {}).get("sidecar")
        if not blob or self.rt.blobs.size(blob) is None:
            raise NotFound(f"The world script of video '{src.id}' is no longer kept (its files "
                           "expired), so it cannot be remixed, edited or extended.",
                           param=param, code="video_expired")
        data = b"".join(self.rt.blobs.iter_bytes(blob))
        return script_from_data(json.loads(data)["script"])

    def _derive(self, key: ApiKey, src: Video, prompt: str, kind: str, param: str) -> dict:
        """A remix or edit: the instruction is checked against the source's script now, so
        "make the dragon red" with no dragon is a 400 here rather than a failed video later."""
        from tenku.planner.edit import edit_script
        from tenku.script import ScriptError

        try:
            edit_script(self._parent_script(src, param), prompt)
        except ScriptError as err:
            raise InvalidRequest(str(err), param="prompt", code="nothing_to_edit") from None
        m = resolve(src.model)
        return self._submit(key, m, prompt=prompt, size=src.size, seconds=src.seconds,
                            kind=kind, params={"seed": src.params.get("seed", 0),
                                               "style": src.params.get("style"),
                                               "edits_parent": True},
                            parent=src.id)

    def _check_reference(self, m: VideoModel, ref: Reference, size: str) -> uploads.Upload:
        if ref.file_id is not None:
            raise InvalidRequest("'input_reference[file_id]' is not supported: tenku has no "
                                 "Files API. Upload the image as 'input_reference' or pass "
                                 "'input_reference[image_url]'.",
                                 param="input_reference", code="unsupported_feature")
        data = ref.data if ref.data is not None else uploads.read_image_url(
            ref.image_url or "", allow_private=self.rt.settings.fetch_private_urls)
        image = uploads.check_image(data, size)
        if "input_reference" not in features(m.backend):
            raise InvalidRequest(f"The '{m.backend}' backend behind {m.name} cannot use a "
                                 "reference image yet (image-to-video is planned); leave "
                                 "'input_reference' out.", param="input_reference",
                                 code="unsupported_feature")
        return image

    def _check_characters(self, key: ApiKey, m: VideoModel, ids: list[str]) -> list[dict]:
        """The key's characters as the video will cast them: a copy kept in its params
        (``params.characters``, :func:`tenku.platform.characters.cast_json` each), so the
        video is remade the same after a character changes or is deleted."""
        from tenku.platform.characters import CharacterService

        if len(ids) > 2:
            raise InvalidRequest(f"At most 2 'characters' per video; got {len(ids)}.",
                                 param="characters", code="too_many_characters")
        if len(set(ids)) != len(ids):
            raise InvalidRequest("'characters' names the same character twice; list each "
                                 "once.", param="characters", code="duplicate_characters")
        cast = CharacterService(self.rt).cast(key, ids)
        if "characters" not in features(m.backend):
            raise InvalidRequest(f"The '{m.backend}' backend cannot put characters in a video "
                                 "yet (cameos are planned); leave 'characters' out.",
                                 param="characters", code="unsupported_feature")
        return cast

    def _submit(self, key: ApiKey, m: VideoModel, *, prompt: str, size: str, seconds: str,
                kind: str, params: dict, parent: str | None = None,
                image: uploads.Upload | None = None) -> dict:
        """Queue the video. A reference image is kept as a blob the job reads
        (``params.image``) before the row exists, so a job never finds it missing."""
        settings = self.rt.settings
        now = time.time()
        video_id = "video_" + secrets.token_hex(16)
        extra = {"edits_parent": True} if params.get("edits_parent") else {}
        if params.get("characters"):
            extra["characters"] = params["characters"]
        if image is not None:
            extra["image"] = f"videos/{video_id}/input/reference{image.suffix}"
            self.rt.blobs.put_bytes(extra["image"], image.data, image.content_type)
        video = Video(id=video_id, owner=key.id, model=m.name,
                      status="queued", progress=0, prompt=prompt, size=size, seconds=seconds,
                      kind=kind, remixed_from_video_id=parent, created_at=now,
                      params={"backend": m.backend, "quality": m.quality,
                              "seed": params.get("seed", 0), "style": params.get("style"),
                              **extra},
                      files={})
        blocked = check_prompt(prompt, settings.blocked_terms)
        with self.rt.db.session() as s:
            if blocked:
                video.status, video.completed_at = "failed", now
                video.error_code, video.error_message = "moderation_blocked", blocked
                s.add(video)
                s.flush()
                enqueue_event(s, settings, key.id, "video.failed", video.id)
                return video_json(video)
            limit = key.max_concurrent_jobs or settings.max_concurrent_jobs
            active = s.scalar(select(func.count()).select_from(Video).where(
                Video.owner == key.id, Video.status.in_(ACTIVE)))
            if active >= limit:
                raise RateLimited(f"This key already has {active} videos queued or in progress "
                                  f"(its limit is {limit}); retry when one finishes.",
                                  retry_after=max(2.0, float(seconds)))
            s.add(video)
            s.flush()
            JobQueue.enqueue(s, kind="video", payload={}, video_id=video.id, owner=key.id,
                             priority=m.priority, max_attempts=settings.max_attempts)
            return video_json(video)
