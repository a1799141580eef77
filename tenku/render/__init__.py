"""Rendering: simulated tracks -> video frames on the CPU (moderngl on Mesa llvmpipe).

``camera_path`` turns a script's shots into one :class:`CameraPose` per frame; a
:class:`Renderer` draws frames of a :class:`~tenku.scene.SimResult` in an environment. Styles
and quality levels are presets in :mod:`tenku.render.looks`.
"""

from tenku.render.camera import CameraPose, camera_path
from tenku.render.looks import QUALITIES, STYLES
from tenku.render.renderer import Renderer

__all__ = ["CameraPose", "camera_path", "Renderer", "STYLES", "QUALITIES"]
