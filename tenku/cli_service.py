"""The service half of the ``tenku`` command: ``serve``, ``worker``, ``keys create``,
``admin create``, ``db upgrade``, the provenance checks ``verify`` and ``lookup``, and saved
characters (``character create|list|show|delete``). Every one takes ``--data DIR`` (else ``TENKU_DATA``, else a per-user folder);
the rest of the configuration comes from ``TENKU_*`` variables (see ``tenku.settings``)."""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
import threading


def add_commands(sub) -> None:
    def data_arg(p):
        p.add_argument("--data", help="data folder (default $TENKU_DATA or ~/.local/share/tenku)")

    s = sub.add_parser("serve", help="run the HTTP server (OpenAI-compatible Videos API)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    data_arg(s)
    s.add_argument("--workers", type=int, help="worker threads/actors (default $TENKU_WORKERS or 1;"
                   " 0 serves the API only, for use with `tenku worker`)")
    s.add_argument("--executor", help="inprocess, ray or none (default $TENKU_EXECUTOR or inprocess)")

    w = sub.add_parser("worker", help="run a standalone worker that takes jobs from the database")
    data_arg(w)
    w.add_argument("--threads", type=int, default=1, help="jobs run at once (default 1)")

    k = sub.add_parser("keys", help="API keys")
    ks = k.add_subparsers(dest="keys_command", metavar="WHAT")
    kc = ks.add_parser("create", help="issue a key; it is printed alone on the last line")
    kc.add_argument("--name", default="", help="a label for the key")
    kc.add_argument("--max-jobs", type=int, help="videos this key may have queued or running at "
                    "once (default $TENKU_MAX_CONCURRENT_JOBS or 8)")
    data_arg(kc)

    a = sub.add_parser("admin", help="app accounts")
    as_ = a.add_subparsers(dest="admin_command", metavar="WHAT")
    ac = as_.add_parser("create", help="create an admin account; prints its invite codes")
    ac.add_argument("name", help="username: 3-30 letters, digits or underscores")
    ac.add_argument("--password", required=True, help="at least 8 characters")
    data_arg(ac)

    d = sub.add_parser("db", help="database schema")
    ds = d.add_subparsers(dest="db_command", metavar="WHAT")
    du = ds.add_parser("upgrade", help="apply migrations (SQLite or $TENKU_DATABASE_URL)")
    data_arg(du)

    v = sub.add_parser("verify", help="is this video ours and intact? C2PA, watermark, match",
                       description="Checks a video offline: its C2PA manifest against this data "
                       "folder's trust anchors, the invisible watermark, and the video it "
                       "matches in this store (with its lineage).")
    v.add_argument("file")
    v.add_argument("--json", action="store_true", help="print one JSON object")
    data_arg(v)
    lk = sub.add_parser("lookup", help="find the source of a clip by its perceptual fingerprint")
    lk.add_argument("file")
    lk.add_argument("--json", action="store_true", help="print one JSON object")
    data_arg(lk)
    _character_commands(sub, data_arg)


def _character_commands(sub, data_arg) -> None:
    ch = sub.add_parser("character", help="saved characters: a look and a voice, cast by id "
                        "(tenku generate --character ID)")
    ch.set_defaults(data=None)  # `tenku character` alone: the usage error, not a traceback
    chs = ch.add_subparsers(dest="character_command", metavar="WHAT")
    cc = chs.add_parser("create", help="save a character; prints its id",
                        description="Colours are a name (red, navy, tan, ...) or #rrggbb. "
                        "What is left out is read from --from-video, else picked from the new "
                        "id (a shirt colour and a voice) or the figure's default.")
    cc.add_argument("name", help="what prompts call it, e.g. Mia (1 to 80 characters)")
    cc.add_argument("--height", metavar="M", help="height in metres, 0.5 to 2.5 (default 1.78)")
    for part in ("shirt", "pants", "skin", "hair"):
        cc.add_argument(f"--{part}", metavar="COLOUR", help=f"{part} colour")
    cc.add_argument("--voice", metavar="NAME", help="espeak-ng voice, e.g. en-us+f3, en-gb+m1")
    cc.add_argument("--pitch", metavar="N", help="voice pitch, 0 to 99")
    cc.add_argument("--rate", metavar="N", help="words per minute, 80 to 450")
    cc.add_argument("--from-video", metavar="FILE", help="a video of the character standing in "
                    "the middle of the picture: fills in the colours not given")
    cc.add_argument("--json", action="store_true", help="print the character as JSON")
    data_arg(cc)
    cl = chs.add_parser("list", help="every character in the data folder's store")
    cl.add_argument("--json", action="store_true", help="print a JSON list")
    data_arg(cl)
    cs = chs.add_parser("show", help="one character's look and voice")
    cs.add_argument("id")
    cs.add_argument("--json", action="store_true", help="print the character as JSON")
    data_arg(cs)
    cd = chs.add_parser("delete", help="delete a character (videos made with it stay as they are)")
    cd.add_argument("id")
    data_arg(cd)


COMMANDS = ("serve", "worker", "keys", "admin", "db", "verify", "lookup", "character")


def run(args: argparse.Namespace) -> int:
    from tenku.settings import load_settings

    if args.command == "serve":
        # numpy's BLAS threads would spin against the request threads (feed ranking): one
        # each is faster on a busy server (bench/feed.py). Only before numpy is imported.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        settings = load_settings(args.data, workers=args.workers, executor=args.executor)
        return _serve(settings, args.host, args.port)
    settings = load_settings(getattr(args, "data", None))  # `tenku keys` alone has no --data
    if args.command in ("verify", "lookup"):
        return _provenance(settings, args.command, args.file, args.json)
    if args.command == "worker":
        return _worker(settings, args.threads)
    if args.command == "character":
        return _character(settings, args)
    if args.command == "keys":
        if args.keys_command != "create":
            raise ValueError("use `tenku keys create [--name NAME] [--data DIR]`")
        return _keys_create(settings, args.name, args.max_jobs)
    if args.command == "admin":
        if args.admin_command != "create":
            raise ValueError("use `tenku admin create NAME --password PASSWORD [--data DIR]`")
        return _admin_create(settings, args.name, args.password)
    if args.command == "db":
        if args.db_command != "upgrade":
            raise ValueError("use `tenku db upgrade [--data DIR]`")
        from tenku.store.db import upgrade

        print(f"database at migration {upgrade(settings.database_url)}")
        return 0
    raise ValueError(f"unknown command {args.command}")


def _serve(settings, host: str, port: int) -> int:
    import uvicorn

    from tenku.api import create_app
    from tenku.store.db import upgrade

    upgrade(settings.database_url)
    app = create_app(settings)
    print(f"tenku: serving on http://{host}:{port} (docs at /docs), data in {settings.data_dir}, "
          f"executor {settings.executor} x{settings.workers}", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
    return 0


def _worker(settings, threads: int) -> int:
    from tenku.jobs.executors import InProcessExecutor
    from tenku.platform.runtime import worker_main
    from tenku.store.db import Database

    db = Database(settings.database_url)
    try:
        db.check_schema()
    except RuntimeError as err:
        raise ValueError(str(err)) from None
    finally:
        db.dispose()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    executor = InProcessExecutor()
    executor.start(functools.partial(worker_main, settings), threads)
    print(f"tenku: worker with {threads} thread(s) on {settings.database_url.split('@')[-1]}",
          file=sys.stderr, flush=True)
    stop.wait()
    executor.stop()
    return 0


def provenance_service(settings):
    """The store of the data folder, migrated, as a ProvenanceService."""
    from tenku.platform.provenance import ProvenanceService
    from tenku.store.db import Database, upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    return ProvenanceService(Database(settings.database_url), settings)


def _provenance(settings, command: str, file: str, as_json: bool) -> int:
    import json
    from pathlib import Path

    path = Path(file)
    if not path.is_file():
        raise ValueError(f"{file}: no such file")
    service = provenance_service(settings)
    result = service.verify(path) if command == "verify" else service.lookup(path)
    if as_json:
        print(json.dumps(result, indent=1, default=str))
    elif command == "verify":
        _print_verify(result)
    else:
        _print_lookup(result)
    return 0


def _print_verify(r: dict) -> None:
    c, w, m = r["c2pa"], r["watermark"], r["match"]
    print(f"c2pa       {c['state']}")
    for reason in c["reasons"]:
        print(f"           - {reason}")
    if w["found"]:
        print(f"watermark  found, payload {w['payload']} (confidence {w['confidence']:.6f})")
    else:
        print(f"watermark  not found{': ' + w['error'] if w.get('error') else ''}")
    if m is None:
        print("match      none in this store")
        return
    name = m["video_id"] or m["path"]
    print(f"match      {name} (by {m['by']}; {m['model']}, {m['source']})")
    for up in m["lineage"]:
        print(f"  remix of {up['video_id']}")


def _print_lookup(r: dict) -> None:
    if not r["matches"]:
        print("no match in this store")
    for m in r["matches"]:
        print(f"{m.get('video_id') or m.get('path') or m['payload']}  score {m['score']:.3f}  "
              f"from {m['offset']:.1f} s")


def _keys_create(settings, name: str, max_jobs: int | None) -> int:
    from tenku.platform.keys import create_key
    from tenku.store.db import Database, upgrade

    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        with db.session() as s:
            key, secret = create_key(s, name, max_jobs)
    finally:
        db.dispose()
    print(f"created API key {key.id}{f' ({name})' if name else ''} in {settings.data_dir}; "
          "it is shown only now:")
    print(secret)
    return 0


def _admin_create(settings, name: str, password: str) -> int:
    from tenku.platform.accounts import AccountService
    from tenku.platform.errors import ServiceError
    from tenku.platform.runtime import Runtime
    from tenku.store.db import upgrade

    upgrade(settings.database_url)
    rt = Runtime(settings)
    try:
        user, codes = AccountService(rt).create_admin(name, password)
    except ServiceError as err:
        raise ValueError(err.message) from None
    finally:
        rt.db.dispose()
    print(f"created admin account {user.username} in {settings.data_dir}; its invite codes:")
    for code in codes:
        print(f"invite: {code}")
    return 0


#: a character field -> the ``tenku character create`` flag that sets it
_FLAGS = {"height": "--height", "shirt": "--shirt", "pants": "--pants", "skin": "--skin",
          "hair": "--hair", "voice": "--voice", "voice_pitch": "--pitch", "voice_rate": "--rate",
          "video": "--from-video", "name": "NAME"}
MAX_CAST = 4  # characters one `tenku generate` may cast


def _with_characters(settings, work):
    """``work(service)`` on the data folder's store, migrated, as a CharacterService."""
    from tenku.platform.characters import CharacterService
    from tenku.platform.runtime import Runtime
    from tenku.store.db import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    rt = Runtime(settings)
    try:
        return work(CharacterService(rt))
    finally:
        rt.db.dispose()


def _character(settings, args) -> int:
    import json
    from pathlib import Path

    from tenku.platform.characters import check_look
    from tenku.platform.errors import ServiceError

    what = args.character_command
    if what not in ("create", "list", "show", "delete"):
        raise ValueError("use `tenku character create NAME [...]`, `tenku character list`, "
                         "`tenku character show ID` or `tenku character delete ID`")
    try:
        if what == "create":
            look = check_look(height=args.height, shirt=args.shirt, pants=args.pants,
                              skin=args.skin, hair=args.hair, voice=args.voice,
                              voice_pitch=args.pitch, voice_rate=args.rate,
                              label=_FLAGS.__getitem__)
            video = Path(args.from_video) if args.from_video else None
            if video is not None and not video.is_file():
                raise ValueError(f"--from-video {args.from_video}: no such file")
            result = _with_characters(settings, lambda svc: svc.create_local(
                name=args.name, video=video, **look))
        elif what == "list":
            result = _with_characters(settings, lambda svc: svc.list_all())
        elif what == "show":
            result = _with_characters(settings, lambda svc: svc.get(None, args.id))
        else:
            result = _with_characters(settings, lambda svc: svc.delete(args.id))
    except ServiceError as err:
        flag = _FLAGS.get(err.param or "", "")
        if err.code == "character_not_found":
            raise ValueError(f"{err.message} `tenku character list` shows the saved ones.") \
                from None
        raise ValueError(f"{flag}: {err.message}" if flag and flag not in err.message
                         else err.message) from None
    if getattr(args, "json", False):
        print(json.dumps(result, indent=1))
    elif what == "list":
        for c in result:
            _print_character(c)
        if not result:
            print("no characters yet: `tenku character create NAME` saves one")
    elif what == "delete":
        print(f"deleted character {result['id']}")
    else:
        _print_character(result, full=True)
    return 0


def _print_character(c: dict, full: bool = False) -> None:
    look, v = c["appearance"], c["voice"]
    colours = " ".join(f"{k} {look[k]}" for k in ("shirt", "pants", "skin", "hair") if look[k])
    print(f"{c['id']}  {c['name']:<16} {c['height']:.2f} m  {colours}  voice {v['name']} "
          f"(pitch {v['pitch']}, {v['rate']} wpm)")
    if full:
        print(f"use it: tenku generate \"{c['name']} waves\" --character {c['id']}")


def cast_for(ids: list[str] | None):
    """The characters ``tenku generate --character ID`` names, as the planner casts them
    (:class:`tenku.planner.cast.CastMember`), from the data folder's store (``TENKU_DATA``).
    Raises ValueError naming the flag for too many, repeated or unknown ids."""
    from tenku.planner.cast import CastMember
    from tenku.platform.errors import ServiceError
    from tenku.settings import load_settings

    if not ids:
        return None
    if len(ids) > MAX_CAST:
        raise ValueError(f"--character: at most {MAX_CAST} characters per video, got {len(ids)}")
    if len(set(ids)) != len(ids):
        raise ValueError("--character: the same id is given twice; list each character once")
    try:
        found = _with_characters(load_settings(), lambda svc: svc.cast(None, ids))
    except ServiceError as err:
        raise ValueError(f"--character: {err.message} `tenku character list` shows the saved "
                         "ones.") from None
    return [CastMember.from_json(c) for c in found]
