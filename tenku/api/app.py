"""The ASGI app: ``create_app(settings)`` builds the runtime (database, blobs, queue), starts
the configured workers on startup and stops them on shutdown."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

import tenku
from tenku.api import app_api, errors, pages, videos, webhooks
from tenku.api.deps import Services
from tenku.platform.errors import TooLarge
from tenku.platform.runtime import Runtime
from tenku.platform.video_models import MODELS
from tenku.settings import Settings


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with a 413 before they fill memory or disk,
    whether or not the client sent a Content-Length."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.max_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await _too_large(send, limit)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge(f"The request body is over {limit // (1024 * 1024)} MB.",
                               code="request_too_large")
            return message

        return await self.app(scope, counted, send)


async def _too_large(send, limit: int) -> None:
    import json

    body = json.dumps(TooLarge(f"The request body is over {limit // (1024 * 1024)} MB.",
                               code="request_too_large").body()).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings, *, start_workers: bool = True) -> FastAPI:
    rt = Runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if start_workers:
            rt.start()
        try:
            yield
        finally:
            rt.stop()

    app = FastAPI(title="tenku", version=tenku.__version__, lifespan=lifespan,
                  description="OpenAI-compatible Videos API backed by tenku's world "
                              "simulator. Authenticate with `Authorization: Bearer sk-tenku-...`"
                              " (create a key with `tenku keys create`).")
    app.state.services = Services.build(rt)
    errors.install(app)
    app.include_router(videos.router)
    app.include_router(webhooks.router)
    app.include_router(app_api.router)
    app.include_router(pages.router)

    @app.get("/v1/models", tags=["models"], summary="List the video models")
    def list_models():
        data = [{"id": m.name, "object": "model", "created": 0, "owned_by": "tenku"}
                for m in MODELS.values()]
        return {"object": "list", "data": data}

    @app.get("/healthz", include_in_schema=False)
    def health():
        return {"ok": True, "version": tenku.__version__}

    app.add_middleware(BodyLimit, max_bytes=int(settings.max_body_mb * 1024 * 1024))
    return app
