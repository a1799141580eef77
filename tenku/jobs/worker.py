"""A worker: claim a job, run its handler while a side thread renews the lease, finish it.

Handlers get a :class:`JobContext`. They report progress through it (which is also where a
cancelled or taken-back job stops: the next report raises :class:`Cancelled`) and end with
``ctx.complete(apply)``, where ``apply(session)`` writes the job's results in the same
transaction that marks it done. A handler that raises :class:`JobError` fails the attempt
with that message (retried after ``retry_in`` seconds if given and attempts are left); any
other exception fails the job for good, because running the same bug again helps nobody.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from typing import Callable

from sqlalchemy.orm import Session

from tenku.jobs.queue import Claim, JobQueue

log = logging.getLogger("tenku.jobs")


class Cancelled(Exception):
    """The job was cancelled or taken back while running; drop the work."""


class Interrupted(Exception):
    """The worker is shutting down; give the job back for another worker."""


class JobError(Exception):
    def __init__(self, message: str, *, code: str = "job_failed", retry_in: float | None = None):
        super().__init__(message)
        self.code, self.retry_in = code, retry_in


class JobContext:
    def __init__(self, queue: JobQueue, claim: Claim, stopping: threading.Event | None = None):
        self.queue, self.claim = queue, claim
        self.lost = threading.Event()
        self.stopping = stopping or threading.Event()
        self.completed = False

    def check(self) -> None:
        """Called at every progress report: stop here if the job is gone or we are."""
        if self.lost.is_set():
            raise Cancelled(self.claim.job_id)
        if self.stopping.is_set():
            raise Interrupted(self.claim.job_id)

    def complete(self, apply: Callable[[Session], None] | None = None) -> None:
        if not self.queue.complete(self.claim, apply):
            raise Cancelled(self.claim.job_id)
        self.completed = True


Handler = Callable[[JobContext], None]


class Worker:
    def __init__(self, queue: JobQueue, handlers: dict[str, Handler], name: str, *,
                 poll_seconds: float = 0.25, reap_seconds: float = 2.0):
        self.queue, self.handlers, self.name = queue, handlers, name
        self.poll_seconds, self.reap_seconds = poll_seconds, reap_seconds

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set; a job running then is given back at its next progress
        report. Database hiccups are logged and retried, never fatal."""
        next_reap = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() >= next_reap:
                    self.queue.reap()
                    next_reap = time.monotonic() + self.reap_seconds
                if not self.run_one(stop):
                    stop.wait(self.poll_seconds)
            except Exception:  # noqa: BLE001 - a worker must outlive a database restart
                log.exception("worker %s: loop error; retrying in 1 s", self.name)
                stop.wait(1.0)

    def run_one(self, stop: threading.Event | None = None) -> bool:
        """Claim and run one job; False when there was nothing to do."""
        claim = self.queue.claim(self.name, tuple(self.handlers))
        if claim is None:
            return False
        ctx = JobContext(self.queue, claim, stop)
        beat_stop = threading.Event()
        beat = threading.Thread(target=self._beat, args=(ctx, beat_stop), daemon=True,
                                name=f"lease-{claim.job_id}")
        beat.start()
        try:
            self.handlers[claim.kind](ctx)
            if not ctx.completed:
                ctx.complete()
        except Cancelled:
            self.queue.note_attempt(claim, "cancelled")
            log.info("job %s dropped: cancelled or taken back", claim.job_id)
        except Interrupted:
            self.queue.release(claim)
            log.info("job %s given back: worker %s is stopping", claim.job_id, self.name)
        except JobError as err:
            self.queue.fail(claim, str(err), code=err.code, retry_in=err.retry_in)
        except Exception as err:  # noqa: BLE001 - any bug becomes a failed job, not a dead worker
            log.error("job %s crashed:\n%s", claim.job_id, traceback.format_exc())
            self.queue.fail(claim, f"internal error: {type(err).__name__}: {err}",
                            code="internal_error")
        finally:
            beat_stop.set()
            beat.join()
        return True

    def _beat(self, ctx: JobContext, stop: threading.Event) -> None:
        interval = self.queue.lease_seconds / 4
        while not stop.wait(interval):
            try:
                if not self.queue.heartbeat(ctx.claim):
                    ctx.lost.set()
                    return
            except Exception:  # noqa: BLE001 - a missed beat is retried; the lease has slack
                log.warning("lease renewal for %s failed; retrying", ctx.claim.job_id)
