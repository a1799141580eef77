"""The official ``openai`` SDK, sync and async, against a live ``tenku serve`` - once on the
embedded default (SQLite + in-process worker) and once scaled out (PostgreSQL + S3 + a local
Ray cluster with two workers). Only ``base_url`` differs from a program written for OpenAI.

Videos are tiny (``tenku-sim-draft``, 160x90, 1-2 s) so the whole suite stays fast; the
contract test pins OpenAI's own sizes and schemas.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import openai
import pytest
from openai import AsyncOpenAI, OpenAI

from live import Server, create_key, deployment, free_port

from tenku.media import probe
from tenku.planner.lexicon import COLORS

TINY = dict(model="tenku-sim-draft", size="160x90", seconds="2")


@pytest.fixture(scope="module", params=["embedded", "scaled"])
def service(request, tmp_path_factory):
    data = tmp_path_factory.mktemp(request.param)
    workers = 2 if request.param == "scaled" else 1
    with deployment(request.param, data, TENKU_WORKERS=str(workers),
                    TENKU_BLOCKED_TERMS="forbiddenword", TENKU_MAX_CONCURRENT_JOBS="6",
                    TENKU_WEBHOOK_BACKOFF_SECONDS="0.3", TENKU_POLL_AFTER_MS="200") as env:
        keys = [create_key(data, env), create_key(data, env),
                create_key(data, env, "--max-jobs", "3")]
        server = Server(data, env, workers=workers).start()
        try:
            yield {"url": server.url, "keys": keys, "kind": request.param}
        finally:
            server.stop()


def client(service, key: int = 0, **kw) -> OpenAI:
    return OpenAI(base_url=service["url"] + "/v1", api_key=service["keys"][key], **kw)


def aclient(service, key: int = 0, **kw) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=service["url"] + "/v1", api_key=service["keys"][key], **kw)


@pytest.fixture(scope="module")
def finished(service):
    """One completed video, made with create_and_poll."""
    video = client(service).videos.create_and_poll(
        prompt="a basketball bounces on a court", poll_interval_ms=200, **TINY)
    return video


def test_create_and_poll_completes_with_progress_100(finished):
    assert finished.status == "completed", finished.error
    assert finished.progress == 100 and finished.object == "video"
    assert finished.id.startswith("video_") and finished.model == "tenku-sim-draft"
    assert finished.size == "160x90" and finished.seconds == "2"
    assert finished.completed_at >= finished.created_at
    assert finished.expires_at > finished.completed_at and finished.error is None


def test_retrieve_returns_the_same_video_and_a_poll_hint(service, finished):
    c = client(service)
    again = c.videos.retrieve(finished.id)
    assert again.model_dump() == finished.model_dump()
    raw = c.videos.with_raw_response.retrieve(finished.id)
    assert int(raw.headers["openai-poll-after-ms"]) == 200


def test_download_all_three_variants(service, finished, tmp_path):
    c = client(service)
    mp4 = tmp_path / "v.mp4"
    c.videos.download_content(finished.id).write_to_file(mp4)
    info = probe(mp4)
    assert (info.width, info.height) == (160, 90)
    assert abs(info.duration - 2.0) < 0.2 and info.audio_codec == "aac"
    thumb = c.videos.with_raw_response.download_content(finished.id, variant="thumbnail")
    assert thumb.headers["content-type"] == "image/webp"
    body = thumb.http_response.content
    assert body[:4] == b"RIFF" and body[8:12] == b"WEBP"
    sprite = c.videos.with_raw_response.download_content(finished.id, variant="spritesheet")
    assert sprite.headers["content-type"] == "image/jpeg"
    assert sprite.http_response.content[:3] == b"\xff\xd8\xff"


def sidecar(service, video_id: str) -> dict:
    r = httpx.get(f"{service['url']}/v1/videos/{video_id}/content",
                  params={"variant": "sidecar"},
                  headers={"Authorization": f"Bearer {service['keys'][0]}"})
    r.raise_for_status()
    return r.json()


def test_remix_edits_the_parents_world_script(service, finished):
    remix = client(service).videos.remix(finished.id, prompt="make the ball blue")
    assert remix.remixed_from_video_id == finished.id and remix.status == "queued"
    done = client(service).videos.poll(remix.id, poll_interval_ms=200)
    assert done.status == "completed" and done.remixed_from_video_id == finished.id
    assert (done.size, done.seconds, done.model) == (finished.size, finished.seconds,
                                                     finished.model)
    before, after = sidecar(service, finished.id), sidecar(service, done.id)
    assert after["parent"]["kind"] == "remix" and after["edit"]["physics"] is False
    ball = next(e for e in after["script"]["entities"] if e["kind"] == "basketball")
    assert ball["color"] == COLORS["blue"]
    assert [e["t"] for e in after["events"]] == [e["t"] for e in before["events"]]
    with pytest.raises(openai.BadRequestError) as err:  # nothing to edit: said at once
        client(service).videos.remix(finished.id, prompt="make the dragon red")
    assert err.value.code == "nothing_to_edit" and "dragon" in err.value.message
    edit = client(service).post("/videos/edits", cast_to=openai.types.Video,
                                body={"video": {"id": finished.id}, "prompt": "at night"})
    done = client(service).videos.poll(edit.id, poll_interval_ms=200)
    assert done.status == "completed", done.error
    assert sidecar(service, done.id)["script"]["lighting"]["preset"] == "night"


def test_extension_continues_the_world(service, finished):
    c = client(service)
    # SDK 3.54's videos.extend only takes a file for `video` (it refuses {"id": ...} before
    # sending), so send OpenAI's JSON form through the SDK's own client.
    ext = c.post("/videos/extensions", cast_to=openai.types.Video,
                 body={"video": {"id": finished.id}, "prompt": "then it keeps bouncing",
                       "seconds": "2"})
    assert ext.remixed_from_video_id == finished.id
    done = c.videos.poll(ext.id, poll_interval_ms=200)
    assert done.status == "completed", done.error
    side = sidecar(service, done.id)
    assert side["parent"]["kind"] == "extension" and side["script"]["begin"] > 1.9
    with pytest.raises(openai.NotFoundError):
        c.post("/videos/extensions", cast_to=openai.types.Video,
               body={"video": {"id": "video_doesnotexist"}, "prompt": "more", "seconds": "4"})


def test_input_reference_becomes_the_backdrop(service, tmp_path):
    import io

    from PIL import Image

    from tenku.media import decode_frames

    buf = io.BytesIO()
    Image.new("RGB", (160, 90), (30, 160, 60)).save(buf, format="PNG")
    c = client(service)
    v = c.videos.create(prompt="a ball drops onto the floor",
                        input_reference=("plate.png", buf.getvalue(), "image/png"), **TINY)
    done = c.videos.poll(v.id, poll_interval_ms=200)
    assert done.status == "completed", done.error
    assert sidecar(service, done.id)["script"]["backdrop"]["file"].endswith(".png")
    c.videos.download_content(done.id).write_to_file(tmp_path / "v.mp4")
    corner = next(iter(decode_frames(tmp_path / "v.mp4")))[2:10, 2:10].reshape(-1, 3).mean(axis=0)
    assert abs(corner[1] - 160) < 40 and corner[0] < 90  # the picture, not the studio


def test_list_paginates_across_pages_newest_first(service):
    c = client(service, 1)
    made = [c.videos.create(prompt=f"a ball rolls, take {i}", **TINY).id for i in range(5)]
    page = c.videos.list(limit=2)
    assert len(page.data) == 2 and page.has_more
    seen = [v.id for v in c.videos.list(limit=2)]  # the SDK follows `after` across pages
    assert seen == list(reversed(made))
    asc = c.videos.list(limit=3, order="asc")
    assert [v.id for v in asc.data] == made[:3]
    after = c.videos.list(limit=2, after=made[2], order="asc")
    assert [v.id for v in after.data] == made[3:]


def test_delete_then_404(service):
    c = client(service, 1)
    v = c.videos.create(prompt="a glass falls off a table", **TINY)
    gone = c.videos.delete(v.id)
    assert gone.deleted and gone.id == v.id and gone.object == "video.deleted"
    with pytest.raises(openai.NotFoundError):
        c.videos.retrieve(v.id)
    with pytest.raises(openai.NotFoundError):
        c.videos.delete(v.id)


def test_each_error_maps_to_the_sdk_exception(service, finished):
    c = client(service, max_retries=0)
    with pytest.raises(openai.AuthenticationError) as err:
        OpenAI(base_url=service["url"] + "/v1", api_key="sk-wrong").videos.list()
    assert err.value.code == "invalid_api_key"
    with pytest.raises(openai.NotFoundError):
        c.videos.retrieve("video_doesnotexist")
    with pytest.raises(openai.NotFoundError):  # another key's video is not there for you
        client(service, 2).videos.retrieve(finished.id)
    with pytest.raises(openai.BadRequestError) as err:
        c.videos.create(prompt="a ball", model="sora-9")
    assert err.value.param == "model" and "sora-2" in err.value.message
    with pytest.raises(openai.BadRequestError) as err:
        c.videos.create(prompt="a ball", model="sora-2", size="640x480")
    assert err.value.param == "size"
    with pytest.raises(openai.BadRequestError) as err:
        c.videos.create(prompt="a ball", model="sora-2", seconds="5")
    assert err.value.param == "seconds"
    with pytest.raises(openai.BadRequestError):
        c.videos.create(prompt="   ")
    queued = c.videos.create(prompt="a wooden block floats in a tank", **TINY)
    with pytest.raises(openai.ConflictError) as err:
        c.videos.download_content(queued.id)
    assert err.value.code == "video_not_ready"
    with pytest.raises(openai.BadRequestError) as err:  # an uploaded video has no script
        clip = c.videos.download_content(finished.id).read()
        c.videos.extend(video=("clip.mp4", clip, "video/mp4"), prompt="then it rolls",
                        seconds="4")
    assert err.value.code == "unsupported_feature" and "world script" in err.value.message


def test_too_many_jobs_is_429_with_retry_after(service):
    c = client(service, 2, max_retries=0)  # this key was made with --max-jobs 3
    accepted = []
    with pytest.raises(openai.RateLimitError) as err:
        for i in range(10):
            accepted.append(c.videos.create(prompt=f"a domino falls, {i}", **TINY))
    assert len(accepted) == 3 and "its limit is 3" in err.value.message
    assert float(err.value.response.headers["retry-after"]) >= 1
    for v in c.videos.list(limit=20):
        c.videos.delete(v.id)


def test_moderation_refusal_is_a_failed_video(service):
    v = client(service).videos.create(prompt="a forbiddenword bounces", **TINY)
    assert v.status == "failed" and v.error.code == "moderation_blocked"


def test_async_client_does_the_same(service, tmp_path):
    async def main():
        c = aclient(service)
        other = await c.videos.create(prompt="a tennis ball drops", **TINY)
        v = await c.videos.create_and_poll(prompt="a soccer ball is kicked", poll_interval_ms=200,
                                           **TINY)
        assert v.status == "completed"
        assert (await c.videos.retrieve(v.id)).id == v.id
        ids = [x.id async for x in c.videos.list(limit=1)]
        assert ids.index(v.id) < ids.index(other.id)  # newest first, across pages
        content = await c.videos.download_content(v.id)
        content.write_to_file(tmp_path / "a.mp4")
        remix = await c.videos.remix(v.id, prompt="replace the ball with a volleyball")
        assert remix.remixed_from_video_id == v.id
        await c.videos.delete(remix.id)
        with pytest.raises(openai.NotFoundError):
            await c.videos.retrieve(remix.id)
        with pytest.raises(openai.AuthenticationError):
            await AsyncOpenAI(base_url=service["url"] + "/v1", api_key="nope").videos.list()
        return v

    v = asyncio.run(main())
    assert probe(tmp_path / "a.mp4").frame_count == 48
    assert v.progress == 100


def test_progress_streams_as_server_sent_events(service):
    c = client(service)
    v = c.videos.create(prompt="an iron ball drops into a water tank", **TINY)
    events = []
    with httpx.stream("GET", f"{service['url']}/v1/videos/{v.id}/events", timeout=120,
                      headers={"authorization": f"Bearer {service['keys'][0]}"}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    assert events[-1][0] == "completed"
    progress = [e["video"]["progress"] for _, e in events]
    assert progress == sorted(progress) and progress[-1] == 100
    # the stages seen arrive in pipeline order and end at "done"
    order = ["plan", "simulate", "sound", "render", "encode", "store", "done"]
    seen = [e["stage"] for _, e in events if e["stage"] is not None]
    assert seen[-1] == "done" and seen == sorted(seen, key=order.index)
    assert [n for n, _ in events[:-1]] == ["progress"] * (len(events) - 1)


class _Receiver(BaseHTTPRequestHandler):
    got: list = []
    fail_first: set = set()

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["content-length"]))
        event_id = self.headers["webhook-id"]
        first = event_id not in {g[1]["webhook-id"] for g in self.got}
        self.got.append((body, dict(self.headers.items())))
        status = 500 if first and json.loads(body)["type"] in self.fail_first else 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhooks_are_signed_like_openai_and_retried(service):
    port = free_port()
    _Receiver.got, _Receiver.fail_first = [], {"video.completed"}
    httpd = HTTPServer(("127.0.0.1", port), _Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    c = client(service, 1)
    try:
        endpoint = c.webhooks.create(url=f"http://127.0.0.1:{port}/hook", name="test",
                                     event_types=["video.completed", "video.failed"])
        assert endpoint.signing_secret.startswith("whsec_")
        ok = c.videos.create_and_poll(prompt="a cork floats in a bathtub", poll_interval_ms=200,
                                      **TINY)
        bad = c.videos.create(prompt="a forbiddenword falls", **TINY)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            types = [json.loads(b)["type"] for b, _ in _Receiver.got]
            if types.count("video.completed") >= 2 and "video.failed" in types:
                break
            time.sleep(0.2)
        events = {}
        for body, headers in _Receiver.got:
            event = c.webhooks.unwrap(body, headers, secret=endpoint.signing_secret)
            events.setdefault(event.type, []).append((event, headers["webhook-id"]))
        completed = events["video.completed"]
        assert len(completed) == 2 and completed[0][1] == completed[1][1]  # one event, retried
        assert completed[0][0].data.id == ok.id
        assert events["video.failed"][0][0].data.id == bad.id
        with pytest.raises(openai.InvalidWebhookSignatureError):
            c.webhooks.unwrap(_Receiver.got[0][0], _Receiver.got[0][1],
                              secret="whsec_" + "A" * 43 + "=")
        assert [e.id for e in c.webhooks.list().data] == [endpoint.id]
        c.webhooks.delete(endpoint.id)
    finally:
        httpd.shutdown()
