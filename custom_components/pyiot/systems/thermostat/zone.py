"""A thermostat zone: the core's thermostat engine wired to Home Assistant.

States in, switch services out, storage, repairs and events. The climate and decision-sensor entities
only read and steer it.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.event import async_track_point_in_utc_time, async_track_state_change_event
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ...const import DOMAIN, LOGGER
from ...core.corrupt_records import aside_document, aside_key, summary
from ...core.thermostat import (
    ControlOutput,
    HvacMode,
    OverrideRule,
    Reading,
    Schedule,
    ScheduleError,
    Target,
    ThermostatController,
)
from ...core.thermostat.schedule_recovery import load_schedule
from .const import EVENT_FAIL_SAFE
from .explain import ExplanationTexts
from .settings import ThermostatSettings

STORAGE_VERSION = 1
SAVE_DELAY = 5


def storage_key(entry_id: str) -> str:
    """The HA storage key of a zone's schedule, relay history and learned rates."""
    return f"{DOMAIN}.thermostat.{entry_id}"


class ThermostatZone:
    """One zone of one config entry."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Build the controller from the entry; the schedule is loaded by `async_load`."""
        self.hass = hass
        self.entry = entry
        self.name: str = entry.title
        self.settings = ThermostatSettings.from_entry(entry.data, entry.options)
        self.hvac_mode = HvacMode.HEAT if self.settings.heaters else HvacMode.COOL
        self.preset: str | None = None
        self.output: ControlOutput | None = None
        self.controller = ThermostatController(
            schedule=self._default_schedule(),
            algorithm=self.settings.algorithm(),
            heaters={relay: self.settings.guard() for relay in self.settings.heaters},
            coolers={relay: self.settings.guard() for relay in self.settings.coolers},
            aggregation=self.settings.aggregation(),
            fail_safe=self.settings.fail_safe(),
            presets=self.settings.presets(),
            optimum_start=self.settings.optimum_start(),
            hold=self.settings.hold(),
        )
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, storage_key(entry.entry_id))
        self._listeners: list[CALLBACK_TYPE] = []
        self._unsubscribers: list[Callable[[], None]] = []
        self._cancel_timer: CALLBACK_TYPE | None = None
        self._fail_safe_reported = False
        self._failed_relays: set[str] = set()
        self._relays = frozenset(self.controller.heaters + self.controller.coolers)
        self._sensor_ids: tuple[str, ...] = tuple(self.settings.weights)
        self._update_pending = False
        self.explanations = ExplanationTexts()

    # --- lifecycle -----------------------------------------------------------------------------

    def _default_schedule(self) -> Schedule:
        return Schedule(
            time_zone=self.hass.config.time_zone,
            default=self.settings.default_target,
            sensors=self.settings.weights,
        )

    async def async_load(self) -> None:
        """Restore the schedule, relay history, algorithm state and learned rates.

        Corrupt data is logged and kept aside; the zone then starts from its settings.
        """
        self.explanations = await ExplanationTexts.async_load(self.hass)
        data = await self._store.async_load() or {}
        if "schedule" in data:
            await self._async_load_schedule(data)
        if "controller" in data:
            try:
                self.controller.load_state(data["controller"])
            except ScheduleError as err:
                LOGGER.warning(
                    "%s forgets its relay history, algorithm state and learned rates, which are "
                    "unreadable: %s",
                    self.name,
                    err,
                )

    async def _async_load_schedule(self, data: dict[str, Any]) -> None:
        """A bad rule costs that rule only (kept aside, named in a repair); an unreadable schedule all."""
        now = dt_util.utcnow()
        try:
            loaded = load_schedule(data["schedule"], time_zone=self.hass.config.time_zone)
        except ScheduleError as err:
            key = aside_key(self._store.key, now)
            LOGGER.warning(
                "The stored schedule of %s is unreadable (%s); it is kept in .storage/%s and the default "
                "target applies",
                self.name,
                err,
                key,
            )
            await Store[dict[str, Any]](self.hass, STORAGE_VERSION, key).async_save(data)
            return
        # The default target and sensors follow the entry's current settings.
        schedule = loaded.schedule.with_default(self.settings.default_target, self.settings.weights)
        self.controller.schedule = schedule.prune(now)
        if not loaded.dropped:
            return
        key = aside_key(self._store.key, now)
        skipped = [rule.as_skipped() for rule in loaded.dropped]
        LOGGER.warning(
            "%s: stored rules left out (%s); they are kept in .storage/%s", self.name, summary(skipped), key
        )
        await Store[dict[str, Any]](self.hass, STORAGE_VERSION, key).async_save(
            aside_document(self._store.key, now, skipped)
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"dropped_rules_{self.entry.entry_id}",
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="dropped_rules",
            translation_placeholders={
                "zone": self.name,
                "rules": ", ".join(
                    f"{rule.rule_id or f'#{rule.index + 1}'} ({rule.error})" for rule in loaded.dropped
                ),
                "key": key,
            },
        )

    @callback
    def start(self) -> None:
        """Follow the sensors and relays and take the first decision."""
        self._watch()
        self.async_update()

    def _watch(self) -> None:
        """Follow the relays, the outdoor sensor and the sensors of the default and of every rule."""
        sensors = set(self.settings.weights)
        for rule in self.controller.schedule.rules:
            sensors.update(rule.sensors or ())
        self._sensor_ids = tuple(sorted(sensors))
        watched = {*sensors, *self.controller.heaters, *self.controller.coolers}
        if self.settings.outdoor_sensor:
            watched.add(self.settings.outdoor_sensor)
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers = [
            async_track_state_change_event(self.hass, sorted(watched), self._on_state_change)
        ]

    async def async_unload(self) -> None:
        """Stop following states and save."""
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers = []
        if self._cancel_timer is not None:
            self._cancel_timer()
            self._cancel_timer = None
        await self._store.async_save(self._data_to_save())

    def async_remove_device(self, device: dr.DeviceEntry) -> bool:
        """The zone's device goes with the entry, not on its own."""
        return False

    def diagnostics(self) -> dict[str, Any]:
        """The mode, schedule, algorithm, relay guards and the last decision."""
        output = self.output
        controller = self.controller
        return {
            "hvac_mode": self.hvac_mode.value,
            "preset": self.preset,
            "schedule": controller.schedule.to_dict(),
            "algorithm": {"name": controller.algorithm.name, "params": controller.algorithm.params()},
            "guards": {
                relay: controller.guard(relay).to_dict() for relay in controller.heaters + controller.coolers
            },
            "output": None
            if output is None
            else {
                "hvac_action": output.hvac_action.value,
                "current_temperature": output.current_temperature,
                "target": output.target.to_dict(),
                "rule_id": output.rule_id,
                "sensors": output.sensors,
                "dropped": {sensor: reason.value for sensor, reason in output.dropped.items()},
                "fail_safe_active": output.fail_safe_active,
                "failed_relays": list(output.failed_relays),
                "explanation": output.explanation.render_en(),
            },
        }

    @callback
    def _data_to_save(self) -> dict[str, Any]:
        return {"schedule": self.controller.schedule.to_dict(), "controller": self.controller.state_dict()}

    # --- the control loop ----------------------------------------------------------------------

    @callback
    def _on_state_change(self, event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] not in self._relays:
            self.async_update()
        elif not self._update_pending:
            # A relay following our own command: decide again right after the current dispatch
            # instead of inside it, so that other listeners of this change are not held up.
            self._update_pending = True
            self.hass.loop.call_soon(self._deferred_update)

    @callback
    def _deferred_update(self) -> None:
        self._update_pending = False
        if self._unsubscribers:  # not stopped meanwhile
            self.async_update()

    @callback
    def async_update(self) -> None:
        """Run one control step now and apply its commands."""
        now = dt_util.utcnow()
        if (pruned := self.controller.schedule.prune(now)) is not self.controller.schedule:
            self.controller.schedule = pruned
        states = self.hass.states
        readings = {sensor: self._reading(sensor, now) for sensor in self._sensor_ids}
        outdoor = self._reading(self.settings.outdoor_sensor, now) if self.settings.outdoor_sensor else None
        relays_actual: dict[str, bool | None] = {}
        for relay in self.controller.heaters + self.controller.coolers:
            state = states.get(relay)
            relays_actual[relay] = {STATE_ON: True, STATE_OFF: False}.get(state.state) if state else None
        output = self.controller.step(
            now, readings, outdoor, hvac_mode=self.hvac_mode, preset=self.preset, relays_actual=relays_actual
        )
        self.output = output
        for relay, on in output.commands.items():
            self.hass.async_create_task(self._async_switch(relay, on), eager_start=True)
        self._report(output)
        self._schedule_next(output.next_step)
        self._store.async_delay_save(self._data_to_save, SAVE_DELAY)
        for listener in self._listeners:
            listener()

    def _reading(self, entity_id: str, now: datetime) -> Reading:
        state = self.hass.states.get(entity_id)
        if state is None:
            return Reading(value=None, updated=now)
        return Reading(value=state.state, updated=state.last_reported)

    async def _async_switch(self, relay: str, on: bool) -> None:
        domain = relay.partition(".")[0]
        try:
            await self.hass.services.async_call(
                domain, "turn_on" if on else "turn_off", {"entity_id": relay}, blocking=True
            )
        except (HomeAssistantError, ValueError) as err:
            # The relay's state will not follow; the controller retries with backoff.
            LOGGER.debug("%s could not switch %s %s: %s", self.name, relay, "on" if on else "off", err)

    def _schedule_next(self, moment: datetime | None) -> None:
        if self._cancel_timer is not None:
            self._cancel_timer()
            self._cancel_timer = None
        if moment is not None:
            self._cancel_timer = async_track_point_in_utc_time(self.hass, self._on_timer, moment)

    @callback
    def _on_timer(self, now: datetime) -> None:
        self._cancel_timer = None
        self.async_update()

    def _report(self, output: ControlOutput) -> None:
        """Repairs and events for a fail-safe and for relays that do not follow their commands."""
        if output.fail_safe_active != self._fail_safe_reported:
            self._fail_safe_reported = output.fail_safe_active
            issue_id = f"fail_safe_{self.entry.entry_id}"
            if output.fail_safe_active:
                LOGGER.warning("%s has no usable temperature sensor: fail-safe active", self.name)
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    issue_id,
                    is_fixable=False,
                    severity=ir.IssueSeverity.ERROR,
                    translation_key="fail_safe",
                    translation_placeholders={"zone": self.name},
                )
            else:
                LOGGER.info("%s has a usable temperature again: fail-safe over", self.name)
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            self.hass.bus.async_fire(
                EVENT_FAIL_SAFE,
                {"entry_id": self.entry.entry_id, "zone": self.name, "active": output.fail_safe_active},
            )
        failed = set(output.failed_relays)
        for relay in failed - self._failed_relays:
            LOGGER.warning("%s: %s does not follow its commands", self.name, relay)
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                f"relay_{self.entry.entry_id}_{relay}",
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="relay_not_following",
                translation_placeholders={"zone": self.name, "relay": relay},
            )
        for relay in self._failed_relays - failed:
            ir.async_delete_issue(self.hass, DOMAIN, f"relay_{self.entry.entry_id}_{relay}")
        self._failed_relays = failed

    @callback
    def async_add_listener(self, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `update` after every control step."""
        self._listeners.append(update)

        @callback
        def remove() -> None:
            self._listeners.remove(update)

        return remove

    # --- what the user changes -----------------------------------------------------------------

    @callback
    def async_set_hvac_mode(self, hvac_mode: HvacMode) -> None:
        """Change the mode, then decide again."""
        self.hvac_mode = hvac_mode
        self.async_update()

    @callback
    def async_set_preset(self, preset: str | None) -> None:
        """Change the preset, then decide again; None ("Schedule") also ends a manual setting."""
        self.preset = preset
        if preset is None and any(isinstance(rule, OverrideRule) for rule in self.controller.schedule.rules):
            self.async_change_schedule(lambda schedule: schedule.without_overrides())
            return
        self.async_update()

    @callback
    def async_change_schedule(self, change: Callable[[Schedule], Schedule]) -> None:
        """Apply `change` to the schedule; an invalid result raises a translated validation error."""
        try:
            schedule = change(self.controller.schedule)
            self.controller.schedule = schedule
        except ScheduleError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key=err.translation_key,
                translation_placeholders={key: str(value) for key, value in err.placeholders.items()},
            ) from err
        self._watch()
        self._store.async_delay_save(self._data_to_save, 0)
        self.async_update()

    @callback
    def async_set_manual_target(self, target: Target, duration: timedelta | None = None) -> None:
        """The thermostat card's setpoint: an override as the hold policy says (or for `duration`).

        It replaces a preset, which would otherwise keep the setpoint from taking effect.
        """
        now = dt_util.utcnow()
        self.preset = None
        hold = self.controller.hold
        self.async_change_schedule(
            lambda schedule: schedule.with_override(now, target, duration=duration, hold=hold)
        )
