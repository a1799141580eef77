"""What the benchmarks share: tenku commands with a clean environment, free ports, and a
fleet of subprocesses that are always stopped, however a run ends."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path


def tenku_cmd(*args) -> list[str]:
    return [sys.executable, "-m", "tenku.cli", *map(str, args)]


def service_env(**settings) -> dict[str, str]:
    """This process's environment without the caller's TENKU_* (a TENKU_DATABASE_URL would
    point the bench at a real database), plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENKU_")}
    env["HF_HUB_OFFLINE"] = "1"
    env.update({k: str(v) for k, v in settings.items()})
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fleet:
    """The subprocesses of one part of the bench, each logging to its own file. They run in
    their own sessions (Ctrl-C reaches only the bench) and are all stopped when the block
    ends, however it ends."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.procs: dict[subprocess.Popen, Path] = {}

    def __enter__(self) -> "Fleet":
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self.logs / f"{name}-{len(self.procs)}.log"
        with open(log, "wb") as out:
            p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[p] = log
        return p

    def wait_ready(self, p: subprocess.Popen, port: int, timeout: float = 120.0) -> None:
        """Wait until ``p`` accepts connections on ``port`` (uvicorn listens only once the
        app has started)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if p.poll() is not None:
                raise RuntimeError(f"{p.args} exited with {p.returncode}:\n{self.tail(p)}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{p.args} did not listen on port {port} in {timeout:g} s:\n"
                           f"{self.tail(p)}")

    def tail(self, p: subprocess.Popen, lines: int = 20) -> str:
        return "\n".join(self.procs[p].read_text(errors="replace").splitlines()[-lines:])

    def stop_all(self) -> None:
        live = [p for p in self.procs if p.poll() is None]
        for p in live:
            p.terminate()
        deadline = time.monotonic() + 15
        for p in live:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


CONTENT_LENGTH = re.compile(rb"\r\ncontent-length: *(\d+)", re.IGNORECASE)


async def keep_alive_client(port: int, requests: list[bytes], first: int, stride: int,
                            going, begin: float, latencies: list[float]) -> None:
    """One HTTP/1.1 keep-alive connection sending ``requests[first::stride]`` round and round
    while ``going(now)``; appends the latency of each reply that started after ``begin``.
    (httpx would spend the cores this shares with the servers.)"""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        i = first
        while going(t0 := time.perf_counter()):
            writer.write(requests[i % len(requests)])
            i += stride
            head = await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(int(CONTENT_LENGTH.search(head)[1]))
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"port {port}: {head.splitlines()[0].decode()}")
            if t0 >= begin:
                latencies.append(time.perf_counter() - t0)
    finally:
        writer.close()
