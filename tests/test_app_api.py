"""The app's JSON API over HTTP against a live ``tenku serve``: invites, sessions and CSRF,
who may see and change what, and bad input (duplicates, races, huge or empty text, deleted
things, expired sessions). The browser tests drive the same API through the pages."""

from __future__ import annotations

import subprocess
import threading
import time

import httpx
import pytest

from live import TENKU, Server, base_env

PASSWORD = "correct horse battery"


class Person:
    """A browser-like client: the session cookie plus the CSRF header on every change."""

    def __init__(self, url: str):
        self.http = httpx.Client(base_url=url, timeout=60)
        self.csrf = ""

    def __getattr__(self, method):
        def call(path, **kw):
            headers = {"x-csrf-token": self.csrf, **kw.pop("headers", {})}
            return self.http.request(method.upper(), path, headers=headers, **kw)
        return call

    def signed(self, r: httpx.Response) -> "Person":
        assert r.status_code == 200, r.text
        self.csrf = r.json()["csrf"]
        return self


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("app")
    env = base_env(data, TENKU_APP_LONG_SIDE="320", TENKU_APP_QUALITY="draft",
                   TENKU_INVITES_PER_USER="3")
    out = subprocess.run([TENKU, "admin", "create", "ada", "--password", PASSWORD, "--data",
                          str(data)], env=env, capture_output=True, text=True, check=True)
    codes = [line.split("invite: ")[1] for line in out.stdout.splitlines()
             if line.startswith("invite: ")]
    assert len(codes) == 3
    server = Server(data, env).start()
    ada = Person(server.url)
    ada.signed(ada.http.post("/api/login", json={"username": "ada", "password": PASSWORD}))
    bo = Person(server.url)
    bo.signed(bo.http.post("/api/signup", json={"invite": codes[0], "username": "bob",
                                                "password": PASSWORD}))
    try:
        yield {"url": server.url, "codes": codes, "ada": ada, "bo": bo, "data": data}
    finally:
        server.stop()


def _posted(person: Person, prompt: str, caption: str = "") -> dict:
    video = person.post("/api/videos", json={"prompt": prompt, "seconds": 1}).json()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        drafts = {d["id"]: d for d in person.get("/api/drafts").json()["data"]}
        if drafts[video["id"]]["status"] == "completed":
            break
        time.sleep(0.3)
    r = person.post("/api/posts", json={"video_id": video["id"], "caption": caption})
    assert r.status_code == 200, r.text
    return r.json()


def test_invites_are_single_use_and_each_account_gets_its_own(app):
    p = Person(app["url"])
    bad = p.http.post("/api/signup", json={"invite": "nope-nope-nope", "username": "cyd",
                                           "password": PASSWORD})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_invite"
    used = p.http.post("/api/signup", json={"invite": app["codes"][0], "username": "cyd",
                                            "password": PASSWORD})
    assert used.status_code == 400 and used.json()["error"]["param"] == "invite"
    me = app["bo"].get("/api/me").json()
    assert len(me["invites"]) == 3 and app["codes"][0] not in me["invites"]
    taken = p.http.post("/api/signup", json={"invite": app["codes"][1], "username": "BOB",
                                             "password": PASSWORD})
    assert taken.status_code == 409  # usernames are case-insensitive
    short = p.http.post("/api/signup", json={"invite": app["codes"][1], "username": "cyd",
                                             "password": "short"})
    assert short.status_code == 400 and short.json()["error"]["param"] == "password"
    # the failed attempts did not spend the invite
    ok = p.http.post("/api/signup", json={"invite": app["codes"][1], "username": "cyd",
                                          "password": PASSWORD})
    assert ok.status_code == 200


def test_wrong_password_and_missing_csrf_are_refused(app):
    p = Person(app["url"])
    wrong = p.http.post("/api/login", json={"username": "ada", "password": "not it at all"})
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.text
    nobody = p.http.post("/api/login", json={"username": "nobody", "password": PASSWORD})
    assert nobody.status_code == 401
    assert p.http.get("/api/me").status_code == 401
    no_csrf = app["ada"].http.post("/api/videos", json={"prompt": "a ball drops"})
    assert no_csrf.status_code == 403 and no_csrf.json()["error"]["code"] == "csrf_failed"
    forged = app["ada"].post("/api/videos", json={"prompt": "a ball drops"},
                             headers={"x-csrf-token": "forged"})
    assert forged.status_code == 403


