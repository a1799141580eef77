"""Model names -> backend, quality preset, allowed sizes and durations, queue priority.

OpenAI's names keep OpenAI's limits so programs written for them behave the same; tenku's
own names open what the simulator can do beyond them (small preview sizes, any whole number
of seconds up to 20, draft quality). Pro models are scheduled ahead of standard ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenku.platform.errors import InvalidRequest
from tenku.script import MAX_SECONDS, parse_size

OPENAI_SIZES = ("720x1280", "1280x720", "1024x1792", "1792x1024")
PRO_SIZES = OPENAI_SIZES + ("1080x1920", "1920x1080")
OPENAI_SECONDS = ("4", "8", "12", "16", "20")


@dataclass(frozen=True)
class VideoModel:
    name: str
    backend: str
    quality: str
    sizes: tuple[str, ...] | None  # None: any size the backend accepts
    seconds: tuple[str, ...] | None  # None: whole seconds 1..20
    priority: int = 0
    default_size: str = "720x1280"


_SORA2 = dict(backend="sim", quality="standard", sizes=OPENAI_SIZES, seconds=OPENAI_SECONDS)
_SORA2_PRO = dict(backend="sim", quality="high", sizes=PRO_SIZES, seconds=OPENAI_SECONDS,
                  priority=10)
MODELS: dict[str, VideoModel] = {m.name: m for m in (
    VideoModel("sora-2", **_SORA2),
    VideoModel("sora-2-2025-10-06", **_SORA2),
    VideoModel("sora-2-2025-12-08", **_SORA2),
    VideoModel("sora-2-pro", **_SORA2_PRO),
    VideoModel("sora-2-pro-2025-10-06", **_SORA2_PRO),
    VideoModel("tenku-sim", "sim", "standard", None, None, default_size="1280x720"),
    VideoModel("tenku-sim-draft", "sim", "draft", None, None, default_size="1280x720"),
    VideoModel("tenku-sim-high", "sim", "high", None, None, priority=10,
               default_size="1280x720"),
)}
DEFAULT_MODEL = "sora-2"


def resolve(model: str | None) -> VideoModel:
    name = model or DEFAULT_MODEL
    if name not in MODELS:
        raise InvalidRequest(f"The model '{name}' does not exist. Models: "
                             f"{', '.join(MODELS)}.", param="model", code="model_not_found")
    return MODELS[name]


def check_size(m: VideoModel, size: str | None) -> str:
    size = size or m.default_size
    if m.sizes is not None and size not in m.sizes:
        more = " (1920x1080 and 1080x1920 need sora-2-pro)" if size in PRO_SIZES else ""
        raise InvalidRequest(f"Invalid size '{size}' for {m.name}: use one of "
                             f"{', '.join(m.sizes)}{more}.", param="size",
                             code="invalid_size")
    try:
        parse_size(size)
    except ValueError as err:
        raise InvalidRequest(f"Invalid size '{size}': {err}", param="size",
                             code="invalid_size") from None
    return size


def check_seconds(m: VideoModel, seconds, param: str = "seconds") -> str:
    """Seconds arrive as a string ("4"); a bare integer is accepted too (documented)."""
    if seconds is None or seconds == "":
        return "4"
    text = str(seconds).strip()
    if isinstance(seconds, bool) or not (text.isascii() and text.isdigit()):
        raise InvalidRequest(f"Invalid '{param}': expected a whole number of seconds as a "
                             f"string such as \"4\", got {seconds!r}.", param=param,
                             code="invalid_seconds")
    text = str(int(text))
    if m.seconds is not None and text not in m.seconds:
        raise InvalidRequest(f"Invalid '{param}' {text} for {m.name}: use one of "
                             f"{', '.join(m.seconds)}.", param=param, code="invalid_seconds")
    if not 1 <= int(text) <= MAX_SECONDS:
        raise InvalidRequest(f"Invalid '{param}' {text}: use 1 to {MAX_SECONDS:g}.",
                             param=param, code="invalid_seconds")
    return text
