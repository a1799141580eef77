"""What people do in the app: make drafts, post them, like, comment (replies one level deep),
follow, remix, get notified, search, read profiles and the feed.

Rules that keep data whole: one post per video (unique key: two tabs posting the same draft
make one post), one like and one completion per person and post (primary keys), counters
change in the same transaction as the rows they count, nobody follows themselves, and only
an author edits or deletes their post or comment. Every text a person writes is stored as
typed; pages render it as text, never as markup.
"""

from __future__ import annotations

import secrets
import time

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from tenku.platform.errors import Conflict, Forbidden, InvalidRequest, NotFound, storable
from tenku.platform.runtime import Runtime
from tenku.platform.videos import VARIANTS, VideoService, check_prompt_text, video_json
from tenku.store.models import (ApiKey, Comment, Completion, Follow, Like, Notification,
                                Post, User, Video)

MAX_CAPTION, MAX_COMMENT = 500, 1000
QUALITY_MODELS = {"draft": "tenku-sim-draft", "standard": "tenku-sim", "high": "tenku-sim-high"}


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


def app_size(orientation: str, long_side: int) -> str:
    short = int(round(long_side * 9 / 16 / 2)) * 2
    return f"{short}x{long_side}" if orientation == "portrait" else f"{long_side}x{short}"


def _orientation(size: str) -> str:
    w, _, h = size.partition("x")
    return "landscape" if int(w) > int(h) else "portrait"