def test_nobody_sees_or_changes_what_is_not_theirs(app):
    ada, bo = app["ada"], app["bo"]
    draft = ada.post("/api/videos", json={"prompt": "a cork floats in a bathtub",
                                          "seconds": 1}).json()
    assert draft["id"] not in {d["id"] for d in bo.get("/api/drafts").json()["data"]}
    assert bo.get(f"/api/videos/{draft['id']}/content").status_code == 404
    assert bo.get(f"/api/videos/{draft['id']}/events").status_code == 404
    assert bo.delete(f"/api/drafts/{draft['id']}").status_code == 404
    assert bo.post("/api/posts", json={"video_id": draft["id"]}).status_code == 404
    post = _posted(ada, "a ball rolls down a ramp", "mine")
    assert bo.patch(f"/api/posts/{post['id']}", json={"caption": "hacked"}).status_code == 403
    assert bo.delete(f"/api/posts/{post['id']}").status_code == 403
    comment = ada.post(f"/api/posts/{post['id']}/comments", json={"text": "first"}).json()
    assert bo.delete(f"/api/comments/{comment['id']}").status_code == 403
    bo.post(f"/api/posts/{post['id']}/like")
    assert any(n["kind"] == "like" for n in ada.get("/api/notifications").json()["data"])
    assert not any(n["kind"] == "like" and n["actor"]["username"] == "bob"
                   for n in bo.get("/api/notifications").json()["data"])
    assert ada.get(f"/api/posts/{post['id']}").json()["caption"] == "mine"


