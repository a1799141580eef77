"""``/api/provenance``: anyone may ask whether a clip is one of this server's videos.

Open without signing in (like a public "verify content credentials" page): a platform
checking an upload has no tenku account. Both take the clip as the multipart field ``file``
(the body limit applies) and answer what ``tenku verify`` / ``tenku lookup`` print with
``--json``, less the local file path of videos made with ``tenku generate`` on this machine
(nobody outside needs to learn the server's folders)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio
from fastapi import APIRouter, Depends, Request

from tenku.api import schemas
from tenku.api.deps import Services, services
from tenku.api.forms import read_body
from tenku.platform.errors import InvalidRequest

router = APIRouter(prefix="/api/provenance", tags=["provenance"], responses=schemas.ERRORS)
UPLOAD = {"requestBody": {"content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary"}}}}}}}


async def _with_upload(request: Request, svc: Services, work):
    _, files = await read_body(request, svc.max_body)
    data = files.get("file")
    if not data:
        raise InvalidRequest("Send the video as the multipart field 'file'.", param="file",
                             code="missing_file")

    def run():
        with tempfile.TemporaryDirectory(prefix="tenku-verify-") as tmp:
            path = Path(tmp) / "upload"
            path.write_bytes(data)
            try:
                return work(path)
            except ValueError as err:
                raise InvalidRequest(f"{err}".replace(str(path), "the file"), param="file",
                                     code="invalid_file") from None

    return await anyio.to_thread.run_sync(run)


def _public(match: dict | None) -> dict | None:
    return None if match is None else {k: v for k, v in match.items() if k != "path"}


@router.post("/verify", summary="C2PA verdict, watermark and matching video of a clip",
             openapi_extra=UPLOAD)
async def verify(request: Request, svc: Services = Depends(services)):
    result = await _with_upload(request, svc, svc.provenance.verify)
    return {**result, "match": _public(result["match"])}


@router.post("/lookup", summary="Find the video a clip was cut from, by fingerprint",
             openapi_extra=UPLOAD)
async def lookup(request: Request, svc: Services = Depends(services)):
    result = await _with_upload(request, svc, svc.provenance.lookup)
    return {**result, "matches": [_public(m) for m in result["matches"]]}
