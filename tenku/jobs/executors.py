"""Where workers run, behind one interface: ``start(target, count)`` / ``stop()``.

``target(name, stop_event)`` is a module-level function (so Ray can ship it by reference)
that runs one worker loop until the event is set. ``InProcessExecutor`` runs workers as
threads of the server; ``RayExecutor`` runs each as a Ray actor, i.e. its own process on
any node of the cluster, restarted by Ray if it dies. Choosing one is configuration
(``TENKU_EXECUTOR``), never code.
"""

from __future__ import annotations

import os
import socket
import threading
from typing import Callable, Protocol

Target = Callable[[str, threading.Event], None]


def worker_name(index: int) -> str:
    """``host:pid:index`` - a job's ``lease_owner``, so an operator can find the process."""
    return f"{socket.gethostname()}:{os.getpid()}:{index}"


class Executor(Protocol):
    def start(self, target: Target, count: int) -> None: ...
    def stop(self) -> None: ...


class InProcessExecutor:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, target: Target, count: int) -> None:
        for i in range(count):
            t = threading.Thread(target=target, args=(worker_name(i), self._stop), daemon=True,
                                 name=f"tenku-worker-{i}")
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=30)
        self._threads.clear()


class RayExecutor:
    """Workers as Ray actors. ``address`` None starts a local cluster in this process (one
    machine, several processes); ``"auto"`` or ``ray://host:port`` joins a running one, whose
    nodes must have tenku installed and reach the same database and blob store."""

    def __init__(self, address: str | None = None, cpus_per_worker: float = 1.0):
        self.address, self.cpus_per_worker = address, cpus_per_worker
        self._actors: list = []

    def start(self, target: Target, count: int) -> None:
        import ray

        if not ray.is_initialized():
            if self.address:
                ray.init(address=self.address, log_to_driver=False)
            else:
                ray.init(num_cpus=max(1, int(count * self.cpus_per_worker + 0.999)),
                         include_dashboard=False, log_to_driver=False)
        actor_cls = ray.remote(max_restarts=-1, num_cpus=self.cpus_per_worker)(_RayWorker)
        self._actors = [actor_cls.remote(target, i) for i in range(count)]
        ray.get([a.pid.remote() for a in self._actors])  # fail fast if actors cannot start

    def stop(self) -> None:
        import ray

        for a in self._actors:
            try:
                ray.get(a.shutdown.remote(), timeout=30)
            except Exception:  # noqa: BLE001 - a dead actor needs no shutdown
                pass
            ray.kill(a)
        self._actors.clear()
        if not self.address and ray.is_initialized():
            ray.shutdown()


class _RayWorker:
    """Runs the worker loop on a thread inside a Ray actor process."""

    def __init__(self, target: Target, index: int):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=target, args=(worker_name(index), self._stop),
                                        daemon=True)
        self._thread.start()

    def pid(self) -> int:
        return os.getpid()

    def shutdown(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def make_executor(kind: str, ray_address: str | None = None) -> Executor | None:
    if kind == "inprocess":
        return InProcessExecutor()
    if kind == "ray":
        return RayExecutor(ray_address)
    return None
