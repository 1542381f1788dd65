"""FmPyIOT devices over MQTT (fmpyiot.md): a `core.nodes.Transport` reporting to a `NodeListener`.

Subscriptions are chosen so that the broker filters, not us: the system topics at depths 1 to
`max_depth` (`+/WATCHDOG`, `+/+/WATCHDOG`, ... for WATCHDOG, SYSINFO, PARAMS and BYE), the time request,
and per known device `<base>+` plus the exact topics it declared elsewhere. Nothing unrelated on the
broker reaches the gateway unless its last level is a system topic name. System topics arrive only
through the discovery subscriptions (except for bases deeper than `max_depth`), values only through the
device's own, so every message is handled exactly once.

Lifecycle: `restore(stored)` (optional), `async_start()` (subscribes, then asks every known device for
SYSINFO, PARAMS and fresh reads), `async_refresh_all()` after each reconnection of the MQTT client,
`export()` whenever `on_state_changed` fires, `async_stop()`. A device that missed the requests (it
came back after them) is asked again by its first message.
"""

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime
from functools import partial
import json
import logging
from typing import Any, Final

import aiohttp

from ...corrupt_records import SkippedRecord
from ...nodes.model import NodeListener, WriteError
from ..mqtt_link import MessageCallback, MqttLink, Unsubscribe
from .book import DeviceBook
from .clock import Clock, LoopClock
from .device import (
    ACTION_NAMESPACE,
    WEB_LOGGING_LEVEL_KEY,
    WEB_LOGGING_LEVEL_POINT,
    WEB_REBOOT_KEY,
    WEB_REBOOT_POINT,
    Device,
    TopicEntry,
    action_key,
    action_point,
)
from .diagnostics import device_diagnostics, redact_text
from .params import (
    PARAMS_NAMESPACE,
    ParamsError,
    flatten_params,
    param_point,
    param_state,
    param_type,
    params_key,
    same_value,
)
from .payloads import PayloadError, decode
from .problems import DropReason, Problems
from .reporting import Reporter
from .settings import ActionKind, GatewaySettings, TopicSettings
from .sysinfo import (
    DIAGNOSTIC_FIELDS,
    LOGGING_LEVELS,
    SYSINFO_NAMESPACE,
    SysInfoError,
    diagnostic_point,
    diagnostic_values,
    parse_sysinfo,
    sysinfo_key,
)
from .time_service import TimeService
from .topics import (
    BYE,
    DISCOVERY_NAMES,
    KEY_SEPARATOR,
    MAX_TOPIC_LENGTH,
    PARAMS,
    PARAMS_REQUEST,
    RELATIVE_PREFIX,
    REVERSE_SUFFIX,
    SYSINFO,
    SYSINFO_REQUEST,
    SYSTEM_NAMES,
    TIME_REQUEST_TOPIC,
    TIME_TOPIC,
    WATCHDOG,
    discovery_filters,
    split_system_topic,
)
from .values import as_text, convert, shape_for_first_value
from .web import FmPyIotWeb, WebAuthError, WebError
from .web_pages import WebTopics
from .web_sync import WebSnapshot, configuration_url, read_web, web_client, web_host
from .writes import DEFAULT_WRITE_TIMEOUT, Writer, switch_state

_LOGGER = logging.getLogger(__name__)

SUBSCRIBE_QOS: Final = 0
"""Devices publish at QoS 0; a higher subscription QoS would only add acknowledgements."""
PUBLISH_QOS: Final = 1
DEFAULT_IDENTITY_TIMEOUT: Final = 30.0
DEFAULT_REQUEST_SPACING: Final = 0.05
"""Seconds between two requests to one device: its incoming queue holds one message by default."""
REASK_AFTER: Final = 2.0
"""A device heard this long after a refresh without answering it missed the requests: ask again."""
SYSTEM_DECLARED: Final = frozenset(
    {f"{RELATIVE_PREFIX}{name}" for name in SYSTEM_NAMES} | {TIME_REQUEST_TOPIC, TIME_TOPIC}
)
"""Declared names of the system topics, as the web API lists them."""


