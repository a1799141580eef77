"""Backends by name. A backend registers a zero-argument factory so that importing the
registry stays cheap and GPU backends load their models only when chosen."""

from __future__ import annotations

from typing import Callable

from tenku.backends.base import Generator

_FACTORIES: dict[str, Callable[[], Generator]] = {}
_INSTANCES: dict[str, Generator] = {}


def register(name: str, factory: Callable[[], Generator]) -> None:
    _FACTORIES[name] = factory


def available() -> list[str]:
    return sorted(_FACTORIES)


def get(name: str) -> Generator:
    if name not in _FACTORIES:
        raise KeyError(f"unknown backend {name!r}; available: {', '.join(available())}")
    if name not in _INSTANCES:
        _INSTANCES[name] = _FACTORIES[name]()
    return _INSTANCES[name]


def _sim() -> Generator:
    from tenku.backends.sim import SimBackend

    return SimBackend()


register("sim", _sim)
