"""Every error leaves the server in OpenAI's shape, ``{"error": {"message", "type", "param",
"code"}}``, including FastAPI's own (bad query parameters, unknown routes, wrong methods) and
the last-resort 500, so SDK users always get a typed exception with a readable message."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from tenku.platform.errors import ServiceError

log = logging.getLogger("tenku.api")


def _error(status: int, message: str, *, type_: str = "invalid_request_error",
           param: str | None = None, code: str | None = None, headers=None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": type_, "param": param,
                                   "code": code}}, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service(_req: Request, err: ServiceError):
        return JSONResponse(err.body(), status_code=err.status, headers=err.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, err: RequestValidationError):
        first = err.errors()[0] if err.errors() else {}
        loc = [str(x) for x in first.get("loc", ()) if x not in ("query", "path", "body")]
        param = ".".join(loc) or None
        return _error(400, f"Invalid '{param}': {first.get('msg', 'bad value')}.",
                      param=param, code="invalid_value")

    @app.exception_handler(HTTPException)
    async def _http(req: Request, err: HTTPException):
        if err.status_code == 404:
            return _error(404, f"Unknown request URL: {req.method} {req.url.path}. See /docs "
                          "for the endpoints this server has.", code="unknown_url")
        if err.status_code == 405:
            return _error(405, f"{req.method} is not allowed on {req.url.path}.",
                          code="method_not_allowed", headers=_allow(req) or err.headers)
        return _error(err.status_code, str(err.detail), headers=err.headers)

    @app.exception_handler(Exception)
    async def _crash(req: Request, err: Exception):
        log.exception("unhandled error on %s %s", req.method, req.url.path)
        return _error(500, "The server had an error while processing your request.",
                      type_="server_error", code="internal_error")

    _document_400_not_422(app)


def _allow(req: Request) -> dict[str, str] | None:
    """Starlette's 405 names only the methods of the first route whose path matched, so
    ``PUT /v1/videos`` said ``Allow: POST`` although ``GET`` is served there too. Ask the
    router which methods it would route on this path instead."""
    methods = [m for m in ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
               if any(route.matches({**req.scope, "method": m})[0] == Match.FULL
                      for route in req.app.router.routes)]
    return {"allow": ", ".join(methods)} if methods else None


def _document_400_not_422(app: FastAPI) -> None:
    """FastAPI documents a 422 ``HTTPValidationError`` on every operation with parameters, but
    ``_validation`` above answers those requests with a 400 in OpenAI's shape (the 400
    ``ErrorBody`` each route documents). Drop the 422s from ``/openapi.json`` so the document
    lists only what the server sends, and clients generated from it expect the right error."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = build()
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    operation.get("responses", {}).pop("422", None)
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
        return app.openapi_schema

    app.openapi = openapi
