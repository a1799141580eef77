"""The signing identity behind tenku's C2PA manifests.

Every MP4 tenku makes is signed (see :mod:`tenku.provenance.manifest`), so a server needs a
certificate and key from its very first generation, without asking the operator for anything
and without a network (no public CA, no timestamp authority). By default tenku therefore makes
its own small PKI on first use, under ``DATA/provenance/``:

* ``ca.pem`` / ``ca.key``: a self-made root CA (EC P-256, ~20 years). It never signs media; it
  is the *trust anchor* a verifier adds to say "I trust videos from this server".
* ``signer.pem`` / ``signer.key``: the end-entity certificate that signs manifests, issued by
  that CA with the profile c2pa-rs insists on (see :func:`_signer_extensions`).
* ``trust/*.pem``: optional extra roots the operator trusts (other tenku servers, a company CA).

An operator with a real certificate (e.g. a document-signing or S/MIME certificate from a
public CA) passes ``cert=``/``key=`` instead; it is checked here, up front, so a bad file fails
with a message that says what to change rather than as an opaque signing error later.

Why the signer lives as long as the CA: offline signing has no RFC 3161 timestamp, and without
one c2pa-rs checks the signing certificate's validity at *reading* time. A short-lived signer
would turn every video signed with it "invalid" (``signingCredential.expired``) the day it
expires, so tenku's own signer gets (almost) the CA's lifetime.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

try:  # POSIX advisory locks make first-use creation safe across processes
    import fcntl
except ImportError:  # pragma: no cover - tenku targets Linux; see _creation_lock
    fcntl = None  # type: ignore[assignment]

__all__ = ["C2PA_SIGNING_EKUS", "Authority", "load_authority"]

log = logging.getLogger(__name__)

PROVENANCE_DIR = "provenance"
TRUST_DIR = "trust"
CA_CERT, CA_KEY = "ca.pem", "ca.key"
SIGNER_CERT, SIGNER_KEY = "signer.pem", "signer.key"

CA_LIFETIME = _dt.timedelta(days=365 * 20 + 5)
# Slightly shorter than the CA so the signer never outlives its issuer.
SIGNER_LIFETIME = CA_LIFETIME - _dt.timedelta(days=1)
# Back-date certificates a little: a verifier whose clock is a few minutes behind ours would
# otherwise see a "not yet valid" signer on a video made a second ago.
_CLOCK_SKEW = _dt.timedelta(hours=1)

_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning (RFC 9336)
#: EKUs c2pa-rs accepts on a signing certificate (its ``valid_eku_oids.cfg``), minus the two
#: (timeStamping, OCSPSigning) that are for timestamp / OCSP responders, not content signers.
C2PA_SIGNING_EKUS = {
    ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string: "emailProtection",
    _DOCUMENT_SIGNING.dotted_string: "documentSigning",
    "1.3.6.1.4.1.311.76.59.1.9": "Microsoft C2PA signing",
}


@dataclass(frozen=True)
class Authority:
    """Everything needed to sign manifests and to judge them.

    ``cert_chain`` is what goes into each manifest (PEM, leaf first, intermediates after; a
    self-signed root is left out because verifiers must already hold it as a trust anchor).
    ``trust_anchors`` is the PEM of every root this server trusts when *reading*: its own CA,
    an operator's root, and ``DATA/provenance/trust/*.pem``. ``root_pem`` is the root that
    issued ``cert_chain`` (tenku's CA, or the last certificate of an operator's chain).
    """

    cert_chain: bytes
    private_key: bytes
    alg: str
    trust_anchors: bytes
    own: bool
    root_pem: bytes = b""

    @property
    def issuer_fingerprint(self) -> bytes:
        """SHA-256 of the issuing root certificate's DER encoding.

        Stable for the life of the CA (unlike the signer, which can be re-issued), so the
        invisible watermark can carry an issuer tag derived from it and a watermark found in
        a re-encoded copy still points at the server that made the video.
        """
        pem = self.root_pem or self.cert_chain
        certs = x509.load_pem_x509_certificates(pem)
        return hashlib.sha256(certs[-1].public_bytes(serialization.Encoding.DER)).digest()

    def __repr__(self) -> str:  # never put key material in logs or tracebacks
        return f"Authority(alg={self.alg!r}, own={self.own}, issuer={self.issuer_fingerprint.hex()[:16]})"


# --------------------------------------------------------------------------------------------
# in-process cache: load_authority runs on every generation


_cache: dict[tuple, tuple[tuple, Authority]] = {}
_cache_lock = threading.Lock()


def _stamp(paths: list[Path]) -> tuple:
    """A cheap fingerprint of files' (mtime, size, inode), so the cache notices replaced files
    (a renewed signer, a new trust/*.pem) without reading or parsing them again."""
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append((str(p), st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            out.append((str(p), None))
    return tuple(out)


def _watched(prov: Path, cert: Path | None, key: Path | None) -> list[Path]:
    files = [prov / CA_CERT, prov / SIGNER_CERT, prov / SIGNER_KEY, prov / TRUST_DIR]
    try:
        files += sorted((prov / TRUST_DIR).glob("*.pem"))
    except OSError:
        pass
    if cert is not None:
        files += [cert, key] if key is not None else [cert]
    return files


def load_authority(
    data_dir: Path, *, cert: Path | None = None, key: Path | None = None
) -> Authority:
    """Return the signing identity for ``data_dir``, creating tenku's own CA on first use.

    With ``cert`` and ``key`` (PEM chain leaf first, PEM private key) the operator's
    certificate is used instead; both must be given. Raises :class:`ValueError` with a message
    naming the file and the fix when they are missing, not PEM, mismatched, expired or not
    usable for C2PA signing.

    Results are cached per ``(data_dir, cert, key)`` in this process and re-read only when one
    of the files changes, because this is called for every video.
    """
    if (cert is None) != (key is None):
        raise ValueError(
            "an operator signing identity needs both a certificate chain and its private key: "
            f"got cert={cert!s} key={key!s}; pass both (PEM files) or neither to use tenku's own CA"
        )
    data_dir = Path(data_dir).expanduser().absolute()
    cert = Path(cert).expanduser().absolute() if cert is not None else None
    key = Path(key).expanduser().absolute() if key is not None else None
    prov = data_dir / PROVENANCE_DIR
    ident = (str(data_dir), str(cert), str(key))

    stamp = _stamp(_watched(prov, cert, key))
    with _cache_lock:
        hit = _cache.get(ident)
    if hit is not None and hit[0] == stamp:
        return hit[1]

    if cert is not None and key is not None:
        auth = _load_operator(prov, cert, key)
    else:
        auth = _load_own(prov)
    stamp = _stamp(_watched(prov, cert, key))  # files may have just been created
    with _cache_lock:
        _cache[ident] = (stamp, auth)
    return auth


def _clear_cache() -> None:
    """For tests."""
    with _cache_lock:
        _cache.clear()


# --------------------------------------------------------------------------------------------
# tenku's own CA


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def _load_own(prov: Path) -> Authority:
    try:
        return _read_own(prov)
    except FileNotFoundError:
        pass
    except _Stale:
        pass
    # Missing, half-made or expired: make (or finish) it under an exclusive lock so two
    # processes starting together agree on one CA. Re-check inside: the other may have won.
    _make_private_dir(prov)
    with _creation_lock(prov):
        try:
            return _read_own(prov)
        except (FileNotFoundError, _Stale):
            _create_own(prov)
        return _read_own(prov)


class _Stale(Exception):
    """The signer on disk must be (re-)issued: expired, or its key does not match."""


def _read_own(prov: Path) -> Authority:
    ca_pem = (prov / CA_CERT).read_bytes()
    signer_pem = (prov / SIGNER_CERT).read_bytes()
    key_pem = (prov / SIGNER_KEY).read_bytes()
    try:
        ca = x509.load_pem_x509_certificate(ca_pem)
        leaf = x509.load_pem_x509_certificate(signer_pem)
        key = serialization.load_pem_private_key(key_pem, password=None)
    except ValueError as e:
        raise ValueError(
            f"{prov}: tenku's provenance files are corrupt ({e}); move the folder aside to make a "
            "new CA (videos signed by the old one will then read as untrusted unless its ca.pem "
            "is copied into provenance/trust/)"
        ) from e
    if _public_bytes(key.public_key()) != _public_bytes(leaf.public_key()):
        # A re-issue by another process is in flight (key renamed in, cert not yet): retry
        # under the lock.
        raise _Stale()
    now = _now()
    if leaf.not_valid_after_utc <= now + _dt.timedelta(days=1):
        raise _Stale()
    if ca.not_valid_after_utc <= now:
        raise ValueError(
            f"{prov / CA_CERT}: tenku's own CA expired on {ca.not_valid_after_utc:%Y-%m-%d}; move "
            f"{prov} aside to make a new one"
        )
    return Authority(
        cert_chain=signer_pem,
        private_key=key_pem,
        alg="es256",
        trust_anchors=_join_pems([ca_pem, *_extra_anchors(prov)]),
        own=True,
        root_pem=ca_pem,
    )


def _create_own(prov: Path) -> None:
    """Write whatever of CA + signer is missing. Each file appears atomically (temp + rename),
    keys are 0600 from their first byte, and the signer cert is written last, so a reader that
    finds ``signer.pem`` also finds everything it needs."""
    host = socket.gethostname() or "localhost"
    ca_cert_path, ca_key_path = prov / CA_CERT, prov / CA_KEY
    if ca_cert_path.exists():
        if not ca_key_path.exists():
            raise ValueError(
                f"{prov}: the signer certificate is missing or expired and {CA_KEY} is not there to "
                f"issue a new one; restore {ca_key_path} (mode 0600), or pass an operator cert/key"
            )
        ca = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = _make_ca(ca_key, host)
        _write_atomic(ca_key_path, _private_pem(ca_key), private=True)
        _write_atomic(ca_cert_path, ca.public_bytes(serialization.Encoding.PEM), private=False)

    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = _make_signer(signer_key, ca, ca_key, host)
    old = prov / SIGNER_CERT
    if old.exists():  # keep the expired one for the record
        with contextlib.suppress(OSError):
            os.replace(old, prov / f"signer-{_now():%Y%m%dT%H%M%S}.pem.old")
    _write_atomic(prov / SIGNER_KEY, _private_pem(signer_key), private=True)
    _write_atomic(
        prov / SIGNER_CERT, signer.public_bytes(serialization.Encoding.PEM), private=False
    )


def _make_ca(key: ec.EllipticCurvePrivateKey, host: str) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"tenku provenance CA ({host})"[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tenku"),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _CLOCK_SKEW)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )


def _signer_extensions(
    builder: x509.CertificateBuilder, pub, ca: x509.Certificate
) -> x509.CertificateBuilder:
    """The end-entity profile c2pa-rs checks (``check_certificate_profile``): v3, not a CA,
    keyUsage digitalSignature (and not keyCertSign), an allowed EKU (emailProtection /
    documentSigning; never anyExtendedKeyUsage), an authority key identifier, and no critical
    extension it does not understand. Missing any of these makes signing itself fail with
    "the certificate is invalid"."""
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, _DOCUMENT_SIGNING]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
    )


def _make_signer(key, ca: x509.Certificate, ca_key, host: str) -> x509.Certificate:
    now = _now()
    end = min(now + SIGNER_LIFETIME, ca.not_valid_after_utc)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"tenku signer ({host})"[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tenku"),
        ]
    )
    b = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(max(now - _CLOCK_SKEW, ca.not_valid_before_utc))
        .not_valid_after(end)
    )
    return _signer_extensions(b, key.public_key(), ca).sign(ca_key, hashes.SHA256())


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _private_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _make_private_dir(prov: Path) -> None:
    """Create ``DATA/provenance`` as 0700 (it holds private keys). An existing folder made by
    someone else is tightened too, since the keys are about to be written into it."""
    prov.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(prov, 0o700)


def _write_atomic(path: Path, data: bytes, *, private: bool) -> None:
    """Write via a uniquely named temp file created with O_EXCL (0600 for keys from the moment
    it exists, so no window where another user can read a key), fsync, then rename: readers see
    either no file or the whole file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    mode = 0o600 if private else 0o644
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), mode)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)  # umask may have removed bits; never add any for keys
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _creation_lock(prov: Path):
    """Exclusive lock on ``DATA/provenance/.lock`` (flock: released by the kernel if the holder
    dies, so a crash never leaves the store locked)."""
    fd = os.open(prov / ".lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing drops the flock


# --------------------------------------------------------------------------------------------
# trust anchors


def _extra_anchors(prov: Path) -> list[bytes]:
    """``DATA/provenance/trust/*.pem``: roots of other issuers the operator chose to trust.
    A file that is not a PEM certificate is skipped with a warning rather than failing every
    generation."""
    out = []
    tdir = prov / TRUST_DIR
    try:
        files = sorted(tdir.glob("*.pem"))
    except OSError:
        return out
    for f in files:
        try:
            data = f.read_bytes()
            certs = x509.load_pem_x509_certificates(data)
        except (OSError, ValueError) as e:
            log.warning("ignoring trust anchor %s: not a readable PEM certificate (%s)", f, e)
            continue
        out += [c.public_bytes(serialization.Encoding.PEM) for c in certs]
    return out


def _join_pems(pems: list[bytes]) -> bytes:
    """Concatenate PEM certificates, dropping duplicates (same DER)."""
    seen, out = set(), []
    for pem in pems:
        for c in x509.load_pem_x509_certificates(pem):
            der = c.public_bytes(serialization.Encoding.DER)
            if der not in seen:
                seen.add(der)
                out.append(c.public_bytes(serialization.Encoding.PEM))
    return b"".join(out)


# --------------------------------------------------------------------------------------------
# operator-supplied certificate


def _public_bytes(pub) -> bytes:
    return pub.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _is_self_signed(c: x509.Certificate) -> bool:
    if c.issuer != c.subject:
        return False
    try:
        c.verify_directly_issued_by(c)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _alg_for(key, where: Path) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        algs = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
        if key.curve.name not in algs:
            raise ValueError(
                f"{where}: EC curve {key.curve.name} cannot sign C2PA manifests; use P-256, P-384 or P-521"
            )
        return algs[key.curve.name]
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            raise ValueError(f"{where}: RSA key is {key.key_size} bits; C2PA needs at least 2048")
        return "ps256"
    raise ValueError(
        f"{where}: {type(key).__name__} keys cannot sign C2PA manifests; use EC P-256/P-384, Ed25519 or RSA"
    )


def _read_file(path: Path, what: str) -> bytes:
    try:
        if not path.is_file():
            raise FileNotFoundError(path)
        return path.read_bytes()
    except OSError as e:
        raise ValueError(
            f"{what} {path} cannot be read ({e.strerror or 'no such file'}); check the path"
        ) from e


def _load_operator(prov: Path, cert_path: Path, key_path: Path) -> Authority:
    cert_pem = _read_file(cert_path, "signing certificate")
    key_pem = _read_file(key_path, "signing key")
    try:
        chain = x509.load_pem_x509_certificates(cert_pem)
    except ValueError as e:
        raise ValueError(
            f"signing certificate {cert_path} is not a PEM certificate chain ({e}); it must hold "
            "'-----BEGIN CERTIFICATE-----' blocks, the signing certificate first, then its issuers"
        ) from e
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except TypeError as e:  # encrypted
        raise ValueError(
            f"signing key {key_path} is password-protected; tenku needs an unencrypted PEM key "
            "(e.g. `openssl pkey -in KEY -out KEY.plain`) kept with mode 0600"
        ) from e
    except (ValueError, UnsupportedAlgorithm) as e:
        raise ValueError(
            f"signing key {key_path} is not a PEM private key ({e}); it must hold a "
            "'-----BEGIN PRIVATE KEY-----' (or EC/RSA PRIVATE KEY) block"
        ) from e
    leaf = chain[0]
    if _public_bytes(key.public_key()) != _public_bytes(leaf.public_key()):
        raise ValueError(
            f"signing key {key_path} does not match the certificate in {cert_path} (the first "
            "certificate must be the one issued for this key); pass the matching key, or put the "
            "signing certificate first in the chain file"
        )
    alg = _alg_for(key, key_path)
    now = _now()
    for i, c in enumerate(chain):
        which = "signing certificate" if i == 0 else f"certificate #{i + 1} of the chain"
        if c.not_valid_after_utc <= now:
            raise ValueError(
                f"{cert_path}: the {which} ({c.subject.rfc4514_string()}) expired on "
                f"{c.not_valid_after_utc:%Y-%m-%d}; renew it"
            )
        if c.not_valid_before_utc > now:
            raise ValueError(
                f"{cert_path}: the {which} ({c.subject.rfc4514_string()}) is not valid before "
                f"{c.not_valid_before_utc:%Y-%m-%d %H:%M} UTC; check the clock or the certificate"
            )
    for i in range(len(chain) - 1):
        try:
            chain[i].verify_directly_issued_by(chain[i + 1])
        except (ValueError, TypeError, InvalidSignature) as e:
            raise ValueError(
                f"{cert_path}: certificate #{i + 1} ({chain[i].subject.rfc4514_string()}) is not issued "
                f"by certificate #{i + 2} ({chain[i + 1].subject.rfc4514_string()}); order the chain "
                "leaf first, then each issuer"
            ) from e
    _check_c2pa_profile(leaf, cert_path)

    root = chain[-1]
    embed = chain[:-1] if len(chain) > 1 and _is_self_signed(root) else chain
    anchors = [root.public_bytes(serialization.Encoding.PEM)]
    own_ca = prov / CA_CERT
    if own_ca.is_file():  # keep vouching for videos this server signed before the switch
        with contextlib.suppress(OSError):
            anchors.append(own_ca.read_bytes())
    anchors += _extra_anchors(prov)
    return Authority(
        cert_chain=b"".join(c.public_bytes(serialization.Encoding.PEM) for c in embed),
        private_key=key_pem,
        alg=alg,
        trust_anchors=_join_pems(anchors),
        own=False,
        root_pem=root.public_bytes(serialization.Encoding.PEM),
    )


def _check_c2pa_profile(leaf: x509.Certificate, where: Path) -> None:
    """Reject, with a useful message, certificates c2pa-rs would refuse at signing time with
    only "the certificate is invalid"."""
    try:
        bc = leaf.extensions.get_extension_for_class(x509.BasicConstraints).value
        if bc.ca:
            raise ValueError(
                f"{where}: the signing certificate is a CA certificate; C2PA needs an end-entity "
                "certificate issued by your CA (basicConstraints CA:FALSE)"
            )
    except x509.ExtensionNotFound:
        pass
    try:
        ku = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        if not ku.digital_signature:
            raise ValueError(
                f"{where}: the signing certificate lacks the digitalSignature key usage"
            )
    except x509.ExtensionNotFound:
        raise ValueError(
            f"{where}: the signing certificate has no keyUsage extension (needs digitalSignature)"
        ) from None
    try:
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = None
    wanted = ", ".join(f"{n} ({o})" for o, n in C2PA_SIGNING_EKUS.items())
    if eku is None or not any(o.dotted_string in C2PA_SIGNING_EKUS for o in eku):
        raise ValueError(
            f"{where}: the signing certificate has no extended key usage C2PA accepts; it needs one of {wanted}"
        )
    if any(o == ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE for o in eku):
        raise ValueError(f"{where}: C2PA refuses certificates with anyExtendedKeyUsage; remove it")
    try:
        leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except x509.ExtensionNotFound:
        raise ValueError(
            f"{where}: the signing certificate has no authorityKeyIdentifier extension, which C2PA requires"
        ) from None
