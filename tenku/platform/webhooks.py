"""Webhooks, signed exactly as OpenAI signed them (the Standard Webhooks scheme): headers
``webhook-id``, ``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">``, keyed with the endpoint's ``whsec_<base64>`` secret, so the
official SDK's ``client.webhooks.unwrap`` verifies them.

Events are written as ``webhook`` jobs in the same transaction as the video change that
causes them (an outbox): a completed video always gets its ``video.completed`` delivery, even
if the server stops right after. Each delivery keeps its event id across retries; failures
back off exponentially (``webhook_backoff_seconds`` doubling, ``webhook_attempts`` in all).
Endpoints are managed with the SDK's ``client.webhooks.create/list/retrieve/delete``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenku.jobs import JobContext, JobError, JobQueue
from tenku.platform.errors import InvalidRequest, NotFound, storable
from tenku.settings import Settings
from tenku.store.models import ApiKey, WebhookEndpoint

EVENT_TYPES = ("video.completed", "video.failed")


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{webhook_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def endpoint_json(e: WebhookEndpoint, with_secret: bool = False) -> dict:
    data = {"id": e.id, "object": "webhook_endpoint", "name": e.name, "url": e.url,
            "event_types": list(e.event_types), "created_at": int(e.created_at),
            "updated_at": int(e.updated_at) if e.updated_at else None,
            "signing_secret_hint": e.secret[:10] + "..." + e.secret[-4:]}
    if with_secret:
        data["signing_secret"] = e.secret
    return data


def enqueue_event(s: Session, settings: Settings, owner: str, event_type: str,
                  video_id: str) -> None:
    """Queue ``event_type`` for every endpoint of ``owner`` that subscribed to it."""
    endpoints = s.scalars(select(WebhookEndpoint).where(WebhookEndpoint.owner == owner)).all()
    now = int(time.time())
    for e in endpoints:
        if event_type not in e.event_types:
            continue
        event = {"id": "evt_" + secrets.token_hex(16), "object": "event", "created_at": now,
                 "type": event_type, "data": {"id": video_id}}
        JobQueue.enqueue(s, kind="webhook", payload={"endpoint": e.id, "event": event},
                         owner=owner, max_attempts=settings.webhook_attempts)


def deliver(settings: Settings, session_factory, ctx: JobContext) -> None:
    """The ``webhook`` job handler: POST the event; anything but a 2xx is retried."""
    import httpx

    with session_factory() as s:
        e = s.get(WebhookEndpoint, ctx.claim.payload["endpoint"])
        target = (e.url, e.secret) if e is not None else None
    if target is None:
        return  # the endpoint was deleted since; nothing to deliver
    url, secret = target
    event = ctx.claim.payload["event"]
    body = json.dumps(event, separators=(",", ":"))
    ts = int(time.time())
    headers = {"content-type": "application/json", "user-agent": "tenku-webhooks/1",
               "webhook-id": event["id"], "webhook-timestamp": str(ts),
               "webhook-signature": sign(secret, event["id"], ts, body)}
    delay = settings.webhook_backoff_seconds * 2 ** (ctx.claim.attempt - 1)
    try:
        r = httpx.post(url, content=body, headers=headers, timeout=10.0)
    except httpx.HTTPError as err:
        raise JobError(f"delivery to {url} failed: {err}", code="webhook_failed",
                       retry_in=delay) from None
    if not 200 <= r.status_code < 300:
        raise JobError(f"{url} answered HTTP {r.status_code}", code="webhook_failed",
                       retry_in=delay)


class WebhookService:
    def __init__(self, db):
        self.db = db

    def create(self, key: ApiKey, *, url, event_types, name=None) -> dict:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise InvalidRequest("'url' must be an http(s) URL.", param="url",
                                 code="invalid_url")
        if (not isinstance(event_types, list) or not event_types
                or any(t not in EVENT_TYPES for t in event_types)):
            raise InvalidRequest(f"'event_types' must list some of {', '.join(EVENT_TYPES)}.",
                                 param="event_types", code="invalid_event_types")
        e = WebhookEndpoint(id="we_" + secrets.token_hex(12), owner=key.id,
                            name=str(name or url)[:200], url=url,
                            event_types=sorted(set(event_types)), secret=new_secret(),
                            created_at=time.time())
        with self.db.session() as s:
            s.add(e)
        return endpoint_json(e, with_secret=True)

    def _owned(self, s: Session, key: ApiKey, endpoint_id: str) -> WebhookEndpoint:
        e = s.get(WebhookEndpoint, endpoint_id) if storable(endpoint_id) else None
        if e is None or e.owner != key.id:
            raise NotFound(f"No webhook endpoint found with id '{endpoint_id}'.",
                           param="webhook_endpoint_id", code="webhook_endpoint_not_found")
        return e

    def get(self, key: ApiKey, endpoint_id: str) -> dict:
        with self.db.read() as s:
            return endpoint_json(self._owned(s, key, endpoint_id))

    def list(self, key: ApiKey) -> dict:
        with self.db.read() as s:
            rows = s.scalars(select(WebhookEndpoint).where(WebhookEndpoint.owner == key.id)
                             .order_by(WebhookEndpoint.created_at.desc())).all()
            data = [endpoint_json(e) for e in rows]
        return {"object": "list", "data": data, "has_more": False,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None}

    def delete(self, key: ApiKey, endpoint_id: str) -> dict:
        with self.db.session() as s:
            s.delete(self._owned(s, key, endpoint_id))
        return {"id": endpoint_id, "object": "webhook_endpoint.deleted", "deleted": True}
