"""Benchmark: the app's feed (``GET /api/feed``) on PostgreSQL, 100,000 posts, 1,000,000 likes.

    python bench/feed.py [--quick] [--videos 100000] [--users 10000] [--likes 1000000]
                         [--follows 20] [--completions N] [--comments N] [--remixes 0.05]
                         [--viewers 8] [--clients 8] [--duration 10] [--seed 0]
                         [--explain] [--keep]

Everything runs on this machine and is measured in one run:

1. Seeding. A fresh database on the local PostgreSQL server (``$TENKU_TEST_PG``, default
   ``postgresql://postgres@127.0.0.1:5432/postgres``, as the tests use), migrated with
   ``tenku.store.db.upgrade``, is filled with psycopg ``COPY``: ``--users`` users (each with
   the API-key row that owns their videos, one shared argon2id password), ``--videos``
   completed videos each posted once, spread uniformly over the last 30 days, by creators of
   log-normal prolificness; ``--remixes`` of the posts remix an older, popular post;
   ``--follows`` follows per user (favouring prolific creators); ``--likes`` likes,
   ``--completions`` completions and ``--comments`` comments by users of log-normal activity
   on posts of log-normal appeal (a post's appeal ramps up over its first day), each after its
   post. Posts' counters are the counts of those rows, and the seeding ends by checking that
   they are, and that every foreign key resolves. A post's prompt is one of 64 prompts on 16
   topics; its embedding is the real all-MiniLM-L6-v2 embedding of that prompt plus Gaussian
   noise (cosine ~0.93 to it), renormalised and stored like ``feed.embed_post`` stores one
   (384 floats rounded to 4 decimals, as JSON), so "steer my feed" meets realistic topic
   clusters. (Without the model installed the 64 prompt vectors are random unit vectors, and
   the bench says so.) To be fast, the seeding session skips foreign-key triggers
   (``session_replication_role = replica``, when the role may) and builds the indexes of
   likes, completions and follows after their rows; then ``VACUUM ANALYZE``, as autovacuum
   would have by then. The seeding time printed covers all of that (generating rows, COPY,
   indexes, VACUUM ANALYZE); the check is timed apart.
2. Viewers. Three groups of ``--viewers`` random users: "steered" (personalisation on and a
   steer text such as "more cooking and animals, less sports", with ``steer_vectors`` computed
   by ``tenku.platform.feed.steer_vectors``), "ranked" (personalisation on, no steer) and
   "chrono" (personalisation off; scope everyone, and for one row only the people they
   follow). Each signs in with ``POST /api/login``.
3. Reads. ``tenku serve --workers 0`` on that database (API only, nothing else running).
   ``--clients`` keep-alive connections send requests back to back for ``--duration`` seconds
   per row (longer, up to 4x, until MIN_TIMED were timed, so a slow row still has a p99),
   cycling through a group's viewers (each with their session cookie): page 1 of the ranked
   feed with and without steering, page 2 via the cursor page 1 returned, pages 1 and 2 of
   the chronological feed, and its page 1 scoped to followed people. Then the same load goes
   to a bare FastAPI app served by uvicorn the same way, whose sync ``/api/feed`` route
   returns a fixed, real page-1 body of the steered feed: the tenku/bare ratios are what
   sessions, the database, ranking and building cards cost on top of the framework. The
   load generator is a minimal HTTP/1.1 client on asyncio, far cheaper than the servers,
   since it shares the machine's cores with them and with PostgreSQL; besides requests/s and
   latencies, the CPU time the server process and PostgreSQL spent per request is read from
   /proc, a figure that other work on the machine disturbs far less (the load average before
   and after is printed too). Before timing, the pages are checked: ten cards with reasons,
   page 2 disjoint from page 1, the chronological page equal to the newest posts.
4. In process. ``FeedService.page`` called here for the same viewers (no HTTP, no cards'
   JSON, nothing else running): "warm" with one FeedService kept throughout (its decoded
   embeddings stay, as ``SocialService`` keeps one), "cold" with a new one per page (an
   empty embedding cache, as after a restart), timed only after STEADY untimed calls, since a pooled
   connection's statements change plans as psycopg prepares them (see ``explain``); with
   the share of the warm time spent in the database driver (SQL run and rows transferred).
   ``--explain`` also prints, for every statement one steered page 1 runs, ``EXPLAIN
   (ANALYZE, BUFFERS)`` of its custom plan and of its generic plan, and the times of 12
   prepared executions on one connection.

``--quick`` (10,000 videos, 1,000 users, 100,000 likes, 3 s per row) takes about a minute and
a half on two cores, the full run under three minutes (seeding about 20 s of that).
The database is dropped at the end unless ``--keep`` (then its URL is printed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from harness import Fleet, free_port, keep_alive_client, service_env, tenku_cmd

PG_ADMIN = os.environ.get("TENKU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-password"
DAY = 86400.0
SPAN_DAYS = 30
#: Gaussian noise per dimension added to a prompt's embedding (cosine ~0.93 to it in 384-d)
NOISE = 0.02
#: a row of the load goes on past --duration (up to 4x) until this many requests were timed
MIN_TIMED = 50
#: untimed FeedService.page calls first: psycopg prepares a statement on its 6th use on a
#: connection, and PostgreSQL may then switch it to a generic plan after 5 more
STEADY = 15

TOPICS = {
    "cooking": ["a chef cooking pasta in a busy kitchen", "pancakes flipped in a pan at breakfast",
                "a baker kneading bread dough", "vegetables chopped on a cutting board"],
    "animals": ["a dog runs on the beach", "a cat chases a ball of yarn",
                "horses gallop across a field", "a parrot dances on a branch"],
    "sports": ["a tennis match on a clay court", "a basketball player shoots and misses",
               "a soccer striker scores a goal", "a sprinter bursts out of the blocks"],
    "space": ["a rocket launches into the night sky", "an astronaut floats outside the station",
              "a rover drives across the surface of mars", "a comet streaks past a planet"],
    "ocean": ["waves crash against rocky cliffs", "a surfer rides a big wave",
              "a sea turtle swims over a coral reef", "a sailboat crosses a stormy sea"],
    "city": ["a city street at night in the rain", "taxis stuck in rush hour traffic",
             "a skyline at sunset from a rooftop", "a subway train arrives at the platform"],
    "music": ["a jazz band plays in a small club", "a drummer solos on stage",
              "a violinist plays in an empty hall", "a crowd dances at a music festival"],
    "cars": ["a race car drifts around a corner", "a vintage car drives along a coastal road",
             "a monster truck jumps over a row of cars", "a car wash with colorful foam"],
    "dance": ["a ballerina spins on stage", "breakdancers battle in a park",
              "a couple dances the tango", "robots dancing in a warehouse"],
    "nature": ["a waterfall in a misty forest", "autumn leaves falling in the wind",
               "a thunderstorm over the prairie", "snow falling on pine trees"],
    "physics": ["a ball drops and bounces on the floor", "dominoes topple in a long spiral",
                "a pendulum swings back and forth", "marbles roll down a wooden track"],
    "art": ["a painter splashes color on a canvas", "clay shaped on a potter's wheel",
            "a street artist paints a mural", "ink drops swirl in a glass of water"],
    "travel": ["a hot air balloon over the desert", "a train crosses a mountain bridge",
               "a busy market street at dusk", "a ferry arrives at an island harbor"],
    "fantasy": ["a dragon flies over a castle", "a wizard casts a glowing spell",
                "a knight rides through an enchanted forest", "a fairy lights up a dark cave"],
    "weather": ["a tornado crosses a wheat field", "hail bounces on a parked car",
                "fog rolls over a harbor at dawn", "lightning strikes a lone tree"],
    "kids": ["children build a sandcastle", "a kid rides a bike for the first time",
             "a paper airplane glides across a classroom", "kids jump in puddles"],
}
PROMPTS = [p for ps in TOPICS.values() for p in ps]
CAPTIONS = ["", "", "first try", "made this in two minutes", "remix this!", "what do you think?",
            "the physics here", "loop it", "my best one yet", "for my mom"]
COMMENTS = ["wow", "how did you make this?", "love it", "the timing!", "remixing this", "so good"]
#: steer texts of the steered viewers, with the topics they name (for the random fallback)
STEERS = [("more cooking and animals, less sports", ["cooking", "animals"], ["sports"]),
          ("more space and fantasy", ["space", "fantasy"], []),
          ("less cars, more nature and ocean", ["nature", "ocean"], ["cars"]),
          ("more music and dance, no sports", ["music", "dance"], ["sports"])]


# -- subprocesses (as in bench/api.py) ----------------------------------------------------

class PgDatabase:
    """A fresh database on the local PostgreSQL server, dropped when the block ends (unless
    ``keep``); ``url`` is SQLAlchemy's, ``dsn`` psycopg's."""

    def __init__(self, keep: bool = False):
        self.name = f"tenku_bench_feed_{os.getpid()}_{int(time.time())}"
        base = PG_ADMIN.rsplit("/", 1)[0]
        self.dsn = f"{base}/{self.name}"
        self.url = self.dsn.replace("postgresql://", "postgresql+psycopg://", 1)
        self.keep = keep

    def __enter__(self) -> "PgDatabase":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc) -> None:
        import psycopg

        if self.keep:
            print(f"kept the database: {self.url}")
            return
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# -- seeding -------------------------------------------------------------------------------

def hex_ids(rng: np.random.Generator, prefix: str, n: int, nbytes: int) -> list[str]:
    h = rng.bytes(n * nbytes).hex()
    w = 2 * nbytes
    return [prefix + h[i * w:(i + 1) * w] for i in range(n)]


def sampler(weights: np.ndarray):
    """Draw indices with probability proportional to ``weights``."""
    cdf = np.cumsum(weights, dtype=np.float64)
    cdf /= cdf[-1]
    return lambda rng, n: np.minimum(np.searchsorted(cdf, rng.random(n), side="right"),
                                     len(cdf) - 1)


def unique_pairs(rng, n: int, draw_a, draw_b, n_b: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` distinct (a, b) index pairs, a and b drawn by ``draw_a`` / ``draw_b``."""
    keys = np.empty(0, dtype=np.int64)
    for _ in range(50):
        if len(keys) >= n:
            break
        m = int((n - len(keys)) * 1.2) + 1000
        new = draw_a(rng, m).astype(np.int64) * n_b + draw_b(rng, m)
        keys = np.unique(np.concatenate([keys, new]))
    else:
        raise RuntimeError(f"could not draw {n:,} distinct pairs; ask for fewer")
    keys = rng.permutation(keys)[:n]
    return keys // n_b, keys % n_b


