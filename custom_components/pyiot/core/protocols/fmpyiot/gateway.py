"""FmPyIOT devices over MQTT (fmpyiot.md): a `core.nodes.Transport` reporting to a `NodeListener`.

Subscriptions are chosen so that the broker filters, not us: the system topics at depths 1 to
`max_depth` (`+/WATCHDOG`, `+/+/WATCHDOG`, ... for WATCHDOG, SYSINFO, PARAMS and BYE), the time request,
and per known device `<base>+` plus the exact topics it declared elsewhere. Nothing unrelated on the
broker reaches the gateway unless its last level is a system topic name. System topics arrive only
through the discovery subscriptions (except for bases deeper than `max_depth`), values only through the
device's own, so every message is handled exactly once.

Lifecycle: `restore(stored)` (optional), `async_start()` (subscribes, then asks every known device for
SYSINFO, PARAMS and fresh reads), `async_refresh_all()` after each reconnection of the MQTT client,
`export()` whenever `on_state_changed` fires, `async_stop()`.
"""

import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime
from enum import StrEnum
from functools import partial
import json
import logging
from typing import Any, Final

import aiohttp

from ...nodes.bad_input import OncePerSourceLogger
from ...nodes.model import NodeListener, PointSpec, WriteError
from ..mqtt_link import MqttLink, Unsubscribe
from .availability import Liveness, LostReason
from .clock import Clock, LoopClock
from .device import (
    ACTION_NAMESPACE,
    STORAGE_VERSION,
    WEB_LOGGING_LEVEL_KEY,
    WEB_LOGGING_LEVEL_POINT,
    WEB_REBOOT_KEY,
    WEB_REBOOT_POINT,
    Device,
    Identity,
    ParamWaiter,
    TopicEntry,
    action_key,
    action_point,
    device_record,
    identity_of,
    new_echo,
    read_record,
    reverse_for,
)
from .params import (
    PARAMS_NAMESPACE,
    ParamsError,
    ParamWriteError,
    coerce_write,
    flatten_params,
    param_name,
    param_point,
    param_state,
    param_type,
    params_key,
    same_value,
    set_params_payload,
)
from .payloads import MAX_PAYLOAD_BYTES, PayloadError, decode, encode
from .settings import ActionKind, GatewaySettings, TopicSettings, WebSettings
from .sysinfo import (
    DIAGNOSTIC_FIELDS,
    LOGGING_LEVELS,
    SysInfoError,
    diagnostic_point,
    diagnostic_values,
    node_info,
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
    SET_PARAMS,
    SYSINFO,
    SYSINFO_REQUEST,
    SYSTEM_NAMES,
    TIME_REQUEST_TOPIC,
    TIME_TOPIC,
    WATCHDOG,
    base_depth,
    discovery_filters,
    key_topic,
    normalise_base,
    split_system_topic,
    valid_topic_key,
)
from .values import Shape, as_text, convert, parse_switch_state, shape_for_first_value
from .web import FmPyIotWeb, WebAuthError, WebError
from .web_pages import StatusEntry, WebTopics

_LOGGER = logging.getLogger(__name__)

SUBSCRIBE_QOS: Final = 0
"""Devices publish at QoS 0; a higher subscription QoS would only add acknowledgements."""
PUBLISH_QOS: Final = 1
MAX_DEVICES: Final = 1000
MAX_TOPICS_PER_DEVICE: Final = 256
DEFAULT_IDENTITY_TIMEOUT: Final = 30.0
DEFAULT_WRITE_TIMEOUT: Final = 5.0
DEFAULT_REQUEST_SPACING: Final = 0.05
"""Seconds between two requests to one device: its incoming queue holds one message by default."""
SYSTEM_DECLARED: Final = frozenset(
    {f"{RELATIVE_PREFIX}{name}" for name in SYSTEM_NAMES} | {TIME_REQUEST_TOPIC, TIME_TOPIC}
)
"""Declared names of the system topics, as the web API lists them."""


