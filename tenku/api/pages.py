"""The web app's HTML pages and static files.

Every page is a small server-rendered shell (header, navigation, the page's own markup and
labels) so the first paint needs no script; ``/static/app.js`` then fills it from the JSON API
under ``/api``. User text is never put into HTML by the script (``textContent`` only), and the
pages carry a strict Content-Security-Policy: no inline script, nothing from other origins.

Signed-in state lives in the ``tenku_session`` cookie (HttpOnly: the script cannot read it);
a page that needs an account asks the account service for the cookie's user and redirects to
``/login?next=...`` when there is none, and the script does the same whenever the API answers
401 (a session that expired or was logged out elsewhere while the page was open). Static files
are served from ``/static/NAME?v=HASH``, gzipped, and cached for good under that name.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

WEB = Path(__file__).resolve().parent.parent / "web"
STATIC = WEB / "static"
SESSION_COOKIE = "tenku_session"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-cache",
}

router = APIRouter(include_in_schema=False)
READ = ["GET", "HEAD"]
PAGE = {"methods": READ, "response_class": HTMLResponse}

_env = Environment(loader=FileSystemLoader(str(WEB / "templates")),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=None)
def _version(name: str, mtime_ns: int) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    """``/static/NAME?v=HASH``: the hash changes with the file, so it may be cached forever."""
    path = STATIC / name
    return f"/static/{name}?v={_version(name, path.stat().st_mtime_ns)}"


def icon(name: str) -> Markup:
    """An icon of ``static/icons.svg``; decorative (the control around it has the name)."""
    return Markup('<svg class="i" aria-hidden="true" focusable="false"><use href="{}#{}"/>'
                  '</svg>').format(static_url("icons.svg"), name)


_env.globals.update(static=static_url, icon=icon)


def _styles() -> list[str]:
    try:
        from tenku.render.looks import STYLES
        return list(STYLES)
    except Exception:  # noqa: BLE001 - the renderer's stack is missing: offer the default
        return ["realistic"]


def _viewer(request: Request) -> str | None:
    """The signed-in username, or None. Asks the account service (so an expired or revoked
    session goes to the log-in page at once); without one, only the cookie's presence counts."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    svc = getattr(request.app.state, "services", None)
    if svc is None or not hasattr(svc, "accounts"):
        return ""
    try:
        found = svc.accounts.resolve(token)
    except Exception:  # noqa: BLE001 - the database is away: let the page's script decide
        return ""
    return found[0].username if found else None


def _to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303,
                            headers={"cache-control": "no-store"})


def _page(request: Request, template: str, *, title: str, page: str, auth: bool = True,
          **context) -> Response:
    viewer = _viewer(request)
    if auth and viewer is None:
        return _to_login(request)
    html = _env.get_template(template).render(title=title, page=page,
                                              signed_in=viewer is not None, me=viewer or "",
                                              path=request.url.path, **context)
    return HTMLResponse(html, headers=SECURITY_HEADERS)


def _safe_next(value: str | None) -> str:
    """Only a path on this site (``/x``, never ``//host`` or ``/\\host``) is a redirect target."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


@router.api_route("/", **PAGE)
def feed_page(request: Request):
    return _page(request, "feed.html", title="Feed", page="feed")


@router.api_route("/signup", **PAGE)
def signup_page(request: Request, invite: str = "", next: str | None = None):  # noqa: A002
    if _viewer(request):
        return RedirectResponse(_safe_next(next), status_code=303)
    return _page(request, "signup.html", title="Sign up", page="signup", auth=False,
                 invite=invite[:64], next=_safe_next(next))


@router.api_route("/login", **PAGE)
def login_page(request: Request, next: str | None = None):  # noqa: A002
    if _viewer(request):
        return RedirectResponse(_safe_next(next), status_code=303)
    return _page(request, "login.html", title="Log in", page="login", auth=False,
                 next=_safe_next(next))


@router.api_route("/create", **PAGE)
def create_page(request: Request, remix: str = ""):
    return _page(request, "create.html", title="Create", page="create", remix=remix[:64],
                 styles=_styles())


@router.api_route("/drafts", **PAGE)
def drafts_page(request: Request):
    return _page(request, "drafts.html", title="Drafts", page="drafts")


@router.api_route("/p/{post_id}", **PAGE)
def post_page(request: Request, post_id: str):
    return _page(request, "post.html", title="Video", page="post", post_id=post_id[:64])


@router.api_route("/u/{username}", **PAGE)
def profile_page(request: Request, username: str):
    return _page(request, "profile.html", title="@" + username[:40], page="profile",
                 username=username[:40])


@router.api_route("/me", methods=READ)
def my_profile(request: Request):
    viewer = _viewer(request)
    if not viewer:
        return _to_login(request) if viewer is None else RedirectResponse("/settings", 303)
    return RedirectResponse("/u/" + quote(viewer), status_code=303)


@router.api_route("/notifications", **PAGE)
def notifications_page(request: Request):
    return _page(request, "notifications.html", title="Notifications", page="notifications")


@router.api_route("/search", **PAGE)
def search_page(request: Request, q: str = ""):
    return _page(request, "search.html", title="Search", page="search", q=q[:200])


@router.api_route("/settings", **PAGE)
def settings_page(request: Request):
    return _page(request, "settings.html", title="Settings", page="settings")


_NAME = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)+$")


@lru_cache(maxsize=32)
def _gzipped(name: str, mtime_ns: int) -> bytes:
    return gzip.compress((STATIC / name).read_bytes(), compresslevel=9, mtime=0)


@router.api_route("/static/{name}", methods=READ)
def static_file(request: Request, name: str, v: str | None = None):
    """A file of ``tenku/web/static`` (flat: no sub-folders, no dot-files), gzipped for
    browsers that take it; cached for good when asked for by its current ``?v=`` hash."""
    path = STATIC / name
    if not _NAME.match(name) or not path.is_file():
        return Response("Not found", status_code=404, media_type="text/plain")
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.endswith(".js"):
        kind = "text/javascript"
    if kind.startswith("text/") or kind == "image/svg+xml":
        kind += "; charset=utf-8"
    mtime = path.stat().st_mtime_ns
    headers = {"cache-control": "public, max-age=31536000, immutable"
               if v and v == _version(name, mtime) else "no-cache",
               "x-content-type-options": "nosniff", "vary": "accept-encoding",
               "etag": f'"{_version(name, mtime)}"'}
    if request.headers.get("if-none-match") == headers["etag"]:
        return Response(status_code=304, headers=headers)
    compressible = kind.startswith(("text/", "image/svg"))
    if compressible and "gzip" in request.headers.get("accept-encoding", ""):
        return Response(_gzipped(name, mtime), media_type=kind,
                        headers={**headers, "content-encoding": "gzip"})
    return FileResponse(path, media_type=kind, headers=headers)


@router.api_route("/manifest.webmanifest", methods=READ)
def manifest():
    return FileResponse(STATIC / "manifest.webmanifest", media_type="application/manifest+json",
                        headers={"cache-control": "no-cache"})
