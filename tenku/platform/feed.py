"""The feed, ranked "for discovery, not time-on-app", and always explainable and switchable.

What a card's score is made of, and why:

``score = (1 + engagement) * follow * own * steer * 0.5 ** (age_hours / HALF_LIFE_H)``

- **engagement** = ``3.0·ln(1+remixes) + 2.0·ln(1+completions) + 1.0·ln(1+comments)
  + 0.5·ln(1+likes)``. A remix means someone made something new from the video, the signal
  a creative feed wants most; a completion means the video held someone to its end, attention
  actually paid rather than a tap on the way past; a comment is a conversation; a like is the
  cheapest signal and the easiest to farm, so it counts least. Counts enter through ``ln(1+n)``
  so popularity has diminishing returns: 1,000 likes are not 100 times 10 likes, and the long
  tail keeps a chance to be discovered. The 1 is every post's base, so a brand-new video with
  no engagement yet is still shown (cold start).
- **age**: the whole score halves every ``HALF_LIFE_H`` = 24 hours, so yesterday's hit gives
  way to today's posts (12 completions three days ago score below a new post with none).
- **follow** = 2.0 for creators the viewer follows: worth as much as being a day newer, enough
  to surface them without turning the feed into a following-only list.
- **own** = 0.5 for the viewer's own posts: they appear (you see your post is live) but below
  others', and at most one in any ``AUTHOR_WINDOW`` cards.
- **steer** = ``5 ** (more - less)``: "steer my feed" in the viewer's words. ``more``/``less``
  are the best cosine similarities between the post's embedding (prompt + caption) and the
  viewer's "more ..." / "less ..." phrases, mapped linearly from ``STEER_FLOOR`` = 0.15
  (0: unrelated) to ``STEER_FULL`` = 0.45 (1: clearly about it). The two ends were read off
  all-MiniLM-L6-v2 on probe pairs: unrelated pairs score -0.1 to 0.19 ("robots dancing in a
  warehouse" vs "animals" 0.19), on-topic ones 0.22 to 0.6 ("a dog runs on the beach" vs
  "animals" 0.24, "a tennis match" vs "sports" 0.41, "a chef cooking pasta" vs "cooking"
  0.57). A clear match is multiplied by up to 5 and a clear "less" divided by up to 5: the
  viewer asked for it in so many words, so it should show, but it reorders rather than hides.

Diversity: after scoring, cards are laid out so that no author has more than ``AUTHOR_CAP``
= 2 cards (the viewer: 1) in any ``AUTHOR_WINDOW`` = 10 consecutive cards, while others are
left to show; the best-scoring eligible post goes next. The rule holds for any window, so it
holds on every page whatever ``limit`` a client asks for.

Candidates are a bounded recent pool, so a page costs the same with 100,000 posts and a
million likes: the newest ``POOL_NEWEST`` posts of the last ``POOL_DAYS`` days plus the newest
``POOL_FOLLOWED`` of followed creators, read with the posts' counter columns (never counting
like rows). The half-life makes anything older than the pool irrelevant to the ranking anyway.

The ranked feed's cursor is an offset into that deterministic ranking *at the instant the
first page was ranked*: the cursor pins that time, so ageing and newer posts do not shift later
pages (new posts show on the next refresh). Counters that change while someone scrolls can
still move a post across a page boundary; that is accepted in exchange for a stateless cursor.

Users control all of it: with personalisation off (``User.personalize`` False) the feed is
plain reverse-chronological, of everyone or only of people they follow (``User.feed_scope``),
paged by a ``(created_at, id)`` keyset. Every card carries short, truthful reasons.
"""

from __future__ import annotations

import base64
import heapq
import math
import re
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

import numpy as np
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from tenku.planner.embed import DIM, encode
from tenku.platform.errors import InvalidRequest, NotFound
from tenku.store.db import Database
from tenku.store.models import Follow, Post, User

