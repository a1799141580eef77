"""Request and response shapes for the OpenAPI document at ``/docs`` (and for property-based
tests that generate requests from it). They mirror OpenAI's published Videos schemas; the
handlers parse bodies themselves (see ``forms``) because one endpoint takes both multipart
and JSON."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class ErrorBody(BaseModel):
    error: ErrorDetail


class VideoError(BaseModel):
    code: str
    message: str


class VideoResource(BaseModel):
    id: str
    object: Literal["video"] = "video"
    model: str
    status: Literal["queued", "in_progress", "completed", "failed"]
    progress: int
    created_at: int
    completed_at: int | None
    expires_at: int | None
    prompt: str | None
    size: str
    seconds: str
    remixed_from_video_id: str | None
    error: VideoError | None


class VideoList(BaseModel):
    object: Literal["list"] = "list"
    data: list[VideoResource]
    first_id: str | None
    last_id: str | None
    has_more: bool


class DeletedVideo(BaseModel):
    id: str
    object: Literal["video.deleted"] = "video.deleted"
    deleted: bool


class CharacterLook(BaseModel):
    shirt: str | None = Field(None, description="#rrggbb")
    pants: str | None = Field(None, description="#rrggbb")
    skin: str | None = Field(None, description="#rrggbb")
    hair: str | None = Field(None, description="#rrggbb")


class CharacterVoice(BaseModel):
    name: str = Field(..., description="an espeak-ng voice, e.g. en-us+f3")
    pitch: int
    rate: int


class Character(BaseModel):
    id: str
    object: Literal["character"] = "character"
    name: str
    created_at: int
    appearance: CharacterLook | None = Field(None, description="tenku: outfit and body colours")
    height: float | None = Field(None, description="tenku: metres")
    voice: CharacterVoice | None = Field(None, description="tenku: how the character sounds")


class ImageRef(BaseModel):
    image_url: str | None = Field(None, description="an http(s) URL or a base64 data URL")
    file_id: str | None = Field(None, description="not supported: tenku has no Files API")


class VideoRef(BaseModel):
    id: str


_PROMPT = Field(..., min_length=1, max_length=32000)


class CreateVideoJson(BaseModel):
    prompt: str = _PROMPT
    model: str | None = Field(None, description="sora-2 (default), sora-2-pro, tenku-sim, "
                              "tenku-sim-draft, tenku-sim-high")
    seconds: str | None = Field(None, description='"4", "8", "12", "16" or "20" for sora '
                                "models; 1-20 for tenku models; a JSON integer is accepted")
    size: str | None = Field(None, description="WxH, e.g. 720x1280 (default) or 1280x720")
    input_reference: ImageRef | None = None
    characters: list[str] | None = None
    style: str | None = Field(None, description="tenku's look preset (default realistic)")


class CreateVideoMultipart(BaseModel):
    prompt: str = _PROMPT
    model: str | None = None
    seconds: str | None = None
    size: str | None = None
    input_reference: bytes | None = Field(None, json_schema_extra={"format": "binary"})


class RemixBody(BaseModel):
    prompt: str = _PROMPT


class EditJson(BaseModel):
    prompt: str = _PROMPT
    video: VideoRef


class ExtendJson(BaseModel):
    prompt: str = _PROMPT
    seconds: str
    video: VideoRef


class CharacterMultipart(BaseModel):
    name: str = Field(..., min_length=1, max_length=80)
    video: bytes = Field(..., json_schema_extra={"format": "binary"})
    height: float | None = Field(None, description="tenku: metres, 0.5-2.5 (default 1.78)")
    shirt: str | None = Field(None, description="tenku: a colour name or #rrggbb; default: "
                              "read from the video")
    pants: str | None = Field(None, description="tenku: a colour name or #rrggbb")
    skin: str | None = Field(None, description="tenku: a colour name or #rrggbb")
    hair: str | None = Field(None, description="tenku: a colour name or #rrggbb")
    voice: str | None = Field(None, description="tenku: an espeak-ng voice, e.g. en-us+f3")
    voice_pitch: int | None = Field(None, description="tenku: 0-99")
    voice_rate: int | None = Field(None, description="tenku: words per minute, 80-450")


class WebhookCreate(BaseModel):
    name: str | None = None
    url: str
    event_types: list[Literal["video.completed", "video.failed"]]


def _inline(model: type[BaseModel]) -> dict:
    """The model's JSON Schema with nested models written in place: ``$defs`` references
    would resolve against the OpenAPI document's root, where they do not exist."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


def body(json_model: type[BaseModel] | None = None,
         multipart_model: type[BaseModel] | None = None) -> dict:
    """An ``openapi_extra`` request body taking either or both content types."""
    content = {}
    if json_model is not None:
        content["application/json"] = {"schema": _inline(json_model)}
    if multipart_model is not None:
        content["multipart/form-data"] = {"schema": _inline(multipart_model)}
    return {"requestBody": {"required": True, "content": content}}


ERRORS = {code: {"model": ErrorBody} for code in (400, 401, 404, 409, 413, 429)}
