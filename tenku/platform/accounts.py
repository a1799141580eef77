"""Accounts for the app: invite-only sign-up, argon2id passwords, browser sessions with a
CSRF token each, logout (here or everywhere) and account deletion.

Every account owns a hidden API-key row (its *principal*) that owns its videos, so the app's
generations go through the same video service, job engine and storage as the Videos API.
Session cookies carry 256 random bits; only their SHA-256 is stored, like API keys.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from tenku.platform.errors import Conflict, InvalidRequest, Unauthorized, storable
from tenku.platform.keys import create_key
from tenku.platform.runtime import Runtime
from tenku.store.models import (ApiKey, Comment, Completion, Invite, Like, Post, Session, User,
                                 Video)

USERNAME = re.compile(r"[a-z0-9_]{3,30}")
MIN_PASSWORD, MAX_PASSWORD = 8, 200
_hasher = PasswordHasher()  # argon2id, 64 MiB, t=3: memory-hard, as the issue asks


@dataclass(frozen=True)
class SignedIn:
    user: User
    token: str  # the cookie value; shown only now
    csrf: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_invite_code() -> str:
    return "-".join(secrets.token_hex(2) for _ in range(3))  # e.g. 3f9a-0c12-be77


def user_json(u: User) -> dict:
    return {"id": u.id, "username": u.username, "is_admin": u.is_admin, "bio": u.bio,
            "personalize": u.personalize, "feed_scope": u.feed_scope, "steer": u.steer,
            "created_at": int(u.created_at)}


def check_username(username) -> str:
    if not isinstance(username, str) or not USERNAME.fullmatch(username.strip().lower()):
        raise InvalidRequest("A username is 3 to 30 letters, digits or underscores.",
                             param="username", code="invalid_username")
    return username.strip().lower()


def check_password(password) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidRequest(f"A password is {MIN_PASSWORD} to {MAX_PASSWORD} characters.",
                             param="password", code="invalid_password")
    return password


class AccountService:
    def __init__(self, rt: Runtime):
        self.rt = rt

    # -- making accounts ------------------------------------------------------------------
    def signup(self, *, invite, username, password) -> SignedIn:
        username, password = check_username(username), check_password(password)
        code = invite.strip().lower() if isinstance(invite, str) else ""
        digest = _hasher.hash(password)  # slow on purpose: before the write lock
        with self.rt.db.session() as s:
            row = s.get(Invite, code) if code and storable(code) else None
            if row is None or row.used_by is not None:
                raise InvalidRequest("That invite code is not valid or was already used; ask "
                                     "someone on tenku for one of theirs.", param="invite",
                                     code="invalid_invite")
            user = self._make(s, username, digest, is_admin=False)
            claimed = s.execute(update(Invite).where(Invite.code == code,
                                                     Invite.used_by.is_(None))
                                .values(used_by=user.id, used_at=time.time())).rowcount
            if claimed != 1:  # a second sign-up raced us for the same code
                raise InvalidRequest("That invite code was just used.", param="invite",
                                     code="invalid_invite")
            signed = self._session(s, user)
        return signed

    def create_admin(self, username, password) -> tuple[User, list[str]]:
        """``tenku admin create``: the first account needs no invite."""
        username, password = check_username(username), check_password(password)
        with self.rt.db.session() as s:
            user = self._make(s, username, _hasher.hash(password), is_admin=True)
            codes = [i.code for i in s.scalars(select(Invite).where(
                Invite.created_by == user.id))]
        return user, codes

    def _make(self, s, username: str, digest: str, *, is_admin: bool) -> User:
        if s.scalar(select(User.id).where(User.username == username)):
            raise Conflict(f"The username '{username}' is taken; pick another.",
                           param="username", code="username_taken")
        principal, _secret = create_key(s, f"app:{username}")
        user = User(id="usr_" + secrets.token_hex(10), username=username, password_hash=digest,
                    principal=principal.id, is_admin=is_admin, created_at=time.time())
        s.add(user)
        s.flush()
        now = time.time()
        for _ in range(self.rt.settings.invites_per_user):
            s.add(Invite(code=new_invite_code(), created_by=user.id, created_at=now))
        try:
            s.flush()
        except IntegrityError:
            raise Conflict(f"The username '{username}' is taken; pick another.",
                           param="username", code="username_taken") from None
        return user

    # -- sessions -------------------------------------------------------------------------
    def login(self, *, username, password) -> SignedIn:
        wrong = Unauthorized("Wrong username or password.", code="invalid_credentials")
        if not isinstance(username, str) or not isinstance(password, str):
            raise wrong
        with self.rt.db.read() as s:
            user = s.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None:
            _hasher.hash(password)  # the same time as a wrong password: no user probing
            raise wrong
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise wrong from None
        with self.rt.db.session() as s:
            return self._session(s, user)

    def _session(self, s, user: User) -> SignedIn:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = time.time()
        s.add(Session(token_hash=_hash(token), user_id=user.id, csrf=csrf, created_at=now,
                      expires_at=now + self.rt.settings.session_days * 86400))
        return SignedIn(user, token, csrf)

    def resolve(self, token: str | None) -> tuple[User, Session] | None:
        """The signed-in user of a cookie, or None (no cookie, unknown, expired)."""
        if not token or not storable(token):
            return None
        with self.rt.db.read() as s:
            sess = s.get(Session, _hash(token))
            if sess is None or sess.expires_at < time.time():
                return None
            user = s.get(User, sess.user_id)
            return (user, sess) if user is not None else None

    def logout(self, token: str) -> None:
        with self.rt.db.session() as s:
            sess = s.get(Session, _hash(token))
            if sess is not None:
                s.delete(sess)

    def logout_everywhere(self, user: User) -> int:
        with self.rt.db.session() as s:
            rows = s.scalars(select(Session).where(Session.user_id == user.id)).all()
            for r in rows:
                s.delete(r)
            return len(rows)

    def unused_invites(self, user: User) -> list[str]:
        with self.rt.db.read() as s:
            return list(s.scalars(select(Invite.code).where(Invite.created_by == user.id,
                                                            Invite.used_by.is_(None))
                                  .order_by(Invite.created_at, Invite.code)))

    # -- settings and deletion --------------------------------------------------------------
    def update_settings(self, user: User, *, personalize=None, feed_scope=None, steer=None,
                        bio=None) -> User:
        changes: dict = {}
        if personalize is not None:
            if not isinstance(personalize, bool):
                raise InvalidRequest("'personalize' is true or false.", param="personalize",
                                     code="invalid_value")
            changes["personalize"] = personalize
        if feed_scope is not None:
            if feed_scope not in ("everyone", "following"):
                raise InvalidRequest("'feed_scope' is 'everyone' or 'following'.",
                                     param="feed_scope", code="invalid_value")
            changes["feed_scope"] = feed_scope
        if bio is not None:
            if not isinstance(bio, str) or len(bio) > 300:
                raise InvalidRequest("'bio' is at most 300 characters.", param="bio",
                                     code="invalid_value")
            changes["bio"] = bio.strip()
        if steer is not None:
            if not isinstance(steer, str) or len(steer) > 300:
                raise InvalidRequest("'steer' is at most 300 characters, e.g. \"more cooking "
                                     "and animals, less sports\".", param="steer",
                                     code="invalid_value")
            from tenku.platform.feed import steer_vectors

            changes["steer"] = steer.strip()
            changes["steer_vectors"] = steer_vectors(steer.strip()) if steer.strip() else {}
        with self.rt.db.session() as s:
            row = s.get(User, user.id)
            for k, v in changes.items():
                setattr(row, k, v)
            return row

    def delete_account(self, user: User, password) -> None:
        """Remove the user and everything they made: videos (files too), posts, comments,
        likes, follows, notifications, sessions. Invites they gave out stay valid."""
        try:
            _hasher.verify(user.password_hash, password if isinstance(password, str) else "")
        except (VerificationError, InvalidHashError):
            raise Unauthorized("Wrong password: the account was not deleted.",
                               param="password", code="invalid_credentials") from None
        from tenku.jobs import JobQueue

        with self.rt.db.session() as s:
            # others' counters first: the rows below go with the cascade
            for model, column in ((Like, Post.likes), (Completion, Post.completions)):
                s.execute(update(Post).where(Post.id.in_(
                    select(model.post_id).where(model.user_id == user.id)))
                    .values({column: column - 1}))
            for post_id, n in s.execute(select(Comment.post_id, func.count())
                                        .where(Comment.user_id == user.id)
                                        .group_by(Comment.post_id)).all():
                s.execute(update(Post).where(Post.id == post_id)
                          .values(comments=Post.comments - n))
            videos = s.scalars(select(Video.id).where(Video.owner == user.principal)).all()
            for vid in videos:
                JobQueue.cancel(s, vid)
            s.query(Video).filter(Video.owner == user.principal).delete()
            s.delete(s.get(User, user.id))
            s.flush()
            s.delete(s.get(ApiKey, user.principal))
        for vid in videos:
            self.rt.blobs.delete_prefix(f"videos/{vid}")

    def principal(self, user: User) -> ApiKey:
        with self.rt.db.read() as s:
            return s.get(ApiKey, user.principal)