def embed_texts(seed: int) -> tuple[np.ndarray, dict[str, str], bool]:
    """Unit embeddings of PROMPTS, the stored ``steer_vectors`` JSON of each steer text, and
    whether they are real: with the model installed, its embeddings and
    ``feed.steer_vectors``; without, random unit vectors per prompt, and steers made of the
    mean vectors of the topics they name."""
    from tenku.planner import embed
    from tenku.platform.feed import steer_vectors

    if embed.available():
        return (embed.encode(PROMPTS).astype(np.float64),
                {text: json.dumps(steer_vectors(text)) for text, _, _ in STEERS}, True)
    v = np.random.default_rng(seed + 1).standard_normal((len(PROMPTS), embed.DIM))
    v /= np.linalg.norm(v, axis=1, keepdims=True)

    def topic(name: str) -> list[float]:
        rows = [i for i, p in enumerate(PROMPTS) if p in TOPICS[name]]
        m = v[rows].mean(axis=0)
        return np.round(m / np.linalg.norm(m), 4).tolist()

    return v, {text: json.dumps({"more": [topic(t) for t in more], "more_phrases": more,
                                 "less": [topic(t) for t in less], "less_phrases": less})
               for text, more, less in STEERS}, False


def embedding_json(rng, base: np.ndarray, which: np.ndarray, chunk: int = 20_000):
    """The stored JSON of each post's embedding: its prompt's vector plus noise, unit length,
    rounded to 4 decimals exactly as ``feed.embed_post`` writes it (a table of the 20,001
    possible numbers turns formatting into indexing)."""
    table = np.array([repr(round(k / 10000, 4)) for k in range(-10000, 10001)], dtype=object)
    out: list[str] = []
    for s in range(0, len(which), chunk):
        v = base[which[s:s + chunk]] + rng.normal(0.0, NOISE, (len(which[s:s + chunk]),
                                                                base.shape[1]))
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        cells = table[np.rint(v * 10000).astype(np.int64) + 10000]
        out.extend("[" + ", ".join(row) + "]" for row in cells.tolist())
    return out


