"""Benchmark: the Videos API server's reads, and the durable job queue while workers are killed.

    python bench/api.py [--quick] [--rows 10000] [--clients 8] [--duration 5]
                        [--jobs 1000] [--workers 3] [--kill-every 3] [--seed 0]

Everything runs on this machine, against live subprocesses on loopback, in temporary data
folders, and is measured in one run:

1. Reads. ``tenku serve --workers 0`` (API only, so no generation competes) with ``--rows``
   completed videos of one key, seeded straight into the database. ``--clients`` keep-alive
   connections send requests back to back for ``--duration`` seconds per endpoint: retrieve
   (``GET /v1/videos/{id}``, every id in random order), the list's first page
   (``GET /v1/videos?limit=20``) and a page 90% of the way down it (``after=``). The same
   requests then go to a bare FastAPI app served by uvicorn the same way, with sync routes
   like tenku's that return a fixed resource (or page of 20) of the same size: the tenku/bare
   ratios are what authentication, the database and building the resources cost on top of
   the framework. The load generator is a minimal HTTP/1.1 client on asyncio, far cheaper
   than the servers it measures, since it shares the machine's cores with them.
2. Queue. ``tenku serve --workers 0`` plus ``--workers`` ``tenku worker`` processes on one
   data folder. ``--jobs`` real videos (tenku-sim-draft, 160x90, 1 s) are submitted through
   the API while every ``--kill-every`` seconds (+-50%) a worker picked at random is killed
   with SIGKILL and replaced. With a 3 s lease the jobs of killed workers are taken back and
   retried (5 attempts in all). Figures: jobs/s from the first submission to the last job
   settled, and the audit of the database: completed, failed (after retries), lost (a video
   that never reached completed or failed, or completed without its file) and duplicated (a
   job with more than one completed attempt).

Exits 1 when a job was lost or duplicated. ``--quick`` (1,000 rows, 50 jobs, 2 s per
endpoint) takes under a minute. One generation costs a worker about 0.5 s of CPU, so 1,000
jobs take minutes on two cores; ``--jobs`` runs fewer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import Fleet, free_port, keep_alive_client, service_env, tenku_cmd

MODEL, SIZE, SECONDS = "tenku-sim-draft", "160x90", "1"
JOB_PROMPT = "a ball drops"
STORED_PROMPT = "a basketball player shoots and misses, the ball bounces off the rim"
LEASE_SECONDS, MAX_ATTEMPTS = 3, 5
#: the queue part gives up when no job settled for this long (the jobs left count as lost)
STALL_SECONDS = 120


# -- subprocesses ------------------------------------------------------------------------

def db_url(data: Path) -> str:
    """tenku's default database for a data folder (the services run with no TENKU_* set)."""
    return f"sqlite:///{data / 'tenku.db'}"


