"""``/api``: the JSON API behind the web app. A browser signs in with a session cookie
(HttpOnly, SameSite=Lax, Secure over https); every request that changes something must also
carry the session's CSRF token in ``X-CSRF-Token``, so another site cannot act for a
signed-in user. Errors have the same shape as the Videos API's."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Depends, Request, Response

from tenku.api import schemas
from tenku.api.deps import Services, services
from tenku.api.forms import read_body
from tenku.platform.accounts import SignedIn, user_json
from tenku.platform.errors import Forbidden, Unauthorized
from tenku.store.models import User

router = APIRouter(prefix="/api", tags=["app"], responses=schemas.ERRORS | {
    403: {"model": schemas.ErrorBody, "description": "missing or wrong CSRF token"}})
SSE = {200: {"content": {"text/event-stream": {}}}}
MEDIA = {200: {"content": {"video/mp4": {}, "image/webp": {}, "image/jpeg": {},
                           "text/vtt": {}}}}
COOKIE = "tenku_session"
SAFE = ("GET", "HEAD", "OPTIONS")


def signed_in(request: Request, svc: Services = Depends(services)) -> User:
    found = svc.accounts.resolve(request.cookies.get(COOKIE))
    if found is None:
        raise Unauthorized("Sign in first (or your session expired).", code="not_signed_in")
    user, sess = found
    if request.method not in SAFE and request.headers.get("x-csrf-token") != sess.csrf:
        raise Forbidden("This request is missing its CSRF token; reload the page and try "
                        "again.", code="csrf_failed")
    request.state.session = sess
    return user


def _set_cookie(request: Request, response: Response, signed: SignedIn, days: float) -> dict:
    response.set_cookie(COOKIE, signed.token, max_age=int(days * 86400), httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/")
    return {"user": user_json(signed.user), "csrf": signed.csrf}


async def _fields(request: Request, svc: Services) -> dict:
    fields, _ = await read_body(request, svc.max_body)
    return fields


def _run(fn, *args, **kw):
    return anyio.to_thread.run_sync(lambda: fn(*args, **kw))


# -- accounts -------------------------------------------------------------------------------
@router.post("/signup", summary="Create an account with an invite code")
async def signup(request: Request, response: Response, svc: Services = Depends(services)):
    f = await _fields(request, svc)
    signed = await _run(svc.accounts.signup, invite=f.get("invite"), username=f.get("username"),
                        password=f.get("password"))
    return _set_cookie(request, response, signed, svc.settings.session_days)


@router.post("/login", summary="Sign in")
async def login(request: Request, response: Response, svc: Services = Depends(services)):
    f = await _fields(request, svc)
    signed = await _run(svc.accounts.login, username=f.get("username"),
                        password=f.get("password"))
    return _set_cookie(request, response, signed, svc.settings.session_days)


@router.post("/logout", summary="Sign out of this browser")
def logout(request: Request, response: Response, user: User = Depends(signed_in),
           svc: Services = Depends(services)):
    svc.accounts.logout(request.cookies.get(COOKIE))
    response.delete_cookie(COOKIE, path="/")
    return {"ok": True}


@router.post("/logout-everywhere", summary="Sign out of every browser")
def logout_everywhere(response: Response, user: User = Depends(signed_in),
                      svc: Services = Depends(services)):
    n = svc.accounts.logout_everywhere(user)
    response.delete_cookie(COOKIE, path="/")
    return {"ok": True, "sessions": n}


@router.get("/me", summary="Who is signed in")
def me(request: Request, user: User = Depends(signed_in), svc: Services = Depends(services)):
    return {"user": user_json(user), "csrf": request.state.session.csrf,
            "invites": svc.accounts.unused_invites(user), "unread": svc.social.unread(user)}


@router.patch("/me", summary="Change feed settings and bio")
async def update_me(request: Request, user: User = Depends(signed_in),
                    svc: Services = Depends(services)):
    f = await _fields(request, svc)
    row = await _run(svc.accounts.update_settings, user, personalize=f.get("personalize"),
                     feed_scope=f.get("feed_scope"), steer=f.get("steer"), bio=f.get("bio"))
    return {"user": user_json(row)}


@router.delete("/me", summary="Delete the account and everything it made")
async def delete_me(request: Request, response: Response, user: User = Depends(signed_in),
                    svc: Services = Depends(services)):
    f = await _fields(request, svc)
    await _run(svc.accounts.delete_account, user, f.get("password"))
    response.delete_cookie(COOKIE, path="/")
    return {"deleted": True}


# -- drafts ---------------------------------------------------------------------------------
@router.post("/videos", summary="Make a video (it lands in drafts)")
async def create_video(request: Request, user: User = Depends(signed_in),
                       svc: Services = Depends(services)):
    f = await _fields(request, svc)
    return await _run(svc.social.create_draft, user, prompt=f.get("prompt"),
                      seconds=f.get("seconds", 4), orientation=f.get("orientation", "portrait"),
                      style=f.get("style"), remix_of=f.get("remix_of"))


@router.get("/drafts", summary="My videos that are not posted")
def drafts(user: User = Depends(signed_in), svc: Services = Depends(services)):
    return {"data": svc.social.drafts(user)}


@router.delete("/drafts/{video_id}", summary="Delete a draft")
def delete_draft(video_id: str, user: User = Depends(signed_in),
                 svc: Services = Depends(services)):
    return svc.social.delete_draft(user, video_id)


@router.get("/videos/{video_id}/events", summary="Live progress of my video (SSE)",
            response_class=Response, responses=SSE)
async def draft_events(video_id: str, user: User = Depends(signed_in),
                       svc: Services = Depends(services)):
    from tenku.api.videos import progress_stream

    key = await _run(svc.accounts.principal, user)
    return await progress_stream(svc, key, video_id)


@router.get("/videos/{video_id}/content", summary="A draft's video, thumbnail or spritesheet",
            response_class=Response, responses=MEDIA)
def draft_content(video_id: str, variant: str = "video", user: User = Depends(signed_in),
                  svc: Services = Depends(services)):
    from tenku.api.videos import blob_response

    blob, media_type, name = svc.videos.content(svc.accounts.principal(user), video_id,
                                                variant)
    return blob_response(svc, blob, media_type, name)


# -- posts ------------------------------------------------------------------------------------
@router.post("/posts", summary="Post a draft to the feed")
async def publish(request: Request, user: User = Depends(signed_in),
                  svc: Services = Depends(services)):
    f = await _fields(request, svc)
    return await _run(svc.social.publish, user, video_id=f.get("video_id"),
                      caption=f.get("caption"))


@router.get("/posts/{post_id}", summary="A post, with its remix chain")
def get_post(post_id: str, user: User = Depends(signed_in), svc: Services = Depends(services)):
    return svc.social.get_post(user, post_id)


@router.patch("/posts/{post_id}", summary="Edit my post's caption")
async def edit_post(post_id: str, request: Request, user: User = Depends(signed_in),
                    svc: Services = Depends(services)):
    f = await _fields(request, svc)
    return await _run(svc.social.edit_post, user, post_id, f.get("caption"))


@router.delete("/posts/{post_id}", summary="Delete my post (and its video)")
def delete_post(post_id: str, user: User = Depends(signed_in),
                svc: Services = Depends(services)):
    return svc.social.delete_post(user, post_id)


@router.get("/posts/{post_id}/media", summary="A posted video's file",
            response_class=Response, responses=MEDIA)
def post_media(post_id: str, variant: str = "video", user: User = Depends(signed_in),
               svc: Services = Depends(services)):
    from tenku.api.videos import blob_response

    blob, media_type, name = svc.social.media(user, post_id, variant)
    return blob_response(svc, blob, media_type, name)


@router.get("/posts/{post_id}/remix", summary="Prompt, settings and world script to remix")
def remix_source(post_id: str, user: User = Depends(signed_in),
                 svc: Services = Depends(services)):
    return svc.social.remix_source(user, post_id)


@router.post("/posts/{post_id}/like", summary="Like")
def like(post_id: str, user: User = Depends(signed_in), svc: Services = Depends(services)):
    return svc.social.like(user, post_id, True)


@router.delete("/posts/{post_id}/like", summary="Unlike")
def unlike(post_id: str, user: User = Depends(signed_in), svc: Services = Depends(services)):
    return svc.social.like(user, post_id, False)


@router.post("/posts/{post_id}/complete", summary="I watched it to the end")
def complete(post_id: str, user: User = Depends(signed_in), svc: Services = Depends(services)):
    return svc.social.complete(user, post_id)


@router.get("/posts/{post_id}/comments", summary="Comments, replies one level deep")
def comments(post_id: str, user: User = Depends(signed_in), svc: Services = Depends(services)):
    return {"data": svc.social.comments(post_id)}


@router.post("/posts/{post_id}/comments", summary="Comment or reply")
async def comment(post_id: str, request: Request, user: User = Depends(signed_in),
                  svc: Services = Depends(services)):
    f = await _fields(request, svc)
    return await _run(svc.social.comment, user, post_id, text=f.get("text"),
                      parent_id=f.get("parent_id"))


@router.delete("/comments/{comment_id}", summary="Delete my comment")
def delete_comment(comment_id: str, user: User = Depends(signed_in),
                   svc: Services = Depends(services)):
    return svc.social.delete_comment(user, comment_id)


# -- people, feed, notifications, search ----------------------------------------------------
@router.get("/feed", summary="A page of the feed, each card with why it was shown")
def feed(cursor: str | None = None, user: User = Depends(signed_in),
         svc: Services = Depends(services)):
    return svc.social.feed(user, cursor)


@router.get("/users/{username}", summary="A profile: posts, remixes, followers")
def profile(username: str, user: User = Depends(signed_in), svc: Services = Depends(services)):
    return svc.social.profile(user, username)


@router.get("/users/{username}/followers", summary="Who follows someone")
def followers(username: str, user: User = Depends(signed_in),
              svc: Services = Depends(services)):
    return {"data": svc.social.followers(username)}


@router.post("/users/{username}/follow", summary="Follow")
def follow(username: str, user: User = Depends(signed_in), svc: Services = Depends(services)):
    return svc.social.follow(user, username, True)


@router.delete("/users/{username}/follow", summary="Unfollow")
def unfollow(username: str, user: User = Depends(signed_in),
             svc: Services = Depends(services)):
    return svc.social.follow(user, username, False)


@router.get("/notifications", summary="My notifications, newest first")
def notifications(user: User = Depends(signed_in), svc: Services = Depends(services)):
    return {"data": svc.social.notifications(user)}


@router.post("/notifications/read", summary="Mark my notifications read")
def read_notifications(user: User = Depends(signed_in), svc: Services = Depends(services)):
    return svc.social.mark_read(user)


@router.get("/search", summary="Find people and prompts")
def search(q: str = "", user: User = Depends(signed_in), svc: Services = Depends(services)):
    return svc.social.search(user, q)

