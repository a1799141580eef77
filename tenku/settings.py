"""One settings object for the service, read in one place.

Every deployment choice (database, blob store, executor, limits, retention) is configuration:
``TENKU_*`` environment variables, else a ``tenku.toml`` in the data folder, else the embedded
defaults (SQLite and a blob folder inside the data folder, an in-process worker). Switching to
PostgreSQL + S3 + Ray is a matter of setting three variables, never of editing code.

| variable | default | what it chooses |
|---|---|---|
| ``TENKU_DATA`` | ``~/.local/share/tenku`` | the data folder |
| ``TENKU_DATABASE_URL`` | ``sqlite:///DATA/tenku.db`` | any SQLAlchemy URL (``postgresql+psycopg://...``) |
| ``TENKU_BLOBS`` | ``DATA/blobs`` | a folder, or ``s3://bucket/prefix`` |
| ``TENKU_S3_ENDPOINT_URL`` | AWS | an S3-compatible endpoint (MinIO, Ceph, moto) |
| ``TENKU_EXECUTOR`` | ``inprocess`` | ``inprocess``, ``ray`` or ``none`` (API only) |
| ``TENKU_WORKERS`` | ``1`` | worker threads (inprocess) or actors (ray) |
| ``TENKU_RAY_ADDRESS`` | a local cluster | ``auto`` or ``ray://host:10001`` |
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

EXECUTORS = ("inprocess", "ray", "none")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    blobs: str
    s3_endpoint_url: str | None = None
    executor: str = "inprocess"
    workers: int = 1
    ray_address: str | None = None
    #: hours a finished video's files stay downloadable (``expires_at``); 0 keeps them forever
    retention_hours: float = 24 * 7
    #: queued + running jobs one API key may have at once (more get 429)
    max_concurrent_jobs: int = 8
    #: a worker that died mid-job is retried this many times in all, then the video fails
    max_attempts: int = 3
    #: a running job whose worker has not renewed its lease for this long is taken back
    lease_seconds: float = 20.0
    #: webhook deliveries: attempts, and the first retry delay (doubles each time)
    webhook_attempts: int = 8
    webhook_backoff_seconds: float = 2.0
    #: the largest request body accepted (uploads included)
    max_body_mb: float = 50.0
    #: what create_and_poll is told to wait between polls
    poll_after_ms: int = 1000
    #: comma-separated terms whose prompts are refused (``moderation_blocked``)
    blocked_terms: str = ""
    #: let ``input_reference[image_url]`` reach loopback and private networks (off: SSRF)
    fetch_private_urls: bool = False
    #: the app: invite codes each new account gets, and the videos it makes (long side in
    #: pixels, quality preset)
    invites_per_user: int = 4
    app_long_side: int = 1280
    app_quality: str = "standard"
    #: days a signed-in browser stays signed in
    session_days: float = 30.0
    #: draw the moving "tenku @handle" mark on API videos (the app's videos always carry it:
    #: the feed never shows a video without it)
    visible_mark: bool = True
    #: the operator's own C2PA signing certificate chain and key (PEM files); unset, tenku
    #: makes its own CA in DATA/provenance on first use
    c2pa_cert: str = ""
    c2pa_key: str = ""

    def c2pa_path(self, which: str) -> Path | None:
        value = self.c2pa_cert if which == "cert" else self.c2pa_key
        return Path(value).expanduser() if value else None


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "tenku"


_ENV = {f.name: "TENKU_" + f.name.upper() for f in fields(Settings)}
_ENV["data_dir"] = "TENKU_DATA"


def load_settings(data_dir: str | Path | None = None, **overrides) -> Settings:
    """Settings from (highest first) ``overrides``, the environment, ``DATA/tenku.toml``,
    the defaults. Raises ValueError naming the setting that is wrong."""
    data = Path(data_dir or os.environ.get("TENKU_DATA") or default_data_dir()).expanduser()
    file_values: dict = {}
    toml = data / "tenku.toml"
    if toml.exists():
        try:
            file_values = tomllib.loads(toml.read_text())
        except tomllib.TOMLDecodeError as err:
            raise ValueError(f"{toml}: {err}") from None
    values: dict = {"data_dir": data,
                    "database_url": f"sqlite:///{data / 'tenku.db'}",
                    "blobs": str(data / "blobs")}
    types = {f.name: f.type for f in fields(Settings)}
    for name, env in _ENV.items():
        if name == "data_dir":
            continue
        raw = os.environ.get(env, file_values.get(name))
        if raw is None:
            continue
        values[name] = _coerce(name, env, raw, types[name])
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)
    if settings.executor not in EXECUTORS:
        raise ValueError(f"TENKU_EXECUTOR must be one of {', '.join(EXECUTORS)}, "
                         f"got {settings.executor!r}")
    if settings.workers < 0 or settings.max_attempts < 1 or settings.max_concurrent_jobs < 1:
        raise ValueError("TENKU_WORKERS must be >= 0, TENKU_MAX_ATTEMPTS and "
                         "TENKU_MAX_CONCURRENT_JOBS >= 1")
    return settings


def _coerce(name: str, env: str, raw, kind: str):
    if kind == "bool":
        text = str(raw).strip().lower()
        if text not in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
            raise ValueError(f"{env} must be true or false, got {raw!r}")
        return text in ("1", "true", "yes", "on")
    try:
        if "int" in kind and "float" not in kind:
            return int(raw)
        if "float" in kind:
            return float(raw)
    except ValueError:
        raise ValueError(f"{env} must be a number, got {raw!r}") from None
    return str(raw)