def after(rng, start: np.ndarray, now: float) -> np.ndarray:
    """A time between each ``start`` and ``now``, most of them soon after ``start``."""
    return start + (now - start) * rng.random(len(start)) ** 2


def detach_indexes(cur, table: str) -> list[str]:
    """Drop ``table``'s indexes (primary key included) and return the statements that make
    them again, so COPY fills the table without maintaining them row by row."""
    cur.execute("""SELECT i.relname, pg_get_indexdef(i.oid), c.conname, pg_get_constraintdef(c.oid)
                   FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                   LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid
                                            AND c.conrelid = x.indrelid
                   WHERE x.indrelid = %s::regclass""", (table,))
    again = []
    for index, indexdef, con, condef in cur.fetchall():
        if con:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{con}"')
            again.append(f'ALTER TABLE {table} ADD CONSTRAINT "{con}" {condef}')
        else:
            cur.execute(f'DROP INDEX "{index}"')
            again.append(indexdef)
    return again


def copy(cur, table: str, columns: str, rows) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def seed(dsn: str, args, base: np.ndarray, steers: dict[str, str]) -> dict:
    """Fill the database (post embeddings around ``base``, one row per prompt; ``steers``:
    steer text -> stored steer_vectors JSON); returns the viewers and what it took."""
    import psycopg
    from argon2 import PasswordHasher

    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    now = time.time()
    U, V = args.users, args.videos

    # people: principals, users; creators' prolificness and likers' activity are log-normal
    key_ids, user_ids = hex_ids(rng, "key_", U, 12), hex_ids(rng, "usr_", U, 10)
    secrets_ = hex_ids(rng, "", U, 32)
    password_hash = PasswordHasher().hash(PASSWORD)
    user_created = now - (SPAN_DAYS + 1) * DAY - rng.random(U) * 60 * DAY
    creator = sampler(rng.lognormal(0.0, 1.5, U))
    activity = sampler(rng.lognormal(0.0, 1.0, U))

    # viewers: three disjoint groups, and the steer of the first
    picked = rng.choice(U, size=3 * args.viewers, replace=False)
    groups = {"steered": picked[:args.viewers], "ranked": picked[args.viewers:2 * args.viewers],
              "chrono": picked[2 * args.viewers:]}
    steer_text = {u: STEERS[i % len(STEERS)][0]
                  for i, u in enumerate(groups["steered"].tolist())}
    chrono = set(groups["chrono"].tolist())

    # videos and posts, oldest first (so a remix's source is an earlier index)
    post_at = np.sort(now - 60.0 - rng.random(V) * (SPAN_DAYS * DAY - 60.0))
    author = creator(rng, V)
    prompt = rng.integers(0, len(PROMPTS), V)
    caption = rng.integers(0, len(CAPTIONS), V)
    video_ids, post_ids = hex_ids(rng, "video_", V, 16), hex_ids(rng, "post_", V, 10)
    age_h = (now - post_at) / 3600.0
    appeal = rng.lognormal(0.0, 1.2, V) * (1.0 - np.exp(-age_h / 24.0))
    popular = sampler(appeal)
    # remixes: a share of posts remix an older post, chosen by appeal
    remix_of = np.full(V, -1, dtype=np.int64)
    want = rng.random(V) < args.remixes
    want[0] = False
    todo = np.flatnonzero(want)
    for _ in range(30):
        if not len(todo):
            break
        src = popular(rng, len(todo))
        ok = src < todo
        remix_of[todo[ok]] = src[ok]
        todo = todo[~ok]
    remix_of[todo] = (rng.random(len(todo)) * todo).astype(np.int64)  # any older post
    is_remix = remix_of >= 0
    prompt[is_remix] = prompt[remix_of[is_remix]]  # a remix keeps its source's topic

    t_embed = time.perf_counter()
    embeddings = embedding_json(rng, base, prompt)
    t_embed = time.perf_counter() - t_embed

    # what people did, with counters that are the counts of those rows
    lu, lp = unique_pairs(rng, args.likes, activity, popular, V)
    cu, cp_ = unique_pairs(rng, args.completions, activity, popular, V)
    mu, mp = activity(rng, args.comments), popular(rng, args.comments)
    likes = np.bincount(lp, minlength=V)
    completions = np.bincount(cp_, minlength=V)
    comments = np.bincount(mp, minlength=V)
    remixes = np.bincount(remix_of[is_remix], minlength=V)
    # follows: ``--follows`` distinct others per user, favouring prolific creators
    fcand = creator(rng, U * (args.follows * 2 + 10)).reshape(U, -1)
    follows: list[tuple[int, int]] = []
    for u in range(U):
        seen: list[int] = []
        for f in fcand[u].tolist():
            if f != u and f not in seen:
                seen.append(f)
                if len(seen) == args.follows:
                    break
        follows.extend((u, f) for f in seen)
    comment_ids = hex_ids(rng, "cmt_", args.comments, 10)
    t_gen = time.perf_counter() - t0

    t1 = time.perf_counter()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        try:
            cur.execute("SET session_replication_role = replica")  # no FK triggers
            fk_skipped = True
        except psycopg.errors.InsufficientPrivilege:
            conn.rollback()
            fk_skipped = False
        cur.execute("SET maintenance_work_mem = '512MB'")
        again = [s for t in ("likes", "completions", "follows") for s in detach_indexes(cur, t)]
        copy(cur, "api_keys", "id, name, secret_hash, hint, created_at",
             ((key_ids[u], "app:user%05d" % u, secrets_[u], "sk-tenku-bench...0000",
               user_created[u]) for u in range(U)))
        copy(cur, "users", "id, username, password_hash, principal, is_admin, bio, personalize, "
             "feed_scope, steer, steer_vectors, created_at",
             ((user_ids[u], "user%05d" % u, password_hash, key_ids[u], False, "",
               u not in chrono, "everyone", steer_text.get(u, ""),
               steers.get(steer_text.get(u), "{}"), user_created[u]) for u in range(U)))
        files = '{"video": "videos/%s/a1/video.mp4", "thumbnail": "videos/%s/a1/thumbnail.webp"}'
        params = '{"backend": "sim", "quality": "standard", "seed": %d}'
        copy(cur, "videos", "id, owner, model, status, progress, stage, prompt, size, seconds, "
             "kind, remixed_from_video_id, created_at, completed_at, params, files",
             ((video_ids[i], key_ids[a], "tenku-sim", "completed", 100, "done", PROMPTS[p],
               "288x512", "4", "remix" if r >= 0 else "create",
               video_ids[r] if r >= 0 else None, t - 60.0, t - 30.0, params % i,
               files % (video_ids[i], video_ids[i]))
              for i, (a, p, r, t) in enumerate(zip(author.tolist(), prompt.tolist(),
                                                   remix_of.tolist(), post_at.tolist()))))
        copy(cur, "posts", "id, video_id, user_id, caption, prompt, remix_of, created_at, likes, "
             "comments, remixes, completions, embedding",
             ((post_ids[i], video_ids[i], user_ids[a], CAPTIONS[c], PROMPTS[p],
               post_ids[r] if r >= 0 else None, t, nl, nm, nr, nc, embeddings[i])
              for i, (a, p, c, r, t, nl, nm, nr, nc) in enumerate(zip(
                  author.tolist(), prompt.tolist(), caption.tolist(), remix_of.tolist(),
                  post_at.tolist(), likes.tolist(), comments.tolist(), remixes.tolist(),
                  completions.tolist()))))
        del embeddings
        fu = np.array([u for u, _ in follows])
        fat = after(rng, user_created[fu], now).tolist()
        copy(cur, "follows", "follower_id, followee_id, created_at",
             ((user_ids[u], user_ids[f], t) for (u, f), t in zip(follows, fat)))
        for table, (us, ps) in (("likes", (lu, lp)), ("completions", (cu, cp_))):
            at = after(rng, post_at[ps], now).tolist()
            copy(cur, table, "user_id, post_id, created_at",
                 ((user_ids[u], post_ids[p], t) for u, p, t in zip(us.tolist(), ps.tolist(), at)))
        at = after(rng, post_at[mp], now).tolist()
        copy(cur, "comments", "id, post_id, user_id, parent_id, text, created_at",
             ((comment_ids[i], post_ids[p], user_ids[u], None, COMMENTS[i % len(COMMENTS)], t)
              for i, (u, p, t) in enumerate(zip(mu.tolist(), mp.tolist(), at))))
        t_copy = time.perf_counter() - t1
        t2 = time.perf_counter()
        for statement in again:
            cur.execute(statement)
        conn.commit()
        t_index = time.perf_counter() - t2
    t3 = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    t_vacuum = time.perf_counter() - t3
    return {"groups": {k: [user_ids[u] for u in v.tolist()] for k, v in groups.items()},
            "names": {user_ids[u]: "user%05d" % u for u in picked.tolist()},
            "fk_skipped": fk_skipped, "follows": len(follows),
            "remixes": int(is_remix.sum()),
            "seconds": {"total": time.perf_counter() - t0, "generate": t_gen,
                        "embeddings": t_embed, "copy": t_copy, "indexes": t_index,
                        "vacuum": t_vacuum}}


