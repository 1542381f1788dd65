"""A hub's node records in Home Assistant storage: validated on load, bad records kept aside, never fatal."""

from collections.abc import Callable, Sequence
from typing import Any, override

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from ..core.corrupt_records import SkippedRecord, aside_document, aside_key, summary
from ..core.nodes.storage import (
    STORAGE_MINOR_VERSION,
    STORAGE_VERSION,
    StoredNode,
    dump_node_records,
    load_node_records,
    migrate_node_records,
)

SAVE_DELAY = 10


def storage_key(entry_id: str) -> str:
    """The HA storage key of a hub's node records."""
    return f"{DOMAIN}.{entry_id}"


async def async_keep_aside(
    hass: HomeAssistant, key: str, title: str, skipped: Sequence[SkippedRecord]
) -> None:
    """Log in one line that `skipped` records of storage `key` were left out, and keep them aside.

    The copy goes under a key with the time, so that a second corruption never overwrites the first.
    """
    if not skipped:
        return
    moment = dt_util.utcnow()
    aside = aside_key(key, moment)
    LOGGER.warning(
        "%s: stored data that does not fit is left out (%s); it is kept in .storage/%s",
        title,
        summary(skipped),
        aside,
    )
    await Store[dict[str, Any]](hass, 1, aside).async_save(aside_document(key, moment, skipped))


class _NodeRecordsStore(Store[dict[str, Any]]):
    @override
    async def _async_migrate_func(self, old_major_version: int, old_minor_version: int, old_data: Any) -> Any:
        return migrate_node_records(old_major_version, old_minor_version, old_data)


class NodeStore:
    """Loads and saves the node records of one entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str, title: str) -> None:
        """The store of entry `entry_id` (`title` names it in log lines)."""
        self._hass = hass
        self._title = title
        self._store = _NodeRecordsStore(
            hass, STORAGE_VERSION, storage_key(entry_id), minor_version=STORAGE_MINOR_VERSION
        )

    async def async_load(self) -> dict[str, StoredNode]:
        """What a previous run saved; records that do not fit are skipped, logged once and kept aside."""
        records = load_node_records(await self._store.async_load())
        await async_keep_aside(self._hass, self._store.key, self._title, records.skipped)
        return records.nodes

    def async_delay_save(self, nodes: Callable[[], dict[str, StoredNode]]) -> None:
        """Save what `nodes()` gives a few seconds from now."""
        self._store.async_delay_save(lambda: dump_node_records(nodes()), SAVE_DELAY)

    async def async_save(self, nodes: dict[str, StoredNode]) -> None:
        """Save now."""
        await self._store.async_save(dump_node_records(nodes))
