"""The Videos API against OpenAI's published contract, and tenku's own OpenAPI under fuzzing.

1. A live ``tenku serve`` (SQLite, one in-process worker, a 1 MB body limit) answers real HTTP
   requests; every JSON body is validated with ``jsonschema`` against the component schemas
   of OpenAI's OpenAPI document (``tests/data/openai-videos-openapi.json``, a copy of the
   published spec): ``VideoResource``, ``VideoListResource``, ``DeletedVideoResource`` and
   ``VideoCharacterResource``. One video is made with ``sora-2`` at 1280x720 for 4 s so its
   model, size and seconds are inside OpenAI's enums, and is followed until it completes.
   Every refusal must be OpenAI's error envelope ``{"error": {message, type, param, code}}``
   with the status the official SDK maps to the right exception.
2. Schemathesis generates valid and invalid requests from tenku's own ``/openapi.json`` for
   every operation and sends them, with a valid key, to the app in-process (no workers, so
   nothing generates), once on SQLite and once on PostgreSQL: no request may get a 5xx, and
   every response must match what the document says.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import time
from pathlib import Path

import httpx
import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis import GenerationMode, checks

from live import Server, base_env, create_key, postgres_database

OPENAI = json.loads((Path(__file__).parent / "data" / "openai-videos-openapi.json").read_text())
_OPENAI_URI = "urn:tenku-test:openai-videos-openapi"
_REGISTRY = Registry().with_resource(_OPENAI_URI, Resource(contents=OPENAI,
                                                           specification=DRAFT202012))

# OpenAI's error envelope (the spec file describes errors only inside a video, as Error-2).
ERROR = {
    "type": "object", "required": ["error"], "additionalProperties": False,
    "properties": {"error": {
        "type": "object", "required": ["message", "type", "param", "code"],
        "additionalProperties": False,
        "properties": {"message": {"type": "string", "minLength": 1},
                       "type": {"type": "string", "minLength": 1},
                       "param": {"type": ["string", "null"]},
                       "code": {"type": ["string", "null"]}}}},
}

SORA = {"model": "sora-2", "size": "1280x720", "seconds": "4"}
TINY = {"model": "tenku-sim-draft", "size": "160x90", "seconds": "1"}


def openai_schema(name: str) -> jsonschema.Draft202012Validator:
    """A validator for ``#/components/schemas/<name>`` with its ``$ref``s resolved in the file."""
    assert name in OPENAI["components"]["schemas"], name
    return jsonschema.Draft202012Validator(
        {"$ref": f"{_OPENAI_URI}#/components/schemas/{name}"}, registry=_REGISTRY)


def conforms(body: dict, name: str) -> dict:
    openai_schema(name).validate(body)
    return body


