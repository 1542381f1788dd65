"""RPyMostat (https://github.com/jantman/RPyMostat): PyIoT is the Engine of unmodified sensor hosts.

The Engine's HTTP API is `core.protocols.rpymostat`; `engine` runs it on a port of Home Assistant's
host, `dns_sd` advertises it; the hosts' sensors become entities through the shared node hub.
"""

from ...hub import node_entry_kind
from ..system import System
from .config_flow import RPyMostatOptionsFlow
from .const import RPYMOSTAT
from .engine import async_create_engine

RPYMOSTAT_SYSTEM = System(
    name="RPyMostat",
    kinds=(
        node_entry_kind(
            key=RPYMOSTAT,
            create_transport=async_create_engine,
            options_flow=RPyMostatOptionsFlow,
            reconfigure_step="reconfigure_rpymostat",
        ),
    ),
)
