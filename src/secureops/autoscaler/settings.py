"""The autoscaler's settings (defined in :mod:`secureops.core.autoscaler_settings`, re-exported here)."""

from secureops.core.autoscaler_settings import AutoscalerSettings, ScalingSettings

__all__ = ["AutoscalerSettings", "ScalingSettings"]