def check_seed(dsn: str) -> None:
    """Counters equal the rows they count, and every foreign key resolves (the seeding
    skipped the triggers that check them)."""
    import psycopg

    counters = [("likes", "SELECT post_id, count(*) n FROM likes GROUP BY post_id"),
                ("completions", "SELECT post_id, count(*) n FROM completions GROUP BY post_id"),
                ("comments", "SELECT post_id, count(*) n FROM comments GROUP BY post_id"),
                ("remixes", "SELECT remix_of post_id, count(*) n FROM posts "
                            "WHERE remix_of IS NOT NULL GROUP BY remix_of")]
    wrong = []
    with psycopg.connect(dsn) as conn:
        for column, counts in counters:
            n = conn.execute(f"SELECT count(*) FROM posts p LEFT JOIN ({counts}) c "
                             f"ON c.post_id = p.id WHERE p.{column} <> coalesce(c.n, 0)"
                             ).fetchone()[0]
            if n:
                wrong.append(f"{n} posts' {column} counter")
        fks = conn.execute("""
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, f.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            JOIN pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND cardinality(c.conkey) = 1""").fetchall()
        for table, column, ref, ref_column in fks:
            n = conn.execute(f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND "
                             f"NOT EXISTS (SELECT 1 FROM {ref} r WHERE r.{ref_column} = "
                             f"t.{column})").fetchone()[0]
            if n:
                wrong.append(f"{n} {table}.{column} not in {ref}")
    if wrong:
        raise RuntimeError("the seeded data is inconsistent: " + "; ".join(wrong))


