"""API keys: ``sk-tenku-`` + 43 random URL-safe characters (256 bits). Only a SHA-256 of the
key is stored; the key itself is shown once, when it is created."""

from __future__ import annotations

import hashlib
import secrets
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenku.platform.errors import Unauthorized
from tenku.store.models import ApiKey

PREFIX = "sk-tenku-"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, name: str = "",
               max_concurrent_jobs: int | None = None) -> tuple[ApiKey, str]:
    if max_concurrent_jobs is not None and max_concurrent_jobs < 1:
        raise ValueError(f"--max-jobs must be at least 1, got {max_concurrent_jobs}")
    secret = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(id="key_" + secrets.token_hex(12), name=name[:200], secret_hash=_hash(secret),
                 hint=f"{secret[:13]}...{secret[-4:]}", created_at=time.time(),
                 max_concurrent_jobs=max_concurrent_jobs)
    session.add(key)
    return key, secret


def authenticate(session: Session, authorization: str | None) -> ApiKey:
    """The key named by an ``Authorization: Bearer ...`` header, or Unauthorized saying why."""
    if not authorization:
        raise Unauthorized("You didn't provide an API key. Send it as 'Authorization: Bearer "
                           "sk-tenku-...'; create one with `tenku keys create`.",
                           code="missing_api_key")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("The Authorization header must be 'Bearer <API key>'.",
                           code="invalid_api_key")
    key = session.scalar(select(ApiKey).where(ApiKey.secret_hash == _hash(token)))
    if key is None or key.revoked_at is not None:
        shown = token if len(token) < 12 else f"{token[:9]}...{token[-4:]}"
        raise Unauthorized(f"Incorrect API key provided: {shown}. Create a key with "
                           "`tenku keys create`.", code="invalid_api_key")
    return key
