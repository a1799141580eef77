"""Backends by name. A backend registers a zero-argument factory so that importing the
registry stays cheap and GPU backends load their models only when chosen."""

from __future__ import annotations

from typing import Callable

from tenku.backends.base import Generator

_FACTORIES: dict[str, Callable[[], Generator]] = {}
_INSTANCES: dict[str, Generator] = {}
_FEATURES: dict[str, frozenset[str]] = {}

#: optional abilities a backend may declare; the video service refuses requests that need
#: one the chosen backend lacks instead of silently ignoring part of the request
FEATURES = ("input_reference", "characters")


def register(name: str, factory: Callable[[], Generator],
             features: frozenset[str] = frozenset()) -> None:
    _FACTORIES[name] = factory
    _FEATURES[name] = features


def features(name: str) -> frozenset[str]:
    """What ``name`` can do beyond prompt-to-video, without loading the backend."""
    return _FEATURES.get(name, frozenset())


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


# The simulator puts a reference image behind the scene as a backdrop plate and casts saved
# characters as its figures.
register("sim", _sim, frozenset({"input_reference", "characters"}))
