"""C2PA signing and offline validation (tenku.provenance.authority / .manifest).

The point of these tests is the verdicts a viewer will rely on: our own videos read
"trusted" (and the SDK itself agrees, not only our wrapper), one flipped byte of media reads
"invalid", another server's videos read "valid" but untrusted, remixes carry their parent,
and hostile or broken input always yields a report instead of an exception.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import stat
import struct
from pathlib import Path

import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from c2pa_sdk import sdk_read

from tenku.media import VideoWriter
from tenku.provenance import manifest as manifest_mod
from tenku.provenance.authority import Authority, load_authority
from tenku.provenance.manifest import read_manifest, sign_video

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
GEN = {"name": "tenku", "version": "0.1.0", "backend": "sim", "model": "tenku-sim"}


def _make_mp4(path: Path, w: int = 160, h: int = 90, fps: int = 24, seconds: float = 1.0) -> Path:
    with VideoWriter(path, w, h, fps) as wr:
        for i in range(int(fps * seconds)):
            frame = np.zeros((h, w, 3), np.uint8)
            frame[..., 0] = (i * 9) % 256
            frame[:, (i * 5) % w : (i * 5) % w + 8, 1] = 255
            wr.write(frame)
    return path


def _boxes(data: bytes):
    off = 0
    while off + 8 <= len(data):
        size, typ = struct.unpack(">I4s", data[off : off + 8])
        hdr = 8
        if size == 1:
            size = struct.unpack(">Q", data[off + 8 : off + 16])[0]
            hdr = 16
        elif size == 0:
            size = len(data) - off
        yield typ, off, hdr, size
        off += size


def _sign(src: Path, dst: Path, auth: Authority, video_id: str, **kw) -> Path:
    assertion = {
        "video_id": video_id,
        "backend": "sim",
        "model": "tenku-sim",
        "world_script_sha256": "ab" * 32,
        "watermark_payload": "0badc0ffee",
        **kw.pop("assertion", {}),
    }
    sign_video(
        src,
        dst,
        auth,
        title=f"{video_id}.mp4",
        generator=GEN,
        source_type=TRAINED,
        assertion=assertion,
        **kw,
    )
    return dst


@pytest.fixture(scope="module")
def raw_mp4(tmp_path_factory) -> Path:
    return _make_mp4(tmp_path_factory.mktemp("media") / "raw.mp4")


@pytest.fixture(scope="module")
def auth(tmp_path_factory) -> Authority:
    return load_authority(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def signed(tmp_path_factory, raw_mp4, auth) -> Path:
    return _sign(raw_mp4, tmp_path_factory.mktemp("signed") / "video_a.mp4", auth, "video_a")


# --------------------------------------------------------------------------------------------
# 1. round trip, judged by our helper and by the SDK directly


def test_signed_video_reads_trusted_with_everything_round_tripped(signed, auth):
    rep = read_manifest(signed, auth.trust_anchors)
    assert rep.state == "trusted", rep.reasons
    assert rep.reasons == []
    assert rep.generator["name"] == "tenku" and rep.generator["version"] == "0.1.0"
    assert rep.generator["backend"] == "sim" and rep.generator["model"] == "tenku-sim"
    assert rep.digital_source_type == TRAINED
    assert [a["action"] for a in rep.actions] == ["c2pa.created"]
    assert rep.actions[0]["softwareAgent"]["name"] == "tenku"
    assert rep.tenku == {
        "video_id": "video_a",
        "backend": "sim",
        "model": "tenku-sim",
        "world_script_sha256": "ab" * 32,
        "watermark_payload": "0badc0ffee",
    }
    assert rep.soft_binding == {
        "alg": "io.tenku.watermark.v1",
        "blocks": [{"scope": {}, "value": "C63A/+4="}],  # base64 of 0x0badc0ffee
    }
    assert rep.signer["common_name"].startswith("tenku signer")
    assert rep.format == "video/mp4" and rep.title == "video_a.mp4"
    assert json.loads(rep.to_json())["state"] == "trusted"


def test_sdk_reader_alone_says_trusted(signed, auth):
    # Independent of read_manifest: the SDK, trusting exactly our CA, offline.
    state, active = sdk_read(signed, auth.trust_anchors.decode())
    assert state == "Trusted"
    labels = [a["label"] for a in active["assertions"]]
    assert "io.tenku.generation" in labels and "c2pa.actions.v2" in labels


def test_signed_file_is_still_a_playable_faststart_mp4(signed, raw_mp4):
    data = signed.read_bytes()
    types = [t for t, *_ in _boxes(data)]
    assert types[0] == b"ftyp" and b"uuid" in types
    assert types.index(b"moov") < types.index(b"mdat")  # faststart kept
    import av

    with av.open(str(signed)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 24


def test_sign_in_place_leaves_no_temp_files(tmp_path, raw_mp4, auth):
    p = tmp_path / "v.mp4"
    p.write_bytes(raw_mp4.read_bytes())
    _sign(p, p, auth, "video_inplace")
    assert read_manifest(p, auth.trust_anchors).state == "trusted"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["v.mp4"]


def test_sign_refuses_non_mp4_and_keeps_dst(tmp_path, auth):
    txt = tmp_path / "a.mp4"  # the name lies; the content decides
    txt.write_text("not a video")
    dst = tmp_path / "out.mp4"
    dst.write_bytes(b"previous")
    with pytest.raises(ValueError, match="MP4/MOV"):
        _sign(txt, dst, auth, "video_x")
    assert dst.read_bytes() == b"previous"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.mp4", "out.mp4"]


# --------------------------------------------------------------------------------------------
# 2. tampering


def test_flipped_media_byte_is_invalid_with_hash_mismatch(tmp_path, signed, auth):
    data = bytearray(signed.read_bytes())
    _, off, hdr, size = next(b for b in _boxes(bytes(data)) if b[0] == b"mdat")
    data[off + hdr + (size - hdr) // 2] ^= 0x01
    bad = tmp_path / "flipped.mp4"
    bad.write_bytes(bytes(data))
    rep = read_manifest(bad, auth.trust_anchors)
    assert rep.state == "invalid"
    assert any(r.startswith("assertion.bmffHash.mismatch") for r in rep.reasons), rep.reasons
    assert any("modified after signing" in r for r in rep.reasons)
    assert rep.tenku["video_id"] == "video_a"  # the claim is still shown, flagged invalid


# --------------------------------------------------------------------------------------------
# 3. remix provenance


def test_remix_embeds_parent_manifest_as_ingredient(tmp_path, raw_mp4, signed, auth):
    child = _sign(
        raw_mp4,
        tmp_path / "video_b.mp4",
        auth,
        "video_b",
        parent=signed,
        parent_info={"title": "the parent", "video_id": "video_a"},
        assertion={"parent_video_id": "video_a"},
    )
    rep = read_manifest(child, auth.trust_anchors)
    assert rep.state == "trusted", rep.reasons
    assert [a["action"] for a in rep.actions] == ["c2pa.opened", "c2pa.edited"]
    assert rep.actions[1]["digitalSourceType"] == TRAINED
    (ing,) = rep.ingredients
    assert ing["relationship"] == "parentOf"
    assert ing["has_manifest"] is True
    assert ing["tenku"]["video_id"] == "video_a"  # read from the parent's own manifest
    assert ing["video_id"] == "video_a"
    assert ing["recorded_failures"] == []  # parent was trusted when the child was signed


def test_remix_of_expired_parent_records_metadata_only(tmp_path, raw_mp4, auth):
    child = _sign(
        raw_mp4,
        tmp_path / "video_c.mp4",
        auth,
        "video_c",
        parent=tmp_path / "gone.mp4",  # file expired: not there any more
        parent_info={"title": "a lost parent", "video_id": "video_gone"},
    )
    rep = read_manifest(child, auth.trust_anchors)
    assert rep.state == "trusted", rep.reasons
    (ing,) = rep.ingredients
    assert ing["relationship"] == "parentOf" and ing["has_manifest"] is False
    assert ing["title"] == "a lost parent" and ing["video_id"] == "video_gone"
    assert rep.actions[0]["action"] == "c2pa.opened"


# --------------------------------------------------------------------------------------------
# 4. another server's CA


def test_video_from_another_ca_is_valid_but_untrusted(tmp_path, raw_mp4, auth):
    other = load_authority(tmp_path / "other-server")
    assert other.issuer_fingerprint != auth.issuer_fingerprint
    v = _sign(raw_mp4, tmp_path / "foreign.mp4", other, "video_f")
    rep = read_manifest(v, auth.trust_anchors)
    assert rep.state == "valid"
    assert "signing certificate is not trusted by this server" in rep.reasons
    assert any(r.startswith("signingCredential.untrusted") for r in rep.reasons)
    assert rep.tenku["video_id"] == "video_f"
    # ... and trusted by anyone who adds that CA to their anchors
    assert read_manifest(v, auth.trust_anchors + other.root_pem).state == "trusted"


def test_trust_folder_adds_anchors(tmp_path, raw_mp4):
    mine = tmp_path / "mine"
    theirs = load_authority(tmp_path / "theirs")
    v = _sign(raw_mp4, tmp_path / "theirs.mp4", theirs, "video_t")
    a = load_authority(mine)
    assert read_manifest(v, a.trust_anchors).state == "valid"
    (mine / "provenance" / "trust").mkdir()
    (mine / "provenance" / "trust" / "theirs.pem").write_bytes(theirs.root_pem)
    (mine / "provenance" / "trust" / "junk.pem").write_text("not a cert")  # skipped, logged
    a2 = load_authority(mine)  # the cache notices the new files
    assert a2.trust_anchors != a.trust_anchors
    assert read_manifest(v, a2.trust_anchors).state == "trusted"


# --------------------------------------------------------------------------------------------
# 5. the store on disk


def test_key_permissions_and_reuse(tmp_path):
    a = load_authority(tmp_path)
    prov = tmp_path / "provenance"
    assert stat.S_IMODE(prov.stat().st_mode) == 0o700
    for name in ("ca.key", "signer.key"):
        assert stat.S_IMODE((prov / name).stat().st_mode) == 0o600
    assert a.own and a.alg == "es256"
    ca = x509.load_pem_x509_certificate((prov / "ca.pem").read_bytes())
    assert "tenku provenance CA (" in ca.subject.rfc4514_string()
    assert (
        a.issuer_fingerprint == hashlib.sha256(ca.public_bytes(serialization.Encoding.DER)).digest()
    )
    assert ca.not_valid_after_utc - ca.not_valid_before_utc > dt.timedelta(days=365 * 19)

    from tenku.provenance import authority as authority_mod

    authority_mod._clear_cache()  # a fresh process would read the files again
    b = load_authority(tmp_path)
    assert b == a
    assert load_authority(tmp_path) is b  # cached


def _race(data_dir: str, barrier, queue) -> None:
    barrier.wait()
    a = load_authority(Path(data_dir))
    queue.put((a.root_pem, a.cert_chain, a.private_key))


def test_concurrent_first_use_makes_one_ca(tmp_path):
    ctx = multiprocessing.get_context("fork")
    n = 4
    barrier, queue = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_race, args=(str(tmp_path), barrier, queue)) for _ in range(n)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=30) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    assert len(set(results)) == 1
    prov = tmp_path / "provenance"
    assert results[0][0] == (prov / "ca.pem").read_bytes()
    assert not [x for x in prov.iterdir() if x.name.endswith(".tmp")]


# --------------------------------------------------------------------------------------------
# 6. operator-supplied certificate


def _operator_pki(tmp_path: Path, *, days: int = 365) -> tuple[Path, Path, Path]:
    now = dt.datetime.now(dt.UTC)
    root_key = ec.generate_private_key(ec.SECP384R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Corp Root")])
    ski = x509.SubjectKeyIdentifier.from_public_key(root_key.public_key())
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(root_key, hashes.SHA384())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Corp Newsroom Signer")])
        )
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(root_key, hashes.SHA384())
    )
    pem = serialization.Encoding.PEM
    chain = tmp_path / "chain.pem"
    chain.write_bytes(leaf.public_bytes(pem) + root.public_bytes(pem))
    keyf = tmp_path / "signer.key"
    keyf.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    other_key = tmp_path / "other.key"
    other_key.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return chain, keyf, other_key


def test_operator_certificate_is_used(tmp_path, raw_mp4):
    chain, keyf, _ = _operator_pki(tmp_path)
    data = tmp_path / "data"
    own = load_authority(data)  # an earlier own CA keeps being trusted after the switch
    op = load_authority(data, cert=chain, key=keyf)
    assert not op.own and op.alg == "es256"
    root_pem = x509.load_pem_x509_certificates(chain.read_bytes())[-1].public_bytes(
        serialization.Encoding.PEM
    )
    assert op.root_pem == root_pem and root_pem in op.trust_anchors
    assert own.root_pem in op.trust_anchors
    assert len(x509.load_pem_x509_certificates(op.cert_chain)) == 1  # root not embedded
    v = _sign(raw_mp4, tmp_path / "op.mp4", op, "video_op")
    rep = read_manifest(v, op.trust_anchors)
    assert rep.state == "trusted", rep.reasons
    assert rep.signer["common_name"] == "Example Corp Newsroom Signer"
    assert read_manifest(v, own.trust_anchors).state == "valid"


def test_operator_certificate_errors_say_what_to_fix(tmp_path):
    chain, keyf, other_key = _operator_pki(tmp_path)
    data = tmp_path / "data"
    with pytest.raises(ValueError, match="does not match the certificate"):
        load_authority(data, cert=chain, key=other_key)
    with pytest.raises(ValueError, match="cannot be read"):
        load_authority(data, cert=tmp_path / "missing.pem", key=keyf)
    notpem = tmp_path / "notpem.pem"
    notpem.write_text("hello")
    with pytest.raises(ValueError, match="not a PEM certificate"):
        load_authority(data, cert=notpem, key=keyf)
    with pytest.raises(ValueError, match="not a PEM private key"):
        load_authority(data, cert=chain, key=notpem)
    with pytest.raises(ValueError, match="both"):
        load_authority(data, cert=chain)
    (tmp_path / "old").mkdir()
    old_chain, old_key, _ = _operator_pki(tmp_path / "old", days=-1)  # expired yesterday
    with pytest.raises(ValueError, match="expired"):
        load_authority(data, cert=old_chain, key=old_key)


# --------------------------------------------------------------------------------------------
# 7. bad input never crashes the reader


def _webm(path: Path) -> Path:
    import av

    with av.open(str(path), "w", format="webm") as c:
        s = c.add_stream("libvpx-vp9", rate=24)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(
                np.full((48, 64, 3), i * 40, np.uint8), format="rgb24"
            )
            for pkt in s.encode(frame):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    return path


def test_bad_inputs_give_reports(tmp_path, signed, auth):
    from PIL import Image

    text = tmp_path / "notes.mp4"
    text.write_text("just some text\n" * 20)
    png = tmp_path / "pic.png"
    Image.new("RGB", (8, 8), (200, 10, 10)).save(png)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    data = signed.read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    no_manifest_truncated = tmp_path / "raw_truncated.mp4"
    webm = _webm(tmp_path / "clip.webm")
    webm_named_mp4 = tmp_path / "clip.mp4"
    webm_named_mp4.write_bytes(webm.read_bytes())

    cases = {
        text: ("absent", "not a media format"),
        png: ("absent", "no C2PA manifest in this PNG image"),
        empty: ("absent", "empty file"),
        truncated: ("invalid", "truncated"),
        webm: ("absent", "WebM/Matroska cannot carry a C2PA manifest"),
        webm_named_mp4: ("absent", "WebM/Matroska cannot carry a C2PA manifest"),
    }
    _make_mp4(tmp_path / "raw.mp4")
    raw = (tmp_path / "raw.mp4").read_bytes()
    no_manifest_truncated.write_bytes(raw[: len(raw) // 2])
    cases[no_manifest_truncated] = ("absent", "truncated")
    for path, (state, needle) in cases.items():
        rep = read_manifest(path, auth.trust_anchors)
        assert rep.state == state, (path.name, rep)
        assert rep.reasons and any(needle in r for r in rep.reasons), (path.name, rep.reasons)
        json.loads(rep.to_json())

    # No file to describe: a ValueError (documented), never anything else.
    with pytest.raises(ValueError, match="No such file"):
        read_manifest(tmp_path / "nope.mp4", auth.trust_anchors)
    with pytest.raises(ValueError, match="not a regular file"):
        read_manifest(tmp_path, auth.trust_anchors)


def test_files_above_the_size_limit_are_not_hashed(tmp_path, signed, raw_mp4, auth, monkeypatch):
    monkeypatch.setattr(manifest_mod, "MAX_VERIFY_BYTES", 1000)
    rep = read_manifest(signed, auth.trust_anchors)
    assert rep.state == "invalid" and "not checked" in rep.reasons[0]
    rep = read_manifest(raw_mp4, auth.trust_anchors)
    assert rep.state == "absent"


def test_no_trust_anchors_means_nothing_is_trusted(signed):
    rep = read_manifest(signed, b"")
    assert rep.state == "valid"
    assert rep.reasons == ["signing certificate is not trusted by this server"]


def _read_in_child(path: str, anchors: bytes, queue) -> None:
    queue.put(read_manifest(Path(path), anchors).state)


def test_cached_contexts_survive_fork(signed, auth):
    # The parent has cached c2pa Contexts by now; a forked worker must not reuse their
    # native handles (c2pa raises "Context is closed" there) but build its own.
    assert read_manifest(signed, auth.trust_anchors).state == "trusted"
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    p = ctx.Process(target=_read_in_child, args=(str(signed), auth.trust_anchors, queue))
    p.start()
    assert queue.get(timeout=30) == "trusted"
    p.join(timeout=30)
    assert read_manifest(signed, auth.trust_anchors.decode()).state == "trusted"  # str accepted


def test_reads_do_not_depend_on_extension(tmp_path, signed, auth):
    renamed = tmp_path / "video.bin"
    renamed.write_bytes(signed.read_bytes())
    assert read_manifest(renamed, auth.trust_anchors).state == "trusted"
    assert os.path.getsize(renamed) == os.path.getsize(signed)
