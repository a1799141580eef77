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
_SURROGATE = re.compile("[\ud800-\udfff]")


async def read_body(request: Request, max_bytes: int) -> tuple[dict, dict[str, bytes]]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        raw = await request.body()
        try:
            data = json.loads(raw or b"{}")
        except (ValueError, RecursionError) as err:
            # ValueError: malformed JSON, bytes that are not UTF-8, and also an integer
            # literal over Python's 4300-digit limit; RecursionError: arrays or objects nested
            # past the parser's depth. All are the client's body, not a server error.
            raise InvalidRequest(f"The request body is not valid JSON: {err}.",
                                 code="invalid_json") from None
        if not isinstance(data, dict):
            raise InvalidRequest("The JSON body must be an object.", code="invalid_json")
        _check_text(data)
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
        _check_text(fields)
        return fields, files
    raise InvalidRequest("Send the body as multipart/form-data or application/json "
                         f"(got Content-Type {ctype or 'none'!r}).", code="invalid_content_type")


def _check_text(fields: dict) -> None:
    """Refuse text no database can keep: a NUL character (PostgreSQL text cannot hold one) or
    an unpaired UTF-16 surrogate (JSON allows ``"\\ud800"``, but it cannot be encoded as
    UTF-8, so SQLite's driver fails on it). Without this a prompt, name, id or URL holding
    either is a 500 at the first write or lookup; the same 400 on every database instead.
    Walks nested values without recursion, so a deeply nested body cannot exhaust the stack."""
    for name, value in fields.items():
        todo = [value]
        while todo:
            v = todo.pop()
            if isinstance(v, str):
                if "\x00" in v or _SURROGATE.search(v):
                    raise InvalidRequest(f"'{name}' holds a NUL character or an unpaired "
                                         "surrogate; send plain UTF-8 text.", param=name,
                                         code="invalid_value")
            elif isinstance(v, dict):
                todo.extend(v.values())
            elif isinstance(v, list):
                todo.extend(v)


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
