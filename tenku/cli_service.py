"""The service half of the ``tenku`` command: ``serve``, ``worker``, ``keys create``,
``admin create``, ``db upgrade``, and the provenance checks ``verify`` and ``lookup``. Every one takes ``--data DIR`` (else ``TENKU_DATA``, else a per-user folder);
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


COMMANDS = ("serve", "worker", "keys", "admin", "db", "verify", "lookup")


def run(args: argparse.Namespace) -> int:
    from tenku.settings import load_settings

    if args.command == "serve":
        # numpy's BLAS threads would spin against the request threads (feed ranking): one
        # each is faster on a busy server (bench/feed.py). Only before numpy is imported.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        settings = load_settings(args.data, workers=args.workers, executor=args.executor)
        return _serve(settings, args.host, args.port)
    settings = load_settings(args.data)
    if args.command in ("verify", "lookup"):
        return _provenance(settings, args.command, args.file, args.json)
    if args.command == "worker":
        return _worker(settings, args.threads)
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
