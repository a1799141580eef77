"""``/v1/videos``: OpenAI's Videos endpoints, plus ``/v1/videos/{id}/events`` (server-sent
progress events, which OpenAI never had)."""

from __future__ import annotations

import asyncio
import json
import time

import anyio
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse

from tenku.api import schemas
from tenku.api.deps import Services, api_key, services
from tenku.api.forms import read_body, text_field
from tenku.platform.errors import InvalidRequest
from tenku.platform.videos import VARIANTS, Reference
from tenku.store.models import ApiKey

router = APIRouter(prefix="/v1", tags=["videos"])
RESOURCE = {"model": schemas.VideoResource, "description": "the video job"}


def _poll_header(response: Response, svc: Services) -> None:
    response.headers["openai-poll-after-ms"] = str(svc.settings.poll_after_ms)


def _reference(fields: dict, files: dict[str, bytes]) -> Reference | None:
    if "input_reference" in files:
        return Reference(data=files["input_reference"])
    ref = fields.get("input_reference")
    if ref is None:
        return None
    if isinstance(ref, dict):
        image_url, file_id = ref.get("image_url"), ref.get("file_id")
        if (image_url is None) == (file_id is None):
            raise InvalidRequest("'input_reference' needs exactly one of 'image_url' or "
                                 "'file_id'.", param="input_reference",
                                 code="invalid_input_reference")
        for name, value in (("image_url", image_url), ("file_id", file_id)):
            if value is not None and not isinstance(value, str):
                raise InvalidRequest(f"'input_reference[{name}]' must be a string.",
                                     param="input_reference", code="invalid_type")
        return Reference(image_url=image_url, file_id=file_id)
    raise InvalidRequest("'input_reference' must be an image file, or an object with "
                         "'image_url' or 'file_id'.", param="input_reference",
                         code="invalid_input_reference")


def _video_ref(fields: dict, files: dict[str, bytes]) -> tuple[str | None, bytes | None]:
    if "video" in files:
        return None, files["video"]
    ref = fields.get("video")
    if isinstance(ref, dict) and isinstance(ref.get("id"), str):
        return ref["id"], None
    if ref is None:
        return None, None
    raise InvalidRequest("'video' must be {'id': 'video_...'} or an uploaded video file.",
                         param="video", code="invalid_video")


def _characters(fields: dict) -> list[str] | None:
    value = fields.get("characters")
    if value is None:
        return None
    value = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in value):
        raise InvalidRequest("'characters' must be a list of character ids.",
                             param="characters", code="invalid_type")
    return value


@router.post("/videos", summary="Create a video", responses={200: RESOURCE, **schemas.ERRORS},
             openapi_extra=schemas.body(schemas.CreateVideoJson, schemas.CreateVideoMultipart))
async def create_video(request: Request, response: Response, key: ApiKey = Depends(api_key),
                       svc: Services = Depends(services)):
    fields, files = await read_body(request, svc.max_body)
    reference = _reference(fields, files)
    result = await anyio.to_thread.run_sync(lambda: svc.videos.create(
        key, prompt=text_field(fields, "prompt", required=True),
        model=text_field(fields, "model"), seconds=text_field(fields, "seconds", lenient=True),
        size=text_field(fields, "size"), reference=reference,
        characters=_characters(fields), style=text_field(fields, "style")))
    _poll_header(response, svc)
    return result


@router.get("/videos", summary="List videos", responses={200: {"model": schemas.VideoList},
                                                          **schemas.ERRORS})
def list_videos(after: str | None = None, limit: int = Query(20, ge=0, le=100),
                order: str = Query("desc", pattern="^(asc|desc)$"),
                key: ApiKey = Depends(api_key), svc: Services = Depends(services)):
    return svc.videos.list(key, after=after, limit=limit, order=order)


@router.get("/videos/{video_id}", summary="Retrieve a video",
            responses={200: RESOURCE, **schemas.ERRORS})
def retrieve_video(video_id: str, response: Response, key: ApiKey = Depends(api_key),
                   svc: Services = Depends(services)):
    result = svc.videos.get(key, video_id)
    _poll_header(response, svc)
    return result


@router.delete("/videos/{video_id}", summary="Delete a video (cancels it if unfinished)",
               responses={200: {"model": schemas.DeletedVideo}, **schemas.ERRORS})
def delete_video(video_id: str, key: ApiKey = Depends(api_key),
                 svc: Services = Depends(services)):
    return svc.videos.delete(key, video_id)


@router.get("/videos/{video_id}/content", summary="Download the video, thumbnail or spritesheet",
            description="OpenAI's variants, plus tenku's `sidecar` (the world script and what "
                        "happened, JSON) and `captions` (WebVTT, when there is dialogue).",
            response_class=Response, responses={
                200: {"content": {"video/mp4": {}, "image/webp": {}, "image/jpeg": {},
                                  "application/json": {}, "text/vtt": {}}},
                **schemas.ERRORS})
def video_content(video_id: str, variant: str = "video", key: ApiKey = Depends(api_key),
                  svc: Services = Depends(services)):
    blob, media_type, filename = svc.videos.content(key, video_id, variant,
                                                    VARIANTS + ("sidecar", "captions"))
    return blob_response(svc, blob, media_type, filename)


