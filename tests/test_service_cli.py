"""``tenku db upgrade``, ``tenku keys create`` and ``tenku worker`` from the command line."""

from __future__ import annotations

import hashlib
import subprocess

from live import TENKU, base_env

from tenku.store.db import head_revision


def run(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run([TENKU, *args], env=env, capture_output=True, text=True, timeout=120)


def test_db_upgrade_then_keys_then_a_worker_that_checks_the_schema(tmp_path):
    env = base_env(tmp_path)
    fresh = tmp_path / "fresh"
    refused = run("worker", "--data", str(fresh), env=env)
    assert refused.returncode == 2 and "run `tenku db upgrade`" in refused.stderr
    up = run("db", "upgrade", "--data", str(fresh), env=env)
    assert up.returncode == 0 and f"migration {head_revision()}" in up.stdout
    assert run("db", "upgrade", "--data", str(fresh), env=env).returncode == 0  # idempotent
    made = run("keys", "create", "--name", "ci", "--data", str(fresh), env=env)
    lines = made.stdout.strip().splitlines()
    assert made.returncode == 0 and lines[-1].startswith("sk-tenku-") and len(lines[-1]) > 40
    stored = b"".join(p.read_bytes() for p in fresh.glob("tenku.db*")).decode("latin-1")
    assert hashlib.sha256(lines[-1].encode()).hexdigest() in stored  # only its hash
    assert lines[-1] not in stored
    bad = run("keys", "create", "--max-jobs", "0", "--data", str(fresh), env=env)
    assert bad.returncode == 2 and "--max-jobs" in bad.stderr


def test_bad_settings_are_named(tmp_path):
    env = base_env(tmp_path, TENKU_EXECUTOR="kubernetes")
    out = run("keys", "create", "--data", str(tmp_path), env=env)
    assert out.returncode == 2 and "TENKU_EXECUTOR" in out.stderr
    env = base_env(tmp_path, TENKU_WORKERS="many")
    out = run("keys", "create", "--data", str(tmp_path), env=env)
    assert out.returncode == 2 and "TENKU_WORKERS must be a number" in out.stderr