W_REMIX = 3.0
W_COMPLETION = 2.0
W_COMMENT = 1.0
W_LIKE = 0.5
HALF_LIFE_H = 24.0
FOLLOW_BOOST = 2.0
OWN_FACTOR = 0.5
STEER_FLOOR = 0.15
STEER_FULL = 0.45
STEER_GAIN = math.log(5.0)
#: a "Matches 'more X'" reason needs a similarity that moved the post at least x1.7
STEER_REASON = 0.25
AUTHOR_WINDOW = 10
AUTHOR_CAP = 2
OWN_CAP = 1
POOL_DAYS = 30
POOL_NEWEST = 3000
POOL_FOLLOWED = 1000
MAX_LIMIT = 100
NEW_HOURS = 24.0
#: counts from which a card's reasons mention them (a single remix already does)
POPULAR_COMPLETIONS = 5
POPULAR_COMMENTS = 5
POPULAR_LIKES = 10
#: decoded post embeddings a FeedService keeps (1.5 KiB each), a few pools' worth
EMBEDDING_CACHE = 20_000
MAX_STEER_PHRASES = 8  # per side; User.steer is at most 300 characters anyway
CHRONO_REASON = "Newest first (personalization is off)"


@dataclass
class Card:
    post_id: str
    score: float
    reasons: list[str]


# -- embeddings: computed when a post is made and when a user saves their steer text -------
def embed_post(prompt: str, caption: str) -> list[float]:
    """The embedding to store in ``Post.embedding``: prompt and caption embedded together
    (the caption says what the poster thinks it is about, the prompt what is in it). Rounded
    to 4 decimals, which keeps the JSON under half the size and moves a cosine by at most
    1e-3.
    Empty text gives ``[]``: such a post is neutral to every steer."""
    text = "\n".join(t.strip() for t in (prompt, caption) if t and t.strip())
    if not text:
        return []
    return _rounded(encode([text]))[0]


def _rounded(vecs: np.ndarray) -> list[list[float]]:
    """Rows as JSON-ready lists of 4-decimal floats (rounded in float64: a float32 rounded
    would print as 0.012299999594688416 and store 2.5 times the characters)."""
    return vecs.astype(np.float64).round(4).tolist()


_KEYWORD = re.compile(r"\b(no\s+more|not\s+more|don[’']?t\s+(?:want|show(?:\s+me)?)|more|less|"
                      r"fewer|no|not|without)\b", re.IGNORECASE)
_SEPARATOR = re.compile(r"[,;.!&+/]|\band\b|\bor\b|\bbut\b", re.IGNORECASE)
_FILLER = frozenset("""i i'd id want would like love to see show me give please some any a an
    the of about videos video posts post clips clip content stuff lots lot much many my feed
    things""".split())


def _phrases(text: str) -> dict[str, list[str]]:
    """``{"more": [...], "less": [...]}`` topics of a steer text. Words before any keyword
    count as "more" ("cooking, animals" means more of those); filler words at a phrase's
    ends are dropped ("more videos of cats in hats" -> "cats in hats")."""
    sides: dict[str, list[str]] = {"more": [], "less": []}
    parts = _KEYWORD.split(text)
    # split() with one group alternates text, keyword, text, ...
    segments = [("more", parts[0])] + [
        ("more" if kw.lower() == "more" else "less", seg)
        for kw, seg in zip(parts[1::2], parts[2::2])]
    for side, segment in segments:
        for raw in _SEPARATOR.split(segment):
            words = raw.lower().split()
            while words and words[0] in _FILLER:
                words.pop(0)
            while words and words[-1] in _FILLER:
                words.pop()
            phrase = " ".join(words)
            if phrase and phrase not in sides[side] and len(sides[side]) < MAX_STEER_PHRASES:
                sides[side].append(phrase)
    return sides


def steer_vectors(text: str) -> dict:
    """What to store in ``User.steer_vectors`` when a user saves their steer text:
    ``{"more": [[floats]...], "less": [[floats]...], "more_phrases": [...],
    "less_phrases": [...]}`` (the phrases explain cards: "Matches 'more cooking'"). "less",
    "fewer", "no", "not", "without" and "don't want" all mean less. Blank text gives ``{}``
    (no steering); text with no topic in it is an InvalidRequest saying what to write."""
    if not text.strip():
        return {}
    sides = _phrases(text)
    if not sides["more"] and not sides["less"]:
        raise InvalidRequest("say which topics you want more or less of, for example "
                             "'more cooking and animals, less sports'", param="steer")
    vecs = _rounded(encode(sides["more"] + sides["less"]))
    n = len(sides["more"])
    return {"more": vecs[:n], "less": vecs[n:], "more_phrases": sides["more"],
            "less_phrases": sides["less"]}


