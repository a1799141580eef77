"""FastAPI dependencies: the services bundle of this app and the caller's API key."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import anyio
from fastapi import Request

from tenku.platform.accounts import AccountService
from tenku.platform.characters import CharacterService
from tenku.platform.keys import authenticate
from tenku.platform.provenance import ProvenanceService
from tenku.platform.runtime import Runtime
from tenku.platform.social import SocialService
from tenku.platform.videos import VideoService
from tenku.platform.webhooks import WebhookService
from tenku.store.models import ApiKey


@dataclass
class Services:
    rt: Runtime
    videos: VideoService
    characters: CharacterService
    webhooks: WebhookService
    accounts: AccountService
    social: SocialService
    provenance: ProvenanceService
    #: authenticated keys by Authorization header, kept KEY_CACHE_SECONDS: a busy client's
    #: requests then skip a database round trip and a thread hop each (bench/api.py). Per
    #: app, since each app has its own database.
    keys: dict[str, tuple[ApiKey, float]] = field(default_factory=dict)

    @classmethod
    def build(cls, rt: Runtime) -> "Services":
        return cls(rt, VideoService(rt), CharacterService(rt), WebhookService(rt.db),
                   AccountService(rt), SocialService(rt), ProvenanceService(rt.db, rt.settings))

    @property
    def settings(self):
        return self.rt.settings

    @property
    def blobs(self):
        return self.rt.blobs

    @property
    def max_body(self) -> int:
        return int(self.rt.settings.max_body_mb * 1024 * 1024)


def services(request: Request) -> Services:
    return request.app.state.services


KEY_CACHE_SECONDS = 5.0


async def api_key(request: Request) -> ApiKey:
    svc: Services = request.app.state.services
    header = request.headers.get("authorization") or ""
    hit = svc.keys.get(header)
    now = time.monotonic()
    if hit is not None and hit[1] > now:
        return hit[0]

    def lookup() -> ApiKey:
        with svc.rt.db.read() as s:
            return authenticate(s, header)

    key = await anyio.to_thread.run_sync(lookup)
    if len(svc.keys) > 10_000:
        svc.keys.clear()
    svc.keys[header] = (key, now + KEY_CACHE_SECONDS)
    return key
