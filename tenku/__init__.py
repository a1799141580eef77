"""tenku: a self-hostable, world-simulating video generator.

The public Python API is :func:`tenku.generate` (prompt or world script in, MP4 + sidecar out)
and :func:`tenku.plan` (prompt in, world script + grounding report out). Both are imported
lazily so that ``import tenku`` stays cheap for tools that only need the script types.
"""

__version__ = "0.1.0"


def generate(*args, **kwargs):
    """Generate a video; see :func:`tenku.generate_api.generate`."""
    from tenku.generate_api import generate as _generate

    return _generate(*args, **kwargs)


def plan(*args, **kwargs):
    """Plan a prompt into a world script; see :func:`tenku.planner.plan`."""
    from tenku.planner import plan as _plan

    return _plan(*args, **kwargs)
