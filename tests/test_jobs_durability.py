"""The job engine's promises: no job lost, none finished twice, a killed worker's job retried
and failed for good after ``max_attempts``, a cancelled job never run.

First on the queue itself (SQLite and PostgreSQL, racing threads), then on live deployments
whose workers and server are killed with SIGKILL in the middle of a batch of real videos.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter

import pytest
from openai import OpenAI
from sqlalchemy import select

from live import Server, Worker, create_key, deployment, postgres_database

from tenku.jobs import JobQueue
from tenku.store.db import Database, upgrade
from tenku.store.models import Job, JobAttempt

TINY = dict(model="tenku-sim-draft", size="160x90", seconds="2")


# -- the queue --------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'q.db'}"
        upgrade(url)
        d = Database(url)
        yield d
        d.dispose()
        return
    with postgres_database() as url:
        upgrade(url)
        d = Database(url)
        yield d
        d.dispose()


def _enqueue(db: Database, n: int, **kw) -> list[str]:
    with db.session() as s:
        return [JobQueue.enqueue(s, kind="t", payload={"i": i}, **kw).id for i in range(n)]


def test_racing_workers_claim_each_job_exactly_once(db):
    ids = _enqueue(db, 60)
    queue = JobQueue(db)
    claimed: list[str] = []
    lock = threading.Lock()

    def work(name):
        while (c := queue.claim(name)) is not None:
            assert queue.complete(c)
            with lock:
                claimed.append(c.job_id)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(ids)
    with db.read() as s:
        outcomes = Counter(s.scalars(select(JobAttempt.outcome)).all())
    assert outcomes == {"completed": 60}


def test_a_dead_workers_late_result_is_thrown_away(db):
    failed = []
    queue = JobQueue(db, lease_seconds=0.2,
                     on_failed={"t": lambda s, job, code, msg: failed.append((job.id, code))})
    [job_id] = _enqueue(db, 1, max_attempts=2)
    first = queue.claim("stalled")
    time.sleep(0.3)  # its lease runs out without a heartbeat
    assert queue.reap() == 1
    second = queue.claim("healthy")
    assert second.job_id == job_id and second.attempt == 2
    assert not queue.complete(first)  # the stalled worker wakes up: its result is dropped
    assert queue.complete(second)
    with db.read() as s:
        rows = s.scalars(select(JobAttempt).order_by(JobAttempt.attempt)).all()
        assert [(r.worker, r.outcome) for r in rows] == [("stalled", "lost"),
                                                        ("healthy", "completed")]
        assert s.get(Job, job_id).status == "done"
    assert failed == []


def test_a_job_whose_workers_keep_dying_fails_after_max_attempts(db):
    failed = []
    queue = JobQueue(db, lease_seconds=0.1,
                     on_failed={"t": lambda s, job, code, msg: failed.append((code, msg))})
    [job_id] = _enqueue(db, 1, max_attempts=2)
    for _ in range(2):
        assert queue.claim("doomed") is not None
        time.sleep(0.15)
        queue.reap()
    assert queue.claim("doomed") is None
    with db.read() as s:
        job = s.get(Job, job_id)
        assert job.status == "failed" and job.attempts == 2
    assert failed[0][0] == "worker_lost" and "2 attempts" in failed[0][1]


def test_cancelled_jobs_never_start_and_running_ones_lose_their_lease(db):
    queue = JobQueue(db)
    with db.session() as s:
        a = JobQueue.enqueue(s, kind="video", payload={}, video_id="video_a").id
        JobQueue.enqueue(s, kind="video", payload={}, video_id="video_b")
    running = queue.claim("w")
    assert running.job_id == a
    with db.session() as s:
        assert JobQueue.cancel(s, "video_a") == 1 and JobQueue.cancel(s, "video_b") == 1
    assert queue.claim("w") is None
    assert not queue.heartbeat(running) and not queue.complete(running)


# -- live deployments ---------------------------------------------------------------------------
def _db_url(env: dict, data) -> str:
    return env.get("TENKU_DATABASE_URL") or f"sqlite:///{data / 'tenku.db'}"


def _running_pid(db: Database, exclude: set[int]) -> int | None:
    with db.read() as s:
        owners = s.scalars(select(Job.lease_owner).where(Job.status == "running",
                                                         Job.kind == "video")).all()
    for owner in owners:
        if owner:
            pid = int(owner.split(":")[1])
            if pid not in exclude:
                return pid
    return None


def _wait_all_settled(c: OpenAI, ids: list[str], timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = {i: c.videos.retrieve(i) for i in ids}
        if all(v.status in ("completed", "failed") for v in states.values()):
            return states
        time.sleep(0.5)
    raise AssertionError(f"not settled: {[(i, v.status) for i, v in states.items()]}")


def _assert_each_job_finished_once(db: Database, ids: list[str]) -> Counter:
    with db.read() as s:
        jobs = {j.video_id: j for j in s.scalars(select(Job).where(Job.kind == "video"))}
        attempts = s.scalars(select(JobAttempt)).all()
    assert set(jobs) == set(ids)  # none lost
    done = Counter(a.job_id for a in attempts if a.outcome == "completed")
    assert all(n == 1 for n in done.values())  # none finished twice
    assert all(jobs[i].status == "done" for i in ids)
    return Counter(a.outcome for a in attempts)


@pytest.mark.parametrize("kind", ["embedded", "scaled"])
def test_sigkill_a_worker_mid_batch(kind, tmp_path):
    """embedded: two `tenku worker` processes beside an API-only server; scaled: two Ray actors
    of the server (Ray restarts a killed actor). Either way a worker holding a job is killed."""
    workers_in_server = 2 if kind == "scaled" else 0
    with deployment(kind, tmp_path, TENKU_WORKERS=str(workers_in_server),
                    TENKU_LEASE_SECONDS="2", TENKU_MAX_ATTEMPTS="4",
                    TENKU_MAX_CONCURRENT_JOBS="20") as env:
        key = create_key(tmp_path, env)
        server = Server(tmp_path, env, workers=workers_in_server).start()
        workers = [Worker(tmp_path, env) for _ in range(2)] if kind == "embedded" else []
        db = Database(_db_url(env, tmp_path))
        try:
            c = OpenAI(base_url=server.url + "/v1", api_key=key)
            ids = [c.videos.create(prompt=f"a rubber ball bounces, take {i}", **TINY).id
                   for i in range(6)]
            killed: set[int] = set()
            deadline = time.monotonic() + 120
            while len(killed) < 2 and time.monotonic() < deadline:
                pid = _running_pid(db, killed)
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)
                    killed.add(pid)
                    if kind == "embedded":
                        workers.append(Worker(tmp_path, env))  # the operator's supervisor
                time.sleep(0.2)
            assert len(killed) == 2
            states = _wait_all_settled(c, ids)
            assert all(v.status == "completed" for v in states.values()), states
            outcomes = _assert_each_job_finished_once(db, ids)
            assert outcomes["lost"] >= 2 and outcomes["completed"] == 6
            assert c.videos.download_content(ids[0]).content[4:8] == b"ftyp"
            if kind == "embedded":  # killed attempts' files were removed; one video each
                assert len(list((tmp_path / "blobs" / "videos").rglob("video.mp4"))) == 6
        finally:
            for w in workers:
                w.stop()
            server.stop()
            db.dispose()


def test_server_killed_mid_batch_resumes_after_restart(tmp_path):
    with deployment("embedded", tmp_path, TENKU_LEASE_SECONDS="2",
                    TENKU_MAX_CONCURRENT_JOBS="20") as env:
        key = create_key(tmp_path, env)
        server = Server(tmp_path, env, workers=1).start()
        db = Database(_db_url(env, tmp_path))
        try:
            c = OpenAI(base_url=server.url + "/v1", api_key=key)
            ids = [c.videos.create(prompt=f"a wooden block falls, take {i}", **TINY).id
                   for i in range(4)]
            deadline = time.monotonic() + 60
            while _running_pid(db, set()) is None and time.monotonic() < deadline:
                time.sleep(0.1)
            server.kill()  # SIGKILL: the in-process worker dies with it, mid-job
            server = Server(tmp_path, env, workers=1, port=server.port).start()
            states = _wait_all_settled(c, ids)
            assert all(v.status == "completed" for v in states.values()), states
            outcomes = _assert_each_job_finished_once(db, ids)
            assert outcomes["lost"] >= 1
        finally:
            server.stop()
            db.dispose()


def test_a_job_that_kills_its_worker_fails_after_max_attempts(tmp_path):
    with deployment("embedded", tmp_path, TENKU_WORKERS="0", TENKU_LEASE_SECONDS="1.5",
                    TENKU_MAX_ATTEMPTS="2") as env:
        key = create_key(tmp_path, env)
        server = Server(tmp_path, env, workers=0).start()
        db = Database(_db_url(env, tmp_path))
        workers: list[Worker] = []
        try:
            c = OpenAI(base_url=server.url + "/v1", api_key=key)
            doomed = c.videos.create(prompt="a glass falls and shatters", model="tenku-sim",
                                     size="320x180", seconds="8")
            killed: set[int] = set()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and c.videos.retrieve(doomed.id).status != "failed":
                if not any(w.proc.poll() is None for w in workers):
                    workers.append(Worker(tmp_path, env))
                pid = _running_pid(db, killed)
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)
                    killed.add(pid)
                time.sleep(0.1)
            v = c.videos.retrieve(doomed.id)
            assert v.status == "failed" and v.error.code == "worker_lost"
            assert "2 attempts" in v.error.message and len(killed) == 2
            # a queued job deleted before any worker takes it never runs
            cancelled = c.videos.create(prompt="a ball rolls", **TINY)
            for w in workers:
                w.kill()
            c.videos.delete(cancelled.id)
            workers.append(Worker(tmp_path, env))
            time.sleep(2)
            with db.read() as s:
                job = s.scalars(select(Job).where(Job.video_id == cancelled.id)).one()
                assert job.status == "cancelled" and job.attempts == 0
        finally:
            for w in workers:
                w.stop()
            server.stop()
            db.dispose()


def test_pro_jobs_are_taken_before_older_standard_ones(db):
    with db.session() as s:
        standard = JobQueue.enqueue(s, kind="t", payload={}, priority=0).id
        pro = JobQueue.enqueue(s, kind="t", payload={}, priority=10).id
    queue = JobQueue(db)
    assert [queue.claim("w").job_id, queue.claim("w").job_id] == [pro, standard]


def test_a_worker_shutting_down_gives_its_job_back_without_using_an_attempt(db):
    from tenku.jobs import Worker

    queue = JobQueue(db)
    [job_id] = _enqueue(db, 1, max_attempts=1)
    stop = threading.Event()

    def handler(ctx):
        stop.set()  # the operator stops the worker while this job runs
        ctx.check()

    assert Worker(queue, {"t": handler}, "leaving").run_one(stop)
    with db.read() as s:
        job = s.get(Job, job_id)
        assert (job.status, job.attempts, job.lease_owner) == ("queued", 0, None)
    again = queue.claim("next")
    assert again.attempt == 1 and queue.complete(again)
