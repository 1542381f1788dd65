"""RPyMostat (https://github.com/jantman/RPyMostat): the Engine's HTTP API, without Home Assistant."""

from .api import LAST_UPDATE_KEY, ApiError, Problem, Reading, Reply, SensorUpdate, parse_update
from .engine import EngineSettings, RPyMostatEngine, host_info
from .security import LOOPBACK_NETWORKS, NetworkListError, format_networks, parse_networks

__all__ = [
    "LAST_UPDATE_KEY",
    "LOOPBACK_NETWORKS",
    "ApiError",
    "EngineSettings",
    "NetworkListError",
    "Problem",
    "RPyMostatEngine",
    "Reading",
    "Reply",
    "SensorUpdate",
    "format_networks",
    "host_info",
    "parse_networks",
    "parse_update",
]
