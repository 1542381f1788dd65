"""The gateway's diagnostics as JSON-able data.

Identifying values sit under the keys `node_id`, `mac`, `mqtt_client_id`, `ip`, `ssid`, `web_ip`,
`configuration_url` and the point keys `sysinfo#ip` and `sysinfo#ssid` (`REDACT`): the HA side passes
them to `async_redact_data`. The device's log is free text: `redact_text` scrubs it first.
"""

from collections.abc import Iterable
import re
from typing import Any, Final

from .device import Device
from .sysinfo import sysinfo_key

REDACT: Final = frozenset(
    {"node_id", "mac", "mqtt_client_id", "ip", "ssid", "web_ip", "configuration_url"}
    | {sysinfo_key("ip"), sysinfo_key("ssid")}  # the values of these diagnostic sensors
)
REDACTED: Final = "**REDACTED**"
_ADDRESSES: Final = re.compile(
    r"\b(?:\d{1,3}\.){3}\d{1,3}\b"  # IPv4
    r"|\b[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}\b"  # MAC
)


def redact_text(text: str, secrets: Iterable[str | None]) -> str:
    """Free text (the device's log) without addresses, MACs and the given secrets (names, passwords)."""
    for secret in sorted({secret for secret in secrets if secret}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _ADDRESSES.sub(REDACTED, text)


def device_diagnostics(device: Device, now: float | None) -> dict[str, Any]:
    """One device: identity, availability, topics, parameters, SYSINFO summary, web API state."""
    liveness = device.liveness
    info = device.sysinfo
    return {
        "node_id": device.node_id,
        "identity": device.identity.value if device.identity else None,
        "base_topic": device.base,
        "available": liveness.available,
        "sleeping": liveness.sleeping,
        "watchdog_period": liveness.watchdog_period,
        "last_message_age": (
            None if now is None or liveness.last_message is None else round(now - liveness.last_message, 1)
        ),
        "topics": {
            entry.key: {
                "shape": entry.shape.value if entry.shape else None,
                "action": entry.action.value if entry.action else None,
            }
            for entry in device.all_entries()
        },
        "params": sorted(device.params),
        "sysinfo": (
            {
                "mac": info.mac,
                "mqtt_client_id": info.client_id,
                "ip": info.ip,
                "ssid": info.ssid,
                "machine": info.machine,
                "release": info.release,
                "problems": list(info.problems),
            }
            if info
            else None
        ),
        "web": {
            "name": device.web_name,
            "web_ip": device.web_ip,
            "configuration_url": device.configuration_url,
            "failed": device.web_failed,
            "unresolved_actions": list(device.web_unresolved),
            "log": device.web_log,
        },
    }
