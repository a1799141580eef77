"""The ASGI app: ``create_app(settings)`` builds the runtime (database, blobs, queue), starts
the configured workers on startup and stops them on shutdown."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager

from fastapi import FastAPI

import tenku
from tenku.api import app_api, errors, pages, provenance, videos, webhooks
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

    def _error(self) -> TooLarge:
        return TooLarge(f"The request body is over {self.max_bytes / (1024 * 1024):g} MB.",
                        code="request_too_large")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            body = json.dumps(self._error().body()).encode()
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            return await send({"type": "http.response.body", "body": body})
        seen = 0

        async def counted():
            # past the limit mid-stream: the handler's read raises, the error handler answers
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise self._error()
            return message

        return await self.app(scope, counted, send)


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
    app.include_router(provenance.router)
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
