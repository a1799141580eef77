"""Tests never reach a network (the embedding model loads from its package), and under CI
property-based tests replay a fixed set of examples so a landing never depends on luck;
local runs keep exploring new ones."""

import os

from hypothesis import settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
