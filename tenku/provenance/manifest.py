"""Sign tenku's MP4s with a C2PA manifest, and read/validate any file's manifest offline.

Why C2PA: a generated video should say, in a standard any viewer can check, that it is
AI-made (the IPTC digital source type), by what (claim generator, backend, model), and from
which parent when it is a remix, and the claim must break visibly when the media is altered.
The manifest's ``c2pa.hash.bmff.v3`` assertion hashes the whole file except the manifest box
(and top-level ``free``/``skip`` boxes), so one flipped byte of video turns the verdict
``invalid``.

Everything here is offline: signing uses no timestamp authority, and reading never fetches a
remote manifest or OCSP response. Trust is decided only by the trust anchors passed in
(:attr:`tenku.provenance.authority.Authority.trust_anchors`).

c2pa-python 0.38 (c2pa-rs 0.91) behaviours this module relies on, all checked by
``tests/test_c2pa.py``:

* ``Reader`` raises ``ManifestNotFound`` for a file without a manifest, ``Other`` ("Box size
  extends beyond asset bounds") for a truncated MP4, ``Io`` ("failed to fill whole buffer")
  for an empty one, ``NotSupported`` when it cannot tell the type. WebM/Matroska is not
  supported at all. We sniff magic bytes first and translate all of these into a report.
* A valid signature from an unknown CA reads as state ``Valid`` with the failure code
  ``signingCredential.untrusted``; an empty ``trust.trust_anchors`` string is an error
  ("COSE error parsing certificate"), so with no anchors trust checking is switched off and
  the report says the signer is not trusted.
* Hashing streams the file through Python ``readinto`` (no copy of the file in memory), but
  c2pa-rs buffers large ``mdat`` boxes: peak RSS ~0.3-0.55 GB while hashing a multi-GB file.
  Hence :data:`MAX_VERIFY_BYTES`. Top-level ``free``/``skip`` boxes are excluded from the
  hash, so a huge trailing ``free`` box is skipped in milliseconds (and does not invalidate).
* A ``Context`` made before ``fork()`` is unusable in the child ("Context is not valid"), so
  cached contexts are per process.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import secrets
import stat
import struct
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import c2pa

from tenku.provenance.authority import Authority

__all__ = [
    "MAX_VERIFY_BYTES",
    "TENKU_ASSERTION",
    "WATERMARK_ALG",
    "ManifestReport",
    "read_manifest",
    "sign_video",
    "sniff_format",
]

log = logging.getLogger(__name__)

TENKU_ASSERTION = "io.tenku.generation"
WATERMARK_ALG = "io.tenku.watermark.v1"
#: Files above this are not hashed (a 6 GiB file takes ~20 s and ~0.5 GB RSS to verify). A
#: manifest's presence is still reported from the box layout, which costs nothing.
MAX_VERIFY_BYTES = 8 * 1024**3
_C2PA_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")  # the BMFF box holding C2PA
_MAX_BOXES = 100_000  # bound the top-level box walk on hostile files

_WEBM_REASON = (
    "WebM/Matroska cannot carry a C2PA manifest (unsupported format); convert to MP4 "
    "(e.g. `ffmpeg -i in.webm out.mp4`) and have it signed, or ask its source for an MP4"
)


# --------------------------------------------------------------------------------------------
# format sniffing


_BMFF_VIDEO = {"video/mp4", "video/quicktime", "video/x-m4v"}
_QT_FIRST_BOXES = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def sniff_format(head: bytes) -> tuple[str | None, str]:
    """Decide a file's type from its first bytes (never its name, which anyone can change).

    Returns ``(mime, description)``; ``mime`` is what c2pa is told, or ``None`` when the format
    cannot carry a manifest c2pa can read (``description`` then says why).
    """
    if not head:
        return None, "empty file"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return None, _WEBM_REASON
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "video/quicktime", "QuickTime movie"
        if brand in (b"M4V ", b"M4VH", b"M4VP"):
            return "video/x-m4v", "M4V video"
        if brand in (b"M4A ", b"M4B ", b"M4P "):
            return "audio/mp4", "MPEG-4 audio"
        if brand in (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"):
            return "image/heic", "HEIF image"
        if brand in (b"avif", b"avis"):
            return "image/avif", "AVIF image"
        if brand[:3] == b"crx":
            return None, "Canon raw image (unsupported format for C2PA)"
        return "video/mp4", "MP4 video"
    if len(head) >= 8 and head[4:8] in _QT_FIRST_BOXES:
        return "video/quicktime", "QuickTime movie"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png", "PNG image"
    if head[:3] == b"\xff\xd8\xff":
        return "image/jpeg", "JPEG image"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif", "GIF image"
    if head[:4] == b"RIFF" and len(head) >= 12:
        kind = head[8:12]
        if kind == b"WEBP":
            return "image/webp", "WebP image"
        if kind == b"AVI ":
            return "video/avi", "AVI video"
        if kind == b"WAVE":
            return "audio/wav", "WAV audio"
        return None, f"RIFF/{kind.decode('latin1')!r} file (unsupported format for C2PA)"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff", "TIFF image"
    if head[:4] == b"fLaC":
        return "audio/flac", "FLAC audio"
    if head[:3] == b"ID3" or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg", "MP3 audio"
    if head[:5] == b"%PDF-":
        return "application/pdf", "PDF document"
    if head[:4] == b"OggS":
        return None, "Ogg file (unsupported format for C2PA); convert to MP4"
    return None, "not a media format that can carry a C2PA manifest (unrecognised content)"


def _read_head(path: Path, n: int = 64) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


def _bmff_layout(path: Path, size: int) -> tuple[bool, str | None]:
    """Walk the top-level ISO-BMFF boxes (headers only, a few reads even for huge files).

    Returns ``(has_c2pa_box, problem)`` where ``problem`` describes truncation/corruption. Used
    when c2pa cannot parse a file, to say whether a manifest was there (-> invalid) or not
    (-> absent), and why the file is unreadable.
    """
    has_c2pa = False
    off = 0
    with open(path, "rb") as f:
        for _ in range(_MAX_BOXES):
            if off >= size:
                return has_c2pa, None
            f.seek(off)
            hdr = f.read(32)
            if len(hdr) < 8:
                return (
                    has_c2pa,
                    f"file looks truncated or corrupt: {size - off} stray bytes at offset {off}",
                )
            box_size, typ = struct.unpack(">I4s", hdr[:8])
            hlen = 8
            if box_size == 1:
                if len(hdr) < 16:
                    return (
                        has_c2pa,
                        f"file looks truncated or corrupt: cut inside the box header at offset {off}",
                    )
                box_size = struct.unpack(">Q", hdr[8:16])[0]
                hlen = 16
            elif box_size == 0:
                box_size = size - off
            if typ == b"uuid" and hdr[hlen : hlen + 16] == _C2PA_UUID:
                has_c2pa = True
            if box_size < hlen:
                return has_c2pa, f"file looks corrupt: invalid box size {box_size} at offset {off}"
            if off + box_size > size:
                name = typ.decode("latin1", "replace")
                return has_c2pa, (
                    f"file looks truncated or corrupt: the '{name}' box at offset {off} needs "
                    f"{box_size} bytes but only {size - off} remain"
                )
            off += box_size
    return has_c2pa, f"file looks corrupt: more than {_MAX_BOXES} top-level boxes"


# --------------------------------------------------------------------------------------------
# signing


def _jsonable(value: Any) -> Any:
    """Make the lead's assertion dict safe for JSON/CBOR: bytes -> hex, paths/others -> str."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _soft_binding_value(payload: Any) -> str | None:
    """The watermark payload as the base64 string C2PA soft-binding blocks carry."""
    if payload is None:
        return None
    if isinstance(payload, (bytes, bytearray, memoryview)):
        raw = bytes(payload)
    elif isinstance(payload, int) and not isinstance(payload, bool) and payload >= 0:
        raw = payload.to_bytes(max(1, (payload.bit_length() + 7) // 8), "big")
    elif isinstance(payload, str):
        try:
            raw = bytes.fromhex(payload)
        except ValueError:
            return base64.b64encode(payload.encode()).decode()
    else:
        return None
    return base64.b64encode(raw).decode()


_ctx_cache: dict[tuple[str, bytes], c2pa.Context] = {}
_ctx_pid = os.getpid()
_ctx_lock = threading.Lock()


def _cached_context(kind: str, trust_anchors: bytes | str, make) -> c2pa.Context:
    """Contexts are cheap (~0.5 ms) but made per call they add up, so they are cached per
    anchor set. Per *process*: c2pa refuses a Context inherited across fork() ("Context is not
    valid"), and uvicorn/Ray workers may well be forked after a first read."""
    global _ctx_pid
    if isinstance(trust_anchors, str):
        trust_anchors = trust_anchors.encode()
    pem = (trust_anchors or b"").decode("ascii", "replace").strip()
    key = (kind, hashlib.sha256(pem.encode()).digest())
    with _ctx_lock:
        if _ctx_pid != os.getpid():
            _ctx_cache.clear()  # the parent's handles: not ours to use or free
            _ctx_pid = os.getpid()
        ctx = _ctx_cache.get(key)
        if ctx is None or not ctx.is_valid:
            ctx = make(pem)
            if len(_ctx_cache) > 32:
                _ctx_cache.clear()
            _ctx_cache[key] = ctx
        return ctx


def _signing_context(trust_anchors: bytes) -> c2pa.Context:
    """The Context for signing.

    No thumbnail (c2pa makes none for video anyway), no network, and c2pa's own
    verify-after-sign stays on so a manifest that would not validate fails here, loudly. The
    authority's trust anchors matter: a parent ingredient is validated when it is added and
    that verdict is *stored in the child's manifest*, so without them every remix would record
    its (our own) parent as ``signingCredential.untrusted``.
    """

    def make(pem: str) -> c2pa.Context:
        cfg: dict[str, Any] = {
            "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
            "builder": {"thumbnail": {"enabled": False}},
        }
        if pem:
            cfg["trust"] = {"trust_anchors": pem + "\n"}
        return c2pa.Context.from_dict(cfg)

    return _cached_context("sign", trust_anchors, make)


def _new_signer(authority: Authority) -> c2pa.Signer:
    info = c2pa.C2paSignerInfo(
        authority.alg.encode(), authority.cert_chain, authority.private_key, None
    )
    return c2pa.Signer.from_info(info)


def sign_video(
    src: Path,
    dst: Path,
    authority: Authority,
    *,
    title: str,
    generator: dict,
    source_type: str,
    assertion: dict,
    parent: Path | None = None,
    parent_info: dict | None = None,
) -> None:
    """Embed a signed C2PA manifest in the MP4/MOV ``src`` and write the result to ``dst``.

    ``generator`` (``name`` required; ``version``, ``backend``, ``model`` ...) becomes the
    claim generator and the actions' software agent. ``source_type`` is the IPTC digital
    source type URL. ``assertion`` is stored verbatim as ``io.tenku.generation``; its
    ``watermark_payload`` (bytes, hex string or int), when present, is also declared as a
    ``c2pa.soft-binding`` so a verifier knows the pixels carry a watermark that survives the
    manifest being stripped.

    With ``parent`` (the parent video's file) or ``parent_info`` (``title``, ``video_id`` ...
    when the file has expired) the video is a derived work: ``c2pa.opened`` of the parent
    ingredient, then ``c2pa.edited``. A parent file's own manifest is embedded in the
    ingredient, so a remix chain stays verifiable; a parent that cannot be read as a C2PA
    ingredient degrades to a metadata-only ingredient rather than failing the generation.

    ``src`` may be ``dst``. The output is written to a temp file beside ``dst`` and renamed
    over it, so ``dst`` is never half-written. Raises :class:`ValueError` for a source that is
    not an MP4/MOV (by content, not by name) and :class:`FileNotFoundError` for a missing one;
    other signing failures raise ``c2pa.C2paError``.
    """
    src, dst = Path(src), Path(dst)
    head = _read_head(src)
    mime, desc = sniff_format(head)
    if mime not in _BMFF_VIDEO:
        why = desc if mime is None else f"{desc} ({mime})"
        raise ValueError(f"{src}: cannot sign: {why}; tenku signs MP4/MOV videos only")
    if not generator or not generator.get("name"):
        raise ValueError("generator must be a dict with at least a 'name'")

    gen = _jsonable(generator)
    tenku = _jsonable(assertion or {})
    derived = parent is not None or parent_info is not None
    if derived:
        actions = [
            {
                "action": "c2pa.opened",
                "softwareAgent": gen,
                "parameters": {"ingredientIds": ["parent"]},
            },
            {"action": "c2pa.edited", "digitalSourceType": source_type, "softwareAgent": gen},
        ]
    else:
        actions = [
            {"action": "c2pa.created", "digitalSourceType": source_type, "softwareAgent": gen}
        ]
    assertions: list[dict] = [
        {"label": "c2pa.actions.v2", "data": {"actions": actions}},
        {"label": TENKU_ASSERTION, "data": tenku},
    ]
    # c2pa 0.38 accepts a custom-alg c2pa.soft-binding (checked by the tests: it validates and
    # round-trips), so the watermark is declared in the standard place too. If a later SDK
    # refused unregistered algorithm names, dropping this block is the whole fix: the payload
    # is also in io.tenku.generation.
    sb = _soft_binding_value((assertion or {}).get("watermark_payload"))
    if sb is not None:
        assertions.append(
            {
                "label": "c2pa.soft-binding",
                "data": {"alg": WATERMARK_ALG, "blocks": [{"scope": {}, "value": sb}]},
            }
        )
    manifest: dict[str, Any] = {
        "claim_generator_info": [gen],
        "title": str(title),
        "format": mime,
        "assertions": assertions,
    }

    info = _jsonable(parent_info or {})
    parent_file = None
    if parent is not None:
        parent = Path(parent)
        if parent.is_file():
            pmime, _ = sniff_format(_read_head(parent))
            if pmime is not None:
                parent_file = (parent, pmime)
        if parent_file is None and not info:
            info = {"title": parent.name}
    ing_meta: dict[str, Any] = {
        "title": str(
            info.get("title") or info.get("video_id") or (parent.name if parent else "parent video")
        ),
        "relationship": "parentOf",
        "label": "parent",  # pairs the ingredient with the c2pa.opened action's ingredientIds
    }
    if info:
        ing_meta["metadata"] = {"io.tenku.parent": info}
        if info.get("video_id"):
            ing_meta["description"] = f"tenku video {info['video_id']}"
    if derived and parent_file is None:
        manifest["ingredients"] = [{**ing_meta, "format": "video/mp4"}]

    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.{secrets.token_hex(4)}.c2pa.tmp")
    try:
        _sign_to(src, tmp, mime, manifest, authority, ing_meta, parent_file)
        os.replace(tmp, dst)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _sign_to(src, tmp, mime, manifest, authority, ing_meta, parent_file) -> None:
    signer = _new_signer(authority)
    try:
        builder = c2pa.Builder(manifest, context=_signing_context(authority.trust_anchors))
        try:
            if parent_file is not None:
                ppath, pmime = parent_file
                try:
                    with open(ppath, "rb") as pf:
                        builder.add_ingredient({**ing_meta, "format": pmime}, pmime, pf)
                except (c2pa.C2paError, OSError) as e:
                    log.warning(
                        "parent %s cannot be read as a C2PA ingredient (%s); recording its metadata only",
                        ppath,
                        e,
                    )
                    builder.close()
                    manifest = {**manifest, "ingredients": [{**ing_meta, "format": pmime}]}
                    builder = c2pa.Builder(
                        manifest, context=_signing_context(authority.trust_anchors)
                    )
            with open(src, "rb") as s, open(tmp, "w+b") as d:
                builder.sign(signer, mime, s, d)
                d.flush()
                os.fsync(d.fileno())
        finally:
            builder.close()
    finally:
        signer.close()


# --------------------------------------------------------------------------------------------
# reading


@dataclass
class ManifestReport:
    """What a file's C2PA manifest says and whether to believe it.

    ``state``:

    * ``"trusted"``: a manifest is present, every hash matches, the signature verifies, and
      the signing certificate chains to one of the trust anchors given.
    * ``"valid"``: well-formed and unaltered, but signed by a certificate the anchors do not
      cover (someone else's CA, a self-made one): the claim is intact, its author unvouched.
    * ``"invalid"``: a manifest is present but something fails: the media was modified after
      signing (``assertion.bmffHash.mismatch``), the signature or certificate is bad, or the
      file is too damaged/large to check.
    * ``"absent"``: no manifest (or a format that cannot carry one, e.g. WebM).

    ``reasons`` are human-readable explanations followed by ``code: explanation`` lines from
    c2pa's validation results.
    """

    state: str
    reasons: list[str] = field(default_factory=list)
    generator: dict | None = None
    tenku: dict | None = None
    ingredients: list[dict] = field(default_factory=list)
    signer: dict | None = None
    title: str | None = None
    actions: list[dict] = field(default_factory=list)
    digital_source_type: str | None = None
    soft_binding: dict | None = None
    format: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)


_HUMAN = {
    "signingCredential.untrusted": "signing certificate is not trusted by this server",
    "assertion.bmffHash.mismatch": "the video data does not match its signed hash: the file was "
    "modified after signing",
    "assertion.dataHash.mismatch": "the file data does not match its signed hash: the file was "
    "modified after signing",
    "assertion.boxesHash.mismatch": "the file data does not match its signed hash: the file was "
    "modified after signing",
    "assertion.hashedURI.mismatch": "a manifest assertion was altered after signing",
    "claimSignature.mismatch": "the manifest signature does not verify",
    "signingCredential.expired": "the signing certificate had expired",
    "signingCredential.revoked": "the signing certificate was revoked",
    "signingCredential.invalid": "the signing certificate is not valid for C2PA signing",
}


def _reading_context(trust_anchors: bytes | str) -> c2pa.Context:
    """A Context trusting exactly ``trust_anchors`` (replacing, not adding to, any built-in
    list), with remote manifests and OCSP off."""

    def make(pem: str) -> c2pa.Context:
        verify = {"remote_manifest_fetch": False, "ocsp_fetch": False, "verify_after_reading": True}
        if pem:
            return c2pa.Context.from_dict(
                {"trust": {"trust_anchors": pem + "\n"}, "verify": verify}
            )
        # c2pa rejects an empty anchor list ("COSE error parsing certificate"); with no anchors
        # nothing can be trusted, so trust checking is off and _report says so.
        return c2pa.Context.from_dict({"verify": {**verify, "verify_trust": False}})

    return _cached_context("read", trust_anchors, make)


def read_manifest(path: Path, trust_anchors: bytes | str) -> ManifestReport:
    """Read and validate the C2PA manifest of any file, offline, judging trust by
    ``trust_anchors`` (PEM roots) only.

    Never raises for bad content: text, images without a manifest, truncated or empty files,
    WebM and files above :data:`MAX_VERIFY_BYTES` all give a report whose ``reasons`` say
    what is wrong. Raises :class:`ValueError` only when there is no file to describe: the
    path does not exist, is not a regular file (directory, FIFO, device: reading one could
    block forever) or cannot be opened.
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except OSError as e:
        raise ValueError(f"{path}: {e.strerror or 'cannot be read'}") from e
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{path}: not a regular file")
    try:
        head = _read_head(path)
    except OSError as e:
        raise ValueError(f"{path}: {e.strerror or 'cannot be read'}") from e
    size = st.st_size
    if size == 0 or not head:
        return ManifestReport("absent", ["empty file: nothing to verify"])
    mime, desc = sniff_format(head)
    if mime is None:
        return ManifestReport("absent", [desc])
    is_bmff = head[4:8] == b"ftyp" or head[4:8] in _QT_FIRST_BOXES
    if size > MAX_VERIFY_BYTES:
        gib = MAX_VERIFY_BYTES / 1024**3
        if is_bmff and not _bmff_layout(path, size)[0]:
            return ManifestReport("absent", [f"no C2PA manifest in this {desc}"], format=mime)
        return ManifestReport(
            "invalid",
            [
                f"file is {size / 1024**3:.1f} GiB, above the {gib:.0f} GiB this server verifies; not checked"
            ],
            format=mime,
        )

    ctx = _reading_context(trust_anchors)  # outside the try: its errors are not the file's
    try:
        with open(path, "rb") as fh:
            reader = c2pa.Reader(mime, fh, context=ctx)
            try:
                data = json.loads(reader.json())
            finally:
                reader.close()
    except c2pa.C2paError.ManifestNotFound:
        reasons = [f"no C2PA manifest in this {desc}"]
        if is_bmff:  # c2pa finds "no manifest" in a cut-off MP4 too: say it looks damaged
            problem = _bmff_layout(path, size)[1]
            reasons += [problem] if problem else []
        return ManifestReport("absent", reasons, format=mime)
    except c2pa.C2paError as e:
        return _unreadable(path, size, mime, desc, is_bmff, e)
    except (OSError, ValueError) as e:  # the file vanished mid-read, or odd JSON
        return ManifestReport("invalid", [f"manifest could not be read: {e}"], format=mime)
    report = _report(data, mime)
    if is_bmff and report.state == "invalid":  # a cut-off file reads as a hash mismatch: say why
        problem = _bmff_layout(path, size)[1]
        report.reasons[:0] = [problem] if problem else []
    return report


def _unreadable(
    path: Path, size: int, mime: str, desc: str, is_bmff: bool, err: Exception
) -> ManifestReport:
    msg = str(err).strip() or type(err).__name__
    if isinstance(err, c2pa.C2paError.RemoteManifest):
        return ManifestReport(
            "absent",
            [
                f"the manifest is stored remotely and this server does not fetch remote manifests ({msg})"
            ],
            format=mime,
        )
    if isinstance(err, c2pa.C2paError.NotSupported):
        return ManifestReport(
            "absent", [f"{desc}: unsupported for C2PA reading ({msg})"], format=mime
        )
    has_c2pa, problem = _bmff_layout(path, size) if is_bmff else (False, None)
    reasons = [problem] if problem else []
    if not problem and ("buffer" in msg or "beyond" in msg or "eof" in msg.lower()):
        reasons.append("file looks truncated or corrupt")
    reasons.append(f"c2pa could not parse the {desc}: {msg}")
    return ManifestReport("invalid" if has_c2pa else "absent", reasons, format=mime)


def _assertion(manifest: dict, label: str) -> Any:
    for a in manifest.get("assertions") or []:
        lab = a.get("label", "")
        if lab == label or lab.startswith(label + "__"):
            return a.get("data")
    return None


def _actions(manifest: dict) -> list[dict]:
    out: list[dict] = []
    for a in manifest.get("assertions") or []:
        if a.get("label", "").split("__")[0] in ("c2pa.actions", "c2pa.actions.v2"):
            out += (a.get("data") or {}).get("actions") or []
    return out


def _status_lines(entries: list[dict], prefix: str = "") -> list[str]:
    return [
        f"{prefix}{e.get('code')}: {e.get('explanation') or ''}".rstrip(": ") for e in entries or []
    ]


def _report(data: dict, mime: str) -> ManifestReport:
    manifests = data.get("manifests") or {}
    active = manifests.get(data.get("active_manifest") or "")
    if active is None:
        return ManifestReport("invalid", ["the manifest store has no active manifest"], format=mime)
    raw_state = (data.get("validation_state") or "").lower()
    results = data.get("validation_results") or {}
    am = results.get("activeManifest") or {}
    failures = list(am.get("failure") or [])
    if not results and data.get("validation_status"):  # older layout
        failures = list(data["validation_status"])
    codes = [f.get("code") for f in failures]

    state = {"trusted": "trusted", "valid": "valid", "invalid": "invalid"}.get(raw_state, "invalid")
    reasons: list[str] = []
    for c in dict.fromkeys(codes):  # human summary first, once per code
        if c in _HUMAN and not (state == "valid" and c != "signingCredential.untrusted"):
            reasons.append(_HUMAN[c])
    if state == "valid" and _HUMAN["signingCredential.untrusted"] not in reasons:
        reasons.append(_HUMAN["signingCredential.untrusted"])
    if raw_state not in ("trusted", "valid", "invalid"):
        reasons.append(f"c2pa gave no validation state ({raw_state or 'none'})")
    reasons += _status_lines(failures)
    for delta in results.get("ingredientDeltas") or []:
        fails = (delta.get("validationDeltas") or {}).get("failure") or []
        reasons += _status_lines(
            fails, prefix=f"ingredient {delta.get('ingredientAssertionURI', '?')}: "
        )

    actions = _actions(active)
    dst = next((a.get("digitalSourceType") for a in actions if a.get("digitalSourceType")), None)
    gens = active.get("claim_generator_info") or []
    generator = (
        gens[0]
        if gens
        else ({"name": active["claim_generator"]} if active.get("claim_generator") else None)
    )
    sig = active.get("signature_info") or None
    signer = None
    if sig:
        signer = {
            "issuer": sig.get("issuer"),
            "common_name": sig.get("common_name"),
            "time": sig.get("time"),
            "alg": sig.get("alg"),
            "cert_serial_number": sig.get("cert_serial_number"),
        }
    return ManifestReport(
        state=state,
        reasons=reasons,
        generator=generator,
        tenku=_assertion(active, TENKU_ASSERTION),
        ingredients=[_ingredient(i, manifests) for i in active.get("ingredients") or []],
        signer=signer,
        title=active.get("title"),
        actions=actions,
        digital_source_type=dst,
        soft_binding=_assertion(active, "c2pa.soft-binding"),
        format=mime,
    )


def _ingredient(ing: dict, manifests: dict) -> dict:
    meta = ing.get("metadata") or {}
    parent_info = meta.get("io.tenku.parent") if isinstance(meta, dict) else None
    own = manifests.get(ing.get("active_manifest") or "") if ing.get("active_manifest") else None
    tenku = _assertion(own, TENKU_ASSERTION) if own else None
    video_id = (tenku or {}).get("video_id") or (parent_info or {}).get("video_id")
    vr = (ing.get("validation_results") or {}).get("activeManifest") or {}
    out = {
        "title": ing.get("title"),
        "relationship": ing.get("relationship"),
        "format": ing.get("format"),
        "video_id": video_id,
        "tenku": tenku,
        "has_manifest": own is not None,
        "parent_info": parent_info,
    }
    if own is not None:
        gens = own.get("claim_generator_info") or []
        out["generator"] = gens[0] if gens else None
        out["recorded_failures"] = _status_lines(vr.get("failure") or [])
    return out