# -- the load --------------------------------------------------------------------------------

def bare_app(body_file: str):
    """``GET /api/feed`` in a bare FastAPI app, answering a fixed real page of the feed from a
    sync handler, as tenku's is: the framework's floor."""
    from fastapi import FastAPI

    body = json.loads(Path(body_file).read_text())
    app = FastAPI()

    @app.get("/api/feed")
    def feed(cursor: str | None = None):
        return body

    return app


def serve_bare(port: int, body_file: str) -> int:
    import uvicorn

    uvicorn.run(bare_app(body_file), host="127.0.0.1", port=port, log_level="warning",
                timeout_graceful_shutdown=5)
    return 0


class CpuMeter:
    """CPU seconds (user + system, from /proc) used by one server process, all its threads,
    and by the PostgreSQL backends connected to database ``dbname``: per request, these hold
    up when other work shares the cores, where requests/s and latencies do not."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_pid: int, dbname: str = ""):
        self.server_pid = server_pid
        self.title = f" {dbname} ".encode()  # "postgres: USER DBNAME HOST(PORT) STATE"

    @classmethod
    def _cpu(cls, pid: int | str) -> float:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / cls.TICK
        except (OSError, IndexError, ValueError):
            return 0.0  # gone meanwhile

    def snapshot(self) -> tuple[float, dict[int, float]]:
        pg = {}
        for pid in os.listdir("/proc"):
            if pid.isdigit() and self.title.strip():
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        line = f.read()
                except OSError:
                    continue
                if line.startswith(b"postgres: ") and self.title in line:
                    pg[int(pid)] = self._cpu(pid)
        return self._cpu(self.server_pid), pg

    @staticmethod
    def used(a, b) -> tuple[float, float]:
        """(server, PostgreSQL) CPU seconds between snapshots ``a`` and ``b``."""
        return b[0] - a[0], sum(t - a[1].get(pid, 0.0) for pid, t in b[1].items())


async def load(port: int, requests: list[tuple[str, str]], clients: int, seconds: float,
               meter: CpuMeter | None = None, warmup: float = 0.5, at_least: int = MIN_TIMED
               ) -> tuple[float, float, float, int, float, float]:
    """``clients`` connections each send the GETs of ``requests`` ((path, cookie), in turn)
    back to back, timed after ``warmup`` for ``seconds``, or longer (up to four times as
    long) until ``at_least`` requests were timed, so a slow endpoint still gets a p99; returns
    requests/s, p50 and p99 latency in ms, the number timed and, with a ``meter``, the CPU
    ms per request of the server and of PostgreSQL meanwhile. Any status but 200 raises."""
    raw = [f"GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncookie: tenku_session={cookie}\r\n\r\n"
           .encode() for path, cookie in requests]
    latencies: list[float] = []
    begin = time.perf_counter() + warmup
    end, last = begin + seconds, begin + 4 * seconds
    marks = []

    async def mark() -> None:
        await asyncio.sleep(warmup)
        marks.append(meter.snapshot())

    def going(t: float) -> bool:
        return t < end or (t < last and len(latencies) < at_least)

    await asyncio.gather(*(keep_alive_client(port, raw, c, clients, going, begin, latencies)
                           for c in range(clients)),
                         *([mark()] if meter else []))
    rate = len(latencies) / (time.perf_counter() - begin)  # the last replies included
    cpu = (0.0, 0.0)
    if meter:
        cpu = tuple(1000 * t / len(latencies) for t in meter.used(marks[0], meter.snapshot()))
    latencies.sort()
    return (rate, 1000 * latencies[len(latencies) // 2],
            1000 * latencies[int(0.99 * (len(latencies) - 1))], len(latencies), *cpu)


def sign_in(port: int, names: list[str]) -> dict[str, str]:
    """username -> session cookie, through ``POST /api/login``."""
    import httpx

    cookies = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as c:
        for name in names:
            r = c.post("/api/login", json={"username": name, "password": PASSWORD})
            r.raise_for_status()
            cookies[name] = r.cookies["tenku_session"]
    return cookies


def first_pages(port: int, cookies: dict[str, str]) -> dict:
    """Page 1 of every viewer (checked), its cursor and its bytes; page 2 checked too."""
    import httpx

    out = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as c:
        for name, cookie in cookies.items():
            r = c.get("/api/feed", cookies={"tenku_session": cookie})
            r.raise_for_status()
            page = r.json()
            ids = [p["id"] for p in page["data"]]
            if len(ids) != 10 or not all(p["reasons"] for p in page["data"]) or not page["next"]:
                raise RuntimeError(f"{name}'s feed page 1 is not ten cards with reasons and "
                                   f"a cursor: {json.dumps(page)[:500]}")
            r2 = c.get("/api/feed", params={"cursor": page["next"]},
                       cookies={"tenku_session": cookie})
            r2.raise_for_status()
            ids2 = [p["id"] for p in r2.json()["data"]]
            if len(ids2) != 10 or set(ids) & set(ids2):
                raise RuntimeError(f"{name}'s page 2 is not ten new cards")
            out[name] = {"ids": ids, "next": page["next"], "bytes": len(r.content),
                         "body": r.text, "reasons": [p["reasons"] for p in page["data"]]}
    return out


def newest_posts(dsn: str, n: int = 10) -> list[str]:
    import psycopg

    with psycopg.connect(dsn) as conn:
        return [r[0] for r in conn.execute(
            "SELECT id FROM posts ORDER BY created_at DESC, id DESC LIMIT %s", (n,))]


def set_scope(dsn: str, user_ids: list[str], scope: str) -> None:
    import psycopg

    with psycopg.connect(dsn) as conn:
        conn.execute("UPDATE users SET feed_scope = %s WHERE id = ANY(%s)", (scope, user_ids))


# -- in process --------------------------------------------------------------------------

def in_process(url: str, viewers: list[str], cursors: list[str | None], n: int,
               capture: bool = False) -> tuple[float, float, float, list]:
    """FeedService.page here for ``viewers`` in turn, with one FeedService kept throughout
    (warm: what it caches stays) and, interleaved, with a new one per page (cold). Timing
    starts after STEADY calls, once psycopg has prepared the statements and PostgreSQL has
    settled on their plans, as on a server that has been up a while. Returns the medians of
    ``n`` warm and ``n`` cold pages in ms, the share of the warm time inside the driver's
    execute (SQL run and rows transferred) and, with ``capture``, the (statement,
    parameters) of the first call."""
    from sqlalchemy import event

    from tenku.platform.feed import FeedService
    from tenku.store.db import Database

    db = Database(url)
    sql = [0.0]
    statements: list = []
    started: list[float] = []
    first = [capture]

    def before(conn, cursor, statement, parameters, context, executemany):
        started.append(time.perf_counter())

    def after_(conn, cursor, statement, parameters, context, executemany):
        sql[0] += time.perf_counter() - started.pop()
        if first[0] and statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after_)
    try:
        feed = FeedService(db)
        for i in range(STEADY):
            feed.page(viewers[i % len(viewers)], cursor=cursors[i % len(cursors)])
            first[0] = False
        warm, cold, in_sql = [], [], 0.0
        for i in range(n):
            for kept, times in ((True, warm), (False, cold)):
                sql[0] = 0.0
                t = time.perf_counter()
                (feed if kept else FeedService(db)).page(viewers[i % len(viewers)],
                                                         cursor=cursors[i % len(cursors)])
                times.append(time.perf_counter() - t)
                in_sql += sql[0] if kept else 0.0
        if not n:
            return 0.0, 0.0, 0.0, statements
        return (1000 * statistics.median(warm), 1000 * statistics.median(cold),
                in_sql / sum(warm), statements)
    finally:
        db.dispose()


def explain(dsn: str, statements: list, repeat: int = 12) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement with its parameters (the custom plan), then
    its generic plan (the plan a pooled connection may switch to once psycopg has prepared the
    statement, after 5 uses, and PostgreSQL's plan cache has tried 5 custom plans), and the
    times of ``repeat`` prepared executions on one connection, which show whether it does."""
    import psycopg

    def short(text: str) -> str:
        return "\n".join(line if len(line) <= 160 else line[:157] + "..."
                         for line in text.strip().splitlines())

    seen = set()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for k, (statement, parameters) in enumerate(statements):
            if statement in seen:
                continue
            seen.add(statement)
            print("\n" + short(statement))
            plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).fetchall()
            print(short("\n".join("    " + r[0] for r in plan)))
            if not parameters:
                continue
            ms = []
            for _ in range(repeat):
                t = time.perf_counter()
                conn.execute(statement, parameters, prepare=True).fetchall()
                ms.append(f"{1000 * (time.perf_counter() - t):.1f}")
            print(f"  {repeat} executions, prepared by psycopg from the first: "
                  f"{' '.join(ms)} ms")
            names: list[str] = []

            def number(m: re.Match) -> str:
                if m[1] not in names:
                    names.append(m[1])
                return f"${names.index(m[1]) + 1}"

            generic = re.sub(r"%\((\w+)\)s", number, statement)
            conn.execute(f"PREPARE bench_{k} AS {generic}")
            conn.execute("SET plan_cache_mode = force_generic_plan")
            with psycopg.ClientCursor(conn) as cur:
                cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_{k}("
                            + ", ".join(["%s"] * len(names)) + ")",
                            [parameters[name] for name in names])
                print("  generic plan:\n" + short("\n".join("    " + r[0]
                                                             for r in cur.fetchall())))
            conn.execute("RESET plan_cache_mode")
            conn.execute(f"DEALLOCATE bench_{k}")


