/* tenku web app: plain JavaScript, no framework, no build step.
 *
 * Every page is a server-rendered shell; this script fills it from the JSON API under /api.
 * Rule: text that people wrote (usernames, captions, prompts, comments) only ever reaches the
 * page through textContent or text nodes, never through innerHTML; URLs from the API are
 * checked to be same-site paths before they become src or href.
 */
"use strict";

(() => {
  const main = document.getElementById("main");
  const PAGE = main ? main.dataset.page : "";
  const PUBLIC = new Set(["login", "signup"]);
  const reduceMotion = matchMedia("(prefers-reduced-motion: reduce)").matches;
  const coarse = matchMedia("(pointer: coarse)").matches;

  // -- small helpers ---------------------------------------------------------------------
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  /** h("a", {href, class, text, onclick}, ...children): children are nodes or plain text. */
  function h(tag, props = {}, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "text") el.textContent = v;
      else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(el.dataset, v);
      else if (v === true) el.setAttribute(k, "");
      else el.setAttribute(k, String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  /** A same-site path from the API, or null (never javascript:, never another host). */
  function safeUrl(u) {
    if (typeof u !== "string" || !u.startsWith("/") || u.startsWith("//") || u.startsWith("/\\")) {
      return null;
    }
    return u;
  }

  const enc = encodeURIComponent;
  const ICONS = document.body.dataset.icons || "/static/icons.svg";
  const SVG = "http://www.w3.org/2000/svg";

  /** A decorative icon from the sprite (the control around it carries the name). */
  function icon(name) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "i");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const use = document.createElementNS(SVG, "use");
    use.setAttribute("href", `${ICONS}#${name}`);
    svg.append(use);
    return svg;
  }
  const postUrl = (id) => "/p/" + enc(id);
  const userUrl = (name) => "/u/" + enc(name);

  function count(n) {
    n = Number(n) || 0;
    if (n < 1000) return String(n);
    if (n < 1e6) return (n / 1000).toFixed(n < 1e4 ? 1 : 0).replace(/\.0$/, "") + "k";
    return (n / 1e6).toFixed(1).replace(/\.0$/, "") + "M";
  }

  function plural(n, one, many) {
    return `${count(n)} ${Number(n) === 1 ? one : many}`;
  }

  function when(t) {
    const ms = typeof t === "number" ? (t < 1e12 ? t * 1000 : t) : Date.parse(t);
    if (!ms) return "";
    const s = Math.max(0, (Date.now() - ms) / 1000);
    if (s < 60) return "just now";
    if (s < 3600) return `${Math.floor(s / 60)}m`;
    if (s < 86400) return `${Math.floor(s / 3600)}h`;
    if (s < 86400 * 7) return `${Math.floor(s / 86400)}d`;
    return new Date(ms).toLocaleDateString();
  }

  function timeEl(t) {
    const ms = typeof t === "number" ? (t < 1e12 ? t * 1000 : t) : Date.parse(t);
    const el = h("time", { text: when(t) });
    if (ms) {
      el.dateTime = new Date(ms).toISOString();
      el.title = new Date(ms).toLocaleString();
    }
    return el;
  }

  let toastTimer = 0;
  function toast(message) {
    const el = $("[data-toast]");
    if (!el) return;
    el.textContent = message;
    el.classList.add("show");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => el.classList.remove("show"), 3200);
  }

  function showError(form, err) {
    const box = form && $("[data-error]", form);
    const message = err instanceof Error ? err.message : String(err || "");
    if (box) box.textContent = message;
    else if (message) toast(message);
    if (form && err && err.param) {
      const field = form.elements.namedItem(err.param);
      if (field && field.setAttribute) {
        field.setAttribute("aria-invalid", "true");
        field.focus();
      }
    }
  }

  function clearError(form) {
    const box = $("[data-error]", form);
    if (box) box.textContent = "";
    $$("[aria-invalid]", form).forEach((el) => el.removeAttribute("aria-invalid"));
  }

  async function busy(button, fn) {
    if (button) button.disabled = true;
    try {
      return await fn();
    } finally {
      if (button) button.disabled = false;
    }
  }

  // -- the API ---------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, body) {
      const e = (body && body.error) || {};
      super(e.message || `The server answered ${status}.`);
      this.status = status;
      this.code = e.code || null;
      this.param = e.param || null;
    }
  }

  let CSRF = null;
  let ME = null;
  /** The signed-in username: the page says it before /api/me answers. */
  const myName = () => (ME && ME.username) || document.body.dataset.me || "";
  let resolveMe;
  const meReady = new Promise((r) => (resolveMe = r));

  function toLogin() {
    const next = location.pathname + location.search;
    location.assign("/login?next=" + enc(next));
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    const open = path === "/api/login" || path === "/api/signup";
    if (method !== "GET" && !open) {
      await meReady;
      if (CSRF) headers["X-CSRF-Token"] = CSRF;
    }
    const init = { method, headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let r;
    try {
      r = await fetch(path, init);
    } catch {
      throw new ApiError(0, { error: { message: "Could not reach the server. Check your connection." } });
    }
    const text = await r.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = null; }
    }
    if (!r.ok) {
      const code = data && data.error && data.error.code;
      // signed out (expired, or logged out elsewhere): to the log-in page. A wrong password
      // (deleting the account) is a 401 too, but the form shows that one.
      if (r.status === 401 && !open && !PUBLIC.has(PAGE) && (!code || code === "not_signed_in")) {
        toLogin();
      }
      throw new ApiError(r.status, data);
    }
    return data;
  }

  async function copyText(text) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch { /* fall through to the old way */ }
    const area = h("textarea", { readonly: true, class: "offscreen", "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch { ok = false; }
    area.remove();
    return ok;
  }

  async function share(post) {
    const url = location.origin + postUrl(post.id);
    if (await copyText(url)) toast("Link copied");
    else window.prompt("Copy this link:", url);
  }

  // -- who is signed in ----------------------------------------------------------------------
  function setUnread(n) {
    const badge = $("[data-unread]");
    if (!badge) return;
    badge.replaceChildren();
    if (n > 0) {
      badge.append(n > 99 ? "99+" : String(n), h("span", { class: "sr-only", text: " unread" }));
      badge.hidden = false;
    } else {
      badge.hidden = true;
    }
  }

  async function refreshUnread() {
    if (document.hidden || PAGE === "notifications") return;
    try {
      setUnread((await api("GET", "/api/me")).unread || 0);
    } catch { /* the next tick tries again */ }
  }

  async function loadMe() {
    if (PUBLIC.has(PAGE)) {
      resolveMe(null);
      return;
    }
    try {
      const me = await api("GET", "/api/me");
      ME = me.user;
      ME.invites = me.invites || [];
      CSRF = me.csrf;
      const link = $("[data-me-link]");
      if (link) {
        link.href = userUrl(ME.username);
        if (PAGE === "profile" && main.dataset.username === ME.username) {
          link.setAttribute("aria-current", "page");
        }
      }
      setUnread(me.unread || 0);
      setInterval(refreshUnread, 60_000);
    } catch (err) {
      if (err.status !== 401) toast(err.message);
    }
    resolveMe(ME);
  }

  // -- forms: sign up, log in ---------------------------------------------------------------
  function authPage(kind) {
    const form = $(`[data-form="${kind}"]`);
    const next = main.dataset.next || "/";
    const first = kind === "signup" && form.elements.invite.value ? form.elements.username
      : form.elements[kind === "signup" ? "invite" : "username"];
    first.focus();
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      clearError(form);
      const body = {};
      for (const name of kind === "signup" ? ["invite", "username", "password"]
        : ["username", "password"]) {
        body[name] = form.elements[name].value;
      }
      const button = $("button[type=submit]", form);
      busy(button, async () => {
        try {
          const r = await api("POST", "/api/" + kind, body);
          CSRF = r.csrf;
          location.assign(next);
        } catch (err) {
          showError(form, err);
          if (!err.param) form.elements.password.select();
        }
      });
    });
  }

  // -- a post: the player with its buttons (feed cards and the video page) -------------------
  const prefs = {
    sound: false, // unmuted after the first tap, for this page's life
    captions: localStorage.getItem("tenku.captions") === "on",
  };
  const views = new Set(); // every PostView on the page, to sync follow/like state

  let comments = null; // the comments panel (feed: a dialog; video page: inline)

  class PostView {
    constructor(post, { mode }) {
      this.post = post;
      this.mode = mode; // "feed" or "page"
      this.completed = false;
      this.active = false;
      views.add(this);
      this.el = this.render();
    }

    render() {
      const p = this.post;
      const uid = "p" + Math.random().toString(36).slice(2, 9);
      const video = h("video", {
        class: "player", playsinline: true, muted: true, preload: "none",
        poster: safeUrl(p.thumbnail_url), "aria-label": `Video by @${p.user.username}`,
        "aria-describedby": `${uid}-text`, crossorigin: null,
      });
      video.muted = true;
      video.dataset.src = safeUrl(p.video_url) || "";
      if (this.mode === "page") video.controls = true;
      const captions = safeUrl(p.captions_url);
      if (captions) {
        video.append(h("track", { kind: "captions", src: captions, srclang: "en", label: "English" }));
      }
      video.addEventListener("ended", () => this.ended());
      video.addEventListener("loadedmetadata", () => this.applyCaptions());
      this.video = video;

      const frame = h("div", { class: "frame" }, video);
      if (this.mode === "feed") {
        // tap the video for sound; the buttons in its corner do the same from the keyboard
        frame.addEventListener("click", (ev) => { if (!ev.target.closest("button")) toggleSound(); });
        this.hint = h("span", { class: "sound-hint", "aria-hidden": "true", text: coarse ? "Tap for sound" : "Click for sound" });
        this.pauseBtn = h("button", {
          class: "act small", type: "button", "aria-pressed": "false",
          onclick: () => { if (video.paused) { this.held = false; video.play().catch(() => {}); } else { this.held = true; video.pause(); } },
        }, h("span", { class: "ic" }, icon("play"), icon("pause")), h("span", { class: "sr-only", text: "Pause" }));
        this.soundBtn = h("button", {
          class: "act small", type: "button", "aria-pressed": String(prefs.sound),
          onclick: () => toggleSound(),
        }, h("span", { class: "ic" }, icon("sound"), icon("muted")), h("span", { class: "sr-only", text: "Sound" }));
        const ctl = h("div", { class: "ctl" }, this.pauseBtn, this.soundBtn);
        if (safeUrl(p.captions_url)) ctl.append(this.captionsButton());
        frame.append(this.hint, ctl);
        const paused = () => this.pauseBtn.setAttribute("aria-pressed", String(video.paused));
        video.addEventListener("play", paused);
        video.addEventListener("pause", paused);
      }

      const author = h("a", { class: "author", href: userUrl(p.user.username) }, "@" + p.user.username);
      this.followBtn = null;
      const head = h("div", { class: "by" }, author);
      if (myName() !== p.user.username) {
        this.followBtn = h("button", {
          class: "btn follow", type: "button", "aria-pressed": String(!!p.following),
          onclick: () => this.toggleFollow(),
        }, h("span", { class: "tick" }, icon("check")), "Follow");
        head.append(this.followBtn);
      }
      head.append(h("span", { class: "when" }, "· ", timeEl(p.created_at)));

      const text = h("div", { class: "text", id: `${uid}-text` });
      if (p.caption) text.append(h("p", { class: "caption", text: p.caption }));
      text.append(h("p", { class: "prompt" },
        h("span", { class: "sr-only", text: "Made from: " }), p.prompt || ""));
      if (p.remix_of) {
        text.append(h("p", { class: "remix-of" },
          h("a", { href: postUrl(p.remix_of) }, icon("remix"), " Remix of another video")));
      }

      const overlay = h("div", { class: "overlay" }, h("h2", { class: "sr-only" },
        `Video by @${p.user.username}`), head, text);
      if (Array.isArray(p.reasons) && p.reasons.length) {
        overlay.append(h("details", { class: "why" },
          h("summary", { text: "Why am I seeing this?" }),
          h("ul", {}, p.reasons.map((r) => h("li", { text: String(r) })))));
      }

      // the rail: Like, Comment, Share, Remix, Sound, Captions
      // counts are shown as digits and described in words ("3 likes"), so the buttons'
      // names stay exactly Like, Comment and Remix
      const counter = (what) => {
        const shown = h("span", { class: "count", "aria-hidden": "true" });
        const said = h("span", { id: `${uid}-${what}`, hidden: true });
        return { shown, said };
      };
      this.counts = { likes: counter("likes"), comments: counter("comments"), remixes: counter("remixes") };
      const likeCount = this.counts.likes.shown;
      this.likeBtn = h("button", {
        class: "act like", type: "button", "aria-pressed": String(!!p.liked),
        "aria-describedby": `${uid}-likes`, onclick: () => this.toggleLike(),
      }, h("span", { class: "ic" }, icon("heart")),
      h("span", { class: "sr-only", text: "Like" }), likeCount, this.counts.likes.said);

      this.commentBtn = h("button", {
        class: "act", type: "button", "aria-describedby": `${uid}-comments`,
        onclick: () => (this.mode === "feed" ? comments.open(this) : $("#comment-text").focus()),
      }, h("span", { class: "ic" }, icon("comment")),
      h("span", { class: "sr-only", text: "Comment" }), this.counts.comments.shown, this.counts.comments.said);

      const shareBtn = h("button", { class: "act", type: "button", onclick: () => share(p) },
        h("span", { class: "ic" }, icon("share")), h("span", { class: "lbl", text: "Share" }));

      const remixBtn = h("button", {
        class: "act", type: "button", "aria-describedby": `${uid}-remixes`,
        onclick: () => location.assign("/create?remix=" + enc(p.id)),
      }, h("span", { class: "ic" }, icon("remix")),
      h("span", { class: "sr-only", text: "Remix" }), this.counts.remixes.shown, this.counts.remixes.said);

      const rail = h("div", { class: "rail" }, this.likeBtn, this.commentBtn, shareBtn, remixBtn);
      if (captions && this.mode === "page") rail.append(this.captionsButton());

      const el = h("article", {
        class: this.mode === "feed" ? "card-v" : "card-v solo", tabindex: "-1",
        dataset: { postId: p.id },
      }, frame, overlay, rail);
      const portrait = (p.orientation || "portrait") === "portrait";
      el.classList.toggle("landscape", !portrait);
      video.addEventListener("loadedmetadata", () => {
        el.classList.toggle("landscape", video.videoWidth > video.videoHeight);
      });
      this.el = el;
      this.refresh();
      return el;
    }

    captionsButton() {
      this.ccBtn = h("button", {
        class: "act small", type: "button", "aria-pressed": String(prefs.captions),
        onclick: () => toggleCaptions(),
      }, h("span", { class: "ic" }, icon("cc")), h("span", { class: "sr-only", text: "Captions" }));
      return this.ccBtn;
    }

    refresh() {
      const p = this.post;
      this.likeBtn.setAttribute("aria-pressed", String(!!p.liked));
      const words = { likes: ["like", "likes"], comments: ["comment", "comments"], remixes: ["remix", "remixes"] };
      for (const [k, [one, many]] of Object.entries(words)) {
        this.counts[k].shown.textContent = count(p[k]);
        this.counts[k].said.textContent = plural(p[k], one, many);
      }
      if (this.followBtn) this.followBtn.setAttribute("aria-pressed", String(!!p.following));
      if (this.soundBtn) {
        this.soundBtn.setAttribute("aria-pressed", String(prefs.sound));
        this.hint.hidden = prefs.sound;
      }
      if (this.ccBtn) this.ccBtn.setAttribute("aria-pressed", String(prefs.captions));
    }

    applyCaptions() {
      for (const t of this.video.textTracks) t.mode = prefs.captions ? "showing" : "hidden";
    }

    load() {
      const v = this.video;
      if (!v.getAttribute("src") && v.dataset.src) {
        v.src = v.dataset.src;
        v.preload = "auto";
      }
    }

    unload() {
      const v = this.video;
      if (v.getAttribute("src") && !this.active) {
        v.pause();
        v.removeAttribute("src");
        v.load();
      }
    }

    play() {
      this.active = true;
      this.load();
      const v = this.video;
      v.muted = !prefs.sound;
      this.applyCaptions();
      this.refresh();
      if (this.held || (reduceMotion && this.mode === "feed" && !this.started)) {
        return; // paused by the viewer, or they asked for less motion: Pause/Play starts it
      }
      this.started = true;
      const attempt = v.play();
      if (attempt && attempt.catch) {
        attempt.catch(() => {
          if (!v.muted) { // the browser wants a tap before sound: play muted instead
            prefs.sound = false;
            v.muted = true;
            this.refresh();
            v.play().catch(() => {});
          }
        });
      }
    }

    pause() {
      this.active = false;
      this.video.pause();
    }

    ended() {
      if (!this.completed) {
        this.completed = true;
        api("POST", `/api/posts/${enc(this.post.id)}/complete`).catch(() => { this.completed = false; });
      }
      if (this.mode === "feed" && this.active) { // loop, but after telling the server
        this.video.currentTime = 0;
        this.video.play().catch(() => {});
      }
    }

    async toggleLike() {
      const p = this.post;
      const on = !p.liked;
      p.liked = on;
      p.likes = Math.max(0, (p.likes || 0) + (on ? 1 : -1));
      this.refresh();
      try {
        const r = await api(on ? "POST" : "DELETE", `/api/posts/${enc(p.id)}/like`);
        if (r && typeof r.likes === "number") p.likes = r.likes;
        if (r && typeof r.liked === "boolean") p.liked = r.liked;
      } catch (err) {
        p.liked = !on;
        p.likes = Math.max(0, p.likes + (on ? -1 : 1));
        toast(err.message);
      }
      this.refresh();
    }

    async toggleFollow() {
      const name = this.post.user.username;
      const on = !this.post.following;
      setFollowing(name, on);
      try {
        await api(on ? "POST" : "DELETE", `/api/users/${enc(name)}/follow`);
        toast(on ? `Following @${name}` : `Unfollowed @${name}`);
      } catch (err) {
        setFollowing(name, !on);
        toast(err.message);
      }
    }
  }

  function setFollowing(username, on) {
    for (const v of views) {
      if (v.post.user.username === username) {
        v.post.following = on;
        v.refresh();
      }
    }
  }

  function toggleSound() {
    prefs.sound = !prefs.sound;
    for (const v of views) {
      if (v.active) v.video.muted = !prefs.sound;
      v.refresh();
    }
    toast(prefs.sound ? "Sound on" : "Sound off");
  }

  function toggleCaptions() {
    prefs.captions = !prefs.captions;
    localStorage.setItem("tenku.captions", prefs.captions ? "on" : "off");
    for (const v of views) {
      v.applyCaptions();
      v.refresh();
    }
    toast(prefs.captions ? "Captions on" : "Captions off");
  }

  // -- comments ------------------------------------------------------------------------------
  class Comments {
    /** root: the dialog (feed) or the section (video page) holding the list and the form. */
    constructor(root) {
      this.root = root;
      this.dialog = root.tagName === "DIALOG" ? root : null;
      this.list = $("[data-comment-list]", root);
      this.empty = $("[data-comments-empty]", root);
      this.form = $('[data-form="comment"]', root);
      this.input = this.form.elements.text;
      this.replyTo = null;
      this.view = null;
      this.form.addEventListener("submit", (ev) => { ev.preventDefault(); this.send(); });
      $("[data-cancel-reply]", root).addEventListener("click", () => this.setReply(null));
      if (this.dialog) {
        $("[data-close]", root).addEventListener("click", () => this.dialog.close());
        this.dialog.addEventListener("click", (ev) => { // a tap on the backdrop closes it
          if (ev.target === this.dialog) this.dialog.close();
        });
        this.dialog.addEventListener("close", () => {
          if (this.view) this.view.commentBtn.focus({ preventScroll: true });
        });
      }
    }

    async open(view) {
      this.view = view;
      this.setReply(null);
      clearError(this.form);
      this.list.replaceChildren();
      if (this.dialog && !this.dialog.open) this.dialog.showModal();
      this.input.focus();
      await this.load();
    }

    async load() {
      this.list.setAttribute("aria-busy", "true");
      try {
        const r = await api("GET", `/api/posts/${enc(this.view.post.id)}/comments`);
        this.render(r.data || []);
      } catch (err) {
        showError(this.form, err);
      } finally {
        this.list.removeAttribute("aria-busy");
      }
    }

    render(data) {
      this.list.replaceChildren(...data.map((c) => {
        const li = this.item(c);
        if (c.replies && c.replies.length) {
          li.append(h("ol", { class: "replies" }, c.replies.map((r) => this.item(r))));
        }
        return li;
      }));
      this.empty.hidden = data.length > 0;
    }

    item(c) {
      const name = (c.user && c.user.username) || "someone";
      const actions = h("div", { class: "c-actions" });
      actions.append(h("button", {
        class: "btn link", type: "button", onclick: () => this.setReply(c, name),
      }, "Reply", h("span", { class: "sr-only", text: ` to @${name}` })));
      if (myName() === name || (ME && ME.is_admin)) {
        actions.append(h("button", { class: "btn link", type: "button", onclick: () => this.remove(c) }, "Delete"));
      }
      return h("li", { class: "comment" },
        h("p", { class: "c-head" }, h("a", { href: userUrl(name) }, "@" + name), " ", timeEl(c.created_at)),
        h("p", { class: "c-text", text: c.text }), actions);
    }

    setReply(c, name) {
      this.replyTo = c;
      const box = $("[data-replying]", this.root);
      box.hidden = !c;
      $("[data-replying-text]", this.root).textContent = c ? `Replying to @${name}` : "";
      if (c) this.input.focus();
    }

    async send() {
      clearError(this.form);
      const text = this.input.value.trim();
      if (!text) {
        showError(this.form, new Error("Write something first."));
        this.input.focus();
        return;
      }
      const body = { text };
      if (this.replyTo) body.parent_id = this.replyTo.id;
      const button = $("button[type=submit]", this.form);
      await busy(button, async () => {
        try {
          await api("POST", `/api/posts/${enc(this.view.post.id)}/comments`, body);
          this.input.value = "";
          this.setReply(null);
          this.view.post.comments = (this.view.post.comments || 0) + 1;
          this.view.refresh();
          await this.load();
          toast("Comment posted");
        } catch (err) {
          showError(this.form, err);
        }
      });
      this.input.focus();
    }

    async remove(c) {
      if (!confirm("Delete this?")) return;
      try {
        await api("DELETE", `/api/comments/${enc(c.id)}`);
        this.view.post.comments = Math.max(0, (this.view.post.comments || 1) - 1 - (c.replies ? c.replies.length : 0));
        this.view.refresh();
        await this.load();
      } catch (err) {
        toast(err.message);
      }
    }
  }

  // -- feed ----------------------------------------------------------------------------------
  function feedPage() {
    const feed = $("[data-feed]");
    const empty = $("[data-feed-empty]");
    comments = new Comments($("[data-comments]"));
    const cards = [];
    const seen = new Set();
    let cursor = null;
    let done = false;
    let loading = null;
    let active = -1;

    function add(post) {
      if (seen.has(post.id)) return;
      seen.add(post.id);
      const view = new PostView(post, { mode: "feed" });
      view.index = cards.length;
      hide(view, true); // only the card on screen takes focus and clicks
      cards.push(view);
      feed.append(view.el);
      observer.observe(view.el);
    }

    function hide(view, off) {
      // inert: no focus or clicks off screen; aria-hidden: the same for tools that read roles
      view.el.inert = off;
      if (off) view.el.setAttribute("aria-hidden", "true");
      else view.el.removeAttribute("aria-hidden");
    }

    function more() {
      if (done) return Promise.resolve();
      if (loading) return loading;
      loading = (async () => {
        try {
          const q = cursor ? "?cursor=" + enc(cursor) : "";
          const r = await api("GET", "/api/feed" + q);
          (r.data || []).forEach(add);
          cursor = r.next || null;
          done = !cursor;
        } catch (err) {
          toast(err.message);
          done = true;
        } finally {
          loading = null;
          feed.setAttribute("aria-busy", "false");
        }
        empty.hidden = cards.length > 0;
        feed.dataset.count = String(cards.length);
        if (active < 0 && cards.length) activate(0);
      })();
      return loading;
    }

    function activate(i) {
      if (i === active || i < 0 || i >= cards.length) return;
      const old = cards[active];
      if (old) {
        old.pause();
        hide(old, true);
        old.el.classList.remove("active");
      }
      active = i;
      const now = cards[i];
      hide(now, false);
      now.el.classList.add("active");
      feed.dataset.active = String(i);
      now.play();
      if (cards[i + 1]) cards[i + 1].load(); // warm the next one
      cards.forEach((c, j) => { if (Math.abs(j - i) > 2) c.unload(); });
      if (i >= cards.length - 3) more();
    }

    // a key press scrolls smoothly to its card: cards passed on the way do not take over
    let steering = -1;
    let steerTimer = 0;
    const steered = () => { steering = -1; clearTimeout(steerTimer); };
    feed.addEventListener("wheel", steered, { passive: true }); // the viewer takes over
    feed.addEventListener("touchstart", steered, { passive: true });
    feed.addEventListener("scrollend", () => { // wherever it came to rest is the active card
      steered();
      let best = -1;
      let gap = Infinity;
      cards.forEach((c, j) => {
        const d = Math.abs(c.el.offsetTop - feed.scrollTop);
        if (d < gap) { gap = d; best = j; }
      });
      if (best >= 0 && gap < feed.clientHeight * 0.4) activate(best);
    });

    const observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (e.isIntersecting && e.intersectionRatio >= 0.6) {
          const view = cards.find((c) => c.el === e.target);
          if (view && (steering < 0 || steering === view.index)) activate(view.index);
        }
      }
    }, { root: feed, threshold: [0.6] });

    async function go(delta) {
      let i = Math.max(0, (steering >= 0 ? steering : active) + delta);
      if (i >= cards.length) {
        await more();
        i = Math.min(i, cards.length - 1);
      }
      if (i === active || i < 0) return;
      const target = cards[i];
      steering = i;
      clearTimeout(steerTimer);
      steerTimer = setTimeout(steered, 1500); // in case no scrollend comes
      feed.scrollTo({ top: target.el.offsetTop, behavior: reduceMotion ? "auto" : "smooth" });
      activate(i);
      target.el.focus({ preventScroll: true });
    }

    document.addEventListener("keydown", (ev) => {
      if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey) return;
      const t = ev.target;
      if (t.closest && t.closest("input, textarea, select, [contenteditable], dialog")) return;
      if ($("dialog[open]")) return;
      const key = ev.key;
      if (key === "ArrowDown" || key === "j" || key === "PageDown") { ev.preventDefault(); go(1); }
      else if (key === "ArrowUp" || key === "k" || key === "PageUp") { ev.preventDefault(); go(-1); }
      else if (key === "m") { ev.preventDefault(); toggleSound(); }
      else if (key === "c" && cards[active] && cards[active].ccBtn) { ev.preventDefault(); toggleCaptions(); }
      else if ((key === " " || key === "p") && cards[active]
               && (key === "p" || t === document.body || t.classList.contains("card-v"))) {
        ev.preventDefault();
        cards[active].pauseBtn.click();
      }
    });

    document.addEventListener("visibilitychange", () => {
      const c = cards[active];
      if (!c) return;
      if (document.hidden) c.video.pause();
      else if (!c.held && c.started) c.video.play().catch(() => {});
    });

    more();
  }

  // -- the video page ------------------------------------------------------------------------
  function thumb(p) {
    const label = p.caption || p.prompt || "A video";
    return h("li", {}, h("a", { class: "tile", href: postUrl(p.id) },
      h("img", { src: safeUrl(p.thumbnail_url), alt: label, loading: "lazy", decoding: "async", width: "180", height: "320" }),
      h("span", { class: "tile-meta" },
        h("span", { class: "tile-user", text: "@" + p.user.username }),
        h("span", {}, icon("heart"), h("span", { class: "sr-only", text: " likes: " }), count(p.likes)))));
  }

  async function postPage() {
    const id = main.dataset.postId;
    const stage = $("[data-post-stage]");
    const box = $("[data-post]");
    let post;
    try {
      post = await api("GET", `/api/posts/${enc(id)}`);
    } catch (err) {
      box.removeAttribute("aria-busy");
      stage.replaceChildren(h("div", { class: "card" }, h("h1", { text: "Video not found" }),
        h("p", { text: err.message }), h("p", {}, h("a", { href: "/" }, "Back to the feed"))));
      $(".post-side").hidden = true;
      return;
    }
    document.title = `@${post.user.username}: ${(post.caption || post.prompt || "").slice(0, 60)} · tenku`;
    const view = new PostView(post, { mode: "page" });
    stage.replaceChildren(h("h1", { class: "sr-only", text: `Video by @${post.user.username}` }), view.el);
    if (myName() === post.user.username) stage.append(ownerTools(post, view));
    box.removeAttribute("aria-busy");
    view.play();

    const chain = post.chain || {};
    const from = chain.remixed_from;
    const remixes = chain.remixes || [];
    $("[data-chain]").hidden = !(from || remixes.length || post.remix_of);
    if (from) {
      $("[data-chain-from]").hidden = false;
      $("[data-chain-from-card]").replaceChildren(h("ul", { class: "grid one" }, thumb(from)));
    } else if (post.remix_of) {
      $("[data-chain-from]").hidden = false;
      $("[data-chain-from-card]").replaceChildren(h("p", { class: "muted", text: "The original was deleted." }));
    }
    if (remixes.length) {
      $("[data-chain-remixes]").hidden = false;
      $("[data-chain-remix-list]").replaceChildren(...remixes.map(thumb));
    }
    comments = new Comments($(".post-comments"));
    comments.view = view;
    comments.load();
  }

  function ownerTools(post, view) {
    const edit = h("form", { class: "owner card", "data-form": "caption" });
    const input = h("input", { id: "caption-edit", name: "caption", maxlength: "500", autocomplete: "off" });
    input.value = post.caption || "";
    const del = h("button", {
      class: "btn danger", type: "button", onclick: async () => {
        if (!confirm("Delete this video for good?")) return;
        try {
          await api("DELETE", `/api/posts/${enc(post.id)}`);
          location.assign(userUrl(post.user.username));
        } catch (err) { showError(edit, err); }
      },
    }, "Delete video");
    edit.append(h("label", { for: "caption-edit", text: "Caption" }),
      h("div", { class: "row" }, input, h("button", { class: "btn", type: "submit" }, "Save caption")),
      h("p", { class: "error", role: "alert", "data-error": "" }), del);
    edit.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearError(edit);
      try {
        const r = await api("PATCH", `/api/posts/${enc(post.id)}`, { caption: input.value });
        view.post.caption = r.caption;
        const cap = $(".caption", view.el);
        if (cap) cap.textContent = r.caption;
        else $(".text", view.el).prepend(h("p", { class: "caption", text: r.caption }));
        toast("Caption saved");
      } catch (err) { showError(edit, err); }
    });
    return edit;
  }

  // -- create: the form and the live queue ---------------------------------------------------
  const STATUS_TEXT = { queued: "Queued", in_progress: "Rendering", completed: "Done", failed: "Failed" };

  /** A rendering job with live progress from the SSE endpoint; onDone(video) when it ends. */
  class Job {
    constructor(video, { onDone, onGone } = {}) {
      this.video = video;
      this.onDone = onDone;
      this.onGone = onGone;
      this.progress = h("progress", { max: "100", value: String(video.progress || 0), "aria-label": "Render progress" });
      this.status = h("span", { class: "status" });
      this.el = h("div", { class: "job", dataset: { videoId: video.id } },
        h("div", { class: "job-line" }, this.status, h("span", { class: "pct" })), this.progress);
      this.update(video, null);
      if (video.status === "queued" || video.status === "in_progress") this.listen();
    }

    update(video, stage) {
      this.video = { ...this.video, ...video };
      const v = this.video;
      const pct = Math.max(0, Math.min(100, Number(v.progress) || 0));
      this.el.dataset.status = v.status;
      this.progress.value = v.status === "completed" ? 100 : pct;
      let text = STATUS_TEXT[v.status] || v.status;
      if (v.status === "in_progress" && stage) text += ` · ${stage}`;
      if (v.status === "failed") {
        const e = v.error || {};
        text += ": " + (e.message || v.error_message || "the video could not be made");
      }
      this.status.textContent = text;
      $(".pct", this.el).textContent = v.status === "failed" ? "" : `${this.progress.value}%`;
    }

    listen() {
      // a browser opens about six connections to a server over HTTP/1.1: a few live streams,
      // and the rest of the queue follows the drafts list
      if (streams >= MAX_STREAMS) {
        poller.add(this);
        return;
      }
      streams += 1;
      const es = new EventSource(`/api/videos/${enc(this.video.id)}/events`);
      let open = true;
      const close = () => {
        if (open) { open = false; streams -= 1; es.close(); }
      };
      const data = (ev) => { try { return JSON.parse(ev.data); } catch { return {}; } };
      es.addEventListener("progress", (ev) => {
        const d = data(ev);
        if (d.video) this.update(d.video, d.stage);
      });
      for (const kind of ["completed", "failed"]) {
        es.addEventListener(kind, (ev) => {
          close();
          const d = data(ev);
          this.finish(d.video || { status: kind }, d.stage);
        });
      }
      es.addEventListener("deleted", () => {
        close();
        if (this.onGone) this.onGone();
      });
      es.onerror = () => { // it reconnects by itself unless the server refused it for good
        if (es.readyState === EventSource.CLOSED) {
          close();
          poller.add(this);
        }
      };
    }

    finish(video, stage) {
      this.update(video, stage);
      if (this.onDone) this.onDone(this.video);
    }
  }

  const MAX_STREAMS = 3;
  let streams = 0;

  /** Jobs without a stream of their own: one look at the drafts list every 2 s serves all. */
  const poller = {
    jobs: new Set(),
    timer: 0,
    add(job) {
      this.jobs.add(job);
      if (!this.timer) this.timer = setTimeout(() => this.tick(), 2000);
    },
    async tick() {
      let list = null;
      try { list = (await api("GET", "/api/drafts")).data || []; } catch { list = null; }
      if (list) {
        const byId = new Map(list.map((v) => [v.id, v]));
        for (const job of this.jobs) {
          const v = byId.get(job.video.id);
          if (!v) {
            this.jobs.delete(job);
            if (job.onGone) job.onGone();
          } else if (v.status === "completed" || v.status === "failed") {
            this.jobs.delete(job);
            job.finish(v, null);
          } else {
            job.update(v, null);
          }
        }
      }
      this.timer = this.jobs.size ? setTimeout(() => this.tick(), 2000) : 0;
    },
  };

  async function createPage() {
    const form = $('[data-form="create"]');
    const queue = $("[data-queue]");
    const emptyQ = $("[data-queue-empty]");
    const remix = main.dataset.remix || "";
    let remixOf = null;

    function addJob(video) {
      const li = h("li", { class: "queue-item" },
        h("p", { class: "q-prompt", text: video.prompt || "" }));
      const job = new Job(video, {
        onDone: (v) => {
          if (v.status === "completed") {
            li.append(h("p", { class: "q-done" }, "Ready in ", h("a", { href: "/drafts" }, "Drafts"), "."));
            toast("Your video is ready in Drafts");
          }
        },
        onGone: () => li.remove(),
      });
      li.insertBefore(job.el, li.firstChild.nextSibling);
      queue.prepend(li);
      emptyQ.hidden = true;
    }

    function setSelect(sel, value) {
      const v = String(value);
      if (![...sel.options].some((o) => o.value === v)) {
        sel.append(h("option", { value: v, text: sel.name === "seconds" ? `${v} seconds` : v }));
      }
      sel.value = v;
    }

    const loads = [api("GET", "/api/drafts").catch(() => ({ data: [] }))];
    if (remix) {
      loads.push(api("GET", `/api/posts/${enc(remix)}/remix`));
      loads.push(api("GET", `/api/posts/${enc(remix)}`).catch(() => null));
    }
    try {
      const [drafts, source, original] = await Promise.all(loads);
      for (const v of (drafts.data || []).slice().reverse()) {
        if (v.status === "queued" || v.status === "in_progress") addJob(v);
      }
      if (source) {
        remixOf = source.post_id || remix;
        form.elements.prompt.value = source.prompt || "";
        if (source.seconds) setSelect(form.elements.seconds, source.seconds);
        if (source.style) setSelect(form.elements.style, source.style);
        const o = form.elements.orientation;
        o.value = source.orientation === "landscape" ? "landscape" : "portrait";
        const banner = $("[data-remix-banner]");
        banner.replaceChildren(icon("remix"), " Remixing ", original
          ? h("a", { href: postUrl(remixOf) }, `@${original.user.username}'s video`)
          : h("a", { href: postUrl(remixOf) }, "a video"),
        ". Change the prompt or settings, then create. ",
        h("button", { class: "btn link", type: "button", onclick: () => location.assign("/create") }, "Start fresh"));
        banner.hidden = false;
        if (source.script) {
          const det = $("[data-script]");
          $("[data-script-text]").textContent = typeof source.script === "string"
            ? source.script : JSON.stringify(source.script, null, 2);
          det.hidden = false;
        }
      }
    } catch (err) {
      showError(form, err);
    }
    form.elements.prompt.focus();
    const len = form.elements.prompt.value.length;
    form.elements.prompt.setSelectionRange(len, len);

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearError(form);
      const prompt = form.elements.prompt.value.trim();
      if (!prompt) {
        showError(form, Object.assign(new Error("Describe the video you want."), { param: "prompt" }));
        return;
      }
      const body = {
        prompt,
        seconds: Number(form.elements.seconds.value),
        orientation: form.elements.orientation.value || "portrait",
        style: form.elements.style.value,
      };
      if (remixOf) body.remix_of = remixOf;
      await busy($("button[type=submit]", form), async () => {
        try {
          const video = await api("POST", "/api/videos", body);
          addJob(video);
          toast("Queued");
        } catch (err) {
          showError(form, err);
        }
      });
    });
  }

  // -- drafts ----------------------------------------------------------------------------------
  async function draftsPage() {
    const list = $("[data-drafts]");
    const empty = $("[data-drafts-empty]");
    let data = [];
    try {
      data = (await api("GET", "/api/drafts")).data || [];
    } catch (err) {
      toast(err.message);
    }
    list.removeAttribute("aria-busy");
    const check = () => { empty.hidden = list.children.length > 0; };
    list.replaceChildren(...data.map((v) => draftItem(v, check)));
    check();
  }

  function draftItem(v, check) {
    const id = v.id;
    const fid = "cap-" + id.replace(/[^A-Za-z0-9_-]/g, "");
    const li = h("li", { class: "draft card", dataset: { videoId: id } });
    const media = h("div", { class: "d-media" });
    const body = h("div", { class: "d-body" }, h("p", { class: "d-prompt", text: v.prompt || "" }),
      h("p", { class: "muted small" }, `${v.seconds || "?"} s · ${v.size || ""} · `, timeEl(v.created_at)));
    const actions = h("div", { class: "d-actions" });
    li.append(media, body);

    const del = h("button", {
      class: "btn", type: "button", onclick: async () => {
        if (!confirm("Delete this draft?")) return;
        try {
          await api("DELETE", `/api/drafts/${enc(id)}`);
          li.remove();
          check();
          toast("Draft deleted");
        } catch (err) { toast(err.message); }
      },
    }, "Delete", h("span", { class: "sr-only", text: " draft" }));

    function ready() {
      media.replaceChildren(h("video", {
        class: "d-video", controls: true, playsinline: true, preload: "metadata",
        src: `/api/videos/${enc(id)}/content?variant=video`,
        poster: `/api/videos/${enc(id)}/content?variant=thumbnail`,
        "aria-label": "Draft video", "aria-describedby": fid + "-p",
      }));
      $(".d-prompt", body).id = fid + "-p";
      const form = h("form", { class: "d-post" });
      const input = h("input", { id: fid, name: "caption", maxlength: "500", autocomplete: "off", placeholder: "Say something about it" });
      form.append(h("label", { for: fid, text: "Caption" }),
        h("div", { class: "row" }, input, h("button", { class: "btn primary", type: "submit" }, "Post")),
        h("p", { class: "error", role: "alert", "data-error": "" }));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        clearError(form);
        await busy($("button[type=submit]", form), async () => {
          try {
            const post = await api("POST", "/api/posts", { video_id: id, caption: input.value });
            li.replaceChildren(h("p", { class: "posted" }, "Posted. ",
              h("a", { href: postUrl(post.id) }, "See your video")));
            li.classList.add("done");
            toast("Posted");
          } catch (err) {
            showError(form, err);
          }
        });
      });
      actions.replaceChildren(del);
      body.append(form, actions);
    }

    if (v.status === "completed") {
      ready();
    } else {
      media.append(h("div", { class: "d-placeholder", "aria-hidden": "true" }));
      const job = new Job(v, {
        onDone: (nv) => {
          if (nv.status === "completed") { job.el.remove(); ready(); }
        },
        onGone: () => { li.remove(); check(); },
      });
      body.append(job.el);
      actions.append(del);
      body.append(actions);
    }
    return li;
  }

  // -- profile -------------------------------------------------------------------------------
  async function profilePage() {
    const name = main.dataset.username;
    const head = $("[data-profile]");
    let data;
    try {
      data = await api("GET", `/api/users/${enc(name)}`);
    } catch (err) {
      head.removeAttribute("aria-busy");
      $("[data-bio]").textContent = err.status === 404 ? "No one here goes by that name." : err.message;
      $(".tabs").hidden = true;
      $$("[role=tabpanel]").forEach((p) => { p.hidden = true; });
      return;
    }
    const u = data.user;
    head.removeAttribute("aria-busy");
    $("[data-avatar]").textContent = (u.username || "?").slice(0, 1).toUpperCase();
    $("[data-bio]").textContent = u.bio || "";
    const followers = $("[data-followers]");
    followers.textContent = count(u.followers);
    $("[data-following]").textContent = count(u.following);
    const actions = $("[data-profile-actions]");
    if (myName() === u.username) {
      actions.append(h("a", { class: "btn", href: "/settings" }, "Settings"));
    } else {
      let on = !!u.followed_by_me;
      const btn = h("button", { class: "btn follow big", type: "button", "aria-pressed": String(on) },
        h("span", { class: "tick" }, icon("check")), "Follow");
      btn.addEventListener("click", async () => {
        on = !on;
        btn.setAttribute("aria-pressed", String(on));
        u.followers += on ? 1 : -1;
        followers.textContent = count(u.followers);
        try {
          await api(on ? "POST" : "DELETE", `/api/users/${enc(u.username)}/follow`);
          toast(on ? `Following @${u.username}` : `Unfollowed @${u.username}`);
          if (followersLoaded) loadFollowers();
        } catch (err) {
          on = !on;
          btn.setAttribute("aria-pressed", String(on));
          u.followers += on ? 1 : -1;
          followers.textContent = count(u.followers);
          toast(err.message);
        }
      });
      actions.append(btn);
    }
    for (const kind of ["posts", "remixes"]) {
      const items = data[kind] || [];
      $(`[data-grid="${kind}"]`).replaceChildren(...items.map(thumb));
      $(`[data-empty="${kind}"]`).hidden = items.length > 0;
    }

    let followersLoaded = false;
    async function loadFollowers() {
      followersLoaded = true;
      try {
        const r = await api("GET", `/api/users/${enc(name)}/followers`);
        const people = r.data || [];
        $('[data-people="followers"]').replaceChildren(...people.map(person));
        $('[data-empty="followers"]').hidden = people.length > 0;
      } catch (err) { toast(err.message); }
    }

    const tabs = $$("[role=tab]");
    function select(tab, focus) {
      for (const t of tabs) {
        const on = t === tab;
        t.setAttribute("aria-selected", String(on));
        t.tabIndex = on ? 0 : -1;
        $("#" + t.getAttribute("aria-controls")).hidden = !on;
      }
      if (focus) tab.focus();
      if (tab.dataset.tab === "followers" && !followersLoaded) loadFollowers();
    }
    tabs.forEach((t, i) => {
      t.addEventListener("click", () => select(t, false));
      t.addEventListener("keydown", (ev) => {
        let j = null;
        if (ev.key === "ArrowRight") j = (i + 1) % tabs.length;
        else if (ev.key === "ArrowLeft") j = (i - 1 + tabs.length) % tabs.length;
        else if (ev.key === "Home") j = 0;
        else if (ev.key === "End") j = tabs.length - 1;
        if (j !== null) { ev.preventDefault(); select(tabs[j], true); }
      });
    });
    $('[data-tab-link="followers"]').addEventListener("click", (ev) => {
      ev.preventDefault();
      select($('[data-tab="followers"]'), true);
    });
    if (location.hash === "#followers") select($('[data-tab="followers"]'), false);
  }

  function person(u) {
    const name = u.username;
    return h("li", {}, h("a", { class: "person", href: userUrl(name) },
      h("span", { class: "avatar sm", "aria-hidden": "true", text: name.slice(0, 1).toUpperCase() }),
      h("span", { text: "@" + name })));
  }

  // -- notifications ---------------------------------------------------------------------------
  const NOTE_TEXT = {
    like: "liked your video",
    comment: "commented on your video",
    reply: "replied to your comment",
    follow: "started following you",
    remix: "remixed your video",
  };

  async function notificationsPage() {
    const list = $("[data-notes]");
    const empty = $("[data-notes-empty]");
    let data = [];
    try {
      data = (await api("GET", "/api/notifications")).data || [];
    } catch (err) {
      toast(err.message);
    }
    list.removeAttribute("aria-busy");
    list.replaceChildren(...data.map((n) => {
      const actor = (n.actor && n.actor.username) || "someone";
      const target = n.kind === "follow" || !n.post_id ? userUrl(actor) : postUrl(n.post_id);
      const line = h("p", { class: "n-line" },
        h("strong", { text: "@" + actor }), " ", NOTE_TEXT[n.kind] || n.kind);
      const li = h("li", { class: "note" + (n.read ? "" : " unread"), dataset: { kind: n.kind } },
        h("a", { href: target, class: "n-link" },
          h("span", { class: "n-icon" }, icon({ like: "heart", comment: "comment", reply: "reply", follow: "user-plus", remix: "remix" }[n.kind] || "bell")),
          h("span", { class: "n-body" }, line,
            n.text ? h("p", { class: "n-text", text: n.text }) : null,
            h("span", { class: "muted small" }, n.read ? "" : h("span", { class: "new", text: "New · " }), timeEl(n.created_at)))));
      return li;
    }));
    empty.hidden = data.length > 0;
    if (data.some((n) => !n.read)) {
      try {
        await api("POST", "/api/notifications/read");
        setUnread(0);
      } catch { /* stays unread; no harm */ }
    }
  }

  // -- search ----------------------------------------------------------------------------------
  async function searchPage() {
    const q = new URLSearchParams(location.search).get("q") || "";
    if (!q.trim()) return;
    const results = $("[data-results]");
    try {
      const r = await api("GET", "/api/search?q=" + enc(q));
      const users = r.users || [];
      const posts = r.posts || [];
      $('[data-people="search"]').replaceChildren(...users.map(person));
      $('[data-empty="people"]').hidden = users.length > 0;
      $('[data-grid="search"]').replaceChildren(...posts.map(thumb));
      $('[data-empty="prompts"]').hidden = posts.length > 0;
      results.hidden = false;
    } catch (err) {
      toast(err.message);
    }
  }

  // -- settings --------------------------------------------------------------------------------
  async function settingsPage() {
    const me = await meReady;
    if (!me) return;
    const form = $('[data-form="prefs"]');
    form.elements.personalize.checked = !!me.personalize;
    form.elements.feed_scope.value = me.feed_scope === "following" ? "following" : "everyone";
    form.elements.steer.value = me.steer || "";
    form.elements.bio.value = me.bio || "";
    $("[data-me-name]").textContent = "@" + me.username;

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearError(form);
      await busy($("button[type=submit]", form), async () => {
        try {
          const r = await api("PATCH", "/api/me", {
            personalize: form.elements.personalize.checked,
            feed_scope: form.elements.feed_scope.value,
            steer: form.elements.steer.value,
            bio: form.elements.bio.value,
          });
          Object.assign(ME, r.user || {});
          toast("Saved");
        } catch (err) {
          showError(form, err);
        }
      });
    });

    const invites = $("[data-invites]");
    invites.replaceChildren(...(me.invites || []).map((code) => {
      const link = `${location.origin}/signup?invite=${enc(code)}`;
      return h("li", { class: "invite" }, h("code", { text: code }),
        h("button", {
          class: "btn small", type: "button",
          onclick: async () => toast((await copyText(link)) ? "Invite link copied" : link),
        }, "Copy link", h("span", { class: "sr-only", text: ` for invite ${code}` })));
    }));
    $("[data-invites-empty]").hidden = (me.invites || []).length > 0;

    for (const [action, path] of [["logout", "/api/logout"], ["logout-everywhere", "/api/logout-everywhere"]]) {
      const btn = $(`[data-action="${action}"]`);
      btn.addEventListener("click", () => busy(btn, async () => {
        try {
          await api("POST", path);
          location.assign("/login");
        } catch (err) { toast(err.message); }
      }));
    }

    const del = $('[data-form="delete-account"]');
    del.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearError(del);
      if (!confirm("Delete your account and everything you made? This cannot be undone.")) return;
      await busy($("button[type=submit]", del), async () => {
        try {
          await api("DELETE", "/api/me", { password: del.elements.password.value });
          location.assign("/signup");
        } catch (err) {
          showError(del, err);
        }
      });
    });
  }

  // -- start -----------------------------------------------------------------------------------
  const PAGES = {
    login: () => authPage("login"),
    signup: () => authPage("signup"),
    feed: feedPage,
    create: createPage,
    drafts: draftsPage,
    post: postPage,
    profile: profilePage,
    notifications: notificationsPage,
    search: searchPage,
    settings: settingsPage,
  };

  loadMe();
  const start = PAGES[PAGE];
  if (start) {
    Promise.resolve(start()).catch((err) => toast(err.message || String(err)))
      .finally(() => document.documentElement.setAttribute("data-ready", PAGE));
  }
})();
