"""FastAPI dependencies: the services bundle of this app and the caller's API key."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from tenku.platform.characters import CharacterService
from tenku.platform.keys import authenticate
from tenku.platform.runtime import Runtime
from tenku.platform.videos import VideoService
from tenku.platform.webhooks import WebhookService
from tenku.store.models import ApiKey


@dataclass
class Services:
    rt: Runtime
    videos: VideoService
    characters: CharacterService
    webhooks: WebhookService

    @classmethod
    def build(cls, rt: Runtime) -> "Services":
        return cls(rt, VideoService(rt), CharacterService(rt), WebhookService(rt.db))

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


def api_key(request: Request) -> ApiKey:
    svc: Services = request.app.state.services
    with svc.rt.db.read() as s:
        return authenticate(s, request.headers.get("authorization"))
