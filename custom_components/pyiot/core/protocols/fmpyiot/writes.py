"""Writes to a device over MQTT, each confirmed by what the device answers (fmpyiot.md §5, §6).

- A parameter: `SET_PARAMS {"key": value}` (never `SET_PARAM`, broken over MQTT), then `PARAMS_`; the
  write succeeds when a `PARAMS` shows the value, and fails when none does within the timeout (the
  message names the value the device kept).
- A switch action: `ON`/`OFF` (or the user's payloads) on the action topic; confirmed by the reply on
  `<topic>_`. Buttons (empty payload), text and numbers are sent without waiting.

Commands are never retained: a retained command would run again at every reconnection of the device.
Timeouts run on the gateway's clock.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Final

from ...nodes.model import WriteError, WriteRefusedError
from .clock import Clock, Timer
from .device import Device, ParamWaiter, TopicEntry, action_key
from .params import ParamWriteError, coerce_write, param_name, set_params_payload
from .payloads import MAX_PAYLOAD_BYTES, encode
from .reporting import Reporter
from .settings import ActionKind, TopicSettings
from .topics import PARAMS_REQUEST, SET_PARAMS, key_topic
from .values import as_text, parse_switch_state

DEFAULT_WRITE_TIMEOUT: Final = 5.0

type Publish = Callable[[str, str], Awaitable[None]]
"""Publishes one command (not retained); raises on failure."""


def switch_state(value: object, settings: TopicSettings) -> bool | None:
    """The state a switch reply means, with the user's payloads first."""
    if value == settings.on_payload:
        return True
    if value == settings.off_payload:
        return False
    return parse_switch_state(value)


class Writer:
    """Sends writes and waits for their confirmation."""

    def __init__(self, publish: Publish, clock: Clock, reporter: Reporter, timeout: float) -> None:
        """`publish` raises when the command cannot be sent."""
        self._publish = publish
        self._clock = clock
        self._reporter = reporter
        self.timeout = timeout

    async def write_param(self, device: Device, base: str, flat_key: str, value: Any) -> None:
        """Set one parameter and read it back."""
        kind = device.params.get(flat_key)
        if kind is None:
            raise WriteError(f"FmPyIOT device {device.label} has no parameter {flat_key}")
        try:
            coerced = coerce_write(kind, value)
        except ParamWriteError as err:
            raise WriteError(f"Parameter {param_name(flat_key)} {err}") from err
        waiter = ParamWaiter(flat_key, kind, coerced, asyncio.get_running_loop().create_future())
        device.param_waiters.append(waiter)
        deadline = self._deadline(waiter.future)
        try:
            await self._send(base + SET_PARAMS, set_params_payload(flat_key, coerced))
            await self._send(base + PARAMS_REQUEST, "")
            await waiter.future
        except TimeoutError as err:
            if waiter.seen:
                raise WriteRefusedError(
                    f"FmPyIOT device {device.label} did not take {param_name(flat_key)} = {coerced!r}: "
                    f"it still has {waiter.seen[-1]!r}",
                    point=param_name(flat_key),
                    value=coerced,
                    kept=waiter.seen[-1],
                ) from err
            raise WriteError(
                f"FmPyIOT device {device.label} did not confirm {param_name(flat_key)}: "
                f"no PARAMS within {self.timeout:g} s"
            ) from err
        except ConnectionError as err:
            raise WriteError(str(err)) from err
        finally:
            deadline.cancel()
            if waiter in device.param_waiters:
                device.param_waiters.remove(waiter)

    async def write_action(self, device: Device, base: str, topic_key: str, value: Any) -> None:
        """Run an action; a switch waits for the device's reply."""
        entry = device.entry(topic_key)
        if entry is None or entry.action is None:
            raise WriteError(f"{topic_key} of FmPyIOT device {device.label} is not an action")
        settings = device.topic_settings(topic_key) or TopicSettings()
        payload, state = self._command(entry, topic_key, value, settings)
        entry.expect_echo(payload, self._clock.time())
        reply = self._expect_reply(device, entry) if state is not None else None
        deadline = self._deadline(reply) if reply is not None else None
        try:
            await self._send(key_topic(base, topic_key), payload)
            if reply is not None:
                answer = await reply
                if switch_state(answer, settings) != state:
                    raise WriteError(
                        f"FmPyIOT device {device.label} answered {as_text(answer)!r} on {topic_key}"
                    )
        except TimeoutError as err:
            raise WriteError(
                f"FmPyIOT device {device.label} did not confirm {topic_key} within {self.timeout:g} s"
            ) from err
        except ConnectionError as err:
            raise WriteError(str(err)) from err
        finally:
            if deadline is not None:
                deadline.cancel()
            if reply is not None and reply in (waiting := device.reply_waiters.get(entry.key, [])):
                waiting.remove(reply)
        if entry.action in {ActionKind.TEXT, ActionKind.NUMBER}:
            self._reporter.value(device, action_key(entry.key), value)

    @staticmethod
    def _command(
        entry: TopicEntry, topic_key: str, value: Any, settings: TopicSettings
    ) -> tuple[str, bool | None]:
        """The payload of a command, and the state a switch must end in."""
        match entry.action:
            case ActionKind.SWITCH:
                if (state := parse_switch_state(value)) is None:
                    raise WriteError(f"{topic_key} expects on or off, got {value!r:.40}")
                return (settings.on_payload if state else settings.off_payload), state
            case ActionKind.TEXT:
                if not isinstance(value, str) or len(value.encode()) > MAX_PAYLOAD_BYTES:
                    raise WriteError(f"{topic_key} expects text of at most 64 KiB")
                return value, None
            case ActionKind.NUMBER:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise WriteError(f"{topic_key} expects a number, got {value!r:.40}")
                try:
                    return encode(value), None
                except ValueError as err:
                    raise WriteError(f"{topic_key} expects a finite number") from err
            case _:
                return "", None

    @staticmethod
    def _expect_reply(device: Device, entry: TopicEntry) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        device.reply_waiters.setdefault(entry.key, []).append(future)
        return future

    def _deadline(self, future: asyncio.Future[Any]) -> Timer:
        """Fail `future` with TimeoutError after `timeout` on the clock, counted from now."""

        def expire() -> None:
            if not future.done():
                future.set_exception(TimeoutError())

        return self._clock.call_later(self.timeout, expire)

    async def _send(self, topic: str, payload: str) -> None:
        try:
            await self._publish(topic, payload)
        except Exception as err:
            raise WriteError(f"Could not publish {topic}: {err}") from err
