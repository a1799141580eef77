"""The simulated scene: the data contract between the simulator and everything that reads it.

``sim`` writes a :class:`SimResult`; ``render`` draws its tracks and the environment's static
parts; ``audio`` (later) hears its events. Keeping the contract here lets those packages stay
independent of each other: each imports only ``script``, ``catalog`` and ``scene``.
"""

from tenku.scene.parts import Part, euler_to_quat, parts_bounds, quat_mul, quat_rotate
from tenku.scene.result import Event, SimResult, Track, Water

__all__ = ["Part", "parts_bounds", "quat_mul", "quat_rotate", "euler_to_quat", "Event", "SimResult", "Track", "Water"]
