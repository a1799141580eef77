"""Retention and graceful restarts on a live embedded server: a video's files go away at its
``expires_at``; a server stopped with SIGTERM gives its running job back and the restarted
server finishes it without using up an attempt."""

from __future__ import annotations

import time

import openai
import pytest
from openai import OpenAI
from sqlalchemy import select

from live import Server, create_key, deployment

from tenku.platform.runtime import Runtime
from tenku.settings import load_settings
from tenku.store.models import JobAttempt

TINY = dict(model="tenku-sim-draft", size="160x90", seconds="1")


def test_files_expire_at_expires_at_and_are_swept(tmp_path):
    with deployment("embedded", tmp_path, TENKU_RETENTION_HOURS="0.001") as env:  # 3.6 s
        key = create_key(tmp_path, env)
        server = Server(tmp_path, env).start()
        try:
            c = OpenAI(base_url=server.url + "/v1", api_key=key)
            v = c.videos.create_and_poll(prompt="a ball drops", poll_interval_ms=200, **TINY)
            assert v.expires_at - v.completed_at in (3, 4)
            assert c.videos.download_content(v.id).content[4:8] == b"ftyp"
            time.sleep(max(0.0, v.expires_at + 1 - time.time()))
            with pytest.raises(openai.NotFoundError) as err:
                c.videos.download_content(v.id)
            assert err.value.code == "video_expired"
            rt = Runtime(load_settings(tmp_path))
            assert rt.sweep_expired() == 1
            assert not list((tmp_path / "blobs" / "videos" / v.id).rglob("*.mp4"))
            assert c.videos.retrieve(v.id).status == "completed"  # the record stays
            rt.db.dispose()
        finally:
            server.stop()


def test_sigterm_gives_the_running_job_back(tmp_path):
    with deployment("embedded", tmp_path, TENKU_MAX_ATTEMPTS="1") as env:
        key = create_key(tmp_path, env)
        server = Server(tmp_path, env).start()
        try:
            c = OpenAI(base_url=server.url + "/v1", api_key=key)
            v = c.videos.create(prompt="a glass falls and shatters", model="tenku-sim",
                                size="320x180", seconds="6")
            deadline = time.monotonic() + 60
            while c.videos.retrieve(v.id).progress < 10 and time.monotonic() < deadline:
                time.sleep(0.1)
            server.stop()  # SIGTERM: graceful
            server = Server(tmp_path, env, port=server.port).start()
            done = c.videos.poll(v.id, poll_interval_ms=200)
            assert done.status == "completed", done.error  # with max_attempts=1
            rt = Runtime(load_settings(tmp_path))
            with rt.db.read() as s:
                outcomes = [a.outcome for a in s.scalars(select(JobAttempt)
                                                         .order_by(JobAttempt.id))]
            rt.db.dispose()
            assert outcomes == ["interrupted", "completed"]
        finally:
            server.stop()
