"""The web app in a real browser: Chromium (Debian's, driven by Playwright) against a live
``tenku serve``. Three people: ada (the admin, made with ``tenku admin create``; she posts
through the API), cam and bob, who sign up with invite codes and use only the pages.

The story: cam signs up, creates a video and watches its progress reach done in the queue,
posts it from Drafts; bob, on a phone, sees it in the feed, swipes (keyboard, wheel, touch),
lets it play to its end, likes, comments, follows and remixes it; cam gets the notifications
and sees the remix chain; turning personalisation off reorders bob's feed. Also refused: a
bad invite, a wrong password and a POST without the CSRF header. Every page fits a 375 px
wide screen, and the feed's phone screenshot is saved in the test's tmp folder.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from live import TENKU, Server, base_env

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
expect.set_options(timeout=10_000)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "correct horse battery"
PHONE = dict(viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True,
             has_touch=True, permissions=["clipboard-read", "clipboard-write"])
DESKTOP = dict(viewport={"width": 1280, "height": 800})
TALK = 'a chef says "order up!"'
CAM_PROMPT = "a red ball rolls off a wooden table and bounces on the floor"

pytestmark = pytest.mark.timeout(240)


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory):
    # a missing browser fails the run (the README installs it), never skips it silently
    assert Path(CHROMIUM).exists(), "install Debian's chromium: apt-get install -y chromium"
    data = tmp_path_factory.mktemp("web")
    env = base_env(data, TENKU_APP_LONG_SIDE="320", TENKU_APP_QUALITY="draft",
                   TENKU_INVITES_PER_USER="3")
    out = subprocess.run([TENKU, "admin", "create", "ada", "--password", PASSWORD, "--data",
                          str(data)], env=env, capture_output=True, text=True, check=True,
                         timeout=120)
    codes = [line.split("invite: ", 1)[1] for line in out.stdout.splitlines()
             if line.startswith("invite: ")]
    assert len(codes) == 3, out.stdout
    server = Server(data, env).start()
    ada = httpx.Client(base_url=server.url, timeout=60)
    r = ada.post("/api/login", json={"username": "ada", "password": PASSWORD})
    assert r.status_code == 200, r.text
    ada.headers["x-csrf-token"] = r.json()["csrf"]
    # ada's video (with dialogue, so it has captions) renders while the browser starts
    video = ada.post("/api/videos", json={"prompt": TALK, "seconds": 2}).json()
    state = {"url": server.url, "codes": codes, "ada": ada, "ada_video": video["id"]}
    try:
        yield state
    finally:
        ada.close()
        server.stop()


@pytest.fixture(scope="module")
def browser(site):
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _errors(page) -> list[str]:
    """Console errors and uncaught exceptions of a page, collected as they happen."""
    seen: list[str] = []
    page.on("pageerror", lambda e: seen.append(f"pageerror: {e}"))
    page.on("console", lambda m: seen.append(f"console: {m.text}") if m.type == "error"
            and "Failed to load resource" not in m.text else None)
    return seen


def _wait_posted(client: httpx.Client, video_id: str, caption: str) -> dict:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        drafts = {d["id"]: d for d in client.get("/api/drafts").json()["data"]}
        status = drafts[video_id]["status"]
        assert status != "failed", drafts[video_id]
        if status == "completed":
            break
        time.sleep(0.3)
    r = client.post("/api/posts", json={"video_id": video_id, "caption": caption})
    assert r.status_code == 200, r.text
    return r.json()


def signup(page, url: str, invite: str, username: str) -> None:
    page.goto(url + "/signup")
    page.get_by_label("Invite code").fill(invite)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(url + "/")


def swipe(cdp, *, up: bool) -> None:
    """A finger dragged 400 px up (to the next video) or down, as real touch events."""
    y0, step = (620, -40) if up else (220, 40)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart",
                                          "touchPoints": [{"x": 187, "y": y0}]})
    for i in range(1, 11):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                              "touchPoints": [{"x": 187, "y": y0 + step * i}]})
        time.sleep(0.016)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url} is {width}px wide in a {inner}px window"


def settled(page) -> None:
    """The feed has stopped scrolling (the same for 300 ms), on its active card."""
    page.wait_for_function("""() => {
        const f = document.querySelector("[data-feed]"), c = f && f.querySelector(".active");
        const now = [f.scrollTop, performance.now()], last = window.__feedScroll;
        if (!last || last[0] !== now[0]) { window.__feedScroll = now; return false; }
        return now[1] - last[1] > 300 && c && Math.abs(f.scrollTop - c.offsetTop) < 8; }""",
                           polling=50)


def ready(page, name: str) -> None:
    expect(page.locator("html")).to_have_attribute("data-ready", name, timeout=15_000)


# -- the shell ---------------------------------------------------------------------------------
def test_pages_are_small_strict_and_cached(site):
    """Fast first paint: a small server-rendered shell, one small stylesheet and script
    (gzipped, cached for good by version), a strict CSP with no inline script; query text
    echoed into a page is escaped; signed-out visitors are sent to log in."""
    url = site["url"]
    with httpx.Client(base_url=url, timeout=30) as http:
        r = http.get("/signup?invite=%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
        assert r.status_code == 200 and len(r.content) < 8000
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert "<script>alert" not in r.text and "&lt;script&gt;alert(1)" in r.text
        assert re.findall(r"<script(?![^>]*\bsrc=)", r.text) == []  # no inline script
        assets = re.findall(r'(?:href|src)="(/static/app\.(?:css|js)\?v=[0-9a-f]+)"', r.text)
        assert len(assets) == 2, r.text
        sizes = {}
        for asset in assets:
            a = http.get(asset, headers={"accept-encoding": "gzip"})
            assert a.status_code == 200 and a.headers["content-encoding"] == "gzip"
            assert "immutable" in a.headers["cache-control"]
            sizes[asset.split("?")[0]] = int(a.headers["content-length"])
            again = http.get(asset, headers={"if-none-match": a.headers["etag"]})
            assert again.status_code == 304
        assert sizes["/static/app.css"] < 10_000 and sizes["/static/app.js"] < 25_000, sizes
        assert http.get("/static/..%2Fpages.py").status_code == 404
        assert http.head("/login").status_code == 200
        r = http.get("/p/post_x?a=1")
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fp%2Fpost_x%3Fa%3D1"
        r = http.get("/login?next=//evil.example/")
        assert 'data-next="/"' in r.text


# -- refusals ---------------------------------------------------------------------------------
def test_bad_invite_wrong_password_and_missing_csrf_are_refused(site, browser):
    url = site["url"]
    ctx = browser.new_context(**DESKTOP)
    page = ctx.new_page()
    errors = _errors(page)

    page.goto(url + "/signup")
    page.get_by_label("Invite code").fill("dead-beef-0000")
    page.get_by_label("Username").fill("mallory")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("alert")).to_contain_text("invite code is not valid")
    expect(page.get_by_label("Invite code")).to_have_attribute("aria-invalid", "true")
    assert page.url.startswith(url + "/signup")

    page.goto(url + "/login?next=/settings")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("not her password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")

    # signed in, a request without the CSRF header is refused; the page's own is accepted
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + "/settings")
    ready(page, "settings")
    r = page.request.patch(url + "/api/me", data={"steer": "more dominoes"})
    assert r.status == 403 and r.json()["error"]["code"] == "csrf_failed"
    r = page.request.post(url + "/api/logout")
    assert r.status == 403
    page.get_by_label("Steer my feed").fill("more dominoes")
    with page.expect_response(lambda r: r.url.endswith("/api/me")
                              and r.request.method == "PATCH") as resp:
        page.get_by_role("button", name="Save").click()
    assert resp.value.status == 200
    page.get_by_label("Steer my feed").fill("")
    page.get_by_label("Bio").fill("I make <em>physics</em>")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-toast]")).to_have_text("Saved")
    page.goto(url + "/u/ada")
    ready(page, "profile")
    expect(page.locator("[data-bio]")).to_have_text("I make <em>physics</em>")
    page.get_by_role("link", name="Settings", exact=True).first.click()
    ready(page, "settings")

    # signed out, pages send you to log in (and back afterwards)
    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto(url + "/drafts")
    assert page.url == url + "/login?next=%2Fdrafts"

    # an account deleted from Settings (with its password) is gone
    signup(page, url, site["codes"][2], "dee")
    page.goto(url + "/settings")
    ready(page, "settings")
    expect(page.locator("[data-invites] li")).to_have_count(3)
    page.on("dialog", lambda d: d.accept())
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Delete account").click()
    expect(page.locator('[data-form="delete-account"] [role=alert]')).to_have_text(
        "Wrong password: the account was not deleted.")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Delete account").click()
    page.wait_for_url(url + "/signup")
    r = page.request.post(url + "/api/login", data={"username": "dee", "password": PASSWORD})
    assert r.status == 401
    assert errors == [], errors
    ctx.close()


# -- the story --------------------------------------------------------------------------------
def test_create_post_feed_social_and_personalisation(site, browser, tmp_path):
    url, codes = site["url"], site["codes"]
    ada = site["ada"]
    t0 = time.monotonic()
    ada_post: dict = {}
    poster = threading.Thread(target=lambda: ada_post.update(
        _wait_posted(ada, site["ada_video"], "Kitchen rush")), daemon=True)
    poster.start()

    # cam, on a desktop, signs up, creates a video and watches it render
    cam_ctx = browser.new_context(**DESKTOP)
    cam = cam_ctx.new_page()
    cam_errors = _errors(cam)
    signup(cam, url, codes[0], "cam")
    cam.get_by_role("link", name="Create", exact=True).click()
    ready(cam, "create")
    cam.get_by_label("Prompt").fill(CAM_PROMPT)
    cam.get_by_label("Duration").select_option("1")
    cam.get_by_label("Portrait").check()
    expect(cam.get_by_label("Style")).to_have_value("realistic")
    with cam.expect_request(lambda r: r.url.endswith("/api/videos")
                            and r.method == "POST") as req:
        cam.get_by_role("button", name="Create").click()
    assert req.value.post_data_json == {"prompt": CAM_PROMPT, "seconds": 1,
                                        "orientation": "portrait", "style": "realistic"}
    job = cam.locator(".queue-item").first
    expect(job).to_contain_text(CAM_PROMPT)
    # live progress: the bar moves, then says Done and points to Drafts
    expect(job.locator(".job")).to_have_attribute("data-status", "completed", timeout=90_000)
    expect(job.locator("progress")).to_have_attribute("value", "100")
    expect(job.locator(".status")).to_have_text("Done")
    poster.join(90)  # ada's post first, so the newest-first order below is known
    assert ada_post, "ada's video was not posted"
    job.get_by_role("link", name="Drafts").click()
    ready(cam, "drafts")
    draft = cam.locator(".draft").first
    expect(draft).to_contain_text(CAM_PROMPT)
    expect(draft.locator("video")).to_have_attribute("src", re.compile(r"/content\?variant=video"))
    draft.get_by_label("Caption").fill("Gravity <b>works</b>")
    draft.get_by_role("button", name="Post").click()
    expect(draft).to_contain_text("Posted.", timeout=30_000)
    cam_post_id = draft.get_by_role("link", name="See your video").get_attribute("href")[3:]

    # bob, on a phone, signs up and sees both videos in the feed
    bob_ctx = browser.new_context(**PHONE)
    bob = bob_ctx.new_page()
    bob_errors = _errors(bob)
    completes = []
    bob.on("request", lambda r: completes.append(r) if r.method == "POST"
           and r.url.endswith("/complete") else None)
    signup(bob, url, codes[1], "bob")
    feed = bob.locator("[data-feed]")
    cards = feed.locator("article")
    expect(cards).to_have_count(2)
    expect(feed).to_have_attribute("data-active", "0")
    no_sideways_scroll(bob)
    shot = tmp_path / "feed-phone.png"
    bob.screenshot(path=str(shot))
    print(f"\nfeed screenshot (375x812 phone): {shot}")
    assert shot.stat().st_size > 10_000

    # swipe: keyboard (ArrowDown/ArrowUp, j/k), wheel and touch
    bob.keyboard.press("ArrowDown")
    expect(feed).to_have_attribute("data-active", "1")
    bob.keyboard.press("k")
    expect(feed).to_have_attribute("data-active", "0")
    bob.keyboard.press("j")
    expect(feed).to_have_attribute("data-active", "1")
    bob.keyboard.press("ArrowUp")
    expect(feed).to_have_attribute("data-active", "0")
    settled(bob)
    bob.mouse.move(187, 400)
    bob.mouse.wheel(0, 700)
    expect(feed).to_have_attribute("data-active", "1")
    bob.mouse.wheel(0, -700)
    expect(feed).to_have_attribute("data-active", "0")
    cdp = bob_ctx.new_cdp_session(bob)
    swipe(cdp, up=True)
    expect(feed).to_have_attribute("data-active", "1")
    swipe(cdp, up=False)
    expect(feed).to_have_attribute("data-active", "0")

    # only the card on screen is interactive; go to cam's card
    order = cards.evaluate_all("els => els.map(e => e.dataset.postId)")
    assert sorted(order) == sorted([cam_post_id, ada_post["id"]])
    if order[0] != cam_post_id:
        bob.keyboard.press("ArrowDown")
    card = feed.locator(f'article[data-post-id="{cam_post_id}"]')
    expect(card).to_have_class(re.compile(r"\bactive\b"))
    settled(bob)
    expect(bob.get_by_role("button", name="Like", exact=True)).to_have_count(1)
    # user text is inert: the caption's markup shows as typed
    expect(card.locator(".caption")).to_have_text("Gravity <b>works</b>")
    assert card.locator(".caption b").count() == 0
    expect(card.locator(".why li").first).to_be_attached()
    video = card.locator("video")
    assert video.evaluate("v => v.muted") is True
    expect(video).to_have_attribute("aria-label", "Video by @cam")

    # watched to its end (it may have ended already while swiping): the page tells the server
    deadline = time.monotonic() + 20
    while not any(r.url.endswith(f"/api/posts/{cam_post_id}/complete") for r in completes):
        assert time.monotonic() < deadline, "no POST .../complete after the video ended"
        bob.wait_for_timeout(200)
    assert all(r.headers.get("x-csrf-token") for r in completes)

    # Pause (or P) holds the video; pressing it again plays on
    pause = card.get_by_role("button", name="Pause")
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "true")
    assert video.evaluate("v => v.paused") is True
    bob.keyboard.press("p")
    expect(pause).to_have_attribute("aria-pressed", "false")

    # tap the video for sound; the Sound button says so
    card.locator(".frame").tap(position={"x": 100, "y": 250})
    assert video.evaluate("v => v.muted") is False
    expect(card.get_by_role("button", name="Sound")).to_have_attribute("aria-pressed", "true")

    like = card.get_by_role("button", name="Like", exact=True)
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator(".count")).to_have_text("1")

    card.get_by_role("button", name="Comment", exact=True).click()
    dialog = bob.get_by_role("dialog")
    expect(dialog).to_be_visible()
    bob.get_by_label("Comment").fill("How did you get the bounce so right?")
    bob.get_by_role("button", name="Send").click()
    expect(dialog.locator(".comment")).to_contain_text("How did you get the bounce so right?")
    expect(dialog.locator(".comment a")).to_have_text("@bob")
    bob.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(card.get_by_role("button", name="Comment", exact=True)).to_be_focused()

    follow = card.get_by_role("button", name="Follow", exact=True)
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "true")

    with bob.expect_request(lambda r: r.url.endswith("/api/posts/" + cam_post_id + "/remix")):
        card.get_by_role("button", name="Remix", exact=True).click()
    bob.wait_for_url(re.compile(r"/create\?remix="))
    ready(bob, "create")
    expect(bob.get_by_label("Prompt")).to_have_value(CAM_PROMPT)
    expect(bob.get_by_label("Duration")).to_have_value("1")
    expect(bob.get_by_label("Portrait")).to_be_checked()
    expect(bob.locator("[data-remix-banner]")).to_contain_text("@cam")
    no_sideways_scroll(bob)
    bob.get_by_label("Prompt").fill(CAM_PROMPT + ", in slow motion")
    with bob.expect_request(lambda r: r.url.endswith("/api/videos")
                            and r.method == "POST") as req:
        bob.get_by_role("button", name="Create").click()
    assert req.value.post_data_json["remix_of"] == cam_post_id
    bob_job = bob.locator(".queue-item .job").first
    expect(bob_job).to_have_attribute("data-status", "completed", timeout=90_000)
    bob.goto(url + "/drafts")
    ready(bob, "drafts")
    bob.locator(".draft").first.get_by_role("button", name="Post").click()
    remix_link = bob.get_by_role("link", name="See your video")
    expect(remix_link).to_be_visible(timeout=30_000)
    remix_id = remix_link.get_attribute("href")[3:]

    # the remix's page says where it came from
    remix_link.click()
    ready(bob, "post")
    expect(bob.locator("[data-chain-from]")).to_be_visible()
    expect(bob.locator(f'[data-chain-from] a[href="/p/{cam_post_id}"]')).to_be_visible()
    no_sideways_scroll(bob)

    # cam: the unread badge, then each notification; the post page shows the chain
    cam.goto(url + "/drafts")
    ready(cam, "drafts")
    expect(cam.locator("[data-unread]")).to_contain_text("4")
    cam.get_by_role("link", name=re.compile("Inbox")).click()
    ready(cam, "notifications")
    notes = cam.locator(".note")
    expect(notes).to_have_count(4)
    assert sorted(notes.evaluate_all("els => els.map(e => e.dataset.kind)")) == [
        "comment", "follow", "like", "remix"]
    expect(cam.locator('.note[data-kind="like"]')).to_contain_text("@bob liked your video")
    expect(cam.locator('.note[data-kind="comment"]')).to_contain_text(
        "How did you get the bounce so right?")
    expect(cam.locator("[data-unread]")).to_be_hidden()
    cam.locator('.note[data-kind="remix"] a').click()
    ready(cam, "post")
    expect(cam.locator("[data-chain-from]")).to_be_visible()
    cam.goto(url + f"/p/{cam_post_id}")
    ready(cam, "post")
    expect(cam.locator(f'[data-chain-remixes] a[href="/p/{remix_id}"]')).to_be_visible()
    expect(cam.locator(".post-comments .comment")).to_contain_text("bounce so right")
    cam.get_by_role("button", name="Reply to @bob").click()
    expect(cam.locator("[data-replying]")).to_have_text("Replying to @bob Cancel reply")
    cam.get_by_label("Comment").fill("Restitution 0.8 <script>alert(1)</script>")
    cam.get_by_role("button", name="Send").click()
    expect(cam.locator(".post-comments .replies .comment .c-text")).to_have_text(
        "Restitution 0.8 <script>alert(1)</script>")
    # cam's profile: posts, remixes, followers
    cam.goto(url + "/u/cam")
    ready(cam, "profile")
    expect(cam.locator('[data-grid="posts"] li')).to_have_count(1)
    expect(cam.locator('[data-grid="posts"] img')).to_have_attribute("alt", "Gravity <b>works</b>")
    expect(cam.locator("[data-followers]")).to_have_text("1")
    cam.get_by_role("tab", name="Followers").click()
    expect(cam.locator('[data-people="followers"]')).to_contain_text("@bob")
    # bob sees cam's profile with Follow pressed; search finds people and prompts
    bob.goto(url + "/u/cam")
    ready(bob, "profile")
    expect(bob.get_by_role("button", name="Follow")).to_have_attribute("aria-pressed", "true")
    bob.goto(url + "/search?q=bounces")
    ready(bob, "search")
    expect(bob.locator('[data-grid="search"] li')).to_have_count(2)
    bob.goto(url + "/search?q=ca")
    ready(bob, "search")
    expect(bob.locator('[data-people="search"]')).to_contain_text("@cam")

    # personalisation off: newest first (bob's remix, cam's, ada's) instead of the ranking
    bob.goto(url + "/")
    expect(cards).to_have_count(3)
    ranked = cards.evaluate_all("els => els.map(e => e.dataset.postId)")
    bob.goto(url + "/settings")
    ready(bob, "settings")
    no_sideways_scroll(bob)
    personalize = bob.get_by_label("Personalize my feed")
    expect(personalize).to_be_checked()
    personalize.uncheck()
    bob.get_by_role("button", name="Save").click()
    expect(bob.locator("[data-toast]")).to_have_text("Saved")
    bob.goto(url + "/")
    expect(cards).to_have_count(3)
    newest = cards.evaluate_all("els => els.map(e => e.dataset.postId)")
    assert newest == [remix_id, cam_post_id, ada_post["id"]]
    assert ranked != newest, ranked
    # ada's video has dialogue, so captions: a <track>, and the Captions button shows them
    assert ada_post["captions_url"]
    for _ in range(newest.index(ada_post["id"])):
        bob.keyboard.press("ArrowDown")
    ada_card = feed.locator(f'article[data-post-id="{ada_post["id"]}"]')
    expect(ada_card).to_have_class(re.compile(r"\bactive\b"))
    settled(bob)
    expect(ada_card.locator("track")).to_have_attribute("kind", "captions")
    captions = ada_card.get_by_role("button", name="Captions")
    expect(captions).to_have_attribute("aria-pressed", "false")
    captions.click()
    expect(captions).to_have_attribute("aria-pressed", "true")
    assert ada_card.locator("video").evaluate("v => v.textTracks[0].mode") == "showing"
    # Share copies the video's address
    ada_card.get_by_role("button", name="Share").click()
    expect(bob.locator("[data-toast]")).to_have_text("Link copied")
    assert bob.evaluate("navigator.clipboard.readText()") == f"{url}/p/{ada_post['id']}"

    # every page fits a 375 px screen, and images have text alternatives
    for path in ("/", "/create", "/drafts", "/notifications", "/search?q=ball", "/settings",
                 "/u/cam", f"/p/{cam_post_id}"):
        bob.goto(url + path)
        bob.wait_for_load_state("networkidle")
        no_sideways_scroll(bob)
        assert bob.locator("img:not([alt])").count() == 0, path
    assert cam_errors == [] and bob_errors == [], (cam_errors, bob_errors)
    print(f"story took {time.monotonic() - t0:.1f} s")
    cam_ctx.close()
    bob_ctx.close()