def _steer_side(stored: dict, side: str) -> tuple[np.ndarray, list[str]]:
    """One side of stored steer vectors as a matrix, skipping anything malformed."""
    vecs, phrases = stored.get(side) or [], stored.get(f"{side}_phrases") or []
    keep = [(v, p) for v, p in zip(vecs, phrases) if isinstance(v, list) and len(v) == DIM]
    return (np.asarray([v for v, _ in keep], dtype=np.float32).reshape(-1, DIM),
            [p for _, p in keep])


# -- the ranked feed ---------------------------------------------------------------------
@dataclass(slots=True)
class _Candidate:
    id: str
    user_id: str
    created_at: float
    likes: int
    comments: int
    remixes: int
    completions: int
    score: float = 0.0
    steer_match: str | None = None  # the "more" phrase it matched, for its reason


def _candidates(s: Session, viewer: str | None, now: float) -> list[_Candidate]:
    cols = [Post.id, Post.user_id, Post.created_at, Post.likes, Post.comments, Post.remixes,
            Post.completions]
    recent = and_(Post.created_at >= now - POOL_DAYS * 86400.0, Post.created_at <= now)
    newest = Post.created_at.desc(), Post.id.desc()
    queries = [select(*cols).where(recent).order_by(*newest).limit(POOL_NEWEST)]
    if viewer is not None:
        followed = select(Follow.followee_id).where(Follow.follower_id == viewer)
        queries.append(select(*cols).where(recent, Post.user_id.in_(followed))
                       .order_by(*newest).limit(POOL_FOLLOWED))
    pool: dict[str, _Candidate] = {}
    for q in queries:
        for row in s.execute(q):
            pool.setdefault(row[0], _Candidate(*row))
    return list(pool.values())


class _Embeddings:
    """Post embeddings, decoded once and kept for later pages (the least recently used of
    more than ``size`` posts dropped). Decoding a pool's worth of JSON (3,000 x 384 numbers)
    every page was most of a steered page's time (about 130 of 150 ms on SQLite, 100,000
    posts); every viewer's pool is mostly the same newest posts, so they stay decoded. A
    post's embedding is written once, when it is posted, so a kept one never goes stale."""

    def __init__(self, size: int):
        self.size = size
        self._rows: OrderedDict[str, np.ndarray | None] = OrderedDict()
        self._lock = threading.Lock()

    def matrix(self, s: Session, ids: list[str]) -> tuple[np.ndarray, list[int]]:
        """The embeddings of those of ``ids`` that have a usable one, as the rows of a
        matrix, and their positions in ``ids``."""
        found: dict[str, np.ndarray | None] = {}
        with self._lock:
            for pid in ids:
                if pid in self._rows:
                    self._rows.move_to_end(pid)
                    found[pid] = self._rows[pid]
        missing = [pid for pid in ids if pid not in found]
        for i in range(0, len(missing), 500):
            q = select(Post.id, Post.embedding).where(Post.id.in_(missing[i:i + 500]))
            for pid, emb in s.execute(q):
                ok = isinstance(emb, list) and len(emb) == DIM
                found[pid] = np.asarray(emb, dtype=np.float32) if ok else None
        with self._lock:
            self._rows.update((pid, found[pid]) for pid in missing if pid in found)
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)
        keep = [k for k, pid in enumerate(ids) if found.get(pid) is not None]
        if not keep:
            return np.zeros((0, DIM), dtype=np.float32), []
        return np.stack([found[ids[k]] for k in keep]), keep