def assert_error(resp: httpx.Response, status: int, code: str | None = None,
                 param: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    jsonschema.validate(body, ERROR)
    err = body["error"]
    if code is not None:
        assert err["code"] == code, err
    if param is not None:
        assert err["param"] == param, err
    return err


def form(fields: dict, files: dict | None = None) -> dict:
    """``httpx`` keyword arguments for a multipart/form-data body (what the SDK sends), even
    when there is no file in it."""
    parts = [(k, (None, str(v))) for k, v in fields.items()]
    parts += [(k, v) for k, v in (files or {}).items()]
    return {"files": parts}


def png(width: int, height: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buf, "PNG")
    return buf.getvalue()


class Api:
    """An httpx client for the live server, speaking as one of its keys."""

    def __init__(self, http: httpx.Client, keys: list[str]):
        self.http, self.keys = http, keys

    def __call__(self, method: str, path: str, key: int | None = 0, **kw) -> httpx.Response:
        headers = dict(kw.pop("headers", {}))
        if key is not None:
            headers["Authorization"] = f"Bearer {self.keys[key]}"
        return self.http.request(method, path, headers=headers, **kw)

    def ids(self, key: int = 0) -> set[str]:
        r = self("GET", "/v1/videos", key, params={"limit": 100})
        assert r.status_code == 200, r.text
        return {v["id"] for v in r.json()["data"]}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    data = tmp_path_factory.mktemp("contract")
    env = base_env(data, TENKU_EXECUTOR="inprocess", TENKU_MAX_BODY_MB="1",
                   TENKU_POLL_AFTER_MS="200")
    keys = [create_key(data, env), create_key(data, env)]
    server = Server(data, env, workers=1).start()
    try:
        with httpx.Client(base_url=server.url, timeout=60.0) as http:
            yield Api(http, keys)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def sora_created(api) -> httpx.Response:
    """A sora-2 video at 1280x720, 4 s, as the create call answered (the worker starts on it)."""
    return api("POST", "/v1/videos", **form({"prompt": "a red ball drops onto a wooden table",
                                            **SORA}))


@pytest.fixture(scope="module")
def sora_done(api, sora_created) -> list[dict]:
    """Every resource seen while polling that video until it settled; the last is final."""
    vid = sora_created.json()["id"]
    seen, deadline = [], time.monotonic() + 240
    while time.monotonic() < deadline:
        r = api("GET", f"/v1/videos/{vid}")
        assert r.status_code == 200, r.text
        seen.append(r.json())
        if seen[-1]["status"] in ("completed", "failed"):
            return seen
        time.sleep(0.3)
    pytest.fail(f"video {vid} did not finish in 240 s: {seen[-1]}")


@pytest.fixture(scope="module")
def small_mp4(tmp_path_factory) -> bytes:
    import tenku

    out = tmp_path_factory.mktemp("char") / "ball.mp4"
    tenku.generate("a ball drops", out=out, size="160x90", seconds=1, quality="draft")
    return out.read_bytes()


# -- the resources ----------------------------------------------------------------------------
def test_create_answers_an_openai_video_resource(sora_created):
    assert sora_created.status_code == 200, sora_created.text
    video = conforms(sora_created.json(), "VideoResource")
    assert video["object"] == "video" and video["id"].startswith("video_")
    assert {k: video[k] for k in SORA} == SORA
    assert video["status"] == "queued" and video["progress"] == 0
    assert video["completed_at"] is None and video["error"] is None
    assert video["prompt"] == "a red ball drops onto a wooden table"
    assert abs(video["created_at"] - time.time()) < 120
    assert sora_created.headers["openai-poll-after-ms"] == "200"


def test_unfinished_video_has_no_content_and_deletes(api):
    """A 20 s sora-2 video cannot finish during this test: its content is a 409, so is a
    remix of it; deleting it cancels it and answers OpenAI's DeletedVideoResource."""
    r = api("POST", "/v1/videos", **form({"prompt": "a ball rolls across a long table",
                                          **SORA, "seconds": "20"}))
    assert r.status_code == 200, r.text
    vid = conforms(r.json(), "VideoResource")["id"]
    for variant in ("video", "thumbnail", "spritesheet"):
        assert_error(api("GET", f"/v1/videos/{vid}/content", params={"variant": variant}),
                     409, "video_not_ready", "video_id")
    assert_error(api("POST", f"/v1/videos/{vid}/remix", json={"prompt": "now in blue"}),
                 409, "video_not_completed", "video_id")
    assert conforms(api("GET", f"/v1/videos/{vid}").json(),
                    "VideoResource")["status"] in ("queued", "in_progress")

    r = api("DELETE", f"/v1/videos/{vid}")
    assert r.status_code == 200, r.text
    assert conforms(r.json(), "DeletedVideoResource") == {"id": vid, "object": "video.deleted",
                                                          "deleted": True}
    assert_error(api("GET", f"/v1/videos/{vid}"), 404, "video_not_found", "video_id")
    assert_error(api("DELETE", f"/v1/videos/{vid}"), 404, "video_not_found", "video_id")
    assert vid not in api.ids()


def test_polled_video_completes_as_an_openai_video_resource(sora_done, sora_created):
    for video in sora_done:  # every intermediate state is a valid resource too
        conforms(video, "VideoResource")
        assert video["status"] in ("queued", "in_progress", "completed")
    progress = [v["progress"] for v in sora_done]
    assert progress == sorted(progress), "progress never goes back"
    done = sora_done[-1]
    assert done["status"] == "completed", done
    assert done["progress"] == 100 and done["error"] is None
    assert {k: done[k] for k in SORA} == SORA and done["id"] == sora_created.json()["id"]
    assert done["created_at"] <= done["completed_at"] < done["expires_at"]


def test_completed_video_downloads(api, sora_done, tmp_path):
    from tenku.media import probe

    vid = sora_done[-1]["id"]
    r = api("GET", f"/v1/videos/{vid}/content")
    assert r.status_code == 200 and r.headers["content-type"] == "video/mp4"
    assert r.content[4:8] == b"ftyp"
    (tmp_path / "v.mp4").write_bytes(r.content)
    info = probe(tmp_path / "v.mp4")
    assert (info.width, info.height) == (1280, 720)
    assert info.duration == pytest.approx(4.0, abs=0.1)
    r = api("GET", f"/v1/videos/{vid}/content", params={"variant": "thumbnail"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/webp"
    assert r.content[:4] == b"RIFF" and r.content[8:12] == b"WEBP"
    assert_error(api("GET", f"/v1/videos/{vid}/content", params={"variant": "poster"}), 400,
                 param="variant")


def test_remix_of_completed_video_is_an_openai_video_resource(api, sora_done):
    src = sora_done[-1]["id"]
    r = api("POST", f"/v1/videos/{src}/remix", **form({"prompt": "the same ball, but blue"}))
    assert r.status_code == 200, r.text
    remix = conforms(r.json(), "VideoResource")
    assert remix["remixed_from_video_id"] == src and remix["id"] != src
    assert {k: remix[k] for k in SORA} == SORA and remix["status"] == "queued"
    assert conforms(api("DELETE", f"/v1/videos/{remix['id']}").json(),
                    "DeletedVideoResource")["deleted"] is True


def test_list_is_an_openai_video_list_resource(api, sora_done):
    vid = sora_done[-1]["id"]
    extra = api("POST", "/v1/videos", **form({"prompt": "a cube slides down a ramp", **SORA}))
    assert extra.status_code == 200, extra.text
    newest = extra.json()["id"]

    r = api("GET", "/v1/videos")
    assert r.status_code == 200, r.text
    page = conforms(r.json(), "VideoListResource")
    ids = [v["id"] for v in page["data"]]
    assert ids[:1] == [newest] and vid in ids and page["has_more"] is False
    assert page["first_id"] == ids[0] and page["last_id"] == ids[-1]

    first = conforms(api("GET", "/v1/videos", params={"limit": 1}).json(), "VideoListResource")
    assert [v["id"] for v in first["data"]] == [newest] and first["has_more"] is True
    rest = conforms(api("GET", "/v1/videos", params={"limit": 100, "after": newest}).json(),
                    "VideoListResource")
    assert [v["id"] for v in rest["data"]] == ids[1:]
    asc = conforms(api("GET", "/v1/videos", params={"order": "asc"}).json(),
                   "VideoListResource")
    assert [v["id"] for v in asc["data"]] == ids[::-1]

    other = conforms(api("GET", "/v1/videos", key=1).json(), "VideoListResource")
    assert other == {"object": "list", "data": [], "first_id": None, "last_id": None,
                     "has_more": False}
    assert_error(api("GET", "/v1/videos", params={"order": "sideways"}), 400, param="order")
    assert_error(api("GET", "/v1/videos", params={"limit": 101}), 400, param="limit")
    assert_error(api("GET", "/v1/videos", params={"after": "video_nope"}), 404, param="after")
    api("DELETE", f"/v1/videos/{newest}")


def test_character_create_and_get_are_openai_character_resources(api, small_mp4):
    r = api("POST", "/v1/videos/characters",
            **form({"name": "Bouncy"}, {"video": ("ball.mp4", small_mp4, "video/mp4")}))
    assert r.status_code == 200, r.text
    made = conforms(r.json(), "VideoCharacterResource")
    assert made["name"] == "Bouncy" and made["id"].startswith("char_")
    assert abs(made["created_at"] - time.time()) < 120

    r = api("GET", f"/v1/videos/characters/{made['id']}")
    assert r.status_code == 200, r.text
    assert conforms(r.json(), "VideoCharacterResource") == made
    assert_error(api("GET", f"/v1/videos/characters/{made['id']}", key=1), 404,
                 "character_not_found")
    assert_error(api("GET", "/v1/videos/characters/char_000000"), 404, "character_not_found")


def test_json_and_multipart_create_bodies_line_up(api):
    """The body OpenAI documents, sent either way, is valid for OpenAI's request schemas and
    for the ones tenku documents, and makes the same video."""
    body = {"prompt": "a wooden cube falls onto a pillow", **SORA}
    tenku_bodies = api.http.get("/openapi.json").json()["paths"]["/v1/videos"]["post"][
        "requestBody"]["content"]
    assert set(tenku_bodies) == {"application/json", "multipart/form-data"}
    openai_schema("CreateVideoJsonBody").validate(body)
    openai_schema("CreateVideoMultipartBody").validate(body)
    jsonschema.validate(body, tenku_bodies["application/json"]["schema"])
    jsonschema.validate(body, tenku_bodies["multipart/form-data"]["schema"])

    made = []
    for kw in ({"json": body}, form(body), {"json": {**body, "seconds": 4}}):
        r = api("POST", "/v1/videos", **kw)
        assert r.status_code == 200, (kw, r.text)
        video = conforms(r.json(), "VideoResource")
        assert {k: video[k] for k in body} == body
        made.append(video["id"])
    for vid in made:
        r = api("DELETE", f"/v1/videos/{vid}")
        assert conforms(r.json(), "DeletedVideoResource")["id"] == vid


# -- errors -------------------------------------------------------------------------------------
def test_openapi_documents_the_errors_it_sends(api):
    """Every 4xx tenku documents is OpenAI's error envelope; none is FastAPI's 422, because a
    bad parameter is answered with a 400 like any other bad value."""
    doc = api.http.get("/openapi.json").json()
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            assert "422" not in op["responses"], f"{method.upper()} {path}"
            for status, response in op["responses"].items():
                if status.startswith("4"):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/ErrorBody", (method, path, status)
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert_error(api("GET", "/v1/videos", params={"limit": "ten"}), 400, "invalid_value",
                 "limit")


def test_no_key_or_a_wrong_key_is_401(api, sora_created):
    vid = sora_created.json()["id"]
    for method, path in (("GET", "/v1/videos"), ("GET", f"/v1/videos/{vid}"),
                         ("POST", "/v1/videos"), ("DELETE", f"/v1/videos/{vid}"),
                         ("GET", f"/v1/videos/{vid}/content"),
                         ("GET", "/v1/videos/characters/char_x")):
        assert_error(api(method, path, key=None), 401, "missing_api_key")
        for auth in ("Bearer sk-tenku-not-a-real-key-at-all", "Bearer", "Basic dXNlcjpwdw==",
                     f"Token {api.keys[0]}"):
            assert_error(api(method, path, key=None, headers={"Authorization": auth}), 401,
                         code="invalid_api_key")
    err = assert_error(api("GET", "/v1/videos", key=None,
                           headers={"Authorization": "Bearer sk-tenku-wrong-secret-1234"}), 401)
    assert "wrong-secret" not in err["message"], "a wrong key is shown only in part"
    assert api("GET", f"/v1/videos/{vid}").status_code == 200  # still there


def test_unknown_video_is_404(api):
    for method, path in (("GET", "/v1/videos/video_0123"), ("DELETE", "/v1/videos/video_0123"),
                         ("GET", "/v1/videos/video_0123/content"),
                         ("POST", "/v1/videos/video_0123/remix")):
        kw = {"json": {"prompt": "again"}} if method == "POST" else {}
        assert_error(api(method, path, **kw), 404, "video_not_found", "video_id")
    assert_error(api("GET", "/v1/nothing/here"), 404)


def test_wrong_method_is_405_naming_every_method_served(api):
    for method, path, allowed in (("PUT", "/v1/videos", {"GET", "POST"}),
                                  ("PATCH", "/v1/videos/video_0123", {"GET", "DELETE"}),
                                  ("GET", "/v1/videos/video_0123/remix", {"POST"})):
        r = api(method, path)
        assert_error(r, 405, "method_not_allowed")
        assert set(r.headers["allow"].split(", ")) == allowed, (method, path)


def test_another_keys_video_is_404(api, sora_created):
    vid = sora_created.json()["id"]
    for method, path in (("GET", f"/v1/videos/{vid}"), ("GET", f"/v1/videos/{vid}/content"),
                         ("POST", f"/v1/videos/{vid}/remix"), ("DELETE", f"/v1/videos/{vid}")):
        kw = {"json": {"prompt": "mine now"}} if method == "POST" else {}
        err = assert_error(api(method, path, key=1, **kw), 404, "video_not_found", "video_id")
        assert "not found" in err["message"].lower() or "no video" in err["message"].lower()
    assert api("GET", f"/v1/videos/{vid}").status_code == 200  # the owner still has it


BAD_CREATES = {
    "unknown model": ({"prompt": "a ball", "model": "sora-9"}, "model", "model_not_found"),
    "seconds not offered by sora-2": ({"prompt": "a ball", **SORA, "seconds": "5"}, "seconds",
                                      "invalid_seconds"),
    "seconds not a number": ({"prompt": "a ball", **TINY, "seconds": "four"}, "seconds",
                             "invalid_seconds"),
    "seconds over 20": ({"prompt": "a ball", **TINY, "seconds": "21"}, "seconds",
                        "invalid_seconds"),
    "seconds zero": ({"prompt": "a ball", **TINY, "seconds": "0"}, "seconds", "invalid_seconds"),
    "size not offered by sora-2": ({"prompt": "a ball", **SORA, "size": "1000x1000"}, "size",
                                   "invalid_size"),
    "size pro only": ({"prompt": "a ball", **SORA, "size": "1920x1080"}, "size", "invalid_size"),
    "size not WxH": ({"prompt": "a ball", **TINY, "size": "large"}, "size", "invalid_size"),
    "empty prompt": ({"prompt": "", **TINY}, "prompt", None),
    "blank prompt": ({"prompt": "   ", **TINY}, "prompt", None),
    "no prompt": ({**TINY}, "prompt", None),
    "huge prompt": ({"prompt": "a ball bounces " * 2300, **TINY}, "prompt", None),
}


@pytest.mark.parametrize("as_json", [False, True], ids=["multipart", "json"])
@pytest.mark.parametrize("name", list(BAD_CREATES))
def test_bad_create_is_400_and_stores_nothing(api, name, as_json):
    fields, param, code = BAD_CREATES[name]
    if name == "huge prompt":
        assert len(fields["prompt"]) > 32000
    before = api.ids()
    r = api("POST", "/v1/videos", **({"json": fields} if as_json else form(fields)))
    assert_error(r, 400, code, param)
    assert api.ids() == before


def test_bad_input_reference_is_400(api):
    before = api.ids()
    fields = {"prompt": "a ball rolls", **SORA}
    cases = [
        (form(fields, {"input_reference": ("ref.png", b"this is not an image", "image/png")}),
         "invalid_image"),
        (form(fields, {"input_reference": ("ref.png", b"", "image/png")}), "invalid_image"),
        (form(fields, {"input_reference": ("ref.png", png(160, 90), "image/png")}),
         "invalid_image_size"),
        ({"json": {**fields, "input_reference": {
            "image_url": "data:image/png;base64," + base64.b64encode(png(160, 90)).decode()}}},
         "invalid_image_size"),
        ({"json": {**fields, "input_reference": {
            "image_url": "data:image/png;base64," + base64.b64encode(b"plain text").decode()}}},
         "invalid_image"),
    ]
    for kw, code in cases:
        assert_error(api("POST", "/v1/videos", **kw), 400, code, "input_reference")
    assert_error(api("POST", "/v1/videos", json={**fields, "input_reference": {
        "image_url": "data:image/png;base64,@@@"}}), 400, "invalid_image_url")
    assert_error(api("POST", "/v1/videos", json={**fields, "input_reference": {}}), 400,
                 "invalid_input_reference", "input_reference")
    # the server does not fetch from itself or its private network on a client's behalf
    ssrf = api("POST", "/v1/videos", json={**fields, "input_reference": {
        "image_url": f"{api.http.base_url}/healthz"}})
    assert_error(ssrf, 400, "invalid_image_url")
    assert "private or local address" in ssrf.json()["error"]["message"]
    assert api.ids() == before


def test_corrupt_character_video_is_400(api, small_mp4):
    for video in (b"\x00\x00\x00\x18ftypmp42 this is not really a video", small_mp4[:300], b""):
        assert_error(api("POST", "/v1/videos/characters",
                         **form({"name": "Broken"}, {"video": ("c.mp4", video, "video/mp4")})),
                     400, "invalid_video", "video")
    assert_error(api("POST", "/v1/videos/characters", **form({"name": "Nobody"})), 400,
                 "missing_video", "video")
    assert_error(api("POST", "/v1/videos/characters",
                     **form({"name": ""}, {"video": ("c.mp4", small_mp4, "video/mp4")})), 400,
                 param="name")


def test_bodies_that_are_not_json_or_not_text_are_400(api):
    """JSON the parser gives up on (nesting deeper than it goes, an integer over Python's
    4300-digit limit) and text no database keeps (NUL, an unpaired surrogate) are the
    client's mistake: 400, in every content type, with nothing stored."""
    before = api.ids()
    raw = {
        "nested too deep": b'{"prompt": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "integer over 4300 digits": b'{"prompt": "a ball", "seconds": ' + b"9" * 5000 + b"}",
        "not UTF-8": b'{"prompt": "a ball \xff"}',
        "not an object": b'["a ball"]',
    }
    for name, body in raw.items():
        assert_error(api("POST", "/v1/videos", content=body,
                         headers={"content-type": "application/json"}), 400, "invalid_json")
    assert_error(api("POST", "/v1/webhook_endpoints", content=raw["nested too deep"],
                     headers={"content-type": "application/json"}), 400, "invalid_json")

    lone_surrogate = b'{"prompt": "a ball \\ud800 drops", "model": "tenku-sim-draft"}'
    assert_error(api("POST", "/v1/videos", content=lone_surrogate,
                     headers={"content-type": "application/json"}), 400, "invalid_value",
                 "prompt")
    emoji = b'{"prompt": "a ball \\ud83c\\udfc0 drops", "model": "sora-2", "size": "1280x720"}'
    r = api("POST", "/v1/videos", content=emoji, headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["prompt"] == "a ball \U0001f3c0 drops"
    api("DELETE", f"/v1/videos/{r.json()['id']}")
    for kw, param in (
        (form({"prompt": "a ball\x00drops", **TINY}), "prompt"),
        ({"json": {"prompt": "a ball", **TINY, "characters": ["char_\x00"]}}, "characters"),
        ({"json": {"prompt": "a ball", **SORA, "input_reference": {
            "image_url": "https://example.com/\x00.png"}}}, "input_reference"),
        ({"data": {"prompt": "a ball", "model": "sora-2\x00"}}, "model"),
    ):
        assert_error(api("POST", "/v1/videos", **kw), 400, "invalid_value", param)
    assert_error(api("POST", "/v1/videos/edits",
                     json={"prompt": "again", "video": {"id": "video_\x00"}}), 400,
                 "invalid_value", "video")
    assert_error(api("POST", "/v1/webhook_endpoints",
                     json={"url": "https://example.com/\x00", "event_types": ["video.completed"]}),
                 400, "invalid_value", "url")
    assert_error(api("POST", "/v1/videos/characters", **form({"name": "Nul\x00"})), 400,
                 "invalid_value", "name")
    assert api.ids() == before


def test_seconds_in_digits_int_cannot_read_is_400(api):
    for seconds in ("²", "①"):
        assert_error(api("POST", "/v1/videos", json={"prompt": "a ball", **TINY,
                                                     "seconds": seconds}),
                     400, "invalid_seconds", "seconds")


def test_character_video_with_an_unknown_codec_is_400(api, small_mp4):
    at = small_mp4.index(b"avc1", small_mp4.index(b"stsd"))
    unknown = small_mp4[:at] + b"zzzz" + small_mp4[at + 4:]
    assert_error(api("POST", "/v1/videos/characters",
                     **form({"name": "Odd"}, {"video": ("c.mp4", unknown, "video/mp4")})),
                 400, "invalid_video", "video")


def test_body_over_the_limit_is_413(api):
    """The server was started with TENKU_MAX_BODY_MB=1."""
    before = api.ids()
    big = b"x" * (1024 * 1024 + 1024)
    # Declared with Content-Length: refused before it is read.
    assert_error(api("POST", "/v1/videos", content=b'{"prompt": "' + big + b'"}',
                     headers={"content-type": "application/json"}), 413, "request_too_large")
    # Sent chunked with no Content-Length: refused while it is read.
    assert_error(api("POST", "/v1/videos", content=iter([b'{"prompt": "', big, b'"}']),
                     headers={"content-type": "application/json"}), 413, "request_too_large")
    # A multipart upload over the limit.
    assert_error(api("POST", "/v1/videos", **form({"prompt": "a ball", **SORA},
                                                  {"input_reference": ("r.png", big,
                                                                       "image/png")})), 413)
    assert_error(api("POST", "/v1/videos/characters",
                     **form({"name": "Big"}, {"video": ("c.mp4", big, "video/mp4")})), 413)
    assert api.ids() == before


# -- tenku's own OpenAPI, fuzzed ----------------------------------------------------------------
# Every operation the app documents; the first test below keeps this list honest, so a new
# endpoint is fuzzed as soon as it exists. (Each operation is driven with ``as_strategy``
# rather than ``schemathesis.pytest.from_fixture``, whose lazy loader reads ``Node._nodeid``,
# which pytest 9 no longer has.)
OPERATIONS = [
    "POST /v1/videos", "GET /v1/videos", "GET /v1/videos/{video_id}",
    "DELETE /v1/videos/{video_id}", "GET /v1/videos/{video_id}/content",
    "POST /v1/videos/{video_id}/remix", "POST /v1/videos/edits", "POST /v1/videos/extensions",
    "POST /v1/videos/characters", "GET /v1/videos/characters/{character_id}",
    "GET /v1/videos/{video_id}/events", "POST /v1/webhook_endpoints",
    "GET /v1/webhook_endpoints", "GET /v1/webhook_endpoints/{endpoint_id}",
    "DELETE /v1/webhook_endpoints/{endpoint_id}", "GET /v1/models",
]
# The app's JSON API, fuzzed with a signed-in session (cookie + CSRF header) as well as the key.
APP_OPERATIONS = [
    "POST /api/signup", "POST /api/login", "GET /api/me", "PATCH /api/me", "POST /api/videos",
    "GET /api/drafts", "DELETE /api/drafts/{video_id}", "GET /api/videos/{video_id}/events",
    "GET /api/videos/{video_id}/content", "POST /api/posts", "GET /api/posts/{post_id}",
    "PATCH /api/posts/{post_id}", "DELETE /api/posts/{post_id}",
    "GET /api/posts/{post_id}/media", "GET /api/posts/{post_id}/remix",
    "POST /api/posts/{post_id}/like", "DELETE /api/posts/{post_id}/like",
    "POST /api/posts/{post_id}/complete", "GET /api/posts/{post_id}/comments",
    "POST /api/posts/{post_id}/comments", "DELETE /api/comments/{comment_id}", "GET /api/feed",
    "GET /api/users/{username}", "GET /api/users/{username}/followers",
    "POST /api/users/{username}/follow", "DELETE /api/users/{username}/follow",
    "GET /api/notifications", "POST /api/notifications/read", "GET /api/search",
    "POST /api/provenance/verify", "POST /api/provenance/lookup",
]
# Ending the fuzzer's own session would make the rest of the run merely "signed out";
# tests/test_app_api.py drives these three.
SESSION_ENDERS = ["POST /api/logout", "POST /api/logout-everywhere", "DELETE /api/me"]


# Examples per operation and generation mode; raise it locally for a longer hunt.
FUZZ_EXAMPLES = int(os.environ.get("TENKU_FUZZ_EXAMPLES", "30"))

# What a response must satisfy. Not ``positive_data_acceptance``: a schema cannot say "a
# decodable video" or "an image the size of the video", so schema-valid requests are rightly
# refused with 400 (the contract tests above pin those refusals one by one).
CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_headers_conformance,
          checks.response_schema_conformance, checks.negative_data_rejection]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz(request, tmp_path_factory):
    """tenku's OpenAPI, loaded from the app running in-process with no workers (queued jobs
    just wait) and a per-key job limit high enough that generated creates are judged on what
    they say, plus a valid key for it; once on each database (PostgreSQL refuses text SQLite
    takes, such as NUL characters)."""
    from tenku.api import create_app
    from tenku.platform.keys import create_key as make_key
    from tenku.settings import load_settings
    from tenku.store.db import Database, upgrade

    with contextlib.ExitStack() as stack:
        url = (stack.enter_context(postgres_database()) if request.param == "postgresql"
               else None)
        cfg = load_settings(tmp_path_factory.mktemp("fuzz"), executor="none", workers=0,
                            max_concurrent_jobs=1_000_000, database_url=url)
        upgrade(cfg.database_url)
        db = Database(cfg.database_url)
        try:
            with db.session() as s:
                _, secret = make_key(s, "schemathesis")
        finally:
            db.dispose()
        app = create_app(cfg, start_workers=False)
        accounts = app.state.services.accounts
        accounts.create_admin("fuzzer", "fuzzing password")
        signed = accounts.login(username="fuzzer", password="fuzzing password")
        headers = {"Authorization": f"Bearer {secret}", "X-CSRF-Token": signed.csrf,
                   "Cookie": f"tenku_session={signed.token}"}
        yield schemathesis.openapi.from_asgi("/openapi.json", app), headers, request.param
        app.state.services.rt.db.dispose()  # let the database be dropped


def test_fuzzed_operations_are_every_documented_operation(fuzz):
    schema, _, _ = fuzz
    found = sorted(op.ok().label for op in schema.get_all_operations())
    assert found == sorted(OPERATIONS + APP_OPERATIONS + SESSION_ENDERS)


@pytest.mark.parametrize("label", OPERATIONS + APP_OPERATIONS)
def test_tenku_openapi_never_5xx_and_matches_itself(fuzz, label):
    """Valid and invalid requests alike (with a valid key and a signed-in session) never get
    a server error, and every answer has a documented status, content type and schema."""
    schema, headers, db = fuzz
    op = schema.find_operation_by_label(label)
    cases = st.one_of(op.as_strategy(GenerationMode.POSITIVE),
                      op.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def check(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


NUL_IDS = {
    "GET /v1/videos/{video_id}": {"path_parameters": {"video_id": "video_\x00"}},
    "DELETE /v1/videos/{video_id}": {"path_parameters": {"video_id": "video_\x00"}},
    "GET /v1/videos": {"query": {"after": "video_\x00"}},
    "GET /v1/videos/characters/{character_id}": {"path_parameters": {"character_id": "c\x00"}},
    "GET /v1/webhook_endpoints/{endpoint_id}": {"path_parameters": {"endpoint_id": "we_\x00"}},
}


@pytest.mark.parametrize("label", NUL_IDS)
def test_an_id_no_database_can_hold_is_404(fuzz, label):
    """``%00`` in an id or cursor names nothing: 404, not PostgreSQL's DataError as a 500."""
    schema, headers, db = fuzz
    case = schema.find_operation_by_label(label).Case(**NUL_IDS[label])
    r = case.call(headers=headers)
    assert r.status_code == 404, r.text
    jsonschema.validate(r.json(), ERROR)
