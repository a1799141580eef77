"""Reading a request body the way OpenAI's API read it: ``multipart/form-data`` (what the SDK
always sends, with files and ``name[key]`` bracket fields) or ``application/json``, into one
dict of fields plus a dict of uploaded files. Size limits are enforced while reading."""

from __future__ import annotations

import json
import re

from fastapi import Request
from starlette.datastructures import UploadFile

from tenku.platform.errors import InvalidRequest

_BRACKET = re.compile(r"^([^\[\]]+)\[([^\[\]]*)\]$")


async def read_body(request: Request, max_bytes: int) -> tuple[dict, dict[str, bytes]]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        raw = await request.body()
        try:
            data = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise InvalidRequest(f"The request body is not valid JSON: {err}.",
                                 code="invalid_json") from None
        if not isinstance(data, dict):
            raise InvalidRequest("The JSON body must be an object.", code="invalid_json")
        return data, {}
    if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            form = await request.form(max_files=8, max_fields=200, max_part_size=max_bytes)
        except Exception as err:  # noqa: BLE001 - python-multipart raises several types
            if getattr(err, "status", None) == 413 or "TooLarge" in type(err).__name__:
                raise
            raise InvalidRequest(f"The form body could not be read: {err}.",
                                 code="invalid_form") from None
        fields: dict = {}
        files: dict[str, bytes] = {}
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[name] = await value.read()
                continue
            m = _BRACKET.match(name)
            if m and m.group(2):
                fields.setdefault(m.group(1), {})
                if isinstance(fields[m.group(1)], dict):
                    fields[m.group(1)][m.group(2)] = value
            elif m:  # name[] -> a list
                fields.setdefault(m.group(1), []).append(value)
            elif name in fields:
                prev = fields[name]
                fields[name] = (prev if isinstance(prev, list) else [prev]) + [value]
            else:
                fields[name] = value
        return fields, files
    raise InvalidRequest("Send the body as multipart/form-data or application/json "
                         f"(got Content-Type {ctype or 'none'!r}).", code="invalid_content_type")


def text_field(fields: dict, name: str, *, required: bool = False,
               lenient: bool = False) -> str | None:
    """A string field. ``lenient`` also takes a JSON number (``"seconds": 4``) as its text."""
    value = fields.get(name)
    if value is None:
        if required:
            raise InvalidRequest(f"'{name}' is required.", param=name,
                                 code="missing_required_parameter")
        return None
    if isinstance(value, str):
        return value
    if lenient and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise InvalidRequest(f"'{name}' must be a string, got {type(value).__name__}.",
                         param=name, code="invalid_type")
