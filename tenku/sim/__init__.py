"""The world simulator: world script -> MuJoCo model -> tracks and events (:func:`simulate`)."""

from tenku.sim.run import simulate

__all__ = ["simulate"]