def blob_response(svc: Services, blob: str, media_type: str, filename: str) -> Response:
    """A stored file: from disk with range requests (video seeking), or streamed from S3."""
    path = svc.blobs.local_path(blob)
    if path is not None:
        return FileResponse(path, media_type=media_type, filename=filename,
                            content_disposition_type="inline")
    size = svc.blobs.size(blob)
    headers = {"content-disposition": f'inline; filename="{filename}"'}
    if size is not None:
        headers["content-length"] = str(size)
    return StreamingResponse(svc.blobs.iter_bytes(blob), media_type=media_type,
                             headers=headers)


@router.post("/videos/{video_id}/remix", summary="Remix a completed video with a new prompt",
             responses={200: RESOURCE, **schemas.ERRORS},
             openapi_extra=schemas.body(schemas.RemixBody, schemas.RemixBody))
async def remix_video(video_id: str, request: Request, response: Response,
                      key: ApiKey = Depends(api_key), svc: Services = Depends(services)):
    fields, _ = await read_body(request, svc.max_body)
    prompt = text_field(fields, "prompt", required=True)
    result = await anyio.to_thread.run_sync(lambda: svc.videos.remix(key, video_id, prompt))
    _poll_header(response, svc)
    return result


@router.post("/videos/edits", summary="Edit a completed video with a prompt",
             responses={200: RESOURCE, **schemas.ERRORS},
             openapi_extra=schemas.body(schemas.EditJson))
async def edit_video(request: Request, response: Response, key: ApiKey = Depends(api_key),
                     svc: Services = Depends(services)):
    fields, files = await read_body(request, svc.max_body)
    video_id, upload = _video_ref(fields, files)
    prompt = text_field(fields, "prompt", required=True)
    result = await anyio.to_thread.run_sync(lambda: svc.videos.edit(
        key, prompt=prompt, video_id=video_id, upload=upload))
    _poll_header(response, svc)
    return result


@router.post("/videos/extensions", summary="Extend a completed video",
             responses={200: RESOURCE, **schemas.ERRORS},
             openapi_extra=schemas.body(schemas.ExtendJson))
async def extend_video(request: Request, key: ApiKey = Depends(api_key),
                       svc: Services = Depends(services)):
    fields, files = await read_body(request, svc.max_body)
    video_id, upload = _video_ref(fields, files)
    prompt = text_field(fields, "prompt", required=True)
    seconds = text_field(fields, "seconds", required=True, lenient=True)
    return await anyio.to_thread.run_sync(lambda: svc.videos.extend(
        key, prompt=prompt, seconds=seconds, video_id=video_id, upload=upload))


#: tenku's optional fields on a character create (OpenAI's are ``name`` and ``video``)
CHARACTER_FIELDS = ("height", "shirt", "pants", "skin", "hair", "voice", "voice_pitch",
                    "voice_rate")


@router.post("/videos/characters", summary="Create a character from a video",
             responses={200: {"model": schemas.Character}, **schemas.ERRORS},
             openapi_extra=schemas.body(None, schemas.CharacterMultipart))
async def create_character(request: Request, key: ApiKey = Depends(api_key),
                           svc: Services = Depends(services)):
    """tenku also takes ``height`` (metres), ``shirt``/``pants``/``skin``/``hair`` (a colour
    name or #rrggbb; left out: read from the video) and ``voice`` (an espeak-ng voice such
    as en-gb+f3) with ``voice_pitch`` (0-99) and ``voice_rate`` (words per minute)."""
    fields, files = await read_body(request, svc.max_body)
    name = text_field(fields, "name", required=True)
    look = {f: fields[f] for f in CHARACTER_FIELDS if fields.get(f) not in (None, "")}
    return await anyio.to_thread.run_sync(lambda: svc.characters.create(
        key, name=name, video=files.get("video"), **look))


@router.get("/videos/characters/{character_id}", summary="Retrieve a character",
            responses={200: {"model": schemas.Character}, **schemas.ERRORS})
def get_character(character_id: str, key: ApiKey = Depends(api_key),
                  svc: Services = Depends(services)):
    return svc.characters.get(key, character_id)


@router.get("/videos/{video_id}/events", summary="Server-sent progress events",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}, **schemas.ERRORS})
async def video_events(video_id: str, key: ApiKey = Depends(api_key),
                       svc: Services = Depends(services)):
    """``event: progress`` with ``{video, stage}`` whenever status, stage or progress change,
    then one ``event: completed`` or ``event: failed`` and the stream ends. A comment line
    every 15 s keeps proxies from closing a quiet stream."""
    return await progress_stream(svc, key, video_id)


async def progress_stream(svc: Services, key: ApiKey, video_id: str) -> StreamingResponse:
    """The SSE stream of one video (checked to exist for ``key`` before it starts)."""
    first = await anyio.to_thread.run_sync(svc.videos.stage, key, video_id)  # 404 before 200

    async def stream():
        last, state, quiet = None, first, time.monotonic()
        while True:
            video, stage = state
            now = (video["status"], stage, video["progress"])
            if now != last:
                last, quiet = now, time.monotonic()
                payload = json.dumps({"video": video, "stage": stage})
                if video["status"] in ("completed", "failed"):
                    yield f"event: {video['status']}\ndata: {payload}\n\n"
                    return
                yield f"event: progress\ndata: {payload}\n\n"
            elif time.monotonic() - quiet > 15:
                quiet = time.monotonic()
                yield ": keep-alive\n\n"
            await asyncio.sleep(0.25)
            try:
                state = await anyio.to_thread.run_sync(svc.videos.stage, key, video_id)
            except Exception:  # noqa: BLE001 - deleted mid-stream
                yield 'event: deleted\ndata: {"id": "%s"}\n\n' % video_id
                return

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"cache-control": "no-cache", "x-accel-buffering": "no"})
