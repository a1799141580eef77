"""The generator protocol: world script and options in; video, sidecar and events out.

Every backend (the CPU simulator "sim" today, diffusers video models on GPUs later) takes the
same script and reports progress the same way, so the CLI and the video service never need to
know which one runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from tenku.script import WorldScript

#: progress(stage, fraction) with stage in "plan", "simulate", "sound", "render", "encode".
ProgressFn = Callable[[str, float], None]

QUALITIES = ("draft", "standard", "high")


@dataclass
class GenerateOptions:
    quality: str = "standard"
    audio: bool = True  # False: a silent AAC track
    crf: int = 20
    thumbnail: bool = True
    spritesheet: bool = True
    #: ``stamp(frame, index) -> frame``, run on every frame before it is encoded (the visible
    #: and invisible marks of ``tenku.provenance``); previews are cut from stamped frames
    stamp: Callable[[np.ndarray, int], np.ndarray] | None = None
    #: the backdrop picture (``WorldScript.backdrop``'s file, found by the caller)
    backdrop: Path | None = None


@dataclass
class GenerateResult:
    """What a backend made. ``sidecar`` is the JSON written next to the video."""

    video: Path
    sidecar_path: Path
    sidecar: dict
    thumbnail: Path | None = None
    spritesheet: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)


class Generator(Protocol):
    name: str

    def generate(self, script: WorldScript, out: Path, *, options: GenerateOptions,
                 progress: ProgressFn | None = None, extra: dict | None = None
                 ) -> GenerateResult: ...
