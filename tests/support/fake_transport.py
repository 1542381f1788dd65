"""A node hub entry kind whose transport is driven by the test, for the generic platform tests.

No broker, no network: the test calls the hub's `NodeListener` methods as a transport would, and the
writes the entities send land in `FakeTransport.writes`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from homeassistant.core import HomeAssistant
import pytest

from custom_components.pyiot.core.nodes import AdmissionLimits, AdmitWhen, WriteError
from custom_components.pyiot.hub import NodeHub, node_entry_kind
from custom_components.pyiot.systems import ENTRY_KINDS

FAKE_KIND = "fake_nodes"


class FakeTransport:
    """Records writes; refuses them while `refuse` is set."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, str, Any]] = []
        self.refuse = False
        self.started = False
        self.forgotten: list[str] = []

    async def async_start(self) -> None:
        self.started = True

    async def async_stop(self) -> None:
        self.started = False

    async def async_write(self, node_id: str, key: str, value: Any) -> None:
        if self.refuse:
            raise WriteError("radio busy")
        self.writes.append((node_id, key, value))

    def forget_node(self, node_id: str) -> None:
        self.forgotten.append(node_id)

    def diagnostics(self) -> dict[str, Any]:
        return {"writes": len(self.writes)}


async def _create_fake_transport(hass: HomeAssistant, hub: NodeHub) -> FakeTransport:
    return FakeTransport()


@contextmanager
def fake_entry_kind_registered(
    admit_when: AdmitWhen = AdmitWhen.FIRST_REPORT, limits: AdmissionLimits | None = None
) -> Iterator[str]:
    """Register the fake kind while the context lasts; its key goes into an entry's data."""
    kind = node_entry_kind(
        key=FAKE_KIND,
        create_transport=_create_fake_transport,
        admit_when=admit_when,
        **({"limits": limits} if limits is not None else {}),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(ENTRY_KINDS, FAKE_KIND, kind)
        yield FAKE_KIND
