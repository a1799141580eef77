"""The service's tables (SQLAlchemy 2 declarative). Migrations in ``store/migrations`` create
them; ``tenku db upgrade`` applies those, never ``create_all``, so PostgreSQL deployments
upgrade the same way the embedded SQLite file does.

Times are Unix seconds as floats (the API shows whole seconds), so SQLite and PostgreSQL
compare them alike without time-zone surprises.
"""

from __future__ import annotations

from sqlalchemy import (JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String,
                        Text)
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
    """A saved character: how it looks (outfit and body colours as ``#rrggbb``, None: the
    figure's default), how tall it is and how it sounds (an espeak-ng voice; None: picked
    from the id). ``owner`` is the API key that made it, or None for one made with
    ``tenku character create`` (the data folder's own); ``blob`` is the video it was made
    from, when there was one."""

    __tablename__ = "characters"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str | None] = mapped_column(ForeignKey("api_keys.id"), index=True,
                                              nullable=True)
    name: Mapped[str] = mapped_column(String(80))
    blob: Mapped[str | None] = mapped_column(String(200), nullable=True)
    content_type: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    height: Mapped[float] = mapped_column(Float, default=1.78, server_default="1.78")
    shirt: Mapped[str | None] = mapped_column(String(7), nullable=True)
    pants: Mapped[str | None] = mapped_column(String(7), nullable=True)
    skin: Mapped[str | None] = mapped_column(String(7), nullable=True)
    hair: Mapped[str | None] = mapped_column(String(7), nullable=True)
    voice: Mapped[str | None] = mapped_column(String(40), nullable=True)
    voice_pitch: Mapped[int | None] = mapped_column(Integer, nullable=True)
    voice_rate: Mapped[int | None] = mapped_column(Integer, nullable=True)


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


# -- the app: people, invites, sessions, posts and what people do with them ------------------
class User(Base):
    """A person using the app. ``principal`` is the API-key row that owns their videos, so the
    app's generations run through the same video service and job engine as the API."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    username: Mapped[str] = mapped_column(String(30), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    principal: Mapped[str] = mapped_column(ForeignKey("api_keys.id"))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    bio: Mapped[str] = mapped_column(String(300), default="")
    #: False: a plain reverse-chronological feed
    personalize: Mapped[bool] = mapped_column(Boolean, default=True)
    #: "everyone" or "following" (for the chronological feed)
    feed_scope: Mapped[str] = mapped_column(String(20), default="everyone")
    #: "steer my feed" in the user's words, and its parsed embedding (see platform.feed)
    steer: Mapped[str] = mapped_column(String(300), default="")
    steer_vectors: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[float] = mapped_column(Float)


class Invite(Base):
    __tablename__ = "invites"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                   nullable=True, index=True)
    used_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Session(Base):
    """A signed-in browser. Only a SHA-256 of the cookie's token is kept."""

    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)


class Post(Base):
    """A video posted to the feed. One post per video (a unique key), so two tabs posting the
    same draft make one post."""

    __tablename__ = "posts"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"),
                                          unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    caption: Mapped[str] = mapped_column(String(500), default="")
    prompt: Mapped[str] = mapped_column(Text, default="")
    #: the post this one remixes (kept when that post is deleted, for the chain's record)
    remix_of: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    created_at: Mapped[float] = mapped_column(Float, index=True)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    comments: Mapped[int] = mapped_column(Integer, default=0)
    remixes: Mapped[int] = mapped_column(Integer, default=0)
    completions: Mapped[int] = mapped_column(Integer, default=0)
    #: sentence embedding of prompt + caption (for "steer my feed"), as a list of floats
    #: deferred: only the feed's ranking reads it (by column), pages of posts never do
    embedding: Mapped[list | None] = mapped_column(JSON, nullable=True, deferred=True)

    #: a profile's posts and the feed's "followed creators" candidates, newest first
    __table_args__ = (Index("ix_posts_user_created", "user_id", "created_at"),)


class Like(Base):
    __tablename__ = "likes"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    created_at: Mapped[float] = mapped_column(Float)


class Completion(Base):
    """Someone watched a post to its end (counted once per person)."""

    __tablename__ = "completions"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                         primary_key=True)
    created_at: Mapped[float] = mapped_column(Float)


class Comment(Base):
    __tablename__ = "comments"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: the comment this replies to; replies are one level deep
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"),
                                                  nullable=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)


class Follow(Base):
    __tablename__ = "follows"
    follower_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             primary_key=True)
    followee_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             primary_key=True, index=True)
    created_at: Mapped[float] = mapped_column(Float)


class Notification(Base):
    __tablename__ = "notifications"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: like, comment, reply, follow, remix
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[str | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                                nullable=True)
    comment_id: Mapped[str | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    read_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Mark(Base):
    """One marked and signed video, by its watermark payload: what ``tenku verify`` and
    ``tenku lookup`` find a clip's origin in. Server videos have ``video_id``; videos made
    with ``tenku generate`` have the ``path`` they were written to."""

    __tablename__ = "marks"
    payload: Mapped[str] = mapped_column(String(16), primary_key=True)  # hex
    video_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    source: Mapped[str] = mapped_column(String(10))  # "server" or "cli"
    path: Mapped[str | None] = mapped_column(Text, nullable=True)
    backend: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(80))
    script_sha256: Mapped[str] = mapped_column(String(64))
    parent_video_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    visible_mark: Mapped[bool] = mapped_column(Boolean)
    handle: Mapped[str | None] = mapped_column(String(40), nullable=True)
    duration: Mapped[float] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)
    #: perceptual fingerprint (tenku.provenance.fingerprint), read only by lookups
    fingerprint: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