def _text(value, name: str, limit: int, *, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidRequest(f"'{name}' is empty: write something.", param=name,
                             code="empty_text")
    if len(value) > limit:
        raise InvalidRequest(f"'{name}' is {len(value)} characters; the limit is {limit}.",
                             param=name, code="text_too_long")
    return value.strip()


class SocialService:
    def __init__(self, rt: Runtime):
        self.rt = rt
        self.videos = VideoService(rt)
        self._feed = None  # one FeedService per app: it caches decoded post embeddings

    # -- lookups ----------------------------------------------------------------------------
    @staticmethod
    def _post(s, post_id) -> Post:
        p = s.get(Post, post_id) if storable(post_id) else None
        if p is None:
            raise NotFound(f"No post '{post_id}': it may have been deleted.", param="post_id",
                           code="post_not_found")
        return p

    @staticmethod
    def _user(s, username) -> User:
        u = (s.scalar(select(User).where(User.username == username.lower()))
             if storable(username) else None)
        if u is None:
            raise NotFound(f"No one is called '{username}' here.", param="username",
                           code="user_not_found")
        return u

    def posts_json(self, s, posts: list[Post], viewer: User | None,
                   reasons: dict[str, list[str]] | None = None) -> list[dict]:
        """Posts as the pages show them, with what the viewer did (liked, following)."""
        if not posts:
            return []
        authors = {u.id: u for u in s.scalars(select(User).where(
            User.id.in_({p.user_id for p in posts})))}
        liked: set[str] = set()
        following: set[str] = set()
        if viewer is not None:
            liked = set(s.scalars(select(Like.post_id).where(
                Like.user_id == viewer.id, Like.post_id.in_([p.id for p in posts]))))
            following = set(s.scalars(select(Follow.followee_id).where(
                Follow.follower_id == viewer.id, Follow.followee_id.in_(set(authors)))))
        videos = {v.id: v for v in s.scalars(
            select(Video).where(Video.id.in_([p.video_id for p in posts])))}
        out = []
        for p in posts:
            author = authors.get(p.user_id)
            item = {
                "id": p.id, "video_id": p.video_id, "caption": p.caption, "prompt": p.prompt,
                "user": {"id": p.user_id, "username": author.username if author else None},
                "created_at": int(p.created_at), "likes": p.likes, "comments": p.comments,
                "remixes": p.remixes, "remix_of": p.remix_of, "liked": p.id in liked,
                "following": p.user_id in following,
                "video_url": f"/api/posts/{p.id}/media?variant=video",
                "thumbnail_url": f"/api/posts/{p.id}/media?variant=thumbnail",
                "captions_url": (f"/api/posts/{p.id}/media?variant=captions"
                                 if p.video_id in videos
                                 and (videos[p.video_id].files or {}).get("captions") else None),
                "orientation": _orientation(videos[p.video_id].size)
                if p.video_id in videos else "portrait",
            }
            if reasons is not None:
                item["reasons"] = reasons.get(p.id, [])
            out.append(item)
        return out

    # -- drafts -------------------------------------------------------------------------------
    def create_draft(self, user: User, *, prompt, seconds=4, orientation="portrait",
                     style=None, remix_of: str | None = None) -> dict:
        prompt = check_prompt_text(prompt)
        if orientation not in ("portrait", "landscape"):
            raise InvalidRequest("'orientation' is 'portrait' or 'landscape'.",
                                 param="orientation", code="invalid_value")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, str)):
            raise InvalidRequest("'seconds' is a whole number from 1 to 20.", param="seconds",
                                 code="invalid_seconds")
        settings = self.rt.settings
        parent_video = None
        with self.rt.db.read() as s:
            key = s.get(ApiKey, user.principal)
            if remix_of:
                parent_video = self._post(s, remix_of).video_id
        return self.videos.create(
            key, prompt=prompt, seconds=str(seconds),
            model=QUALITY_MODELS.get(settings.app_quality, "tenku-sim"),
            size=app_size(orientation, settings.app_long_side), style=style or None,
            remix_of=parent_video)

    def drafts(self, user: User) -> list[dict]:
        with self.rt.db.read() as s:
            rows = s.scalars(select(Video).where(
                Video.owner == user.principal,
                ~Video.id.in_(select(Post.video_id).where(Post.user_id == user.id)))
                .order_by(Video.created_at.desc())).all()
            return [video_json(v) for v in rows]

    def delete_draft(self, user: User, video_id: str) -> dict:
        with self.rt.db.read() as s:
            key = s.get(ApiKey, user.principal)
            if storable(video_id) and s.scalar(select(Post.id).where(Post.video_id == video_id)):
                raise Conflict("That video is posted; delete the post instead.",
                               param="video_id", code="video_posted")
        return self.videos.delete(key, video_id)

    # -- posts --------------------------------------------------------------------------------
    def publish(self, user: User, *, video_id, caption=None) -> dict:
        from tenku.platform.feed import embed_post

        caption = _text(caption, "caption", MAX_CAPTION, required=False)
        with self.rt.db.read() as s:
            v = s.get(Video, video_id) if storable(video_id) else None
            if v is None or v.owner != user.principal:
                raise NotFound(f"No draft '{video_id}'.", param="video_id",
                               code="draft_not_found")
            if v.status != "completed":
                raise Conflict(f"That draft is {v.status} ({v.progress}%); post it once it is "
                               "done.", param="video_id", code="video_not_ready")
            prompt, parent_video = v.prompt or "", v.remixed_from_video_id
        embedding = embed_post(prompt, caption)
        post = Post(id=_id("post"), video_id=video_id, user_id=user.id, caption=caption,
                    prompt=prompt, created_at=time.time(), embedding=embedding)
        with self.rt.db.session() as s:
            parent = (s.scalar(select(Post).where(Post.video_id == parent_video))
                      if parent_video else None)
            post.remix_of = parent.id if parent is not None else None
            s.add(post)
            try:
                s.flush()  # the unique video_id: a second tab's post stops here
            except IntegrityError:
                raise Conflict("That draft is already posted (perhaps from another tab).",
                               param="video_id", code="already_posted") from None
            if parent is not None:
                parent.remixes += 1
                self._notify(s, parent.user_id, user, "remix", post_id=post.id)
            # posted videos stay for as long as the post does (drafts expire)
            s.execute(update(Video).where(Video.id == video_id).values(expires_at=None))
        return self.get_post(user, post.id)

    def get_post(self, viewer: User, post_id: str) -> dict:
        with self.rt.db.read() as s:
            p = self._post(s, post_id)
            [item] = self.posts_json(s, [p], viewer)
            parent = s.get(Post, p.remix_of) if p.remix_of else None
            remixes = s.scalars(select(Post).where(Post.remix_of == p.id)
                                .order_by(Post.created_at.desc()).limit(50)).all()
            item["chain"] = {
                "remixed_from": self.posts_json(s, [parent], viewer)[0] if parent else None,
                "remixes": self.posts_json(s, list(remixes), viewer)}
            return item

    def edit_post(self, user: User, post_id: str, caption) -> dict:
        """A new caption; the post's embedding (what "steer my feed" matches) stays the one
        made when it was posted, as the feed caches it."""
        caption = _text(caption, "caption", MAX_CAPTION, required=False)
        with self.rt.db.session() as s:
            p = self._post(s, post_id)
            if p.user_id != user.id:
                raise Forbidden("Only its author can edit a post.", code="not_your_post")
            p.caption = caption
        return self.get_post(user, post_id)

    def delete_post(self, user: User, post_id: str) -> dict:
        """The post and its video go; remixes of it stay (their chain says the source is gone)."""
        with self.rt.db.session() as s:
            p = self._post(s, post_id)
            if p.user_id != user.id and not user.is_admin:
                raise Forbidden("Only its author can delete a post.", code="not_your_post")
            if p.remix_of:
                s.execute(update(Post).where(Post.id == p.remix_of)
                          .values(remixes=Post.remixes - 1))
            video_id = p.video_id
            key = s.get(ApiKey, s.get(User, p.user_id).principal)
            s.delete(p)
        self.videos.delete(key, video_id)
        return {"id": post_id, "deleted": True}

    def media(self, viewer: User, post_id: str, variant: str) -> tuple[str, str, str]:
        """(blob, media type, file name) of a posted video's file: anyone signed in may see it."""
        with self.rt.db.read() as s:
            p = self._post(s, post_id)
            owner = s.get(ApiKey, s.get(Video, p.video_id).owner)
        return self.videos.content(owner, p.video_id, variant, VARIANTS + ("captions",))

    def remix_source(self, viewer: User, post_id: str) -> dict:
        """What Create is preloaded with to remix a post: its prompt, length, orientation,
        style and world script."""
        import json
        import tempfile
        from pathlib import Path

        with self.rt.db.read() as s:
            p = self._post(s, post_id)
            v = s.get(Video, p.video_id)
        script = None
        blob = (v.files or {}).get("sidecar")
        if blob:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "world.json"
                self.rt.blobs.get_file(blob, path)
                script = json.loads(path.read_text()).get("script")
        return {"post_id": p.id, "prompt": p.prompt, "seconds": int(v.seconds),
                "orientation": _orientation(v.size),
                "style": (v.params or {}).get("style") or "realistic", "script": script}

    # -- likes, completions, comments ---------------------------------------------------------
    def like(self, user: User, post_id: str, on: bool = True) -> dict:
        with self.rt.db.session() as s:
            p = self._post(s, post_id)
            had = s.get(Like, (user.id, p.id)) is not None
            if on and not had:
                s.add(Like(user_id=user.id, post_id=p.id, created_at=time.time()))
                p.likes += 1
                self._notify(s, p.user_id, user, "like", post_id=p.id)
            elif not on and had:
                s.execute(delete(Like).where(Like.user_id == user.id, Like.post_id == p.id))
                p.likes -= 1
            return {"id": p.id, "liked": on, "likes": p.likes}

    def complete(self, user: User, post_id: str) -> dict:
        with self.rt.db.session() as s:
            p = self._post(s, post_id)
            if s.get(Completion, (user.id, p.id)) is None:
                s.add(Completion(user_id=user.id, post_id=p.id, created_at=time.time()))
                p.completions += 1
            return {"id": p.id, "completions": p.completions}

    def comment(self, user: User, post_id: str, *, text, parent_id=None) -> dict:
        text = _text(text, "text", MAX_COMMENT, required=True)
        with self.rt.db.session() as s:
            p = self._post(s, post_id)
            parent = None
            if parent_id is not None:
                parent = s.get(Comment, parent_id) if storable(parent_id) else None
                if parent is None or parent.post_id != p.id:
                    raise NotFound(f"No comment '{parent_id}' on this post.", param="parent_id",
                                   code="comment_not_found")
                if parent.parent_id:  # replies are one level deep: join the thread
                    parent = s.get(Comment, parent.parent_id)
            c = Comment(id=_id("cmt"), post_id=p.id, user_id=user.id, text=text,
                        parent_id=parent.id if parent else None, created_at=time.time())
            s.add(c)
            p.comments += 1
            s.flush()
            self._notify(s, p.user_id, user, "comment", post_id=p.id, comment_id=c.id)
            if parent is not None and parent.user_id != p.user_id:
                self._notify(s, parent.user_id, user, "reply", post_id=p.id, comment_id=c.id)
            return self._comment_json(c, user.username)

    @staticmethod
    def _comment_json(c: Comment, username: str | None) -> dict:
        return {"id": c.id, "post_id": c.post_id, "parent_id": c.parent_id, "text": c.text,
                "user": {"id": c.user_id, "username": username},
                "created_at": int(c.created_at)}

    def comments(self, post_id: str) -> list[dict]:
        with self.rt.db.read() as s:
            self._post(s, post_id)
            rows = s.execute(select(Comment, User.username).join(User, User.id == Comment.user_id)
                             .where(Comment.post_id == post_id)
                             .order_by(Comment.created_at, Comment.id)).all()
        top: dict[str, dict] = {}
        for c, name in rows:
            if c.parent_id is None:
                top[c.id] = {**self._comment_json(c, name), "replies": []}
        for c, name in rows:
            if c.parent_id in top:
                top[c.parent_id]["replies"].append(self._comment_json(c, name))
        return list(top.values())

    def delete_comment(self, user: User, comment_id: str) -> dict:
        with self.rt.db.session() as s:
            c = s.get(Comment, comment_id) if storable(comment_id) else None
            if c is None:
                raise NotFound(f"No comment '{comment_id}'.", param="comment_id",
                               code="comment_not_found")
            if c.user_id != user.id and not user.is_admin:
                raise Forbidden("Only its author can delete a comment.",
                                code="not_your_comment")
            gone = 1 + s.scalar(select(func.count()).select_from(Comment)
                                .where(Comment.parent_id == c.id))
            s.execute(update(Post).where(Post.id == c.post_id)
                      .values(comments=Post.comments - gone))
            s.delete(c)
        return {"id": comment_id, "deleted": True}

    # -- people -------------------------------------------------------------------------------
    def follow(self, user: User, username: str, on: bool = True) -> dict:
        with self.rt.db.session() as s:
            other = self._user(s, username)
            if other.id == user.id:
                raise InvalidRequest("You cannot follow yourself.", param="username",
                                     code="self_follow")
            had = s.get(Follow, (user.id, other.id)) is not None
            if on and not had:
                s.add(Follow(follower_id=user.id, followee_id=other.id, created_at=time.time()))
                self._notify(s, other.id, user, "follow")
            elif not on and had:
                s.execute(delete(Follow).where(Follow.follower_id == user.id,
                                               Follow.followee_id == other.id))
            return {"username": other.username, "following": on}

    def profile(self, viewer: User, username: str) -> dict:
        with self.rt.db.read() as s:
            u = self._user(s, username)
            followers = s.scalar(select(func.count()).select_from(Follow)
                                 .where(Follow.followee_id == u.id))
            following = s.scalar(select(func.count()).select_from(Follow)
                                 .where(Follow.follower_id == u.id))
            posts = s.scalars(select(Post).where(Post.user_id == u.id)
                              .order_by(Post.created_at.desc()).limit(100)).all()
            return {
                "user": {"id": u.id, "username": u.username, "bio": u.bio,
                         "followers": followers, "following": following,
                         "followed_by_me": s.get(Follow, (viewer.id, u.id)) is not None,
                         "created_at": int(u.created_at)},
                "posts": self.posts_json(s, [p for p in posts if not p.remix_of], viewer),
                "remixes": self.posts_json(s, [p for p in posts if p.remix_of], viewer)}

    def followers(self, username: str) -> list[dict]:
        with self.rt.db.read() as s:
            u = self._user(s, username)
            names = s.scalars(select(User.username).join(Follow, Follow.follower_id == User.id)
                              .where(Follow.followee_id == u.id)
                              .order_by(Follow.created_at.desc())).all()
            return [{"username": n} for n in names]

    def search(self, viewer: User, q) -> dict:
        q = _text(q, "q", 200, required=True)
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self.rt.db.read() as s:
            users = s.scalars(select(User.username).where(User.username.ilike(like, escape="\\"))
                              .order_by(User.username).limit(20)).all()
            posts = s.scalars(select(Post).where(or_(Post.prompt.ilike(like, escape="\\"),
                                                     Post.caption.ilike(like, escape="\\")))
                              .order_by(Post.created_at.desc()).limit(30)).all()
            return {"users": [{"username": n} for n in users],
                    "posts": self.posts_json(s, list(posts), viewer)}

    # -- feed and notifications ---------------------------------------------------------------
    def feed(self, viewer: User, cursor: str | None = None, limit: int = 10) -> dict:
        from tenku.platform.feed import FeedService

        if self._feed is None:
            self._feed = FeedService(self.rt.db)
        cards, nxt = self._feed.page(viewer.id, limit=limit, cursor=cursor)
        with self.rt.db.read() as s:
            posts = {p.id: p for p in s.scalars(select(Post).where(
                Post.id.in_([c.post_id for c in cards])))}
            ordered = [posts[c.post_id] for c in cards if c.post_id in posts]
            data = self.posts_json(s, ordered, viewer, {c.post_id: c.reasons for c in cards})
        return {"data": data, "next": nxt}

    def _notify(self, s, recipient: str, actor: User, kind: str, *, post_id=None,
                comment_id=None) -> None:
        if recipient == actor.id:
            return  # your own likes and comments are not news to you
        s.add(Notification(id=_id("ntf"), user_id=recipient, kind=kind, actor_id=actor.id,
                           post_id=post_id, comment_id=comment_id, created_at=time.time()))

    def notifications(self, user: User) -> list[dict]:
        with self.rt.db.read() as s:
            rows = s.execute(select(Notification, User.username, Comment.text)
                             .join(User, User.id == Notification.actor_id)
                             .outerjoin(Comment, Comment.id == Notification.comment_id)
                             .where(Notification.user_id == user.id)
                             .order_by(Notification.created_at.desc()).limit(100)).all()
        return [{"id": n.id, "kind": n.kind, "actor": {"username": name},
                 "post_id": n.post_id, "text": text, "created_at": int(n.created_at),
                 "read": n.read_at is not None} for n, name, text in rows]

    def unread(self, user: User) -> int:
        with self.rt.db.read() as s:
            return s.scalar(select(func.count()).select_from(Notification).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)))

    def mark_read(self, user: User) -> dict:
        with self.rt.db.session() as s:
            n = s.execute(update(Notification).where(Notification.user_id == user.id,
                                                     Notification.read_at.is_(None))
                          .values(read_at=time.time())).rowcount
        return {"read": n}
