"""A sensor host that behaves like upstream RPyMostat-sensor's daemon (rpymostat.md §4).

What it copies from `SensorDaemon.read_and_send`: one `PUT http://<addr>:<port>/v1/sensors/update` per
interval with `{"host_id": ..., "sensors": {...}}` as a JSON body (`Content-Type: application/json`, a
new connection each time, as `requests` without a session), 201 and 202 taken as success and anything
else logged and retried at the next interval; never any other request. The host ids are built like
rpymostat-common's `SystemID`, the readings like the OWFS and dummy sensor classes (`null` on a read
error), and `python3=True` reproduces the `dict.iteritems()` defect: every PUT carries `"sensors": {}`.
The interval is not slept: the test drives each round and moves its clocks.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
import uuid

import aiohttp

DEFAULT_INTERVAL = 60.0


def raspberry_pi_host_id(model: str, serial: str) -> str:
    """`RaspberryPi/<model description>/<serial>`, the serial without leading and trailing zeros."""
    return f"RaspberryPi/{model}/{serial.strip('0')}"


def getnode_host_id(mac: int) -> str:
    """`uuid.getnode_<MAC as lowercase hex, no zero padding>`."""
    return f"uuid.getnode_{mac:x}"


def random_host_id() -> str:
    """The last resort: a uuid4 hex, different at every start."""
    return uuid.uuid4().hex


def owfs_reading(
    value: float | None, sensor_type: str | None = "DS18S20", alias: str | None = None
) -> dict[str, Any]:
    """One OWFS 1-Wire sensor: `type` (may be null), `value` (null on a read error), `alias` if set."""
    reading: dict[str, Any] = {"type": sensor_type, "value": value}
    if alias is not None:
        reading["alias"] = alias
    return reading


def dummy_sensors(host_id: str, value: float) -> dict[str, dict[str, Any]]:
    """What `--dummy` sends."""
    return {f"{host_id}_dummy1": {"type": "dummy", "value": value, "alias": "dummy"}}


@dataclass
class UpstreamSensorHost:
    """One sensor host; `read` returns the readings of this round (sensor id → entry)."""

    address: str
    port: int
    host_id: str
    read: Callable[[], dict[str, dict[str, Any]]]
    python3: bool = False
    interval: float = DEFAULT_INTERVAL
    errors: list[tuple[int, str]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        """Built as the daemon builds it."""
        return f"http://{self.address}:{self.port}/v1/sensors/update"

    async def read_and_send(self) -> int:
        """One round: read (or, on Python 3, lose) the readings and PUT them; the status."""
        data: dict[str, Any] = {"host_id": self.host_id, "sensors": {}}
        if not self.python3:
            data["sensors"].update(self.read())
        connector = aiohttp.TCPConnector(force_close=True)
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            session.put(self.url, json=data) as response,
        ):
            text = await response.text()
        self.statuses.append(response.status)
        if response.status not in {201, 202}:
            self.errors.append((response.status, text))
        return response.status
