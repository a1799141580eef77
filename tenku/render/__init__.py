"""Rendering: simulated tracks -> video frames on the CPU (moderngl on Mesa llvmpipe).

``camera_path`` turns a script's shots into one :class:`CameraPose` per frame; a
:class:`Renderer` draws frames of a :class:`~tenku.scene.SimResult` in an environment, in a
style, optionally in front of a backdrop plate that :func:`load_plate` makes from an image.
Styles and quality levels are presets in :mod:`tenku.render.looks`; a style's full-frame pass
is :mod:`tenku.render.post`.
"""

from tenku.render.camera import CameraPose, camera_path
from tenku.render.looks import QUALITIES, STYLE_ALIASES, STYLES
from tenku.render.plate import load_plate
from tenku.render.renderer import Renderer

__all__ = ["CameraPose", "camera_path", "Renderer", "STYLES", "STYLE_ALIASES", "QUALITIES",
           "load_plate"]
