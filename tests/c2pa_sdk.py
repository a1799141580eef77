"""c2pa-python's own Reader, as an independent check of tenku's manifests: it trusts exactly
the anchors given, offline (no remote manifests, no OCSP)."""

from __future__ import annotations

from pathlib import Path

import c2pa


def sdk_read(path: Path, anchors: str) -> tuple[str, dict]:
    """(validation state, active manifest) of the MP4 at ``path``."""
    ctx = c2pa.Context.from_dict({"trust": {"trust_anchors": anchors},
                                  "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}})
    with open(path, "rb") as f:
        reader = c2pa.Reader("video/mp4", f, context=ctx)
        try:
            return reader.get_validation_state(), reader.get_active_manifest()
        finally:
            reader.close()
