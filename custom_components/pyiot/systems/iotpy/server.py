"""A remote IOTpy server as one node of the hub, polled by a `DataUpdateCoordinator` on HA's session.

Each poll is one `GET /variables` (`core.protocols.iotpy.IotpyServerClient`); the core's `ServerView`
decides every variable's kind, availability (status, staleness, presence) and value, and this module
reports what changed to the node hub. Writes are `POST /write`. `/restart` is never requested.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from ...const import DOMAIN, LOGGER
from ...core.iotpy import IotpyWriteError
from ...core.iotpy.variable_errors import VARIABLE_ERRORS_KEY, VARIABLE_ERRORS_POINT, variable_errors
from ...core.nodes import NodeInfo, PointSpec
from ...core.protocols.iotpy import (
    Fetched,
    IotpyServerClient,
    IotpyServerError,
    ServerAddress,
    ServerFormat,
    ServerView,
)
from ...hub import NodeHub
from .const import (
    CONF_NODE_ID,
    CONF_POLL_INTERVAL,
    CONF_PREFIX,
    CONF_STALE_AFTER,
    CONF_URL,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_STALE_AFTER,
    SERVER_TIMEOUT,
)
from .errors import translated_write_error
from .files import variable_settings
from .restored import follow_settings

STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 10.0
_LOGGER = LOGGER.getChild("iotpy_server")
_MODELS: Final = {ServerFormat.SUMMARIES: "IOTpy 0.3 server", ServerFormat.LEGACY_MAP: "IOTpy 0.2 server"}


def server_storage_key(entry_id: str) -> str:
    """The HA storage key of what the entry remembers of its server (the kinds of its variables)."""
    return f"{DOMAIN}.{entry_id}.iotpy_server"


def server_address(data: Mapping[str, Any]) -> ServerAddress:
    """The address an entry's data names (validated by the config flow)."""
    return ServerAddress.parse(str(data[CONF_URL]), str(data.get(CONF_PREFIX, "")))


def server_node_id(address: ServerAddress) -> str:
    """A server's node id, from its URL: `host:port[/path][/prefix]`."""
    return str(address).split("://", 1)[1]


def _seconds(options: Mapping[str, Any], key: str, default: int) -> float:
    value = options.get(key, default)
    return float(value) if isinstance(value, int | float) and value > 0 else float(default)


