"""The catalog: what tenku can film. Materials, entity kinds and environments, with real
physical parameters. The planner matches words to it; the simulator and renderer build from it."""

from tenku.catalog.environments import ENVIRONMENTS, Environment, Look, environment
from tenku.catalog.kinds import KINDS, Kind, kind
from tenku.catalog.materials import MATERIALS, Material, material, pair_friction, pair_restitution

__all__ = [
    "ENVIRONMENTS", "Environment", "Look", "environment", "KINDS", "Kind", "kind",
    "MATERIALS", "Material", "material", "pair_friction", "pair_restitution",
]