class DropReason(StrEnum):
    """What was wrong with input; the keys of the `problems` counts in the diagnostics."""

    PAYLOAD_TOO_LARGE = "payload_too_large"
    NOT_UTF8 = "not_utf8"
    BAD_BASE_TOPIC = "bad_base_topic"
    BAD_TOPIC = "bad_topic"
    TOO_MANY_DEVICES = "too_many_devices"
    TOO_MANY_TOPICS = "too_many_topics"
    BAD_SYSINFO = "bad_sysinfo"
    BAD_PARAMS = "bad_params"
    TEXT_ON_NUMERIC = "text_on_numeric"
    TEXT_ON_BINARY = "text_on_binary"
    DOCUMENT_TOO_LARGE = "document_too_large"
    BAD_RECORD = "bad_record"
    BAD_CLOCK = "bad_clock"
    PUBLISH_FAILED = "publish_failed"


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

        `now` gives the local time with its time zone for the time service (which stays off without
        it or when the settings turn it off); `web_session` enables the devices' web API.
        """
        self._link = link
        self._listener = listener
        self._settings = settings or GatewaySettings()
        self._clock: Clock = clock or LoopClock()
        self._time = (
            TimeService(now, self._clock) if now is not None and self._settings.time_service else None
        )
        self._web_session = web_session
        self._on_web_auth_error = on_web_auth_error
        self._on_state_changed = on_state_changed
        self._logger = logger or _LOGGER
        self._bad_input = OncePerSourceLogger(self._logger)
        self._identity_timeout = identity_timeout
        self._write_timeout = write_timeout
        self._request_spacing = request_spacing
        self._filters = discovery_filters(self._settings.max_depth)
        self._by_base: dict[str, Device] = {}
        self._by_id: dict[str, Device] = {}
        self._problems: Counter[str] = Counter()
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
        return list(self._by_id)

    def base_topic(self, node_id: str) -> str | None:
        """The base topic a device uses now."""
        device = self._by_id.get(node_id)
        return device.base if device else None

    # --- lifecycle -------------------------------------------------------------------------------

    async def async_start(self) -> None:
        """Subscribe, then ask every known device (restored or added by hand) for its state."""
        if self._running:
            return
        self._running = True
        try:
            topics: list[tuple[str, Callable[[str, bytes], None]]] = [
                (topic, self._on_discovery_message) for topic in self._filters
            ]
            if self._time is not None:
                topics.append((TIME_REQUEST_TOPIC, self._on_time_request))
            self._subscriptions = list(
                await asyncio.gather(
                    *(
                        self._link.async_subscribe(topic, callback, SUBSCRIBE_QOS)
                        for topic, callback in topics
                    )
                )
            )
            for base in self._settings.manual_bases:
                if base not in self._by_base:
                    self._discover(base, manual=True)
            await asyncio.gather(*(self._subscribe_device(device) for device in list(self._by_base.values())))
        except BaseException:
            await self.async_stop()
            raise
        await self.async_refresh_all()

    async def async_stop(self) -> None:
        """Unsubscribe, cancel timers and pending work; identified devices are kept for a restart."""
        self._running = False
        for unsubscribe in self._subscriptions:
            unsubscribe()
        self._subscriptions.clear()
        for device in list(self._by_base.values()) + list(self._by_id.values()):
            device.drop_subscriptions()
            device.liveness.stop()
            device.cancel_waiters("the FmPyIOT gateway stopped")
            self._cancel_identity_timer(device)
        self._by_base = {base: device for base, device in self._by_base.items() if device.node_id is not None}
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def async_refresh_all(self) -> None:
        """Ask every known device for SYSINFO, PARAMS and a fresh read of every topic, all at once.

        Call it after the MQTT client reconnected: nothing then waits for a periodic send.
        """
        if self._running:
            await asyncio.gather(*(self._refresh(device) for device in list(self._by_base.values())))

    async def async_refresh(self, node_id: str) -> None:
        """Ask one device for everything again (Home Assistant's `update_entity`)."""
        if self._running and (device := self._by_id.get(node_id)) is not None:
            await self._refresh(device)

    async def async_refresh_point(self, node_id: str, key: str) -> None:
        """Ask one device for a fresh value of one point."""
        device = self._by_id.get(node_id)
        if not self._running or device is None or (base := device.base) is None:
            return
        namespace, separator, _ = key.partition(KEY_SEPARATOR)
        if separator:
            request = {"sysinfo": SYSINFO_REQUEST, PARAMS_NAMESPACE: PARAMS_REQUEST, "web": SYSINFO_REQUEST}
            if (name := request.get(namespace)) is not None:
                await self._publish(base + name, "")
            return
        entry = device.entry(key)
        if entry is not None and (entry.shape is not None or entry.action is None):
            topic = reverse_for(base, key, self._topic_settings(device, key))
            if topic:
                await self._publish(topic, "")

    # --- storage ---------------------------------------------------------------------------------

    def restore(self, stored: Mapping[str, Any]) -> None:
        """Take back what `export` gave in an earlier run (call before `async_start`).

        A malformed record is logged once and skipped; nothing is reported to the listener (the HA side
        restores its own entities, unavailable until the device speaks).
        """
        if self._running:
            raise RuntimeError("restore before async_start")
        records = stored.get("devices", []) if stored.get("version") == STORAGE_VERSION else []
        for data in records if isinstance(records, list) else []:
            try:
                record = read_record(data, normalise_base)
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                self._problem("storage", DropReason.BAD_RECORD, f"stored device skipped: {err!r:.120}")
                continue
            if record.node_id in self._by_id or (record.base is not None and record.base in self._by_base):
                continue
            device = self._new_device(record.base, learned_period=record.watchdog_period)
            device.node_id, device.identity = record.node_id, record.identity
            device.name, device.web_name = record.name, record.web_name
            for key, (shape, action) in record.topics.items():
                if (entry := self._ensure_entry(device, key)) is not None:
                    entry.shape, entry.action = shape, action
            device.params = dict(record.params)
            self._by_id[record.node_id] = device
            if record.base is not None:
                self._by_base[record.base] = device
            self._apply_settings(device)
            self._rebuild_points(device)

    def export(self) -> dict[str, Any]:
        """Every identified device as plain data, for `restore`."""
        return {
            "version": STORAGE_VERSION,
            "devices": [device_record(device) for device in self._by_id.values()],
        }

    # --- writes ----------------------------------------------------------------------------------

    async def async_write(self, node_id: str, key: str, value: Any) -> None:
        """Run an action, set a parameter (confirmed by reading PARAMS back), reboot or set the log level."""
        if not self._running:
            raise WriteError("The FmPyIOT gateway is not running")
        device = self._by_id.get(node_id)
        if device is None or device.base is None:
            raise WriteError(f"FmPyIOT device {node_id} is unknown")
        if not device.liveness.available:
            raise WriteError(f"FmPyIOT device {device.label} is not available")
        namespace, separator, rest = key.partition(KEY_SEPARATOR)
        if separator and namespace == PARAMS_NAMESPACE:
            await self._write_param(device, device.base, rest, value)
        elif separator and namespace == ACTION_NAMESPACE:
            await self._write_action(device, device.base, rest, value)
        elif key == WEB_REBOOT_KEY:
            await self._web_write(device, lambda web: web.async_reboot())
        elif key == WEB_LOGGING_LEVEL_KEY:
            await self._write_logging_level(device, device.base, value)
        else:
            raise WriteError(f"{key} of FmPyIOT device {device.label} cannot be written")

    async def _write_param(self, device: Device, base: str, flat_key: str, value: Any) -> None:
        kind = device.params.get(flat_key)
        if kind is None:
            raise WriteError(f"FmPyIOT device {device.label} has no parameter {flat_key}")
        try:
            coerced = coerce_write(kind, value)
        except ParamWriteError as err:
            raise WriteError(f"Parameter {param_name(flat_key)} {err}") from err
        waiter = ParamWaiter(flat_key, kind, coerced, asyncio.get_running_loop().create_future())
        device.param_waiters.append(waiter)
        try:
            await self._publish_or_fail(base + SET_PARAMS, set_params_payload(flat_key, coerced))
            await self._publish_or_fail(base + PARAMS_REQUEST, "")
            await self._wait(waiter.future)
        except TimeoutError as err:
            if waiter.seen:
                raise WriteError(
                    f"FmPyIOT device {device.label} did not take {param_name(flat_key)} = {coerced!r}: "
                    f"it still has {waiter.seen[-1]!r}"
                ) from err
            raise WriteError(
                f"FmPyIOT device {device.label} did not confirm {param_name(flat_key)}: no PARAMS "
                f"within {self._write_timeout:g} s"
            ) from err
        except ConnectionError as err:
            raise WriteError(str(err)) from err
        finally:
            if waiter in device.param_waiters:
                device.param_waiters.remove(waiter)

    async def _write_action(self, device: Device, base: str, topic_key: str, value: Any) -> None:
        entry = device.entry(topic_key)
        if entry is None or entry.action is None:
            raise WriteError(f"{topic_key} of FmPyIOT device {device.label} is not an action")
        settings = self._topic_settings(device, topic_key) or TopicSettings()
        state: bool | None = None
        match entry.action:
            case ActionKind.BUTTON:
                payload = ""
            case ActionKind.SWITCH:
                if (state := parse_switch_state(value)) is None:
                    raise WriteError(f"{topic_key} expects on or off, got {value!r:.40}")
                payload = settings.on_payload if state else settings.off_payload
            case ActionKind.TEXT:
                if not isinstance(value, str) or len(value) > MAX_PAYLOAD_BYTES:
                    raise WriteError(f"{topic_key} expects text of at most 64 KiB")
                payload = value
            case ActionKind.NUMBER:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise WriteError(f"{topic_key} expects a number, got {value!r:.40}")
                try:
                    payload = encode(value)
                except ValueError as err:
                    raise WriteError(f"{topic_key} expects a finite number") from err
        if entry.shape is not None:
            entry.echo = new_echo(payload, self._clock.time())
        reply = self._expect_reply(device, entry.key) if state is not None else None
        try:
            await self._publish_or_fail(key_topic(base, topic_key), payload)
            if reply is not None:
                answer = await self._wait(reply)
                if self._switch_state(answer, settings) != state:
                    raise WriteError(
                        f"FmPyIOT device {device.label} answered {as_text(answer)!r} on {topic_key}"
                    )
        except TimeoutError as err:
            raise WriteError(
                f"FmPyIOT device {device.label} did not confirm {topic_key} within {self._write_timeout:g} s"
            ) from err
        except ConnectionError as err:
            raise WriteError(str(err)) from err
        finally:
            if reply is not None and reply in (waiting := device.reply_waiters.get(entry.key, [])):
                waiting.remove(reply)
        if entry.action in {ActionKind.TEXT, ActionKind.NUMBER}:
            self._value(device, action_key(entry.key), value)

    async def _write_logging_level(self, device: Device, base: str, value: Any) -> None:
        levels = {name: level for level, name in LOGGING_LEVELS.items()}
        if value not in levels:
            raise WriteError(f"logging level must be one of {', '.join(levels)}")
        await self._web_write(device, lambda web: web.async_set_logging_level(levels[value]))
        self._value(device, WEB_LOGGING_LEVEL_KEY, value)
        await self._publish(base + SYSINFO_REQUEST, "")

    def _expect_reply(self, device: Device, key: str) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        device.reply_waiters.setdefault(key, []).append(future)
        return future

    async def _wait[T](self, future: asyncio.Future[T]) -> T:
        """Wait for `future` at most `write_timeout` on the gateway's clock; TimeoutError after."""

        def expire() -> None:
            if not future.done():
                future.set_exception(TimeoutError())

        timer = self._clock.call_later(self._write_timeout, expire)
        try:
            return await future
        finally:
            timer.cancel()

    @staticmethod
    def _switch_state(value: Any, settings: TopicSettings) -> bool | None:
        if value == settings.on_payload:
            return True
        if value == settings.off_payload:
            return False
        return parse_switch_state(value)

    # --- incoming messages -----------------------------------------------------------------------

    def _on_discovery_message(self, topic: str, payload: bytes) -> None:
        """A system topic at one of the discovery depths."""
        if not self._running:
            return
        try:
            if (split := split_system_topic(topic)) is None:
                return
            base, name = split
            device = self._by_base.get(base) or self._discover(base)
            if device is not None and not device.own_system_topics:
                self._on_system(device, name, payload)
        except Exception:
            self._logger.exception("Error while handling an FmPyIOT message on %s", topic[:MAX_TOPIC_LENGTH])

    def _on_device_message(self, device: Device, base: str, topic: str, payload: bytes) -> None:
        """A message on `<base>+` of one device."""
        if not self._running or device.base != base:
            return
        try:
            name = topic[len(base) :]
            if (entry := device.topics.get(name)) is not None:
                if entry.shape is not None or entry.action is None:
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
                if entry.shape is not None or entry.action is None:
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
            self._problem("time service", DropReason.BAD_CLOCK, str(err))
            return
        if answer is not None:
            self._spawn(self._publish(TIME_TOPIC, json.dumps(answer)))

    def _on_system(self, device: Device, name: str, payload: bytes) -> None:
        if name == WATCHDOG:
            device.showed_life = True
            device.liveness.feed()
        elif name == BYE:
            device.liveness.bye()
        elif (document := self._decode(device, payload)) is not _INVALID:
            if name == SYSINFO:
                self._on_sysinfo(device, document)
            elif name == PARAMS:
                self._on_params(device, document)

    def _on_sysinfo(self, device: Device, document: object) -> None:
        try:
            info = parse_sysinfo(document)
        except SysInfoError as err:
            self._problem(device.label, DropReason.BAD_SYSINFO, str(err))
            return
        if info.problems:
            self._problem(
                device.label, DropReason.BAD_SYSINFO, f"fields left out: {', '.join(info.problems)}"
            )
        identity = identity_of(info)
        if (
            device.node_id is not None
            and device.identity is not Identity.BASE
            and identity is not None
            and identity[0] != device.node_id
        ):
            device = self._replace(device)
        device.sysinfo = info
        device.showed_life = True
        if device.node_id is None:
            node_id, source = identity or (device.base or "", Identity.BASE)
            device = self._identify(device, node_id, source)
        device.liveness.message()
        present = [name for name in DIAGNOSTIC_FIELDS if sysinfo_key(name) in diagnostic_values(info)]
        self._add_points(device, [diagnostic_point(name) for name in present])
        for key, value in diagnostic_values(info).items():
            self._value(device, key, value)
        if WEB_LOGGING_LEVEL_KEY in device.points and info.logging_level_name is not None:
            self._value(device, WEB_LOGGING_LEVEL_KEY, info.logging_level_name)
        self._report_info(device)
        self._maybe_web_sync(device)

    def _on_params(self, device: Device, document: object) -> None:
        try:
            flat = flatten_params(document)
        except ParamsError as err:
            self._problem(device.label, DropReason.BAD_PARAMS, str(err))
            return
        if flat.problems:
            self._problem(
                device.label, DropReason.BAD_PARAMS, f"left out: {', '.join(sorted(set(flat.problems)))}"
            )
        device.showed_life = True
        device.liveness.message()
        new = []
        for flat_key, value in flat.values.items():
            if flat_key not in device.params:
                device.params[flat_key] = kind = param_type(value)
                new.append(param_point(flat_key, kind))
        if new:
            self._state_changed()
            self._add_points(device, new)
        for flat_key, kind in device.params.items():
            if flat_key in flat.values:
                self._value(device, params_key(flat_key), param_state(kind, flat.values[flat_key]))
            elif device.announced and device.node_id is not None:
                self._listener.point_unavailable(device.node_id, params_key(flat_key))
        for waiter in device.param_waiters:
            if waiter.future.done():
                continue
            if waiter.flat_key in flat.values and same_value(
                waiter.kind, waiter.value, flat.values[waiter.flat_key]
            ):
                waiter.future.set_result(None)
            else:
                waiter.seen.append(flat.values.get(waiter.flat_key, "nothing"))

    def _on_read(self, device: Device, entry: TopicEntry, payload: bytes) -> None:
        if entry.echo is not None:
            echo, until = entry.echo
            if payload == echo:
                entry.echo = None
                if self._clock.time() <= until:
                    return
        if (value := self._decode(device, payload)) is _INVALID:
            return
        if entry.shape is None:
            entry.shape = shape_for_first_value(entry.key, value)
            self._state_changed()
            device.liveness.message()
            self._add_points(device, [entry.read_point(self._topic_settings(device, entry.key))])
        self._read_value(device, entry, value)

    def _read_value(self, device: Device, entry: TopicEntry, value: object) -> None:
        if entry.shape is None:
            return
        converted = convert(entry.shape, value)
        if converted.problem is not None:
            self._problem(
                device.label, DropReason(converted.problem.value), f"{entry.key}: {as_text(value)!r}"
            )
        device.showed_life = True
        device.liveness.message()
        self._value(device, entry.key, converted.value)

    def _on_new_topic(self, device: Device, name: str, payload: bytes) -> None:
        if len(name) > MAX_TOPIC_LENGTH or not name.isprintable():
            self._problem(device.label, DropReason.BAD_TOPIC, f"topic {name[:80]!r}")
            return
        if len(device.topics) + len(device.exact) >= MAX_TOPICS_PER_DEVICE:
            self._problem(
                device.label, DropReason.TOO_MANY_TOPICS, f"{name[:80]!r} beyond {MAX_TOPICS_PER_DEVICE}"
            )
            return
        if (value := self._decode(device, payload)) is _INVALID:
            return
        entry = device.topics[name] = TopicEntry(RELATIVE_PREFIX + name)
        entry.shape = shape_for_first_value(name, value)
        self._state_changed()
        device.showed_life = True
        device.liveness.message()
        self._add_points(device, [entry.read_point(self._topic_settings(device, entry.key))])
        self._read_value(device, entry, value)

    def _on_reply(self, device: Device, entry: TopicEntry | None, payload: bytes) -> None:
        """`<topic>_` of an action topic carries the action's return value; of a read topic, a request."""
        if entry is None or entry.action is None:
            return
        if (value := self._decode(device, payload)) is _INVALID:
            return
        device.showed_life = True
        device.liveness.message()
        for future in device.reply_waiters.pop(entry.key, []):
            if not future.done():
                future.set_result(value)
        settings = self._topic_settings(device, entry.key) or TopicSettings()
        match entry.action:
            case ActionKind.SWITCH:
                if (state := self._switch_state(value, settings)) is not None:
                    self._value(device, action_key(entry.key), state)
            case ActionKind.TEXT:
                self._value(device, action_key(entry.key), as_text(value))
            case ActionKind.NUMBER:
                if isinstance(value, int | float) and not isinstance(value, bool):
                    self._value(device, action_key(entry.key), value)
            case ActionKind.BUTTON:
                pass

    # --- devices ---------------------------------------------------------------------------------

    def _new_device(self, base: str | None, *, learned_period: float | None = None) -> Device:
        device: Device

        def on_change(available: bool, reason: LostReason | None) -> None:
            self._availability_changed(device, available, reason)

        device = Device(base, Liveness(self._clock, on_change, learned_period=learned_period))
        device.own_system_topics = base is not None and base_depth(base) > self._settings.max_depth
        return device

    def _discover(self, base: str, *, manual: bool = False) -> Device | None:
        if len(self._by_base) >= MAX_DEVICES:
            self._problem(
                base[:MAX_TOPIC_LENGTH], DropReason.TOO_MANY_DEVICES, f"already {MAX_DEVICES} devices"
            )
            return None
        if len(base) > MAX_TOPIC_LENGTH or not base.isprintable():
            self._problem(base[:MAX_TOPIC_LENGTH], DropReason.BAD_BASE_TOPIC, f"base topic {base[:80]!r}")
            return None
        device = self._by_base[base] = self._new_device(base)
        self._logger.debug("FmPyIOT device found at %s", base)
        if not manual:  # a manual base is subscribed and asked by async_start
            self._spawn(self._start_device(device, ask=True))
        self._arm_identity_timer(device, self._identity_timeout / 3)
        return device

    async def _start_device(self, device: Device, *, ask: bool) -> None:
        await self._subscribe_device(device)
        if device.base is None:
            return
        if ask:
            requests = [
                name
                for name, known in ((SYSINFO_REQUEST, device.sysinfo), (PARAMS_REQUEST, device.params))
                if not known
            ]
            await self._request(device, [device.base + name for name in requests])
        else:
            await self._refresh(device)

    def _arm_identity_timer(self, device: Device, delay: float) -> None:
        self._cancel_identity_timer(device)
        device.identity_timer = self._clock.call_later(delay, partial(self._identity_expired, device, delay))

    @staticmethod
    def _cancel_identity_timer(device: Device) -> None:
        if device.identity_timer is not None:
            device.identity_timer.cancel()
            device.identity_timer = None

    def _identity_expired(self, device: Device, waited: float) -> None:
        """Ask a silent device for SYSINFO once more; after `identity_timeout`, use its base topic."""
        device.identity_timer = None
        if (
            device.node_id is not None
            or (base := device.base) is None
            or self._by_base.get(base) is not device
        ):
            return
        if waited < self._identity_timeout:
            self._spawn(self._publish(base + SYSINFO_REQUEST, ""))
            self._arm_identity_timer(device, self._identity_timeout - waited)
        elif device.showed_life:
            self._identify(device, base, Identity.BASE)
        else:  # only a BYE was heard: nothing to show
            device.drop_subscriptions()
            device.liveness.stop()
            del self._by_base[base]

    def _identify(self, device: Device, node_id: str, identity: Identity) -> Device:
        """Give a pending device its node id; a known node id at another base means it moved there."""
        self._cancel_identity_timer(device)
        existing = self._by_id.get(node_id)
        if existing is not None and existing is not device:
            return self._move(existing, device)
        device.node_id, device.identity = node_id, identity
        self._by_id[node_id] = device
        self._apply_settings(device)
        self._rebuild_points(device)
        self._state_changed()
        if device.liveness.available:
            self._announce(device)
        return device

    def _move(self, existing: Device, arrived: Device) -> Device:
        """`existing` now publishes at the base of the pending `arrived`: one device, new base."""
        base = arrived.base
        assert base is not None  # noqa: S101 - only pending devices at a base are identified
        self._logger.info("FmPyIOT device %s moved from %s to %s", existing.label, existing.base, base)
        existing.drop_subscriptions()
        if existing.base is not None and self._by_base.get(existing.base) is existing:
            del self._by_base[existing.base]
        arrived.drop_subscriptions()
        arrived.liveness.stop()
        exact = {entry.key: entry for entry in existing.exact.values()}
        existing.base, existing.own_system_topics = base, arrived.own_system_topics
        existing.exact = {key_topic(base, key): entry for key, entry in exact.items()}
        for name, entry in arrived.topics.items():
            existing.topics.setdefault(name, entry)
        for flat_key, kind in arrived.params.items():
            existing.params.setdefault(flat_key, kind)
        existing.sysinfo = arrived.sysinfo or existing.sysinfo
        existing.pending_values.update(arrived.pending_values)
        self._by_base[base] = existing
        self._apply_settings(existing)
        self._rebuild_points(existing)
        self._state_changed()
        if arrived.liveness.available:
            existing.liveness.message()
        if existing.liveness.available:
            self._announce(existing)
        self._spawn(self._start_device(existing, ask=False))
        return existing

    def _replace(self, device: Device) -> Device:
        """Another board (another MAC) now uses this device's base: the old device loses it."""
        base = device.base
        assert base is not None  # noqa: S101 - SYSINFO arrives at a base
        self._logger.info("FmPyIOT base topic %s now belongs to another device than %s", base, device.label)
        device.drop_subscriptions()
        device.base = None
        was_available = device.liveness.available
        device.liveness.stop()
        if was_available and device.node_id is not None:
            self._listener.node_lost(device.node_id)
        self._state_changed()
        replacement = self._by_base[base] = self._new_device(base)
        self._spawn(self._start_device(replacement, ask=False))
        return replacement

    def _apply_settings(self, device: Device) -> None:
        """Apply what the user set for this device: availability, declared topics, request topics."""
        settings = self._settings.device(device.node_id)
        device.liveness.configure(
            sleeping=settings.sleeping,
            sleep_period=settings.sleep_period,
            sleep_periods=settings.sleep_periods,
            watchdog_period=settings.watchdog_period,
        )
        device.ignored = {
            topic.reverse_topic.removeprefix(RELATIVE_PREFIX)
            for topic in settings.topics.values()
            if topic.reverse_topic and topic.reverse_topic.startswith(RELATIVE_PREFIX)
        }
        for key, topic in settings.topics.items():
            if (entry := self._ensure_entry(device, key)) is not None and topic.action is not None:
                entry.action = topic.action

    def _ensure_entry(self, device: Device, key: str) -> TopicEntry | None:
        if not valid_topic_key(key):
            return None
        if (entry := device.entry(key)) is not None:
            return entry
        if len(device.topics) + len(device.exact) >= MAX_TOPICS_PER_DEVICE:
            self._problem(
                device.label, DropReason.TOO_MANY_TOPICS, f"{key[:80]!r} beyond {MAX_TOPICS_PER_DEVICE}"
            )
            return None
        if key.startswith(RELATIVE_PREFIX) and "/" not in key[len(RELATIVE_PREFIX) :]:
            entry = device.topics[key[len(RELATIVE_PREFIX) :]] = TopicEntry(key)
        elif device.base is not None:
            entry = device.exact[key_topic(device.base, key)] = TopicEntry(key)
        else:
            return None
        return entry

    def _rebuild_points(self, device: Device) -> None:
        """The points of every topic and parameter (after a restore or a change of settings)."""
        specs: list[PointSpec] = []
        for entry in device.all_entries():
            if (read := entry.read_point(self._topic_settings(device, entry.key))) is not None:
                specs.append(read)
            if entry.action is not None:
                specs.append(action_point(entry.key, entry.action))
        specs += [param_point(flat_key, kind) for flat_key, kind in device.params.items()]
        if (
            (web := self._web_settings(device)) is not None
            and web.has_credentials
            and device.web_name is not None
        ):
            specs += [WEB_REBOOT_POINT, WEB_LOGGING_LEVEL_POINT]
        self._add_points(device, specs)

    def _topic_settings(self, device: Device, key: str) -> TopicSettings | None:
        return self._settings.device(device.node_id).topics.get(key)

    def _web_settings(self, device: Device) -> WebSettings | None:
        return self._settings.device(device.node_id).web

    # --- reporting -------------------------------------------------------------------------------

    def _availability_changed(self, device: Device, available: bool, reason: LostReason | None) -> None:
        if device.node_id is None:
            return
        if available:
            if device.announced:
                self._logger.info("FmPyIOT device %s is available again", device.label)
            self._announce(device)
            return
        self._logger.info("FmPyIOT device %s is unavailable (%s)", device.label, reason)
        try:
            self._listener.node_lost(device.node_id)
        except Exception:
            self._logger.exception("Error while reporting the loss of FmPyIOT device %s", device.label)

    def _announce(self, device: Device) -> None:
        """Report the device, the points not reported yet and the values kept meanwhile."""
        assert device.node_id is not None  # noqa: S101 - only identified devices are announced
        device.announced = True
        device.reported_info = info = self._node_info(device)
        self._listener.node_seen(info)
        new = [spec for key, spec in device.points.items() if key not in device.reported]
        if new:
            device.reported.update(spec.key for spec in new)
            self._listener.points_seen(device.node_id, new)
        pending, device.pending_values = device.pending_values, {}
        for key, value in pending.items():
            self._listener.value_received(device.node_id, key, value)

    def _report_info(self, device: Device) -> None:
        if (
            device.announced
            and device.node_id is not None
            and (info := self._node_info(device)) != device.reported_info
        ):
            device.reported_info = info
            self._listener.node_seen(info)

    def _node_info(self, device: Device) -> Any:
        web = self._web_settings(device)
        url = None
        if device.web_name is not None and device.web_ip is not None:
            port = web.port if web else 80
            url = f"http://{device.web_ip}/" if port == 80 else f"http://{device.web_ip}:{port}/"  # noqa: PLR2004
        name = device.name or device.web_name or None
        return node_info(
            device.node_id or "", device.sysinfo, base=device.base or "", name=name, configuration_url=url
        )

    def _add_points(self, device: Device, specs: list[PointSpec | None]) -> None:
        new = []
        for spec in specs:
            if spec is None or device.points.get(spec.key) == spec:
                continue
            device.points[spec.key] = spec
            new.append(spec)
        if new and device.announced and device.node_id is not None:
            device.reported.update(spec.key for spec in new)
            self._listener.points_seen(device.node_id, new)

    def _value(self, device: Device, key: str, value: Any) -> None:
        if device.announced and key in device.reported and device.node_id is not None:
            self._listener.value_received(device.node_id, key, value)
        elif key in device.points:
            device.pending_values[key] = value

    def _state_changed(self) -> None:
        if self._on_state_changed is not None:
            try:
                self._on_state_changed()
            except Exception:
                self._logger.exception("Error in the FmPyIOT state-changed callback")

    # --- web API ---------------------------------------------------------------------------------

    def _web_client(self, device: Device, *, host: str | None = None) -> FmPyIotWeb | None:
        settings = self._web_settings(device)
        host = host or (settings.host if settings and settings.host else None) or device.web_ip
        if host is None and device.sysinfo is not None:
            host = device.sysinfo.ip
        if self._web_session is None or host is None:
            return None
        return FmPyIotWeb(
            self._web_session,
            host,
            settings.port if settings else 80,
            username=settings.username if settings else None,
            password=settings.password if settings else None,
        )

    def _maybe_web_sync(self, device: Device) -> None:
        settings = self._web_settings(device)
        if (
            self._web_session is None
            or device.node_id is None
            or (settings is None and not self._settings.web_probe)
        ):
            return
        host = (settings.host if settings and settings.host else None) or (
            device.sysinfo.ip if device.sysinfo else None
        )
        if host is None or host == device.web_ip:
            return
        device.web_ip = host
        self._spawn(self._web_sync(device, host))

    async def async_web_sync(self, node_id: str) -> None:
        """Read the device's web API again: fingerprint, topics and every current value."""
        if (device := self._by_id.get(node_id)) is not None and (
            host := device.web_ip or (device.sysinfo.ip if device.sysinfo else None)
        ):
            device.web_ip = host
            await self._web_sync(device, host)

    async def _web_sync(self, device: Device, host: str) -> None:
        settings = self._web_settings(device)
        web = self._web_client(device, host=host)
        if web is None:
            return
        try:
            device.web_name = await web.async_hello()
            device.web_failed = None
            self._report_info(device)
            if settings is None or not settings.has_credentials:
                return
            self._add_points(device, [WEB_REBOOT_POINT, WEB_LOGGING_LEVEL_POINT])
            if device.sysinfo is not None and device.sysinfo.logging_level_name is not None:
                self._value(device, WEB_LOGGING_LEVEL_KEY, device.sysinfo.logging_level_name)
            topics = await web.async_topics()
            status = await web.async_status()
        except WebError as err:
            self._web_failed(device, err, probing=settings is None)
            return
        self._apply_web(device, topics, status)

    def _web_failed(self, device: Device, err: WebError, *, probing: bool) -> None:
        device.web_failed = err.key
        if probing:  # most devices have no web server: not a problem
            self._logger.debug("FmPyIOT device %s has no usable web API: %s", device.label, err)
            return
        self._problem(device.label, f"web_{err.key}", str(err))
        if (
            isinstance(err, WebAuthError)
            and self._on_web_auth_error is not None
            and device.node_id is not None
        ):
            try:
                self._on_web_auth_error(device.node_id)
            except Exception:
                self._logger.exception("Error in the FmPyIOT web authentication callback")

    def _apply_web(self, device: Device, topics: WebTopics, status: Mapping[str, StatusEntry]) -> None:
        """Points for every topic the web API lists, values from `/api/status`."""
        if (sysinfo := status.get(f"{RELATIVE_PREFIX}{SYSINFO}")) is not None:
            self._on_sysinfo(device, sysinfo.payload)
        if (params := status.get(f"{RELATIVE_PREFIX}{PARAMS}")) is not None:
            self._on_params(device, params.payload)
        device.liveness.message()
        for declared in dict.fromkeys((*topics.readers, *status)):
            if declared in SYSTEM_DECLARED or (entry := self._ensure_entry(device, declared)) is None:
                continue
            if (current := status.get(declared)) is not None:
                self._web_value(device, entry, current.payload)
        known = [entry.key for entry in device.all_entries()]
        actions, device.web_unresolved = topics.actions(known)
        new_actions = []
        for declared in actions.values():
            if declared in SYSTEM_DECLARED or (entry := self._ensure_entry(device, declared)) is None:
                continue
            if entry.action is None:
                settings = self._topic_settings(device, declared)
                entry.action = settings.action if settings and settings.action else ActionKind.BUTTON
                new_actions.append(action_point(entry.key, entry.action))
        self._add_points(device, new_actions)
        self._state_changed()
        self._spawn(self._subscribe_device(device))

    def _web_value(self, device: Device, entry: TopicEntry, value: object) -> None:
        if entry.shape is None:
            entry.shape = shape_for_first_value(entry.key, value)
            self._add_points(device, [entry.read_point(self._topic_settings(device, entry.key))])
        self._read_value(device, entry, value)

    async def _web_write(
        self, device: Device, call: Callable[[FmPyIotWeb], Coroutine[Any, Any, None]]
    ) -> None:
        settings = self._web_settings(device)
        web = self._web_client(device)
        if web is None or settings is None or not settings.has_credentials:
            raise WriteError(f"FmPyIOT device {device.label} has no web API configured")
        try:
            await call(web)
        except WebError as err:
            self._web_failed(device, err, probing=False)
            raise WriteError(f"FmPyIOT device {device.label}: {err}") from err

    async def async_device_log(self, node_id: str) -> str | None:
        """The device's current log file from its web API, or None without one."""
        device = self._by_id.get(node_id)
        if device is None or (web := self._web_client(device)) is None:
            return None
        return await web.async_logs()

    # --- subscriptions and publishing ------------------------------------------------------------

    async def _subscribe_device(self, device: Device) -> None:
        """Subscribe `<base>+` and the device's exact topics that are not subscribed yet."""
        base = device.base
        if base is None or not self._running:
            return
        wanted: list[tuple[str, Callable[[str, bytes], None]]] = []
        if device.subscribed_base != base:
            device.subscribed_base = base
            wanted.append((base + "+", partial(self._on_device_message, device, base)))
        for topic, entry in list(device.exact.items()):
            reads = entry.shape is not None or entry.action is None
            for wanted_topic in ([topic] if reads else []) + (
                [topic + REVERSE_SUFFIX] if entry.action else []
            ):
                if wanted_topic not in device.subscribed_exact:
                    device.subscribed_exact.add(wanted_topic)
                    wanted.append((wanted_topic, partial(self._on_exact_message, device, base)))
        for topic, callback in wanted:
            try:
                unsubscribe = await self._link.async_subscribe(topic, callback, SUBSCRIBE_QOS)
            except Exception as err:  # noqa: BLE001 - retried by the next refresh
                self._problem(device.label, DropReason.PUBLISH_FAILED, f"cannot subscribe {topic}: {err}")
                device.subscribed_exact.discard(topic)
                if device.subscribed_base == base and topic == base + "+":
                    device.subscribed_base = None
                continue
            if device.base != base or not self._running:
                unsubscribe()
                return
            device.unsubscribe.append(unsubscribe)

    async def _refresh(self, device: Device) -> None:
        if (base := device.base) is None:
            return
        await self._subscribe_device(device)
        topics = [base + SYSINFO_REQUEST, base + PARAMS_REQUEST]
        for entry in device.all_entries():
            if entry.shape is not None or entry.action is None:
                reverse = reverse_for(base, entry.key, self._topic_settings(device, entry.key))
                if reverse:
                    topics.append(reverse)
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
        try:
            await self._link.async_publish(topic, payload, PUBLISH_QOS, retain=False)
        except Exception as err:  # noqa: BLE001 - a broken link must not end the gateway
            self._problems[DropReason.PUBLISH_FAILED] += 1
            log = self._logger.debug if self._publish_failing else self._logger.warning
            self._publish_failing = True
            log("Could not publish %s: %s", topic, err)
        else:
            if self._publish_failing:
                self._publish_failing = False
                self._logger.info("Publishing to the MQTT broker works again")

    async def _publish_or_fail(self, topic: str, payload: str) -> None:
        try:
            await self._link.async_publish(topic, payload, PUBLISH_QOS, retain=False)
        except Exception as err:
            raise WriteError(f"Could not publish {topic}: {err}") from err

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine, name="fmpyiot gateway")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (err := task.exception()) is not None:
            self._logger.error("FmPyIOT gateway task failed", exc_info=err)

    # --- input -----------------------------------------------------------------------------------

    def _decode(self, device: Device, payload: bytes) -> Any:
        try:
            return decode(payload)
        except PayloadError as err:
            self._problem(device.label, DropReason(err.key.value), str(err))
            return _INVALID

    def _problem(self, source: str, reason: str, detail: str) -> None:
        self._problems[reason] += 1
        self._bad_input.warn(source[:MAX_TOPIC_LENGTH], reason, detail)

    # --- diagnostics -----------------------------------------------------------------------------

    def diagnostics(self) -> dict[str, Any]:
        """Settings, subscriptions, every device and the problem counts, as JSON-able data.

        Device records carry MAC, IP, SSID and client id under `node_id`, `mac`, `ip`, `ssid`,
        `mqtt_client_id` and `web_ip`: the HA side redacts those keys.
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
            "devices": [
                self._device_diagnostics(device, now)
                for device in {
                    id(device): device for device in (*self._by_id.values(), *self._by_base.values())
                }.values()
            ],
            "problems": dict(sorted(self._problems.items())),
            "time_service": (
                {"requests": self._time.requests, "answers": self._time.answers} if self._time else None
            ),
        }

    @staticmethod
    def _device_diagnostics(device: Device, now: float | None) -> dict[str, Any]:
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
                None
                if now is None or liveness.last_message is None
                else round(now - liveness.last_message, 1)
            ),
            "topics": {
                entry.key: {"shape": entry.shape.value if entry.shape else None, "action": entry.action}
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
                "failed": device.web_failed,
                "unresolved_actions": list(device.web_unresolved),
            },
        }
