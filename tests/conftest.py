"""Tests never reach a network (the embedding model loads from its package), and under CI
property-based tests replay a fixed set of examples so a landing never depends on luck;
local runs keep exploring new ones. Videos made in-process are signed with keys in a
throw-away data folder, never the user's own."""

import os
import tempfile

from hypothesis import settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TENKU_DATA", tempfile.mkdtemp(prefix="tenku-test-data-"))

settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
