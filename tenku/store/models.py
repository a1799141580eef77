"""The service's tables (SQLAlchemy 2 declarative). Migrations in ``store/migrations`` create
them; ``tenku db upgrade`` applies those, never ``create_all``, so PostgreSQL deployments
upgrade the same way the embedded SQLite file does.

Times are Unix seconds as floats (the API shows whole seconds), so SQLite and PostgreSQL
compare them alike without time-zone surprises.
"""

from __future__ import annotations

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ApiKey(Base):
    """An API key; only the SHA-256 of the secret is kept (keys are 256 random bits, so a
    fast hash is enough: there is nothing to guess)."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(40))  # "sk-tenku-abcd…wxyz", for listings
    created_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: queued + running jobs this key may have at once; None: the server's default
    max_concurrent_jobs: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Video(Base):
    __tablename__ = "videos"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), index=True)
    model: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str | None] = mapped_column(String(20), nullable=True)
    prompt: Mapped[str | None] = mapped_column(Text, nullable=True)
    size: Mapped[str] = mapped_column(String(20))
    seconds: Mapped[str] = mapped_column(String(8))
    #: "create", "remix", "edit" or "extension"
    kind: Mapped[str] = mapped_column(String(20), default="create")
    remixed_from_video_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    completed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: what the job needs: backend, quality, size, seconds, seed, parent script, ...
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: variant -> blob key, filled in when the video completes
    files: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_videos_owner_created", "owner", "created_at", "id"),)


class Job(Base):
    """One unit of durable work. ``lease_owner`` + ``lease_expires_at`` say which worker holds
    it and until when; a worker renews the lease while it runs and every state change it makes
    is fenced on still holding it, so a job taken back from a dead worker cannot be finished
    twice."""

    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "video" or "webhook"
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    video_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    owner: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: queued, running, done, failed, cancelled
    status: Mapped[str] = mapped_column(String(20), default="queued")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    available_at: Mapped[float] = mapped_column(Float)
    lease_owner: Mapped[str | None] = mapped_column(String(120), nullable=True)
    lease_expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_jobs_claim", "status", "priority", "available_at"),)


class JobAttempt(Base):
    """An audit row per claim: who ran which attempt and how it ended (completed, failed,
    lost, cancelled). Tests count these to prove no job ran twice to completion."""

    __tablename__ = "job_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    outcome: Mapped[str] = mapped_column(String(20), default="running")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class Character(Base):
    __tablename__ = "characters"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    blob: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[float] = mapped_column(Float)


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    event_types: Mapped[list] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(120))  # whsec_...; needed to sign, so kept
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float | None] = mapped_column(Float, nullable=True)
