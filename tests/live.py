"""Live deployments for service tests: a real ``tenku serve`` (and ``tenku worker``) process on
loopback, in either of the two shapes tenku runs in:

- ``embedded``: SQLite + local blob folder + in-process worker threads (the no-setup default);
- ``scaled``: PostgreSQL (the machine's local server, a fresh database per run) + S3 (moto's
  S3-compatible server) + a local Ray cluster with two worker actors.

Nothing is mocked: the tests talk HTTP to the server with the official ``openai`` SDK.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

TENKU = str(Path(sys.executable).with_name("tenku"))
PG_ADMIN = os.environ.get("TENKU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_key(data: Path, env: dict, *options: str) -> str:
    out = subprocess.run([TENKU, "keys", "create", "--data", str(data), *options], env=env,
                         capture_output=True, text=True, check=True, timeout=120)
    return out.stdout.strip().splitlines()[-1]


class Server:
    """``tenku serve`` in a subprocess; ``start`` waits until it answers."""

    def __init__(self, data: Path, env: dict, *, workers: int = 1, port: int | None = None):
        self.data, self.env, self.workers = data, env, workers
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = data / f"serve-{self.port}.log"

    def start(self, timeout: float = 120.0) -> "Server":
        self.data.mkdir(parents=True, exist_ok=True)
        log = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [TENKU, "serve", "--data", str(self.data), "--port", str(self.port),
             "--workers", str(self.workers)], env=self.env, stdout=log, stderr=log,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tenku serve exited: {self.log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"tenku serve did not start: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the server and everything it started (Ray actors included)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                pass
        self.kill()


class Worker:
    """``tenku worker`` in a subprocess."""

    def __init__(self, data: Path, env: dict):
        log = open(data / "workers.log", "ab")
        self.proc = subprocess.Popen([TENKU, "worker", "--data", str(data)], env=env,
                                     stdout=log, stderr=log, start_new_session=True)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@contextlib.contextmanager
def postgres_database():
    """A fresh PostgreSQL database on the local server, dropped afterwards."""
    import psycopg

    name = "tenku_test_" + secrets.token_hex(4)
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def s3_server():
    """moto's S3-compatible server on a free loopback port; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def base_env(data: Path, **extra: str) -> dict:
    env = {**os.environ, "TENKU_DATA": str(data), "HF_HUB_OFFLINE": "1",
           "TENKU_CACHE": os.environ.get("TENKU_CACHE", str(Path.home() / ".cache" / "tenku")),
           "RAY_USAGE_STATS_ENABLED": "0"}
    env.update(extra)
    return env


@contextlib.contextmanager
def deployment(kind: str, data: Path, workers: int = 1, **extra: str):
    """Environment variables for a ``kind`` deployment ("embedded" or "scaled")."""
    if kind == "embedded":
        yield base_env(data, TENKU_EXECUTOR="inprocess", **extra)
        return
    with postgres_database() as url, s3_server() as s3:
        yield base_env(data, TENKU_DATABASE_URL=url, TENKU_BLOBS="s3://tenku-test/blobs",
                       TENKU_S3_ENDPOINT_URL=s3, AWS_ACCESS_KEY_ID="test",
                       AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
                       TENKU_EXECUTOR="ray", **extra)
