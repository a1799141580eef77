"""Checking what users upload before anything is stored: reference images (``input_reference``
as a file part, a data URL or an http(s) URL) and character videos. Every refusal says what
to send instead."""

from __future__ import annotations

import base64
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tenku.platform.errors import InvalidRequest, TooLarge

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 4096 * 4096
MAX_VIDEO_BYTES = 200 * 1024 * 1024
MAX_VIDEO_SECONDS = 60.0


@dataclass(frozen=True)
class Upload:
    data: bytes
    content_type: str
    suffix: str


def check_image(data: bytes, size: str, param: str = "input_reference") -> Upload:
    """A PNG, JPEG or WebP whose pixel size equals the video's ``size``."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise InvalidRequest(f"'{param}' is empty: upload a PNG, JPEG or WebP image.",
                             param=param, code="invalid_image")
    if len(data) > MAX_IMAGE_BYTES:
        raise TooLarge(f"'{param}' is {len(data) / 1e6:.1f} MB; the limit is "
                       f"{MAX_IMAGE_BYTES // (1024 * 1024)} MB.", param=param,
                       code="image_too_large")
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt, (w, h) = img.format, img.size
            if w * h > MAX_IMAGE_PIXELS:
                raise InvalidRequest(f"'{param}' is {w}x{h} pixels; the video is {size}.",
                                     param=param, code="invalid_image_size")
            img.verify()
    except InvalidRequest:
        raise
    except UnidentifiedImageError:
        raise InvalidRequest(f"'{param}' is not an image tenku can read; upload a PNG, JPEG "
                             "or WebP.", param=param, code="invalid_image") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise InvalidRequest(f"'{param}' is a damaged image ({err}); upload a PNG, JPEG or "
                             "WebP.", param=param, code="invalid_image") from None
    if fmt not in IMAGE_TYPES:
        raise InvalidRequest(f"'{param}' is a {fmt} image; use PNG, JPEG or WebP.",
                             param=param, code="invalid_image_format")
    if f"{w}x{h}" != size:
        raise InvalidRequest(f"'{param}' is {w}x{h} pixels but the video's size is {size}: "
                             f"resize the image to {size} or ask for size={w}x{h}.",
                             param=param, code="invalid_image_size")
    return Upload(data, IMAGE_TYPES[fmt], "." + fmt.lower().replace("jpeg", "jpg"))


def read_image_url(url: str, param: str = "input_reference[image_url]", *,
                   allow_private: bool = False) -> bytes:
    """The bytes behind a ``data:image/...;base64,`` URL or an http(s) URL (10 s, 20 MB).

    Unless the operator allows it (``TENKU_FETCH_PRIVATE_URLS``), the server only fetches
    from public addresses, checked again at every redirect, so a request cannot make it read
    its own loopback or the private network behind it."""
    if url.startswith("data:"):
        head, _, payload = url.partition(",")
        if ";base64" not in head:
            raise InvalidRequest(f"'{param}' data URLs must be base64 "
                                 "(data:image/png;base64,...).", param=param,
                                 code="invalid_image_url")
        try:
            return base64.b64decode(payload, validate=True)
        except ValueError:
            raise InvalidRequest(f"'{param}' is not valid base64.", param=param,
                                 code="invalid_image_url") from None
    if not url.startswith(("http://", "https://")):
        raise InvalidRequest(f"'{param}' must be an http(s) URL or a base64 data URL.",
                             param=param, code="invalid_image_url")
    import httpx

    try:
        for _hop in range(4):
            if not allow_private:
                _require_public(httpx.URL(url).host, param)
            with httpx.stream("GET", url, timeout=10.0) as r:
                if r.is_redirect and "location" in r.headers:
                    url = str(r.url.join(r.headers["location"]))
                    continue
                if r.status_code != 200:
                    raise InvalidRequest(f"fetching '{param}' gave HTTP {r.status_code}.",
                                         param=param, code="invalid_image_url")
                chunks, total = [], 0
                for chunk in r.iter_bytes():
                    total += len(chunk)
                    if total > MAX_IMAGE_BYTES:
                        raise TooLarge(f"the image at '{param}' is over "
                                       f"{MAX_IMAGE_BYTES // (1024 * 1024)} MB.", param=param,
                                       code="image_too_large")
                    chunks.append(chunk)
                return b"".join(chunks)
    except httpx.HTTPError as err:
        raise InvalidRequest(f"could not fetch '{param}': {err}", param=param,
                             code="invalid_image_url") from None
    raise InvalidRequest(f"'{param}' redirects more than 3 times.", param=param,
                         code="invalid_image_url")


def _require_public(host: str, param: str) -> None:
    import ipaddress
    import socket

    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError):
        raise InvalidRequest(f"'{param}': the host {host!r} does not resolve.", param=param,
                             code="invalid_image_url") from None
    if not all(ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses):
        raise InvalidRequest(f"'{param}' points at a private or local address; this server "
                             "only fetches images from public hosts (send the image itself, "
                             "or a data: URL).", param=param, code="invalid_image_url")


def check_video(data: bytes, param: str = "video") -> Upload:
    """A decodable video file of at most 60 s (MP4, MOV, WebM, ...)."""
    from tenku.media import MediaError, probe

    if not data:
        raise InvalidRequest(f"'{param}' is empty: upload a video file.", param=param,
                             code="invalid_video")
    if len(data) > MAX_VIDEO_BYTES:
        raise TooLarge(f"'{param}' is {len(data) / 1e6:.0f} MB; the limit is "
                       f"{MAX_VIDEO_BYTES // (1024 * 1024)} MB.", param=param,
                       code="video_too_large")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload"
        path.write_bytes(data)
        try:
            info = probe(path)
        except MediaError as err:
            raise InvalidRequest(f"'{param}' is not a readable video: "
                                 f"{str(err).replace(str(path), 'the upload')}", param=param,
                                 code="invalid_video") from None
    if info.duration > MAX_VIDEO_SECONDS:
        raise InvalidRequest(f"'{param}' is {info.duration:.0f} s long; use at most "
                             f"{MAX_VIDEO_SECONDS:g} s.", param=param, code="invalid_video")
    mp4 = info.video_codec and data[4:8] == b"ftyp"
    return Upload(data, "video/mp4" if mp4 else "application/octet-stream",
                  ".mp4" if mp4 else ".bin")
