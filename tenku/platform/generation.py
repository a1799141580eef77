"""The ``video`` job handler: plan -> generate with the model's backend (marked and signed,
``tenku.provenance``) -> store the files -> record the mark -> mark the video completed, in the order the pipeline really runs, with ``progress`` following
the pipeline's own stage reports (weights from ``bench/generate.py``: rendering dominates).

Files go to ``videos/<id>/a<attempt>/`` so a retried attempt never overwrites what an earlier,
presumed-dead attempt may still be writing; only the attempt that completes is linked from
the video row, and a dropped attempt deletes its own files.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from sqlalchemy import select, update

from tenku.jobs import Cancelled, Interrupted, JobContext, JobError
from tenku.platform.provenance import ProvenanceService
from tenku.platform.runtime import Runtime
from tenku.platform.videos import FILES
from tenku.platform.webhooks import enqueue_event
from tenku.provenance.stamp import Provenance
from tenku.store.models import Mark, User, Video

#: stage -> (start %, end %) of the video's progress
STAGES = {"plan": (1, 5), "simulate": (5, 25), "sound": (25, 35), "render": (35, 90),
          "encode": (90, 95), "store": (95, 99)}


class _Progress:
    """Writes progress to the video row at most every 0.4 s (and on each stage change), and
    is where a cancelled job notices it should stop."""

    def __init__(self, rt: Runtime, ctx: JobContext, video_id: str):
        self.rt, self.ctx, self.video_id = rt, ctx, video_id
        self.last_write, self.last = 0.0, (None, -1)

    def __call__(self, stage: str, fraction: float) -> None:
        self.ctx.check()
        lo, hi = STAGES[stage]
        pct = int(lo + (hi - lo) * min(max(fraction, 0.0), 1.0))
        now = time.monotonic()
        if (stage, pct) == self.last or (stage == self.last[0] and now - self.last_write < 0.4):
            return
        self.last, self.last_write = (stage, pct), now
        with self.rt.db.session() as s:
            hit = s.execute(update(Video).where(Video.id == self.video_id,
                                                Video.status == "in_progress")
                            .values(progress=pct, stage=stage)).rowcount
        if not hit:
            raise Cancelled(self.video_id)


def run_video_job(rt: Runtime, ctx: JobContext) -> None:
    claim = ctx.claim
    with rt.db.session() as s:
        v = s.get(Video, claim.video_id)
        if v is None or v.status not in ("queued", "in_progress"):
            return  # deleted or already settled: nothing to make
        v.status, v.progress, v.stage = "in_progress", 1, "plan"
        job = {"prompt": v.prompt, "size": v.size, "seconds": float(v.seconds),
               "params": dict(v.params or {}), "model": v.model, "kind": v.kind}
        handle = s.scalar(select(User.username).where(User.principal == v.owner))
        parent_id = v.remixed_from_video_id
        parent = s.get(Video, parent_id) if parent_id else None
        parent_key = (parent.files or {}).get("video") if parent is not None else None
        parent_sidecar = (parent.files or {}).get("sidecar") if parent is not None else None
    prefix = f"videos/{claim.video_id}/a{claim.attempt}"
    progress = _Progress(rt, ctx, claim.video_id)
    try:
        with tempfile.TemporaryDirectory(prefix="tenku-job-") as tmp:
            prov = _provenance(rt, claim.video_id, job, handle, parent_id, parent_key, Path(tmp))
            out = Path(tmp) / "video.mp4"
            if job["kind"] == "extension" or job["params"].get("edits_parent"):
                result = _derived(rt, job, parent_sidecar, out, progress, prov)
            else:
                result = _generate(rt, job, out, progress, prov)
            progress("store", 0.0)
            mark = ProvenanceService.mark_row(result.video, result.sidecar, source="server",
                                              video_id=claim.video_id, model=job["model"])
            made = {"video": result.video, "thumbnail": result.thumbnail,
                    "spritesheet": result.spritesheet, "sidecar": result.sidecar_path,
                    "captions": result.video.with_suffix(".vtt")}
            files = {}
            for variant, path in made.items():
                if path is not None and Path(path).is_file():
                    name, media_type = FILES[variant]
                    rt.blobs.put_file(f"{prefix}/{name}", Path(path), media_type)
                    files[variant] = f"{prefix}/{name}"
        progress("store", 1.0)
        ctx.complete(lambda s: _completed(rt, s, claim.video_id, files, mark))
    except (Cancelled, Interrupted):
        rt.blobs.delete_prefix(prefix)
        raise
    for earlier in range(1, claim.attempt):  # what killed attempts left behind
        rt.blobs.delete_prefix(f"videos/{claim.video_id}/a{earlier}")


def _provenance(rt: Runtime, video_id: str, job: dict, handle: str | None,
                parent_id: str | None, parent_key: str | None, tmp: Path) -> Provenance:
    """Marks and signature for a server video: the payload names the video id, the visible
    mark the creator. The app's videos (made by a user, so with a handle, and the only ones
    the feed shows) always carry the visible mark; API videos as the operator set it. A remix's parent file, while it is still kept,
    goes into the manifest as the parent ingredient."""
    settings = rt.settings
    parent = None
    if parent_key and rt.blobs.size(parent_key) is not None:  # expired: named, without data
        parent = tmp / "parent.mp4"
        rt.blobs.get_file(parent_key, parent)
    return Provenance(settings.data_dir, handle=handle,
                      visible=settings.visible_mark or handle is not None, model=job["model"],
                      video_id=video_id, identity=video_id, parent=parent,
                      parent_info={"video_id": parent_id, "title": parent_id} if parent_id else None,
                      cert=settings.c2pa_path("cert"), key=settings.c2pa_path("key"))


def _generate(rt: Runtime, job: dict, out: Path, progress, prov: Provenance):
    """A video from its prompt, casting the characters whose copies the create kept in
    ``params.characters``, over the reference image kept as ``params.image``."""
    from tenku.generate_api import generate
    from tenku.planner import NothingToFilm
    from tenku.planner.cast import CastMember

    p = job["params"]
    cast = [CastMember.from_json(c) for c in p.get("characters") or []]
    image = None
    if p.get("image"):
        image = out.with_name("reference" + Path(p["image"]).suffix)
        rt.blobs.get_file(p["image"], image)
    try:
        return generate(job["prompt"], out=out, seconds=job["seconds"], size=job["size"],
                        seed=p.get("seed", 0), style=p.get("style"),
                        backend=p.get("backend", "sim"),
                        quality=p.get("quality", "standard"), progress=progress,
                        provenance=prov, image=image, characters=cast or None)
    except NothingToFilm as err:
        raise JobError(str(err), code="unfilmable_prompt") from None
    except ValueError as err:
        raise JobError(str(err), code="invalid_request") from None


def _derived(rt: Runtime, job: dict, sidecar_key: str | None, out: Path, progress,
             prov: Provenance):
    """A remix or edit (the parent's world script edited by the prompt) or an extension (the
    parent's world continued), from the parent's sidecar; the parent's MP4, when still kept,
    sits beside it as ``parent.mp4`` (``_provenance`` fetched it for the manifest)."""
    from tenku.generate_api import extend, remix

    if not sidecar_key or rt.blobs.size(sidecar_key) is None:
        raise JobError("the source video's world script is no longer kept (its files expired)",
                       code="video_expired")
    side = out.with_name("parent.world.json")
    rt.blobs.get_file(sidecar_key, side)
    p = job["params"]
    common = dict(out=out, backend=p.get("backend", "sim"), quality=p.get("quality", "standard"),
                  progress=progress, provenance=prov)
    try:
        if job["kind"] == "extension":
            return extend(side, job["prompt"], seconds=job["seconds"], **common)
        return remix(side, job["prompt"], **common)
    except ValueError as err:
        raise JobError(str(err), code="invalid_request") from None


def _completed(rt: Runtime, s, video_id: str, files: dict, mark: Mark) -> None:
    v = s.get(Video, video_id)
    if v is None:
        raise Cancelled(video_id)
    s.merge(mark)
    now = time.time()
    hours = rt.settings.retention_hours
    v.status, v.progress, v.stage, v.files = "completed", 100, "done", files
    v.completed_at = now
    v.expires_at = now + hours * 3600 if hours > 0 else None
    enqueue_event(s, rt.settings, v.owner, "video.completed", v.id)
