"""World-script types (see :mod:`tenku.script.model`) and their JSON in/out helpers."""

from tenku.script.io import ScriptError, dump_script, json_schema, load_script, script_from_data
from tenku.script.model import (
    FPS_CHOICES,
    MAX_PROMPT_CHARS,
    MAX_SECONDS,
    MAX_WORLD_SECONDS,
    MUSIC_MOODS,
    SCRIPT_VERSION,
    STANDARD_SIZES,
    Action,
    Appearance,
    Backdrop,
    Camera,
    Drop,
    Entity,
    Kick,
    Lighting,
    Line,
    PlaceOnWater,
    Pose,
    Push,
    Release,
    Roll,
    Shot,
    Spin,
    Stack,
    Throw,
    Topple,
    Voice,
    WorldScript,
    parse_size,
)

__all__ = [
    "FPS_CHOICES", "MAX_PROMPT_CHARS", "MAX_SECONDS", "MAX_WORLD_SECONDS", "MUSIC_MOODS", "SCRIPT_VERSION", "STANDARD_SIZES",
    "Action", "Appearance", "Backdrop", "Camera", "Drop", "Entity", "Kick", "Lighting", "Line", "PlaceOnWater", "Pose", "Push",
    "Release", "Roll", "Shot", "Spin", "Stack", "Throw", "Topple", "Voice", "WorldScript", "parse_size",
    "ScriptError", "dump_script", "json_schema", "load_script", "script_from_data",
]