class IotpyServerCoordinator(DataUpdateCoordinator[Fetched]):
    """Fetches `/variables` every poll interval; a failure is an `UpdateFailed` with the reason."""

    config_entry: ConfigEntry

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, client: IotpyServerClient) -> None:
        """Poll `client` at the entry's interval."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=timedelta(
                seconds=_seconds(entry.options, CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL)
            ),
        )
        self.client = client

    async def _async_update_data(self) -> Fetched:
        try:
            return await self.client.fetch()
        except IotpyServerError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="iotpy_server_unavailable",
                translation_placeholders={"server": self.config_entry.title, "error": str(err)},
            ) from err


class IotpyServerTransport:
    """The hub's transport for one server: every answer of the coordinator becomes node reports."""

    def __init__(
        self,
        hub: NodeHub,
        coordinator: IotpyServerCoordinator,
        view: ServerView,
        node: NodeInfo,
        store: Store[dict[str, Any]],
    ) -> None:
        """Nothing is requested before `async_start`."""
        self._hub = hub
        self.coordinator = coordinator
        self.view = view
        self._node = node
        self._store = store
        self._reported: dict[str, PointSpec] = {}
        self._kinds = view.export()
        self._unsubscribe: CALLBACK_TYPE | None = None
        self._polls = 0
        self._failures = 0

    @property
    def node_id(self) -> str:
        """The server's node id."""
        return self._node.node_id

    async def async_start(self) -> None:
        """Poll now, then at every interval."""
        self._unsubscribe = self.coordinator.async_add_listener(self._updated)
        await self.coordinator.async_refresh()

    async def async_stop(self) -> None:
        """Stop polling and save what was learnt."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self.coordinator.async_shutdown()
        await self._store.async_save(self._stored())

    async def async_write(self, node_id: str, key: str, value: Any) -> None:
        """`POST /write`; the server's HTTP status decides. The value shows once the server reports it."""
        try:
            await self.coordinator.client.write(key, value)
        except IotpyWriteError as err:
            raise translated_write_error(err, device=self._hub.node_name(node_id), variable=key) from err
        await self.coordinator.async_refresh()  # not debounced: each write shows what the device made of it

    def forget_node(self, node_id: str) -> None:
        """The user deleted the server's device: its points are reported anew at the next answer."""
        self._reported.clear()

    def diagnostics(self) -> dict[str, Any]:
        """Address, polling and what the view knows of every variable."""
        return {
            "address": str(self.coordinator.client.address),
            "poll_interval": self.coordinator.update_interval.total_seconds()
            if self.coordinator.update_interval
            else None,
            "polls": self._polls,
            "failures": self._failures,
            "last_update_success": self.coordinator.last_update_success,
            "last_error": str(self.coordinator.last_exception) if self.coordinator.last_exception else None,
            "server": self.view.diagnostics(),
        }

    @callback
    def _updated(self) -> None:
        self._polls += 1
        if not self.coordinator.last_update_success:
            self._failures += 1
            self.view.unreachable()
            self._hub.node_lost(self.node_id)
            return
        fetched = self.coordinator.data
        changes = self.view.apply(fetched)
        if changes.added or changes.removed or changes.returned:
            _LOGGER.info(
                "%s: variables new %s, gone %s, back %s",
                self._node.name,
                list(changes.added),
                list(changes.removed),
                list(changes.returned),
            )
        model = _MODELS[fetched.document.format]
        if self._node.model != model:
            self._node = replace(self._node, model=model)
        self._hub.node_seen(self._node)
        self._report()

    @callback
    def _report(self) -> None:
        changed = [point for point in self.view.points() if self._reported.get(point.key) != point]
        if VARIABLE_ERRORS_KEY not in self._reported:
            changed.append(VARIABLE_ERRORS_POINT)
        if changed:
            self._hub.points_seen(self.node_id, changed)
            self._reported.update((point.key, point) for point in changed)
        if (kinds := self.view.export()) != self._kinds:
            self._kinds = kinds
            self._store.async_delay_save(self._stored, SAVE_DELAY)
        self._hub.value_received(self.node_id, VARIABLE_ERRORS_KEY, self._errors())
        for name in self._reported:
            if name == VARIABLE_ERRORS_KEY:
                continue
            variable = self.view.get(name)
            if variable is not None and variable.available:
                self._hub.value_received(self.node_id, name, variable.value)
            else:
                self._hub.point_unavailable(self.node_id, name)

    def _errors(self) -> Any:
        present = (self.view.variable(name) for name in self.view.present)
        return variable_errors((v.name, v.status, v.error) for v in present if v is not None)

    def _stored(self) -> dict[str, Any]:
        return {"kinds": self.view.export()}


async def async_create_server_transport(hass: HomeAssistant, hub: NodeHub) -> IotpyServerTransport:
    """The entry's server on HA's shared aiohttp session, with what earlier runs learnt of it."""
    entry = hub.entry
    address = server_address(entry.data)
    node_id = str(entry.data.get(CONF_NODE_ID) or server_node_id(address))
    client = IotpyServerClient(
        async_get_clientsession(hass),
        address,
        timeout=SERVER_TIMEOUT,
        write_timeout=SERVER_TIMEOUT,
        logger=_LOGGER,
    )
    view = ServerView(
        stale_after=_seconds(entry.options, CONF_STALE_AFTER, DEFAULT_STALE_AFTER),
        settings=variable_settings(entry.options).get(node_id, {}),
    )
    store = Store[dict[str, Any]](hass, STORAGE_VERSION, server_storage_key(entry.entry_id))
    if isinstance(stored := await store.async_load(), dict):
        view.restore(stored.get("kinds"))
    _apply_settings_to_stored_points(hass, hub, node_id, view)
    node = NodeInfo(
        node_id=node_id,
        name=entry.title,
        manufacturer="IOTpy",
        configuration_url=f"{address}/",
    )
    return IotpyServerTransport(hub, IotpyServerCoordinator(hass, entry, client), view, node, store)


def _apply_settings_to_stored_points(
    hass: HomeAssistant, hub: NodeHub, node_id: str, view: ServerView
) -> None:
    """Restored entities follow the options now (before the platforms create them), not at the next start."""
    state = hub.nodes.get(node_id)
    if state is not None:
        follow_settings(hass, hub, node_id, [point for key in state.points if (point := view.point(key))])
