"""Telling tenku's videos anywhere: record every marked video, verify a file, look up a clip.

``record`` runs when a video is made (the server's job, or ``tenku generate``): it keeps the
watermark payload, the lineage and the perceptual fingerprint in the ``marks`` table.
``verify`` answers "is this ours, is it intact, which video is it": the C2PA verdict under
this server's trust anchors, the invisible watermark, and the matching record with its
lineage. ``lookup`` finds the source of a clip whose metadata and watermark are gone, by
fingerprint. All of it runs offline on the data folder's keys and store.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from tenku.settings import Settings
from tenku.store.db import Database
from tenku.store.models import Mark

_LINEAGE_LIMIT = 50
#: a lookup reads at most this much of a clip: bounded time for a file of hours
LOOKUP_SECONDS = 120.0


class ProvenanceService:
    def __init__(self, db: Database, settings: Settings):
        self.db, self.settings = db, settings
        self._index_lock = threading.Lock()
        self._index: tuple[tuple, object] | None = None

    def _anchors(self) -> bytes:
        from tenku.provenance.authority import load_authority

        s = self.settings
        return load_authority(s.data_dir, cert=s.c2pa_path("cert"),
                              key=s.c2pa_path("key")).trust_anchors

    # -- recording ------------------------------------------------------------------------
    @staticmethod
    def mark_row(video: Path, sidecar: dict, *, source: str, video_id: str | None = None,
                 model: str | None = None, path: str | None = None) -> Mark:
        """The ``marks`` row for a freshly made video (fingerprinted here: one decode)."""
        from tenku.provenance.fingerprint import fingerprint_file

        prov = sidecar["provenance"]
        fp = fingerprint_file(video)
        return Mark(payload=prov["watermark"], video_id=video_id, source=source, path=path,
                    backend=sidecar["backend"], model=model or f"tenku-{sidecar['backend']}",
                    script_sha256=prov["world_script_sha256"],
                    parent_video_id=prov.get("parent_video_id"),
                    visible_mark=bool(prov["visible_mark"]), handle=prov.get("handle"),
                    duration=float(fp.duration), created_at=time.time(),
                    fingerprint=fp.for_index().to_bytes())

    def record(self, row: Mark) -> None:
        with self.db.session() as s:
            s.merge(row)  # regenerating the same CLI video refreshes its record

    # -- verifying ------------------------------------------------------------------------
    def verify(self, path: Path) -> dict:
        """``{"c2pa": {...}, "watermark": {...}, "match": {...} | None}`` for one file."""
        from tenku.provenance.manifest import read_manifest
        from tenku.provenance.watermark import detect_file

        report = read_manifest(path, self._anchors())
        c2pa = {"state": report.state, "reasons": report.reasons, "format": report.format,
                "generator": report.generator, "signer": report.signer,
                "digital_source_type": report.digital_source_type, "tenku": report.tenku,
                "ingredients": report.ingredients}
        try:
            wm = detect_file(path).to_json()
        except ValueError as err:
            wm = {"found": False, "payload": None, "confidence": 0.0, "error": str(err)}
        by, payload = None, None
        if wm["found"]:
            by, payload = "watermark", wm["payload"]
        elif report.state == "trusted" and report.tenku and report.tenku.get("watermark_payload"):
            by, payload = "manifest", report.tenku["watermark_payload"]
        match = self._match(payload, by) if payload else None
        return {"c2pa": c2pa, "watermark": wm, "match": match}

    def _match(self, payload: str, by: str) -> dict | None:
        with self.db.read() as s:
            row = s.get(Mark, payload)
            if row is None:
                return None
            out = _mark_json(row)
            out["by"] = by
            out["lineage"] = self._lineage(s, row)
        return out

    @staticmethod
    def _lineage(s, row: Mark) -> list[dict]:
        """The video's ancestors, parent first (remixes of remixes...)."""
        chain, seen, parent = [], {row.video_id}, row.parent_video_id
        while parent and parent not in seen and len(chain) < _LINEAGE_LIMIT:
            seen.add(parent)
            up = s.scalar(select(Mark).where(Mark.video_id == parent))
            chain.append({"video_id": parent, "payload": up.payload if up else None,
                          "created_at": up.created_at if up else None})
            parent = up.parent_video_id if up else None
        return chain

    # -- looking up -----------------------------------------------------------------------
    def lookup(self, path: Path, *, limit: int = 5) -> dict:
        """Videos of this store the clip at ``path`` was cut from, best first."""
        from tenku.provenance.fingerprint import fingerprint_file, match

        query = fingerprint_file(path, max_seconds=LOOKUP_SECONDS)
        found = match(query, self._fingerprints())[:limit]
        with self.db.read() as s:
            rows = {r.payload: r for r in s.scalars(
                select(Mark).where(Mark.payload.in_([m.key for m in found])))}
            out = []
            for m in found:
                item = _mark_json(rows[m.key]) if m.key in rows else {"payload": m.key}
                item.update(score=round(m.score, 4), offset=round(m.offset, 2),
                            picture=None if m.picture is None else round(m.picture, 4),
                            audio=None if m.audio is None else round(m.audio, 4))
                out.append(item)
        return {"query": {"duration": round(query.duration, 2)}, "matches": out}

    def _fingerprints(self):
        """All indexed fingerprints, reloaded only when marks were added."""
        from tenku.provenance.fingerprint import Fingerprint, FingerprintIndex

        with self.db.read() as s:
            stamp = tuple(s.execute(select(func.count(), func.max(Mark.created_at))
                                    .select_from(Mark)).one())
            with self._index_lock:
                if self._index is not None and self._index[0] == stamp:
                    return self._index[1]
            rows = s.execute(select(Mark.payload, Mark.fingerprint)
                             .where(Mark.fingerprint.is_not(None))).all()
        index = FingerprintIndex([(p, Fingerprint.from_bytes(b)) for p, b in rows])
        with self._index_lock:
            self._index = (stamp, index)
        return index


def _mark_json(row: Mark) -> dict:
    return {"payload": row.payload, "video_id": row.video_id, "source": row.source,
            "path": row.path, "backend": row.backend, "model": row.model,
            "handle": row.handle, "created_at": row.created_at,
            "duration": round(row.duration, 2), "world_script_sha256": row.script_sha256,
            "parent_video_id": row.parent_video_id, "visible_mark": row.visible_mark}