def _score(s: Session, cands: list[_Candidate], now: float, viewer: str | None,
           followed: set[str], steer: dict, embeddings: _Embeddings) -> None:
    """Set each candidate's ``score`` (and ``steer_match``) as the module docstring says."""
    for c in cands:
        engagement = (W_REMIX * math.log1p(c.remixes) + W_COMPLETION * math.log1p(c.completions)
                      + W_COMMENT * math.log1p(c.comments) + W_LIKE * math.log1p(c.likes))
        c.score = (1.0 + engagement) * 0.5 ** ((now - c.created_at) / 3600.0 / HALF_LIFE_H)
        if c.user_id in followed:
            c.score *= FOLLOW_BOOST
        if c.user_id == viewer:
            c.score *= OWN_FACTOR
    more, more_phrases = _steer_side(steer, "more")
    less, _ = _steer_side(steer, "less")
    if not (len(more) or len(less)):
        return
    emb, keep = embeddings.matrix(s, [c.id for c in cands])
    if not keep:
        return
    steerable = [cands[k] for k in keep]

    def best(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not len(mat):
            return np.full(len(emb), -1.0), np.zeros(len(emb), dtype=int)
        sims = emb @ mat.T
        return sims.max(axis=1), sims.argmax(axis=1)

    more_sim, more_idx = best(more)
    less_sim, _ = best(less)

    def strength(sim: np.ndarray) -> np.ndarray:
        return np.clip((sim - STEER_FLOOR) / (STEER_FULL - STEER_FLOOR), 0.0, 1.0)

    factor = np.exp(STEER_GAIN * (strength(more_sim) - strength(less_sim)))
    for c, f, sim, i in zip(steerable, factor.tolist(), more_sim.tolist(), more_idx.tolist()):
        c.score *= f
        if sim >= STEER_REASON:
            c.steer_match = more_phrases[i]


def _diversify(ranked: list[_Candidate], viewer: str | None, count: int) -> list[_Candidate]:
    """The first ``count`` cards of ``ranked`` (best first) laid out so that no author has
    more than AUTHOR_CAP cards (the viewer: OWN_CAP) in any AUTHOR_WINDOW consecutive ones;
    when only capped authors are left, the best of them goes next anyway."""
    queues: dict[str, deque[int]] = {}
    for i, c in enumerate(ranked):
        queues.setdefault(c.user_id, deque()).append(i)
    heads = [(q[0], author) for author, q in queues.items()]  # (rank of best left, author)
    heapq.heapify(heads)
    recent: deque[str] = deque(maxlen=AUTHOR_WINDOW - 1)
    out: list[_Candidate] = []
    while heads and len(out) < count:
        held = []
        while heads:
            head = heapq.heappop(heads)
            cap = OWN_CAP if head[1] == viewer else AUTHOR_CAP
            if recent.count(head[1]) < cap:
                break
            held.append(head)
        else:
            head = held.pop(0)  # popped best first, so held[0] is the best capped one
        for h in held:
            heapq.heappush(heads, h)
        author = head[1]
        out.append(ranked[queues[author].popleft()])
        recent.append(author)
        if queues[author]:
            heapq.heappush(heads, (queues[author][0], author))
    return out


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many.format(n=n)


def _reasons(c: _Candidate, now: float, viewer: str | None, followed: set[str],
             names: dict[str, str]) -> list[str]:
    """Why a card was shown: what lifted its score, strongest signals first; every card has
    at least one (the post's age when nothing else applies)."""
    out = []
    if c.user_id in followed:
        out.append(f"You follow @{names.get(c.user_id, '?')}")
    if c.user_id == viewer:
        out.append("Your post")
    if c.steer_match:
        out.append(f"Matches 'more {c.steer_match}'")
    if c.remixes:
        out.append(_plural(c.remixes, "Remixed once", "Remixed {n} times"))
    if c.completions >= POPULAR_COMPLETIONS:
        out.append(f"Popular: watched to the end {c.completions} times")
    if c.comments >= POPULAR_COMMENTS:
        out.append(f"{c.comments} comments")
    if c.likes >= POPULAR_LIKES:
        out.append(f"Liked {c.likes} times")
    age_h = (now - c.created_at) / 3600.0
    if age_h < NEW_HOURS:
        out.append("New")
    elif not out:
        days = int(age_h // 24)
        out.append(_plural(days, "Posted 1 day ago", "Posted {n} days ago"))
    return out


# -- cursors -----------------------------------------------------------------------------
def _encode_cursor(kind: str, a: float, b: str | int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{a!r}:{b}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, kind: str) -> tuple[float, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        got, a, b = raw.split(":", 2)
        at = float(a)
    except (ValueError, UnicodeDecodeError):
        raise InvalidRequest("cursor is not one this feed returned; start again without it",
                             param="cursor") from None
    if got != kind or not math.isfinite(at):
        raise InvalidRequest("cursor belongs to another feed (the feed settings changed); "
                             "start again without it", param="cursor")
    return at, b


class FeedService:
    """Pages of the feed for a viewer; reads only (counters and embeddings are kept by the
    services that write posts, likes, completions and steer settings). Keep one per app:
    it holds decoded post embeddings between pages."""

    def __init__(self, db: Database):
        self.db = db
        self._embeddings = _Embeddings(EMBEDDING_CACHE)

    def page(self, user_id: str | None, *, limit: int = 10, cursor: str | None = None,
             now: float | None = None) -> tuple[list[Card], str | None]:
        """One page of the feed for user_id (None: a signed-out visitor gets the
        non-personalised ranking), and the cursor of the next page (None at the end).
        ``now`` (default: the clock) is when the first page is ranked; later pages keep the
        time their cursor pinned."""
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidRequest(f"limit must be between 1 and {MAX_LIMIT}", param="limit")
        now = time.time() if now is None else now
        with self.db.read() as s:
            followed: set[str] = set()
            steer: dict = {}
            if user_id is not None:
                user = s.execute(select(User.personalize, User.feed_scope, User.steer_vectors)
                                 .where(User.id == user_id)).one_or_none()
                if user is None:
                    raise NotFound(f"no user {user_id!r}")
                followed = set(s.scalars(select(Follow.followee_id)
                                         .where(Follow.follower_id == user_id)))
                if not user.personalize:
                    return self._chronological(s, user_id, user.feed_scope == "following",
                                               followed, limit, cursor, now)
                steer = user.steer_vectors or {}
            return self._ranked(s, user_id, followed, steer, limit, cursor, now)

    def _ranked(self, s: Session, viewer: str | None, followed: set[str], steer: dict,
                limit: int, cursor: str | None, now: float) -> tuple[list[Card], str | None]:
        offset = 0
        if cursor is not None:
            now, b = _decode_cursor(cursor, "r")
            if not b.isdigit():
                raise InvalidRequest("cursor is not one this feed returned; start again "
                                     "without it", param="cursor")
            offset = int(b)
        cands = _candidates(s, viewer, now)
        _score(s, cands, now, viewer, followed, steer, self._embeddings)
        cands.sort(key=lambda c: (-c.score, -c.created_at, c.id))
        laid_out = _diversify(cands, viewer, offset + limit + 1)
        chosen = laid_out[offset:offset + limit]
        names = self._usernames(s, {c.user_id for c in chosen} & followed)
        cards = [Card(c.id, c.score, _reasons(c, now, viewer, followed, names)) for c in chosen]
        more = len(laid_out) > offset + limit
        return cards, _encode_cursor("r", now, offset + limit) if more else None

    def _chronological(self, s: Session, viewer: str, following: bool, followed: set[str],
                       limit: int, cursor: str | None,
                       now: float) -> tuple[list[Card], str | None]:
        """Newest first, keyset-paged on (created_at, id); a card's score is its post's
        created_at, the order key."""
        q = select(Post.id, Post.user_id, Post.created_at)
        if cursor is None:
            q = q.where(Post.created_at <= now)
        else:
            at, last_id = _decode_cursor(cursor, "c")
            # the first condition alone is a range the created_at index can start from
            q = q.where(Post.created_at <= at, or_(Post.created_at < at, Post.id < last_id))
        if following:
            q = q.where(Post.user_id.in_(select(Follow.followee_id)
                                         .where(Follow.follower_id == viewer)))
        rows = s.execute(q.order_by(Post.created_at.desc(), Post.id.desc())
                         .limit(limit + 1)).all()
        page = rows[:limit]
        names = self._usernames(s, {r.user_id for r in page} & followed)
        cards = []
        for r in page:
            reasons = [CHRONO_REASON]
            if r.user_id in followed:
                reasons.insert(0, f"You follow @{names.get(r.user_id, '?')}")
            elif r.user_id == viewer:
                reasons.insert(0, "Your post")
            cards.append(Card(r.id, r.created_at, reasons))
        more = len(rows) > limit
        return cards, _encode_cursor("c", page[-1].created_at, page[-1].id) if more else None

    @staticmethod
    def _usernames(s: Session, ids: set[str]) -> dict[str, str]:
        if not ids:
            return {}
        return dict(s.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
