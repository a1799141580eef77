"""FastAPI dependencies: the services bundle of this app and the caller's API key."""

from __future__ import annotations

import time
from dataclasses import dataclass

import anyio
from fastapi import Request

from tenku.platform.accounts import AccountService
from tenku.platform.characters import CharacterService
from tenku.platform.keys import authenticate
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

    @classmethod
    def build(cls, rt: Runtime) -> "Services":
        return cls(rt, VideoService(rt), CharacterService(rt), WebhookService(rt.db),
                   AccountService(rt), SocialService(rt))

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


#: authenticated keys by Authorization header, for KEY_CACHE_SECONDS: a busy client's requests
#: then skip a database round trip and a thread hop each (bench/api.py)
KEY_CACHE_SECONDS = 5.0
_keys: dict[str, tuple[ApiKey, float]] = {}


async def api_key(request: Request) -> ApiKey:
    header = request.headers.get("authorization") or ""
    hit = _keys.get(header)
    now = time.monotonic()
    if hit is not None and hit[1] > now:
        return hit[0]
    svc: Services = request.app.state.services

    def lookup() -> ApiKey:
        with svc.rt.db.read() as s:
            return authenticate(s, header)

    key = await anyio.to_thread.run_sync(lookup)
    if len(_keys) > 10_000:
        _keys.clear()
    _keys[header] = (key, now + KEY_CACHE_SECONDS)
    return key