def create_key(data: Path, env: dict[str, str]) -> str:
    """A new API key (``tenku keys create`` also applies the migrations)."""
    out = subprocess.run(tenku_cmd("keys", "create", "--data", data), env=env, check=True,
                         capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


# -- reads ---------------------------------------------------------------------------------

def video_row(owner: str, created_at: float):
    """A completed video as a finished job leaves it (the files themselves are not needed)."""
    from tenku.store.models import Video

    vid = "video_" + secrets.token_hex(16)
    prefix = f"videos/{vid}/a1"
    return Video(id=vid, owner=owner, model=MODEL, status="completed", progress=100,
                 stage="done", prompt=STORED_PROMPT, size=SIZE, seconds=SECONDS, kind="create",
                 created_at=created_at, completed_at=created_at + 2,
                 expires_at=created_at + 7 * 86400,
                 params={"backend": "sim", "quality": "draft", "seed": 0},
                 files={"video": f"{prefix}/video.mp4", "thumbnail": f"{prefix}/thumbnail.webp",
                        "spritesheet": f"{prefix}/spritesheet.jpg"})


def seed(data: Path, env: dict[str, str], rows: int) -> tuple[str, list[str]]:
    """A key with ``rows`` completed videos, one second apart; returns the key and the video
    ids newest first (the list's order)."""
    from sqlalchemy import select

    from tenku.store.db import Database
    from tenku.store.models import ApiKey

    key = create_key(data, env)
    db = Database(db_url(data))
    try:
        with db.session() as s:
            owner = s.scalars(select(ApiKey.id)).one()
            now = time.time()
            videos = [video_row(owner, now - rows + i) for i in range(rows)]
            s.add_all(videos)
    finally:
        db.dispose()
    return key, [v.id for v in reversed(videos)]


def bare_app():
    """tenku's two read routes in a bare FastAPI app, answering a fixed video resource (or
    page of 20) of the same size from sync handlers, as tenku's are: the framework's floor."""
    from fastapi import FastAPI

    from tenku.platform.videos import video_json

    video = video_json(video_row("key_" + "0" * 24, time.time()))
    page = {"object": "list", "data": [video] * 20, "first_id": video["id"],
            "last_id": video["id"], "has_more": True}
    app = FastAPI()

    @app.get("/v1/videos/{video_id}")
    def retrieve(video_id: str):
        return video

    @app.get("/v1/videos")
    def list_videos(after: str | None = None, limit: int = 20):
        return page

    return app


def serve_bare(port: int) -> int:
    import uvicorn

    uvicorn.run(bare_app(), host="127.0.0.1", port=port, log_level="warning",
                timeout_graceful_shutdown=5)
    return 0


async def load(port: int, paths: list[str], key: str, clients: int, seconds: float,
               warmup: float = 0.5) -> tuple[float, float, float]:
    """``clients`` connections each send GETs of ``paths`` (in turn) back to back, timed after
    ``warmup``; returns requests/s, p50 and p99 latency in ms. Any status but 200 raises."""
    requests = [f"GET {p} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {key}\r\n\r\n"
                .encode() for p in paths]
    latencies: list[float] = []
    begin = time.perf_counter() + warmup
    end = begin + seconds

    await asyncio.gather(*(keep_alive_client(port, requests, c, clients, lambda t: t < end,
                                             begin, latencies) for c in range(clients)))
    rate = len(latencies) / (time.perf_counter() - begin)
    latencies.sort()
    return (rate, 1000 * latencies[len(latencies) // 2],
            1000 * latencies[int(0.99 * (len(latencies) - 1))])


def check_pages(port: int, key: str, ids: list[str], deep: int) -> None:
    """The seeded rows are what the API lists, so the timed requests do the real work."""
    import httpx

    with httpx.Client(base_url=f"http://127.0.0.1:{port}",
                      headers={"authorization": f"Bearer {key}"}) as c:
        got = {"retrieve": [c.get(f"/v1/videos/{ids[0]}").json()["id"]],
               "first page": [v["id"] for v in c.get("/v1/videos?limit=20").json()["data"]],
               "deep page": [v["id"] for v in c.get(f"/v1/videos?limit=20&after={ids[deep]}")
                             .json()["data"]]}
    want = {"retrieve": ids[:1], "first page": ids[:20], "deep page": ids[deep + 1:deep + 21]}
    wrong = [name for name in want if got[name] != want[name]]
    if wrong:
        raise RuntimeError(f"tenku answered other videos than were stored: {', '.join(wrong)}")


def bench_reads(args, tmp: Path) -> list[tuple[str, tuple, tuple]]:
    """(endpoint, tenku figures, bare figures) for retrieve, first page and a deep page."""
    data = tmp / "reads"
    env = service_env()
    key, ids = seed(data, env, args.rows)
    deep = int(0.9 * len(ids))
    endpoints = [
        ("GET /v1/videos/{id}", [f"/v1/videos/{i}" for i in random.Random(args.seed)
                                 .sample(ids, len(ids))]),
        ("GET /v1/videos?limit=20", ["/v1/videos?limit=20"]),
        (f"  ... &after= (row {deep:,})", [f"/v1/videos?limit=20&after={ids[deep]}"]),
    ]
    results = []
    with Fleet(tmp) as fleet:
        tenku_port, bare_port = free_port(), free_port()
        server = fleet.start("reads-tenku", tenku_cmd("serve", "--data", data, "--port",
                                                      tenku_port, "--workers", 0), env)
        bare = fleet.start("reads-bare", [sys.executable, __file__, "--bare-port",
                                          str(bare_port)], env)
        fleet.wait_ready(server, tenku_port)
        fleet.wait_ready(bare, bare_port)
        check_pages(tenku_port, key, ids, deep)
        for name, paths in endpoints:
            figures = [asyncio.run(load(port, paths, key, args.clients, args.duration))
                       for port in (tenku_port, bare_port)]
            results.append((name, *figures))
    return results


# -- queue ---------------------------------------------------------------------------------

async def submit(port: int, key: str, jobs: int, concurrency: int = 8) -> None:
    """Create ``jobs`` videos through the API, ``concurrency`` requests at a time."""
    import httpx

    body = {"model": MODEL, "prompt": JOB_PROMPT, "size": SIZE, "seconds": SECONDS}

    async def post(count: int) -> None:
        for _ in range(count):
            r = await client.post("/v1/videos", json=body)
            r.raise_for_status()

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60,
                                 headers={"authorization": f"Bearer {key}"}) as client:
        await asyncio.gather(*(post(jobs // concurrency + (i < jobs % concurrency))
                               for i in range(concurrency)))


def unsettled_and_settled(db) -> tuple[int, int]:
    from sqlalchemy import func, select

    from tenku.store.models import Job

    with db.read() as s:
        counts = dict(s.execute(select(Job.status, func.count()).where(Job.kind == "video")
                                .group_by(Job.status)).all())
    return (counts.get("queued", 0) + counts.get("running", 0),
            counts.get("done", 0) + counts.get("failed", 0))


async def run_jobs(args, port: int, key: str, db, fleet: Fleet, spawn) -> int:
    """Submit the jobs while killing a random worker now and then, until every job settled
    (or none settled for STALL_SECONDS); returns the number of kills."""
    rng = random.Random(args.seed)
    workers = [spawn() for _ in range(args.workers)]
    submitting = asyncio.create_task(submit(port, key, args.jobs))
    kills, last_settled, progress_at = 0, -1, time.monotonic()
    next_kill = progress_at + rng.uniform(0.5, 1.5) * args.kill_every
    while True:
        await asyncio.sleep(0.25)
        now = time.monotonic()
        if now >= next_kill:
            victim = rng.randrange(len(workers))
            workers[victim].kill()
            workers[victim].wait()
            workers[victim] = spawn()
            kills += 1
            next_kill = now + rng.uniform(0.5, 1.5) * args.kill_every
        unsettled, settled = unsettled_and_settled(db)
        if settled != last_settled:
            last_settled, progress_at = settled, now
            if sys.stderr.isatty():
                print(f"  {settled}/{args.jobs} jobs settled, {kills} workers killed",
                      end="\r", file=sys.stderr, flush=True)
        if submitting.done():
            submitting.result()  # a failed submission ends the bench here
            if unsettled == 0:
                break
        if now - progress_at > STALL_SECONDS:
            print(f"\nno job settled in {STALL_SECONDS} s; a worker's log ends:\n"
                  f"{fleet.tail(workers[-1])}", file=sys.stderr)
            break
    if sys.stderr.isatty():
        print(file=sys.stderr)
    return kills


def audit(data: Path, started: float, kills: int) -> dict:
    """What the database says once every process is gone."""
    from sqlalchemy import func, select

    from tenku.store.blobs import open_blobs
    from tenku.store.db import Database
    from tenku.store.models import Job, JobAttempt, Video

    db = Database(db_url(data))
    blobs = open_blobs(str(data / "blobs"))
    try:
        with db.read() as s:
            videos = s.scalars(select(Video)).all()
            video_jobs = select(Job.id).where(Job.kind == "video")
            attempts = dict(s.execute(
                select(JobAttempt.outcome, func.count()).where(JobAttempt.job_id.in_(video_jobs))
                .group_by(JobAttempt.outcome)).all())
            completed_attempts = (select(JobAttempt.job_id)
                                  .where(JobAttempt.outcome == "completed",
                                         JobAttempt.job_id.in_(video_jobs))
                                  .group_by(JobAttempt.job_id).having(func.count() > 1))
            duplicated = len(s.scalars(completed_attempts).all())
            job_seconds = s.scalar(select(func.avg(JobAttempt.finished_at - JobAttempt.started_at))
                                   .where(JobAttempt.outcome == "completed",
                                          JobAttempt.job_id.in_(video_jobs)))
            last_settled = s.scalar(select(func.max(Job.finished_at)).where(Job.kind == "video"))
    finally:
        db.dispose()
    done = [v for v in videos if v.status == "completed"]
    failed = [v for v in videos if v.status == "failed"]
    without_file = sum(blobs.size((v.files or {}).get("video", "")) is None for v in done)
    wall = last_settled - started if last_settled else 0.0
    return {"jobs": len(videos), "completed": len(done), "failed": len(failed),
            "lost": len(videos) - len(done) - len(failed) + without_file,
            "duplicated": duplicated, "kills": kills, "taken back": attempts.get("lost", 0),
            "superseded": attempts.get("superseded", 0),
            "jobs/s": (len(done) + len(failed)) / wall if wall > 0 else 0.0,
            "wall s": wall, "job s": job_seconds or 0.0,
            "errors": sorted({v.error_message for v in failed})[:3]}


def bench_queue(args, tmp: Path) -> dict:
    data = tmp / "queue"
    scratch = tmp / "scratch"  # a killed worker leaves its job's temp folder behind
    scratch.mkdir()
    env = service_env(TENKU_LEASE_SECONDS=LEASE_SECONDS, TENKU_MAX_ATTEMPTS=MAX_ATTEMPTS,
                      TENKU_MAX_CONCURRENT_JOBS=args.jobs, TMPDIR=scratch)
    key = create_key(data, env)

    from tenku.store.db import Database

    db = Database(db_url(data))
    try:
        with Fleet(tmp) as fleet:
            port = free_port()
            server = fleet.start("queue-server", tenku_cmd("serve", "--data", data, "--port",
                                                           port, "--workers", 0), env)
            fleet.wait_ready(server, port)
            started = time.time()
            kills = asyncio.run(run_jobs(
                args, port, key, db, fleet,
                lambda: fleet.start("worker", tenku_cmd("worker", "--data", data), env)))
    finally:
        db.dispose()
    return audit(data, started, kills)


# -- report --------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="1,000 rows, 50 jobs, 2 s per endpoint (under a minute)")
    ap.add_argument("--rows", type=int, help="videos stored for the reads (default 10,000)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent connections (default 8)")
    ap.add_argument("--duration", type=float, help="seconds timed per endpoint (default 5)")
    ap.add_argument("--jobs", type=int, help="videos generated by the queue part (default 1,000)")
    ap.add_argument("--workers", type=int, default=3, help="tenku worker processes (default 3)")
    ap.add_argument("--kill-every", type=float, default=3.0,
                    help="mean seconds between worker kills (default 3)")
    ap.add_argument("--seed", type=int, default=0, help="picks ids and victims (default 0)")
    ap.add_argument("--bare-port", type=int, help=argparse.SUPPRESS)  # the bare app's process
    args = ap.parse_args()
    if args.bare_port:
        return serve_bare(args.bare_port)
    args.rows = args.rows or (1000 if args.quick else 10_000)
    args.duration = args.duration or (2.0 if args.quick else 5.0)
    args.jobs = args.jobs or (50 if args.quick else 1000)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the services on the way out

    with tempfile.TemporaryDirectory(prefix="tenku-bench-") as tmp:
        print(f"reads: {args.rows:,} videos of one key, {args.clients} clients, "
              f"{args.duration:g} s per endpoint, {os.cpu_count()} CPUs shared by client and "
              f"servers")
        print(f"{'endpoint':30s} {'req/s':>7s} {'p50 ms':>7s} {'p99 ms':>7s}   {'bare':>7s} "
              f"{'p50 ms':>7s} {'p99 ms':>7s}   {'req/s':>6s} {'p50':>6s}")
        for name, (rate, p50, p99), (b_rate, b_p50, b_p99) in bench_reads(args, Path(tmp)):
            print(f"{name:30s} {rate:7.0f} {p50:7.2f} {p99:7.2f}   {b_rate:7.0f} {b_p50:7.2f} "
                  f"{b_p99:7.2f}   {rate / b_rate:6.2f} {p50 / b_p50:6.2f}")
        print("(last two columns: tenku/bare)")

        print(f"\nqueue: {args.jobs:,} jobs ({MODEL} {SIZE}, {SECONDS} s) on {args.workers} "
              f"`tenku worker`, one SIGKILLed every ~{args.kill_every:g} s "
              f"(lease {LEASE_SECONDS} s, {MAX_ATTEMPTS} attempts)")
        q = bench_queue(args, Path(tmp))
    cols = ("jobs/s", "wall s", "job s", "completed", "failed", "lost", "duplicated", "kills",
            "taken back", "superseded")
    print(" ".join(f"{c:>10s}" for c in cols))
    print(" ".join(f"{q[c]:10.2f}" if isinstance(q[c], float) else f"{q[c]:10d}" for c in cols))
    print("(job s: mean seconds of a completed attempt; taken back: attempts of killed workers "
          "whose lease ran out)")
    for error in q["errors"]:
        print(f"failed: {error}")
    if q["jobs"] != args.jobs or q["lost"] or q["duplicated"]:
        print(f"FAIL: {args.jobs - q['jobs']} not submitted, {q['lost']} lost, "
              f"{q['duplicated']} duplicated")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
