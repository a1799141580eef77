"""Errors a service raises for its caller to see, shaped like OpenAI's so that the API layer
only has to serialise them: ``{"error": {"message", "type", "param", "code"}}`` with the HTTP
status the official SDK maps to its exception classes (400 BadRequestError, 401
AuthenticationError, 403 PermissionDeniedError, 404 NotFoundError, 409 ConflictError,
413 too large, 429 RateLimitError)."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400
    type = "invalid_request_error"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message, self.param, self.code = message, param, code
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "param": self.param,
                          "code": self.code}}


class InvalidRequest(ServiceError):
    status = 400


class Unauthorized(ServiceError):
    status = 401  # OpenAI sent type "invalid_request_error" with code "invalid_api_key"


class Forbidden(ServiceError):
    status = 403
    type = "permission_error"


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class TooLarge(ServiceError):
    status = 413


class RateLimited(ServiceError):
    status = 429
    type = "rate_limit_error"

    def __init__(self, message: str, *, retry_after: float, code: str = "rate_limit_exceeded"):
        seconds = max(1, int(retry_after + 0.999))
        super().__init__(message, code=code,
                         headers={"retry-after": str(seconds),
                                  "retry-after-ms": str(int(retry_after * 1000))})


def storable(object_id) -> bool:
    """Could ``object_id`` be a stored id at all? (PostgreSQL refuses NUL in text outright, so
    a lookup of ``"video_\\x00"`` must be "not found" before it reaches the database.)"""
    return isinstance(object_id, str) and "\x00" not in object_id and len(object_id) <= 200