class _Invalid:
    """A payload that was already dropped."""


_INVALID: Final = _Invalid()


class FmPyIotGateway:
    """Finds FmPyIOT devices on one broker and reports them, their points and values to a listener."""

    def __init__(
        self,
        link: MqttLink,
        listener: NodeListener,
        *,
        settings: GatewaySettings | None = None,
        clock: Clock | None = None,
        now: Callable[[], datetime] | None = None,
        web_session: aiohttp.ClientSession | None = None,
        on_web_auth_error: Callable[[str], None] | None = None,
        on_state_changed: Callable[[], None] | None = None,
        logger: logging.Logger | None = None,
        identity_timeout: float = DEFAULT_IDENTITY_TIMEOUT,
        write_timeout: float = DEFAULT_WRITE_TIMEOUT,
        request_spacing: float = DEFAULT_REQUEST_SPACING,
    ) -> None:
        """Prepare the gateway; nothing happens on the network before `async_start`.

        `now` gives the local time with its time zone for the time service (off without it, or when
        the settings turn it off); `web_session` enables the devices' web API; `on_web_auth_error`
        gets the node id of a device whose web credentials were refused; `on_state_changed` is called
        when `export()` would give something new.
        """
        self._link = link
        self._settings = settings or GatewaySettings()
        self._clock: Clock = clock or LoopClock()
        self._time = (
            TimeService(now, self._clock) if now is not None and self._settings.time_service else None
        )
        self._web_session = web_session
        self._on_web_auth_error = on_web_auth_error
        self._on_state_changed = on_state_changed
        self._logger = logger or _LOGGER
        self._problems = Problems(self._logger)
        self._reporter = Reporter(listener, self._logger)
        self._writer = Writer(self._publish_or_raise, self._clock, self._reporter, write_timeout)
        self._book = DeviceBook(
            clock=self._clock,
            settings=self._settings,
            reporter=self._reporter,
            problems=self._problems,
            logger=self._logger,
            ask_device=lambda device: self._spawn(self._ask_new_device(device)),
            refresh_device=lambda device: self._spawn(self._refresh(device)),
            ask_sysinfo=lambda device: self._spawn(self._publish(f"{device.base}{SYSINFO_REQUEST}", "")),
            state_changed=self._state_changed,
            identity_timeout=identity_timeout,
        )
        self._request_spacing = request_spacing
        self._filters = discovery_filters(self._settings.max_depth)
        self._subscriptions: list[Unsubscribe] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._running = False
        self._publish_failing = False

    @property
    def running(self) -> bool:
        """Whether the gateway is started."""
        return self._running

    @property
    def node_ids(self) -> list[str]:
        """Node ids of every identified device."""
        return list(self._book.by_id)

    def base_topic(self, node_id: str) -> str | None:
        """The base topic a device uses now."""
        device = self._book.by_id.get(node_id)
        return device.base if device else None

    # --- lifecycle -------------------------------------------------------------------------------

    async def async_start(self) -> None:
        """Subscribe, then ask every known device (restored or added by hand) for its state."""
        if self._running:
            return
        self._running = True
        try:
            await self._subscribe_gateway()
            for base in self._settings.manual_bases:
                if base not in self._book.by_base:
                    self._book.discover(base, start=False)
            await asyncio.gather(
                *(self._subscribe_device(device) for device in list(self._book.by_base.values()))
            )
        except BaseException:
            await self.async_stop()
            raise
        await self.async_refresh_all()

    async def _subscribe_gateway(self) -> None:
        """The discovery filters and the time request; what succeeded is kept for `async_stop`."""
        topics: list[tuple[str, MessageCallback]] = [
            (topic, self._on_discovery_message) for topic in self._filters
        ]
        if self._time is not None:
            topics.append((TIME_REQUEST_TOPIC, self._on_time_request))
        results = await asyncio.gather(
            *(self._link.async_subscribe(topic, callback, SUBSCRIBE_QOS) for topic, callback in topics),
            return_exceptions=True,
        )
        self._subscriptions = [result for result in results if not isinstance(result, BaseException)]
        if failed := [result for result in results if isinstance(result, BaseException)]:
            raise failed[0]

    async def async_stop(self) -> None:
        """Unsubscribe, cancel timers and pending work; identified devices are kept for a restart."""
        self._running = False
        for unsubscribe in self._subscriptions:
            unsubscribe()
        self._subscriptions.clear()
        self._book.forget_pending()
        for device in self._book.devices():
            device.drop_subscriptions()
            device.liveness.stop()
            device.cancel_waiters("the FmPyIOT gateway stopped")
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def async_refresh_all(self) -> None:
        """Ask every known device for SYSINFO, PARAMS and a fresh read of every topic, all at once.

        Call it after the MQTT client reconnected: nothing then waits for a periodic send.
        """
        if self._running:
            await asyncio.gather(*(self._refresh(device) for device in list(self._book.by_base.values())))

    async def async_refresh(self, node_id: str) -> None:
        """Ask one device for everything again (Home Assistant's `update_entity`)."""
        if self._running and (device := self._book.by_id.get(node_id)) is not None:
            await self._refresh(device)

    async def async_refresh_point(self, node_id: str, key: str) -> None:
        """Ask one device for a fresh value of one point."""
        device = self._book.by_id.get(node_id)
        if not self._running or device is None or (base := device.base) is None:
            return
        namespace, separator, _ = key.partition(KEY_SEPARATOR)
        if separator:
            if namespace in {SYSINFO_NAMESPACE, "web"}:
                await self._publish(base + SYSINFO_REQUEST, "")
            elif namespace == PARAMS_NAMESPACE:
                await self._publish(base + PARAMS_REQUEST, "")
            return
        if (
            (entry := device.entry(key)) is not None
            and entry.readable
            and (topic := device.reverse_topic(entry))
        ):
            await self._publish(topic, "")

    def link_lost(self) -> None:
        """The MQTT client lost the broker: every device is unavailable until it is heard from again."""
        for device in self._book.devices():
            if device.liveness.available:
                device.liveness.stop()
                self._reporter.lost(device)

    def link_restored(self) -> None:
        """The MQTT client is back and subscribed: ask every device now, not at its next periodic send."""
        if self._running:
            self._spawn(self.async_refresh_all())

    def forget_node(self, node_id: str) -> None:
        """Forget a device (the user deleted it, or admission evicted it); it is found again if it speaks."""
        device = self._book.by_id.pop(node_id, None)
        if device is None:
            return
        self._book.forget(device)
        device.cancel_waiters(f"FmPyIOT device {device.label} was forgotten")
        self._state_changed()

    # --- storage ---------------------------------------------------------------------------------

    def restore(self, stored: Mapping[str, Any]) -> list[SkippedRecord]:
        """Take back what `export` gave in an earlier run (call before `async_start`).

        A malformed record is logged once and skipped, and returned for the caller to keep aside;
        nothing is reported to the listener (the HA side restores its own entities, unavailable until
        the device speaks).
        """
        if self._running:
            raise RuntimeError("restore before async_start")
        return self._book.restore(stored)

    def export(self) -> dict[str, Any]:
        """Every identified device as plain data, for `restore`."""
        return self._book.export()

    # --- writes ----------------------------------------------------------------------------------

    async def async_write(self, node_id: str, key: str, value: Any) -> None:
        """Run an action, set a parameter (confirmed by reading PARAMS back), reboot or set the log level."""
        if not self._running:
            raise WriteError("The FmPyIOT gateway is not running")
        device = self._book.by_id.get(node_id)
        if device is None or (base := device.base) is None:
            raise WriteError(f"FmPyIOT device {node_id} is unknown")
        if not device.liveness.available:
            raise WriteError(f"FmPyIOT device {device.label} is not available")
        namespace, separator, rest = key.partition(KEY_SEPARATOR)
        if separator and namespace == PARAMS_NAMESPACE:
            await self._writer.write_param(device, base, rest, value)
        elif separator and namespace == ACTION_NAMESPACE:
            await self._writer.write_action(device, base, rest, value)
        elif key == WEB_REBOOT_KEY:
            await self._web_write(device, lambda web: web.async_reboot())
        elif key == WEB_LOGGING_LEVEL_KEY:
            levels = {name: level for level, name in LOGGING_LEVELS.items()}
            if value not in levels:
                raise WriteError(f"logging level must be one of {', '.join(levels)}")
            await self._web_write(device, lambda web: web.async_set_logging_level(levels[value]))
            self._reporter.value(device, WEB_LOGGING_LEVEL_KEY, value)
            await self._publish(base + SYSINFO_REQUEST, "")
        else:
            raise WriteError(f"{key} of FmPyIOT device {device.label} cannot be written")

    # --- incoming messages -----------------------------------------------------------------------

    def _on_discovery_message(self, topic: str, payload: bytes) -> None:
        """A system topic at one of the discovery depths."""
        if not self._running:
            return
        try:
            if (split := split_system_topic(topic)) is None:
                return
            base, name = split
            device = self._book.by_base.get(base)
            if device is None and self._shows_life(base, name, payload):
                device = self._book.discover(base)
            if device is not None and not device.own_system_topics:
                self._on_system(device, name, payload)
        except Exception:
            self._logger.exception("Error while handling an FmPyIOT message on %s", topic[:MAX_TOPIC_LENGTH])

    def _shows_life(self, base: str, name: str, payload: bytes) -> bool:
        """Whether a system topic of an unknown base is worth a device.

        A feed is, and a SYSINFO or PARAMS that reads. Anyone on the broker can publish the rest, and
        each candidate costs a subscription.
        """
        if name == WATCHDOG:
            return True
        if name == BYE:
            return False
        try:
            document = decode(payload)
            if name == SYSINFO:
                parse_sysinfo(document)
            else:
                flatten_params(document)
        except PayloadError as err:
            self._problems.report(base, err.key.value, str(err))
        except SysInfoError as err:
            self._problems.report(base, DropReason.BAD_SYSINFO, str(err))
        except ParamsError as err:
            self._problems.report(base, DropReason.BAD_PARAMS, str(err))
        else:
            return True
        return False

    def _on_device_message(self, device: Device, base: str, topic: str, payload: bytes) -> None:
        """A message on `<base>+` of one device."""
        if not self._running or device.base != base:
            return
        try:
            name = topic[len(base) :]
            if (entry := device.topics.get(name)) is not None:
                if entry.readable:
                    self._on_read(device, entry, payload)
            elif name in SYSTEM_NAMES:
                if device.own_system_topics and name in DISCOVERY_NAMES:
                    self._on_system(device, name, payload)
            elif name.endswith(REVERSE_SUFFIX):
                self._on_reply(device, device.topics.get(name[:-1]), payload)
            elif name not in device.ignored:
                self._on_new_topic(device, name, payload)
        except Exception:
            self._logger.exception("Error while handling an FmPyIOT message on %s", topic[:MAX_TOPIC_LENGTH])

    def _on_exact_message(self, device: Device, base: str, topic: str, payload: bytes) -> None:
        """A message on a topic a device declared outside `<base>+`."""
        if not self._running or device.base != base:
            return
        try:
            if (entry := device.exact.get(topic)) is not None:
                if entry.readable:
                    self._on_read(device, entry, payload)
            elif topic.endswith(REVERSE_SUFFIX):
                self._on_reply(device, device.exact.get(topic[:-1]), payload)
        except Exception:
            self._logger.exception("Error while handling an FmPyIOT message on %s", topic[:MAX_TOPIC_LENGTH])

    def _on_time_request(self, topic: str, payload: bytes) -> None:
        if not self._running or self._time is None:
            return
        try:
            answer = self._time.answer()
        except ValueError as err:
            self._problems.report("time service", DropReason.BAD_CLOCK, str(err))
            return
        if answer is not None:
            self._spawn(self._publish(TIME_TOPIC, json.dumps(answer)))

    def _on_system(self, device: Device, name: str, payload: bytes) -> None:
        if name == WATCHDOG:
            device.liveness.feed()
            self._heard(device)
        elif name == BYE:
            device.liveness.bye()
        elif (document := self._decode(device, payload)) is not _INVALID:
            if name == SYSINFO:
                self._on_sysinfo(device, document)
            else:
                self._on_params(device, document)

    def _on_sysinfo(self, device: Device, document: object) -> None:
        try:
            info = parse_sysinfo(document)
        except SysInfoError as err:
            self._problems.report(device.label, DropReason.BAD_SYSINFO, str(err))
            return
        if info.problems:
            self._problems.report(
                device.label, DropReason.BAD_SYSINFO, f"fields left out: {', '.join(info.problems)}"
            )
        device = self._book.settle(device, info)
        device.refresh_sent_at = None
        if device.exact_subscriptions() - device.subscribed_exact:
            self._spawn(self._subscribe_device(device))  # topics its settings declare
        self._heard(device)
        values = diagnostic_values(info)
        self._reporter.add_points(
            device, [diagnostic_point(name) for name in DIAGNOSTIC_FIELDS if sysinfo_key(name) in values]
        )
        for key, value in values.items():
            self._reporter.value(device, key, value)
        if WEB_LOGGING_LEVEL_KEY in device.points and info.logging_level_name is not None:
            self._reporter.value(device, WEB_LOGGING_LEVEL_KEY, info.logging_level_name)
        self._reporter.report_info(device)
        self._maybe_read_web(device)

    def _on_params(self, device: Device, document: object) -> None:
        try:
            flat = flatten_params(document)
        except ParamsError as err:
            self._problems.report(device.label, DropReason.BAD_PARAMS, str(err))
            return
        if flat.problems:
            self._problems.report(
                device.label, DropReason.BAD_PARAMS, f"left out: {', '.join(sorted(set(flat.problems)))}"
            )
        self._heard(device)
        new = []
        for flat_key, value in flat.values.items():
            if flat_key not in device.params:
                device.params[flat_key] = kind = param_type(value)
                new.append(param_point(flat_key, kind))
        if new:
            self._state_changed()
            self._reporter.add_points(device, new)
        for flat_key, kind in device.params.items():
            if flat_key in flat.values:
                self._reporter.value(device, params_key(flat_key), param_state(kind, flat.values[flat_key]))
            else:
                self._reporter.point_unavailable(device, params_key(flat_key))
        self._resolve_param_writes(device, flat.values)

    @staticmethod
    def _resolve_param_writes(device: Device, values: Mapping[str, Any]) -> None:
        """A write is confirmed by a PARAMS showing its value; other PARAMS are remembered."""
        for waiter in device.param_waiters:
            if waiter.future.done():
                continue
            if waiter.flat_key in values and same_value(waiter.kind, waiter.value, values[waiter.flat_key]):
                waiter.future.set_result(None)
            else:
                waiter.seen.append(values.get(waiter.flat_key, "nothing"))

    def _on_read(self, device: Device, entry: TopicEntry, payload: bytes) -> None:
        if entry.echo is not None and entry.is_echo(payload, self._clock.time()):
            return
        if (value := self._decode(device, payload)) is not _INVALID:
            self._read_value(device, entry, value)

    def _read_value(self, device: Device, entry: TopicEntry, value: object) -> None:
        if entry.shape is None:
            entry.shape = shape_for_first_value(entry.key, value)
            self._state_changed()
            self._heard(device)
            self._reporter.add_points(device, [entry.read_point(device.topic_settings(entry.key))])
        converted = convert(entry.shape, value)
        if converted.problem is not None:
            self._problems.report(device.label, converted.problem.value, f"{entry.key}: {as_text(value)!r}")
        self._heard(device)
        self._reporter.value(device, entry.key, converted.value)

    def _on_new_topic(self, device: Device, name: str, payload: bytes) -> None:
        if len(name) > MAX_TOPIC_LENGTH or not name.isprintable():
            self._problems.report(device.label, DropReason.BAD_TOPIC, f"topic {name[:80]!r}")
            return
        if device.full:
            self._problems.report(device.label, DropReason.TOO_MANY_TOPICS, f"{name[:80]!r} beyond the limit")
            return
        if (value := self._decode(device, payload)) is _INVALID:
            return
        entry = device.topics[name] = TopicEntry(RELATIVE_PREFIX + name)
        self._read_value(device, entry, value)

    def _on_reply(self, device: Device, entry: TopicEntry | None, payload: bytes) -> None:
        """`<topic>_` of an action topic carries the action's return value; of a read topic, a request."""
        if entry is None or entry.action is None:
            return
        if (value := self._decode(device, payload)) is _INVALID:
            return
        self._heard(device)
        for future in device.reply_waiters.pop(entry.key, []):
            if not future.done():
                future.set_result(value)
        if (state := self._reply_state(device, entry, value)) is not None:
            self._reporter.value(device, action_key(entry.key), state)

    @staticmethod
    def _reply_state(device: Device, entry: TopicEntry, value: object) -> Any:
        """The state an action's reply gives its point (None: none)."""
        match entry.action:
            case ActionKind.SWITCH:
                return switch_state(value, device.topic_settings(entry.key) or TopicSettings())
            case ActionKind.TEXT:
                return as_text(value)
            case ActionKind.NUMBER if isinstance(value, int | float) and not isinstance(value, bool):
                return value
            case _:
                return None

    def _heard(self, device: Device) -> None:
        """The device published something: it is alive; re-ask it if it missed our last requests."""
        device.showed_life = True
        device.liveness.message()
        sent = device.refresh_sent_at
        if sent is not None and self._clock.time() - sent >= REASK_AFTER:
            device.refresh_sent_at = None
            self._spawn(self._refresh(device, again=False))

    # --- web API ---------------------------------------------------------------------------------

    def _maybe_read_web(self, device: Device) -> None:
        settings = device.settings.web
        if (
            self._web_session is None
            or device.node_id is None
            or (settings is None and not self._settings.web_probe)
        ):
            return
        if (host := web_host(device)) is None or host == device.web_ip:
            return
        device.web_ip = host
        self._spawn(self._read_web(device, host))

    async def async_read_web(self, node_id: str) -> None:
        """Read a device's web API again: fingerprint, topics and every current value."""
        device = self._book.by_id.get(node_id)
        if device is not None and (host := device.web_ip or web_host(device)) is not None:
            device.web_ip = host
            await self._read_web(device, host)

    async def _read_web(self, device: Device, host: str) -> None:
        settings = device.settings.web
        if (web := web_client(self._web_session, device, host)) is None:
            return
        authenticated = settings is not None and settings.has_credentials
        try:
            snapshot = await read_web(web, authenticated=authenticated)
        except WebError as err:
            self._web_failed(device, err, probing=settings is None)
            return
        self._apply_web(device, host, snapshot)
        if authenticated:
            await self._read_log(device, web)

    async def _read_log(self, device: Device, web: FmPyIotWeb) -> None:
        """Keep the device's log for the diagnostics, without what identifies it or its owner."""
        try:
            text = await web.async_logs()
        except WebError as err:
            self._logger.debug("The log of FmPyIOT device %s cannot be read: %s", device.label, err)
            return
        settings, info = device.settings.web, device.sysinfo
        secrets = [device.node_id, device.web_ip]
        if settings is not None:
            secrets += [settings.username, settings.password, settings.host]
        if info is not None:
            secrets += [info.mac, info.client_id, info.ip, info.ssid]
        device.web_log = redact_text(text, secrets)

    def _web_failed(self, device: Device, err: WebError, *, probing: bool) -> None:
        device.web_failed = err.key
        if probing:  # most devices have no web server: not a problem
            self._logger.debug("FmPyIOT device %s has no usable web API: %s", device.label, err)
            return
        self._problems.report(device.label, f"web_{err.key}", str(err))
        if (
            isinstance(err, WebAuthError)
            and self._on_web_auth_error is not None
            and device.node_id is not None
        ):
            try:
                self._on_web_auth_error(device.node_id)
            except Exception:
                self._logger.exception("Error in the FmPyIOT web authentication callback")

    def _apply_web(self, device: Device, host: str, snapshot: WebSnapshot) -> None:
        """The device's web name and URL; with credentials, points for every topic it lists."""
        device.web_name, device.web_failed = snapshot.name, None
        device.configuration_url = configuration_url(device, host)
        self._reporter.report_info(device)
        if snapshot.topics is None or snapshot.status is None:
            return
        status = snapshot.status
        self._reporter.add_points(device, [WEB_REBOOT_POINT, WEB_LOGGING_LEVEL_POINT])
        if (sysinfo := status.get(f"{RELATIVE_PREFIX}{SYSINFO}")) is not None:
            self._on_sysinfo(device, sysinfo.payload)
        elif device.sysinfo is not None and device.sysinfo.logging_level_name is not None:
            self._reporter.value(device, WEB_LOGGING_LEVEL_KEY, device.sysinfo.logging_level_name)
        if (params := status.get(f"{RELATIVE_PREFIX}{PARAMS}")) is not None:
            self._on_params(device, params.payload)
        for declared in dict.fromkeys((*snapshot.topics.readers, *status)):
            if declared in SYSTEM_DECLARED or (entry := self._ensure_entry(device, declared)) is None:
                continue
            if (current := status.get(declared)) is not None:
                self._read_value(device, entry, current.payload)
        self._add_web_actions(device, snapshot.topics)
        self._state_changed()
        self._spawn(self._subscribe_device(device))

    def _add_web_actions(self, device: Device, topics: WebTopics) -> None:
        """Action points for the actions the web page lists (buttons unless the user said otherwise)."""
        known = [*SYSTEM_DECLARED, *(entry.key for entry in device.all_entries())]
        actions, device.web_unresolved = topics.actions(known)
        new_actions = []
        for declared in actions.values():
            if declared in SYSTEM_DECLARED or (entry := self._ensure_entry(device, declared)) is None:
                continue
            if entry.action is None:
                settings = device.topic_settings(declared)
                entry.action = settings.action if settings and settings.action else ActionKind.BUTTON
                new_actions.append(action_point(entry.key, entry.action))
        self._reporter.add_points(device, new_actions)

    def _ensure_entry(self, device: Device, key: str) -> TopicEntry | None:
        if (entry := device.ensure_entry(key)) is None and device.full:
            self._problems.report(device.label, DropReason.TOO_MANY_TOPICS, f"{key[:80]!r} beyond the limit")
        return entry

    async def _web_write(
        self, device: Device, call: Callable[[FmPyIotWeb], Coroutine[Any, Any, None]]
    ) -> None:
        settings = device.settings.web
        web = web_client(self._web_session, device)
        if web is None or settings is None or not settings.has_credentials:
            raise WriteError(f"FmPyIOT device {device.label} has no web API configured")
        try:
            await call(web)
        except WebError as err:
            self._web_failed(device, err, probing=False)
            raise WriteError(f"FmPyIOT device {device.label}: {err}") from err

    async def async_device_log(self, node_id: str) -> str | None:
        """The device's current log file from its web API (for diagnostics), or None without one.

        Raises `WebError` when the device does not answer.
        """
        device = self._book.by_id.get(node_id)
        if (
            device is None
            or device.web_name is None
            or (web := web_client(self._web_session, device)) is None
        ):
            return None
        return await web.async_logs()

    # --- subscriptions and publishing ------------------------------------------------------------

    async def _ask_new_device(self, device: Device) -> None:
        await self._subscribe_device(device)
        if (base := device.base) is not None:
            known = ((SYSINFO_REQUEST, device.sysinfo is not None), (PARAMS_REQUEST, bool(device.params)))
            await self._request(device, [base + name for name, have in known if not have])

    async def _subscribe_device(self, device: Device) -> None:
        """Subscribe `<base>+` and the device's exact topics that are not subscribed yet."""
        base = device.base
        if base is None or not self._running:
            return
        wanted: list[tuple[str, MessageCallback]] = []
        if device.subscribed_base != base:
            device.subscribed_base = base
            wanted.append((base + "+", partial(self._on_device_message, device, base)))
        for exact in sorted(device.exact_subscriptions() - device.subscribed_exact):
            device.subscribed_exact.add(exact)
            wanted.append((exact, partial(self._on_exact_message, device, base)))
        for topic, callback in wanted:
            try:
                unsubscribe = await self._link.async_subscribe(topic, callback, SUBSCRIBE_QOS)
            except Exception as err:  # noqa: BLE001 - the next refresh subscribes again
                self._problems.report(
                    device.label, DropReason.SUBSCRIBE_FAILED, f"cannot subscribe {topic}: {err}"
                )
                device.subscribed_exact.discard(topic)
                if topic == base + "+":
                    device.subscribed_base = None
                continue
            if device.base != base or not self._running:
                unsubscribe()
                return
            device.unsubscribe.append(unsubscribe)

    async def _refresh(self, device: Device, *, again: bool = True) -> None:
        """Ask for SYSINFO, PARAMS and every readable topic; `again`: re-ask if it missed this."""
        if (base := device.base) is None:
            return
        await self._subscribe_device(device)
        if again:
            device.refresh_sent_at = self._clock.time()
        topics = [base + SYSINFO_REQUEST, base + PARAMS_REQUEST]
        topics += [
            topic
            for entry in device.all_entries()
            if entry.readable and (topic := device.reverse_topic(entry))
        ]
        await self._request(device, topics)

    async def _request(self, device: Device, topics: list[str]) -> None:
        """Publish requests to one device one after the other (its incoming queue holds one message)."""
        base = device.base
        for index, topic in enumerate(topics):
            if index and self._request_spacing:
                await asyncio.sleep(self._request_spacing)
            if device.base != base or not self._running:
                return
            await self._publish(topic, "")

    async def _publish(self, topic: str, payload: str) -> None:
        """Publish a request; a failure is logged (once until publishing works again), not raised."""
        try:
            await self._link.async_publish(topic, payload, PUBLISH_QOS, retain=False)
        except Exception as err:  # noqa: BLE001 - a broken link must not end the gateway
            self._problems.count(DropReason.PUBLISH_FAILED)
            log = self._logger.debug if self._publish_failing else self._logger.warning
            self._publish_failing = True
            log("Could not publish %s: %s", topic, err)
        else:
            if self._publish_failing:
                self._publish_failing = False
                self._logger.info("Publishing to the MQTT broker works again")

    async def _publish_or_raise(self, topic: str, payload: str) -> None:
        await self._link.async_publish(topic, payload, PUBLISH_QOS, retain=False)

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        if not self._running:
            coroutine.close()
            return
        task = asyncio.get_running_loop().create_task(coroutine, name="fmpyiot gateway")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (err := task.exception()) is not None:
            self._logger.error("FmPyIOT gateway task failed", exc_info=err)

    def _state_changed(self) -> None:
        if self._on_state_changed is not None:
            try:
                self._on_state_changed()
            except Exception:
                self._logger.exception("Error in the FmPyIOT state-changed callback")

    def _decode(self, device: Device, payload: bytes) -> Any:
        try:
            return decode(payload)
        except PayloadError as err:
            self._problems.report(device.label, err.key.value, str(err))
            return _INVALID

    # --- diagnostics -----------------------------------------------------------------------------

    def diagnostics(self) -> dict[str, Any]:
        """Settings, subscriptions, every device and the problem counts, as JSON-able data.

        Identifying values are under the keys of `diagnostics.REDACT`, for the HA side to redact.
        """
        now = self._clock.time() if self._running else None
        return {
            "running": self._running,
            "settings": {
                "max_depth": self._settings.max_depth,
                "time_service": self._time is not None,
                "web_probe": self._settings.web_probe,
                "web_api": self._web_session is not None,
                "manual_bases": list(self._settings.manual_bases),
            },
            "subscriptions": list(self._filters) + ([TIME_REQUEST_TOPIC] if self._time else []),
            "devices": [device_diagnostics(device, now) for device in self._book.devices()],
            "problems": self._problems.as_dict(),
            "time_service": (
                {"requests": self._time.requests, "answers": self._time.answers} if self._time else None
            ),
        }
