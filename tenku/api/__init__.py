"""HTTP: the OpenAI-compatible ``/v1`` Videos API (and webhook endpoints, models, server-sent
progress events). Handlers are thin: they parse the request, call a ``tenku.platform``
service and serialise what it returns or raises."""

from tenku.api.app import create_app

__all__ = ["create_app"]