# -- report --------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="10,000 videos, 1,000 users, 100,000 likes, 3 s per row")
    ap.add_argument("--videos", type=int, help="videos, each posted (default 100,000)")
    ap.add_argument("--users", type=int, help="users (default 10,000)")
    ap.add_argument("--likes", type=int, help="likes (default 1,000,000)")
    ap.add_argument("--follows", type=int, default=20, help="follows per user (default 20)")
    ap.add_argument("--completions", type=int, help="completions (default: likes / 3)")
    ap.add_argument("--comments", type=int, help="comments (default: likes / 20)")
    ap.add_argument("--remixes", type=float, default=0.05,
                    help="share of posts that remix an older one (default 0.05)")
    ap.add_argument("--viewers", type=int, default=8, help="signed-in users per group (default 8)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent connections (default 8)")
    ap.add_argument("--duration", type=float, help="seconds timed per row (default 10)")
    ap.add_argument("--seed", type=int, default=0, help="seeds the data (default 0)")
    ap.add_argument("--explain", action="store_true",
                    help="print EXPLAIN ANALYZE of the statements of one steered page")
    ap.add_argument("--keep", action="store_true", help="keep the database (prints its URL)")
    ap.add_argument("--bare-port", type=int, help=argparse.SUPPRESS)  # the bare app's process
    ap.add_argument("--bare-body", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare_port:
        return serve_bare(args.bare_port, args.bare_body)
    args.videos = args.videos or (10_000 if args.quick else 100_000)
    args.users = args.users or (1_000 if args.quick else 10_000)
    args.likes = args.likes if args.likes is not None else (100_000 if args.quick else 1_000_000)
    args.completions = args.completions if args.completions is not None else args.likes // 3
    args.comments = args.comments if args.comments is not None else args.likes // 20
    args.duration = args.duration or (3.0 if args.quick else 10.0)
    if 3 * args.viewers > args.users or args.follows >= args.users:
        ap.error("need more users than 3 x --viewers and --follows")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the services on the way out

    from tenku.store.db import upgrade

    t = time.perf_counter()
    base, steers, real = embed_texts(args.seed)
    t_model = time.perf_counter() - t

    with tempfile.TemporaryDirectory(prefix="tenku-bench-feed-") as tmp, \
            PgDatabase(keep=args.keep) as pg:
        tmp = Path(tmp)
        upgrade(pg.url)
        info = seed(pg.dsn, args, base, steers)
        sec = info["seconds"]
        t = time.perf_counter()
        check_seed(pg.dsn)
        t_check = time.perf_counter() - t
        print(f"seeded {args.videos:,} videos+posts ({info['remixes']:,} remixes), "
              f"{args.users:,} users, {args.likes:,} likes, {args.completions:,} completions, "
              f"{args.comments:,} comments, {info['follows']:,} follows in {sec['total']:.1f} s: "
              f"generate {sec['generate']:.1f} s (embeddings {sec['embeddings']:.1f} s), "
              f"COPY {sec['copy']:.1f} s, indexes {sec['indexes']:.1f} s, VACUUM ANALYZE "
              f"{sec['vacuum']:.1f} s; counters and references checked in {t_check:.1f} s")
        if not info["fk_skipped"]:
            print("(foreign-key triggers ran during COPY: the role may not skip them)")
        print("post embeddings: " + (f"all-MiniLM-L6-v2 embeddings of 64 topic prompts + noise"
                                     f" (loading the model and embedding them and the steers "
                                     f"took {t_model:.1f} s before the seeding)" if real else
                                     "RANDOM unit vectors per prompt + noise (model not "
                                     "installed; steering matches are meaningless)"))
        groups, names = info["groups"], info["names"]

        env = service_env(TENKU_DATABASE_URL=pg.url)
        body_file = tmp / "page.json"
        rows = []
        with Fleet(tmp) as fleet:
            port = free_port()
            server = fleet.start("tenku", tenku_cmd("serve", "--data", tmp / "data", "--port",
                                                    port, "--workers", 0), env)
            fleet.wait_ready(server, port)
            cookies = {g: sign_in(port, [names[u] for u in ids]) for g, ids in groups.items()}
            newest = newest_posts(pg.dsn)
            pages = {g: first_pages(port, c) for g, c in cookies.items()}
            for name, page in pages["chrono"].items():
                if page["ids"] != newest:
                    raise RuntimeError(f"{name}'s chronological page is not the newest posts")
            steered = pages["steered"]
            matched = sum(any(r.startswith("Matches 'more") for r in rs)
                          for p in steered.values() for rs in p["reasons"])
            print(f"steered viewers: {matched} of {10 * len(steered)} page-1 cards match their "
                  f"'more' phrases ({'; '.join(t for t, _, _ in STEERS[:args.viewers])})")
            body_file.write_text(next(iter(steered.values()))["body"])

            def reqs(group: str, page2: bool = False) -> list[tuple[str, str]]:
                return [("/api/feed?cursor=" + pages[group][n]["next"] if page2 else "/api/feed",
                         cookies[group][n]) for n in cookies[group]]

            def kb(group: str) -> float:
                return statistics.mean(p["bytes"] for p in pages[group].values()) / 1024

            plan = [("ranked + steer, page 1", "steered", False),
                    ("ranked + steer, page 2 (cursor)", "steered", True),
                    ("ranked, no steer, page 1", "ranked", False),
                    ("chronological, page 1", "chrono", False),
                    ("chronological, page 2 (cursor)", "chrono", True)]
            meter = CpuMeter(server.pid, pg.name)
            load_before = os.getloadavg()[0]
            for label, group, page2 in plan:
                rows.append((label, kb(group), asyncio.run(
                    load(port, reqs(group, page2), args.clients, args.duration, meter))))
            set_scope(pg.dsn, groups["chrono"], "following")
            rows.append(("chronological, following only", kb("chrono"), asyncio.run(
                load(port, reqs("chrono"), args.clients, args.duration, meter))))

            bare_port = free_port()
            bare = fleet.start("bare", [sys.executable, __file__, "--bare-port", str(bare_port),
                                        "--bare-body", str(body_file)], env)
            fleet.wait_ready(bare, bare_port)
            bare_fig = asyncio.run(load(bare_port, reqs("steered"), args.clients, args.duration,
                                        CpuMeter(bare.pid)))
            load_after = os.getloadavg()[0]

        # in process: the same viewers, no HTTP (the server is gone: nothing competes)
        n = 10 if args.quick else 20
        cursor_of = {u: pages[g][names[u]]["next"] for g, ids in groups.items() for u in ids}
        inproc = {}
        for label, group, page2 in plan + [("chronological, following only", "chrono", False)]:
            ids = groups[group]
            set_scope(pg.dsn, groups["chrono"], "following" if "following" in label
                      else "everyone")
            inproc[label] = in_process(pg.url, ids, [cursor_of[u] if page2 else None
                                                     for u in ids], n)[:3]
        set_scope(pg.dsn, groups["chrono"], "everyone")

        print(f"\nGET /api/feed on `tenku serve --workers 0` + PostgreSQL, {args.clients} "
              f"clients cycling {args.viewers} signed-in viewers, {args.duration:g} s per row; "
              f"{os.cpu_count()} CPUs shared by client, server and database (load average "
              f"{load_before:.1f} before the reads, {load_after:.1f} after)")
        print(f"{'feed':31s} {'KB':>4s} {'req/s':>6s} {'p50 ms':>7s} {'p99 ms':>7s} {'n':>5s} "
              f"{'srv':>5s} {'pg':>5s}  {'req/s':>6s} {'p50':>5s} {'srv':>5s}  {'warm':>5s} "
              f"{'SQL':>4s} {'cold':>5s}")
        b_rate, b_p50, b_p99, b_n, b_srv, _ = bare_fig
        for label, size, (rate, p50, p99, count, srv, pgc) in rows:
            warm, cold, share = inproc[label]
            print(f"{label:31s} {size:4.1f} {rate:6.1f} {p50:7.1f} {p99:7.1f} {count:5d} "
                  f"{srv:5.1f} {pgc:5.1f}  {rate / b_rate:6.3f} {p50 / b_p50:5.0f} "
                  f"{srv / b_srv:5.0f}  {warm:5.1f} {share:4.0%} {cold:5.1f}")
        print(f"{'bare FastAPI, same page-1 body':31s} {kb('steered'):4.1f} {b_rate:6.0f} "
              f"{b_p50:7.1f} {b_p99:7.1f} {b_n:5d} {b_srv:5.2f}")
        print("srv, pg: CPU ms per request of the server process and of PostgreSQL. Then "
              "tenku/bare ratios of req/s, p50 and srv. Then FeedService.page alone in this "
              f"process, median ms of {n}: warm, one FeedService kept, as the server keeps "
              "one; SQL, the share of that in the database driver; cold, a new FeedService "
              "per page, its embedding cache empty as after a restart.")

        if args.explain:
            ids = groups["steered"]
            statements = in_process(pg.url, ids, [None] * len(ids), 0, capture=True)[3]
            explain(pg.dsn, statements)
    return 0


if __name__ == "__main__":
    sys.exit(main())
