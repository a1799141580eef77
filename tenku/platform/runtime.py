"""Wiring: settings -> database, blob store, job queue, job handlers, executor.

``tenku serve`` builds one :class:`Runtime` and starts the configured executor; every worker,
whether a thread of the server, a Ray actor on another node or a ``tenku worker`` process,
calls :func:`worker_main`, which builds its own Runtime from the same settings. That is all
a worker needs: the database and the blob store are the only things they share.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenku.jobs import JobQueue, Worker
from tenku.jobs.executors import Executor, make_executor
from tenku.settings import Settings
from tenku.store.blobs import BlobStore, open_blobs
from tenku.store.db import Database
from tenku.store.models import Job, Video

log = logging.getLogger("tenku.runtime")


class Runtime:
    def __init__(self, settings: Settings):
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = Database(settings.database_url)
        self.blobs: BlobStore = open_blobs(settings.blobs, settings.s3_endpoint_url)
        self.queue = JobQueue(self.db, lease_seconds=settings.lease_seconds,
                              on_failed={"video": self._video_failed})
        self._executor: Executor | None = None
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None

    def _video_failed(self, s: Session, job: Job, code: str, message: str) -> None:
        """A video job failed for good: the video says why, and webhooks are told."""
        from tenku.platform.webhooks import enqueue_event

        v = s.get(Video, job.video_id)
        if v is None:
            return
        v.status, v.completed_at = "failed", time.time()
        v.error_code, v.error_message = code, message
        enqueue_event(s, self.settings, v.owner, "video.failed", v.id)
        self.blobs.delete_prefix(f"videos/{v.id}")  # what its killed attempts left behind

    def handlers(self) -> dict:
        from tenku.platform.generation import run_video_job
        from tenku.platform.webhooks import deliver

        return {"video": functools.partial(run_video_job, self),
                "webhook": functools.partial(deliver, self.settings, self.db.read)}

    # -- serving -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the configured executor's workers and the retention sweeper."""
        s = self.settings
        self._executor = make_executor(s.executor, s.ray_address)
        if self._executor is not None and s.workers > 0:
            self._executor.start(functools.partial(worker_main, s), s.workers)
        self._sweeper = threading.Thread(target=self._sweep_loop, daemon=True,
                                         name="tenku-sweeper")
        self._sweeper.start()

    def stop(self) -> None:
        self._stop.set()
        if self._executor is not None:
            self._executor.stop()
        self.db.dispose()

    def _sweep_loop(self) -> None:
        while not self._stop.wait(60.0):
            try:
                self.sweep_expired()
            except Exception:  # noqa: BLE001 - retried next minute
                log.exception("retention sweep failed")

    def sweep_expired(self) -> int:
        """Delete the files of videos past ``expires_at`` (the rows stay, as OpenAI's did)."""
        now = time.time()
        with self.db.session() as s:
            expired = s.scalars(select(Video).where(Video.expires_at < now,
                                                    Video.status == "completed")).all()
            ids = [v.id for v in expired if v.files]
            for v in expired:
                v.files = {}
        for vid in ids:
            self.blobs.delete_prefix(f"videos/{vid}")
        return len(ids)


def worker_main(settings: Settings, name: str, stop: threading.Event) -> None:
    """One worker loop (a server thread, a Ray actor or ``tenku worker``) until ``stop``."""
    rt = Runtime(settings)
    try:
        Worker(rt.queue, rt.handlers(), name).run(stop)
    finally:
        rt.db.dispose()