def test_likes_follows_and_posting_do_not_duplicate(app):
    ada, bo = app["ada"], app["bo"]
    post = _posted(ada, "a domino line topples")
    for _ in range(3):
        assert bo.post(f"/api/posts/{post['id']}/like").status_code == 200
    assert bo.get(f"/api/posts/{post['id']}").json()["likes"] == 1
    assert bo.delete(f"/api/posts/{post['id']}/like").json()["likes"] == 0
    assert bo.post("/api/users/bob/follow").status_code == 400  # not yourself
    for _ in range(2):
        bo.post("/api/users/ada/follow")
    assert bo.get("/api/users/ada").json()["user"]["followers"] == 1
    # two tabs post the same draft at once: one post, one clear refusal
    video = ada.post("/api/videos", json={"prompt": "a glass falls", "seconds": 1}).json()
    while ada.get("/api/drafts").json()["data"][0]["status"] != "completed":
        time.sleep(0.3)
    results = []
    tabs = [threading.Thread(target=lambda: results.append(
        ada.post("/api/posts", json={"video_id": video["id"], "caption": "tab"})))
        for _ in range(2)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join()
    assert sorted(r.status_code for r in results) == [200, 409]
    refused = next(r for r in results if r.status_code == 409)
    assert "already posted" in refused.json()["error"]["message"]
    profile = ada.get("/api/users/ada").json()
    assert sum(p["video_id"] == video["id"] for p in profile["posts"]) == 1


def test_comments_replies_and_text_limits(app):
    ada, bo = app["ada"], app["bo"]
    post = _posted(ada, "a basketball bounces")
    assert bo.post(f"/api/posts/{post['id']}/comments", json={"text": "  "}).status_code == 400
    huge = bo.post(f"/api/posts/{post['id']}/comments", json={"text": "x" * 5000})
    assert huge.status_code == 400 and "limit is 1000" in huge.text
    markup = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    top = bo.post(f"/api/posts/{post['id']}/comments", json={"text": markup}).json()
    reply = ada.post(f"/api/posts/{post['id']}/comments",
                     json={"text": "thanks", "parent_id": top["id"]}).json()
    deeper = bo.post(f"/api/posts/{post['id']}/comments",
                     json={"text": "welcome", "parent_id": reply["id"]}).json()
    thread = ada.get(f"/api/posts/{post['id']}/comments").json()["data"]
    assert len(thread) == 1 and thread[0]["text"] == markup  # stored as typed
    assert [r["id"] for r in thread[0]["replies"]] == [reply["id"], deeper["id"]]
    kinds = [n["kind"] for n in ada.get("/api/notifications").json()["data"]]
    assert "comment" in kinds
    assert any(n["kind"] == "reply" for n in bo.get("/api/notifications").json()["data"])
    assert ada.get(f"/api/posts/{post['id']}").json()["comments"] == 3
    ada.delete(f"/api/comments/{reply['id']}")
    assert ada.get(f"/api/posts/{post['id']}").json()["comments"] == 2


def test_remix_chain_and_deleted_posts(app):
    ada, bo = app["ada"], app["bo"]
    source = _posted(ada, "a tennis ball bounces")
    preload = bo.get(f"/api/posts/{source['id']}/remix").json()
    assert preload["prompt"] == "a tennis ball bounces" and preload["script"]["entities"]
    video = bo.post("/api/videos", json={"prompt": "a bowling ball bounces",
                                         "seconds": preload["seconds"],
                                         "orientation": preload["orientation"],
                                         "remix_of": source["id"]}).json()
    assert video["remixed_from_video_id"] == source["video_id"]
    while bo.get("/api/drafts").json()["data"][0]["status"] != "completed":
        time.sleep(0.3)
    remix = bo.post("/api/posts", json={"video_id": video["id"]})
    assert remix.status_code == 200, remix.text
    remix = remix.json()
    assert remix["remix_of"] == source["id"]
    chain = ada.get(f"/api/posts/{source['id']}").json()["chain"]
    assert [p["id"] for p in chain["remixes"]] == [remix["id"]] and chain["remixed_from"] is None
    assert bo.get(f"/api/posts/{remix['id']}").json()["chain"]["remixed_from"]["id"] == source["id"]
    assert any(n["kind"] == "remix" for n in ada.get("/api/notifications").json()["data"])
    assert ada.delete(f"/api/posts/{source['id']}").status_code == 200
    gone = bo.get(f"/api/posts/{source['id']}")
    assert gone.status_code == 404 and "deleted" in gone.json()["error"]["message"]
    assert bo.get(f"/api/posts/{remix['id']}").json()["chain"]["remixed_from"] is None


def test_expired_sessions_and_logout_everywhere(tmp_path):
    env = base_env(tmp_path, TENKU_SESSION_DAYS="0.00003", TENKU_WORKERS="0")  # 2.6 s
    subprocess.run([TENKU, "admin", "create", "eve", "--password", PASSWORD, "--data",
                    str(tmp_path)], env=env, check=True, capture_output=True)
    server = Server(tmp_path, env, workers=0).start()
    try:
        a, b = Person(server.url), Person(server.url)
        for p in (a, b):
            p.signed(p.http.post("/api/login", json={"username": "eve", "password": PASSWORD}))
        assert a.post("/api/logout-everywhere").status_code == 200
        assert b.get("/api/me").status_code == 401
        c = Person(server.url)
        c.signed(c.http.post("/api/login", json={"username": "eve", "password": PASSWORD}))
        time.sleep(3)
        expired = c.get("/api/me")
        assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]
    finally:
        server.stop()


def test_deleting_an_account_removes_its_data(app):
    p = Person(app["url"])
    me = app["ada"].get("/api/me").json()
    p.signed(p.http.post("/api/signup", json={"invite": me["invites"][0], "username": "dee",
                                              "password": PASSWORD}))
    post = _posted(p, "a cat pushes a cup off a table")
    app["bo"].post(f"/api/posts/{post['id']}/like")
    wrong = p.delete("/api/me", json={"password": "wrong password"})
    assert wrong.status_code == 401 and p.get("/api/me").status_code == 200
    assert p.delete("/api/me", json={"password": PASSWORD}).status_code == 200
    assert app["bo"].get(f"/api/posts/{post['id']}").status_code == 404
    assert app["bo"].get("/api/users/dee").status_code == 404
    assert not list((app["data"] / "blobs" / "videos" / post["video_id"]).rglob("*.mp4"))
    again = Person(app["url"]).http.post("/api/login", json={"username": "dee",
                                                              "password": PASSWORD})
    assert again.status_code == 401
