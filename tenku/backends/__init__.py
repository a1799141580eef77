"""Generator backends behind one protocol, chosen by name (see :mod:`tenku.backends.registry`)."""

from tenku.backends.base import GenerateOptions, GenerateResult, Generator, ProgressFn
from tenku.backends.registry import available, get, register

__all__ = ["GenerateOptions", "GenerateResult", "Generator", "ProgressFn", "available", "get",
           "register"]
