"""Marking and signing one generated video: the two steps the pipeline runs for every MP4.

``Stamp`` is the per-frame step (the backend calls it on each frame before the encoder sees
it): the visible mark, then the invisible watermark over the whole picture. ``seal`` is the
after-encoding step: sign the finished MP4 with C2PA, the watermark payload and the world
script's hash inside, and record what was done in the sidecar.

The payload is derived, not random: issuer tag + a hash of the video's identity (the server's
video id, or for the CLI the world script, seed, backend and quality), so regenerating a video
from its sidecar reproduces it bit for bit, watermark included.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import tenku
from tenku.provenance.authority import Authority, load_authority
from tenku.provenance.visible import VisibleMark
from tenku.provenance.watermark import PAYLOAD_BYTES, Embedder

#: IPTC digital source types: the sim backend draws every pixel by simulation and rendering
#: (no trained model makes the picture); neural backends make trainedAlgorithmicMedia
SOURCE_TYPES = {
    "sim": "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia",
}
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


@dataclass
class Provenance:
    """What marking and signing a video needs besides the script. ``data_dir`` holds the
    signing keys; ``identity`` makes the payload (defaults to the script's hash)."""

    data_dir: Path
    handle: str | None = None
    visible: bool = True
    model: str | None = None
    video_id: str | None = None
    identity: str | None = None
    parent: Path | None = None
    parent_info: dict | None = None
    cert: Path | None = None
    key: Path | None = None

    def authority(self) -> Authority:
        return load_authority(self.data_dir, cert=self.cert, key=self.key)


def script_sha256(script_json: dict) -> str:
    return hashlib.sha256(json.dumps(script_json, sort_keys=True).encode()).hexdigest()


def payload_for(authority: Authority, identity: str) -> bytes:
    """2 bytes naming the issuer (its CA) + 6 bytes naming the video."""
    serial = hashlib.sha256(identity.encode()).digest()[:PAYLOAD_BYTES - 2]
    return authority.issuer_fingerprint[:2] + serial


class Stamp:
    """The per-frame step: ``stamp(frame, index) -> frame`` for RGB uint8 frames."""

    def __init__(self, width: int, height: int, fps: float, payload: bytes, *,
                 handle: str | None = None, visible: bool = True):
        self.payload = payload
        self.visible = VisibleMark(width, height, fps, handle) if visible else None
        self.embedder = Embedder(width, height, payload)

    def __call__(self, frame: np.ndarray, index: int) -> np.ndarray:
        if self.visible is not None:
            frame = self.visible.apply(np.array(frame, copy=True), index)
        return self.embedder.apply(frame)


def seal(video: Path, sidecar: dict, prov: Provenance, payload: bytes, *, backend: str,
         quality: str) -> dict:
    """Sign ``video`` in place and return the sidecar's ``provenance`` entry."""
    authority = prov.authority()
    digest = script_sha256(sidecar["script"])
    model = prov.model or f"tenku-{backend}"
    parent_id = (prov.parent_info or {}).get("video_id")
    assertion = {"video_id": prov.video_id, "backend": backend, "model": model,
                 "quality": quality, "world_script_sha256": digest,
                 "watermark_payload": payload.hex(), "parent_video_id": parent_id}
    from tenku.provenance.manifest import sign_video

    sign_video(video, video, authority,
               title=(sidecar["script"].get("prompt") or video.name)[:200],
               generator={"name": "tenku", "version": tenku.__version__, "backend": backend,
                          "model": model},
               source_type=SOURCE_TYPES.get(backend, TRAINED),
               assertion={k: v for k, v in assertion.items() if v is not None},
               parent=prov.parent if prov.parent and prov.parent.is_file() else None,
               parent_info=prov.parent_info)
    return {"watermark": payload.hex(), "visible_mark": prov.visible,
            "handle": prov.handle, "world_script_sha256": digest,
            "c2pa": {"signed": True, "issuer": authority.issuer_fingerprint.hex()[:16],
                     "own_ca": authority.own},
            "parent_video_id": parent_id}
