"""Jobs in the database: enqueue, claim under a lease, renew, finish, take back from the dead.

Guarantees, and how:
- **Nothing is lost.** A job is a row written in the same transaction as the thing it works
  for (the video row), so a request either stored both or neither; workers only ever move it
  between states, and a job whose worker stopped renewing its lease goes back to ``queued``
  (or to ``failed`` after ``max_attempts``) when anyone next calls :meth:`JobQueue.reap`.
- **Nothing finishes twice.** Every change a worker makes is fenced on
  ``(lease_owner, attempts, status == "running")``: once a job was taken back, the old
  worker's late ``complete`` matches no row and is thrown away, together with whatever the
  handler wanted to write in that transaction.
- **One claimant at a time.** PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED``. SQLite: the
  claim runs inside ``BEGIN IMMEDIATE`` (see ``store.db``), which serialises writers.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenku.store.db import Database
from tenku.store.models import Job, JobAttempt

#: kind -> fn(session, job, code, message), called in the transaction that fails a job for good
FailedHook = Callable[[Session, Job, str, str], None]


@dataclass(frozen=True)
class Claim:
    job_id: str
    kind: str
    payload: dict
    video_id: str | None
    attempt: int
    max_attempts: int
    worker: str


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


class JobQueue:
    def __init__(self, db: Database, *, lease_seconds: float = 20.0,
                 on_failed: dict[str, FailedHook] | None = None):
        self.db = db
        self.lease_seconds = lease_seconds
        self.on_failed = on_failed or {}

    # -- producers -----------------------------------------------------------------------
    @staticmethod
    def enqueue(session: Session, *, kind: str, payload: dict, video_id: str | None = None,
                owner: str | None = None, priority: int = 0, max_attempts: int = 3,
                delay: float = 0.0) -> Job:
        """Add a job inside the caller's transaction (so it exists iff the caller commits)."""
        now = time.time()
        job = Job(id=new_id("job"), kind=kind, payload=payload, video_id=video_id, owner=owner,
                  status="queued", priority=priority, attempts=0, max_attempts=max_attempts,
                  available_at=now + delay, created_at=now)
        session.add(job)
        return job

    @staticmethod
    def cancel(session: Session, video_id: str) -> int:
        """Stop a video's unfinished jobs: queued ones never start; a running one loses its
        lease, so its worker stops at the next progress report and its result is dropped."""
        return session.execute(
            update(Job).where(Job.video_id == video_id, Job.kind == "video",
                              Job.status.in_(("queued", "running")))
            .values(status="cancelled", finished_at=time.time(), lease_owner=None)).rowcount

    # -- workers -------------------------------------------------------------------------
    def claim(self, worker: str, kinds: tuple[str, ...] | None = None) -> Claim | None:
        now = time.time()
        with self.db.session() as s:
            q = (select(Job).where(Job.status == "queued", Job.available_at <= now)
                 .order_by(Job.priority.desc(), Job.available_at, Job.created_at).limit(1))
            if kinds:
                q = q.where(Job.kind.in_(kinds))
            if not self.db.is_sqlite:
                q = q.with_for_update(skip_locked=True)
            job = s.scalars(q).first()
            if job is None:
                return None
            job.status, job.lease_owner = "running", worker
            job.lease_expires_at = now + self.lease_seconds
            job.attempts += 1
            s.add(JobAttempt(job_id=job.id, attempt=job.attempts, worker=worker, started_at=now))
            return Claim(job.id, job.kind, dict(job.payload or {}), job.video_id, job.attempts,
                         job.max_attempts, worker)

    def _fenced(self, s: Session, c: Claim, **values) -> bool:
        return s.execute(
            update(Job).where(Job.id == c.job_id, Job.lease_owner == c.worker,
                              Job.attempts == c.attempt, Job.status == "running")
            .values(**values)).rowcount == 1

    def heartbeat(self, c: Claim) -> bool:
        """Renew the lease. False: the job was cancelled or taken back; stop working on it."""
        with self.db.session() as s:
            return self._fenced(s, c, lease_expires_at=time.time() + self.lease_seconds)

    def complete(self, c: Claim, apply: Callable[[Session], None] | None = None) -> bool:
        """Finish the job and run ``apply`` in the same transaction, only if still held."""
        with self.db.session() as s:
            if not self._fenced(s, c, status="done", finished_at=time.time(), lease_owner=None):
                s.rollback()
                self.note_attempt(c, "superseded")
                return False
            if apply:
                apply(s)
            self._set_attempt(s, c, "completed")
        return True

    def fail(self, c: Claim, message: str, *, code: str = "job_failed",
             retry_in: float | None = None) -> str:
        """Fail this attempt. With ``retry_in`` and attempts left the job is queued again
        after that delay; otherwise it fails for good and the kind's failed hook runs.
        Returns the job's new status ("queued", "failed" or "superseded")."""
        now = time.time()
        with self.db.session() as s:
            if retry_in is not None and c.attempt < c.max_attempts:
                if not self._fenced(s, c, status="queued", available_at=now + retry_in,
                                    lease_owner=None, lease_expires_at=None, last_error=message):
                    s.rollback()
                    self.note_attempt(c, "superseded")
                    return "superseded"
                self._set_attempt(s, c, "failed", message)
                return "queued"
            if not self._fenced(s, c, status="failed", finished_at=now, lease_owner=None,
                                last_error=message):
                s.rollback()
                self.note_attempt(c, "superseded")
                return "superseded"
            self._set_attempt(s, c, "failed", message)
            job = s.get(Job, c.job_id)
            hook = self.on_failed.get(c.kind)
            if hook:
                hook(s, job, code, message)
            return "failed"

    def release(self, c: Claim) -> bool:
        """Give a job back unfinished because its worker is shutting down: queued again at
        once, and the attempt does not count against ``max_attempts``."""
        with self.db.session() as s:
            if not self._fenced(s, c, status="queued", attempts=c.attempt - 1,
                                lease_owner=None, lease_expires_at=None):
                return False
            self._set_attempt(s, c, "interrupted")
            return True

    def reap(self) -> int:
        """Take back jobs whose worker stopped renewing the lease (killed, machine lost):
        queue them again, or fail them for good once they have used all their attempts."""
        now = time.time()
        taken = 0
        with self.db.session() as s:
            dead = s.scalars(select(Job).where(Job.status == "running",
                                               Job.lease_expires_at < now)).all()
            for job in dead:
                holder = job.lease_owner
                s.execute(update(JobAttempt)
                          .where(JobAttempt.job_id == job.id, JobAttempt.attempt == job.attempts)
                          .values(outcome="lost", finished_at=now,
                                  error=f"worker {holder} stopped renewing its lease"))
                job.lease_owner, job.lease_expires_at = None, None
                if job.attempts >= job.max_attempts:
                    message = (f"the worker running this job stopped {job.attempts} time(s) "
                               f"(last: {holder}); gave up after {job.max_attempts} attempts")
                    job.status, job.finished_at, job.last_error = "failed", now, message
                    hook = self.on_failed.get(job.kind)
                    if hook:
                        hook(s, job, "worker_lost", message)
                else:
                    job.status, job.available_at = "queued", now
                    job.last_error = f"worker {holder} stopped; retrying"
                taken += 1
        return taken

    # -- audit ---------------------------------------------------------------------------
    @staticmethod
    def _set_attempt(s: Session, c: Claim, outcome: str, error: str | None = None) -> None:
        s.execute(update(JobAttempt)
                  .where(JobAttempt.job_id == c.job_id, JobAttempt.attempt == c.attempt,
                         JobAttempt.worker == c.worker, JobAttempt.outcome == "running")
                  .values(outcome=outcome, finished_at=time.time(), error=error))

    def note_attempt(self, c: Claim, outcome: str) -> None:
        with self.db.session() as s:
            s.execute(update(JobAttempt)
                      .where(JobAttempt.job_id == c.job_id, JobAttempt.attempt == c.attempt,
                             JobAttempt.worker == c.worker, JobAttempt.outcome == "running")
                      .values(outcome=outcome, finished_at=time.time()))
