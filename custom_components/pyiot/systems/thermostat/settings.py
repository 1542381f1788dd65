"""A thermostat entry's data and options, turned into engine objects (and the defaults for new ones)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ...core.thermostat import (
    AggregateMethod,
    AggregationConfig,
    DecisionAlgorithm,
    FailSafeConfig,
    FailSafeMode,
    HoldPolicy,
    OptimumStartConfig,
    RelayGuard,
    Target,
    create_algorithm,
)
from .const import (
    CONF_AGGREGATE_METHOD,
    CONF_ALGORITHM,
    CONF_ALGORITHM_PARAMS,
    CONF_COOLERS,
    CONF_DEFAULT_HOLD,
    CONF_DEFAULT_TEMPERATURE,
    CONF_FAIL_SAFE,
    CONF_FROST_DUTY,
    CONF_HEATERS,
    CONF_MAX_LEAD_MINUTES,
    CONF_MAX_RUN_MINUTES,
    CONF_MAX_STARTS_PER_HOUR,
    CONF_MIN_OFF_MINUTES,
    CONF_MIN_ON_MINUTES,
    CONF_OPTIMUM_START,
    CONF_OUTDOOR_SENSOR,
    CONF_PRESETS,
    CONF_PROTECTION,
    CONF_SENSORS,
    CONF_STALE_MINUTES,
    CONF_TARGET_STEP,
    CONF_WEIGHTS,
    DEFAULT_PRESET_TEMPERATURES,
)

HEAT_COOL_SPAN = 3.0

DEFAULT_OPTIONS: dict[str, Any] = {
    CONF_ALGORITHM: "hysteresis",
    CONF_ALGORITHM_PARAMS: {},
    CONF_AGGREGATE_METHOD: AggregateMethod.WEIGHTED_MEAN.value,
    CONF_DEFAULT_TEMPERATURE: 20.0,
    CONF_STALE_MINUTES: 30,
    CONF_FAIL_SAFE: FailSafeMode.OFF.value,
    CONF_FROST_DUTY: 20,
    CONF_PROTECTION: {
        CONF_MIN_ON_MINUTES: 3,
        CONF_MIN_OFF_MINUTES: 3,
        CONF_MAX_STARTS_PER_HOUR: 6,
        CONF_MAX_RUN_MINUTES: 0,
    },
    CONF_PRESETS: dict(DEFAULT_PRESET_TEMPERATURES),
    CONF_OPTIMUM_START: False,
    CONF_MAX_LEAD_MINUTES: 180,
    CONF_TARGET_STEP: 0.5,
    CONF_DEFAULT_HOLD: 120,
}


@dataclass(frozen=True, kw_only=True, slots=True)
class ThermostatSettings:
    """Everything a zone is built from. Raises `ScheduleError` (translated) on invalid values."""

    heaters: tuple[str, ...]
    coolers: tuple[str, ...]
    weights: dict[str, float]
    outdoor_sensor: str | None
    options: dict[str, Any]

    @classmethod
    def from_entry(cls, data: Mapping[str, Any], options: Mapping[str, Any]) -> ThermostatSettings:
        """Read an entry; missing options take their defaults."""
        sensors = list(data.get(CONF_SENSORS, []))
        weights = {sensor: float(data.get(CONF_WEIGHTS, {}).get(sensor, 1.0)) for sensor in sensors}
        return cls(
            heaters=tuple(data.get(CONF_HEATERS, ())),
            coolers=tuple(data.get(CONF_COOLERS, ())),
            weights=weights,
            outdoor_sensor=data.get(CONF_OUTDOOR_SENSOR) or None,
            options={**DEFAULT_OPTIONS, **options},
        )

    @property
    def default_target(self) -> Target:
        """The target when no rule applies; a zone with heaters and coolers gets a range up to +3 °C."""
        temperature = float(self.options[CONF_DEFAULT_TEMPERATURE])
        if self.heaters and self.coolers:
            return Target(heat=temperature, cool=temperature + HEAT_COOL_SPAN)
        return Target(heat=temperature) if self.heaters else Target(cool=temperature)

    def algorithm(self) -> DecisionAlgorithm:
        """A new instance of the chosen decision algorithm."""
        return create_algorithm(self.options[CONF_ALGORITHM], self.options.get(CONF_ALGORITHM_PARAMS) or {})

    def guard(self) -> RelayGuard:
        """A new guard with the configured protection limits."""
        protection = {**DEFAULT_OPTIONS[CONF_PROTECTION], **self.options.get(CONF_PROTECTION, {})}
        max_starts = int(protection[CONF_MAX_STARTS_PER_HOUR])
        max_run = float(protection[CONF_MAX_RUN_MINUTES])
        return RelayGuard(
            min_on=timedelta(minutes=float(protection[CONF_MIN_ON_MINUTES])),
            min_off=timedelta(minutes=float(protection[CONF_MIN_OFF_MINUTES])),
            max_starts_per_hour=max_starts or None,
            max_run=timedelta(minutes=max_run) if max_run else None,
        )

    def aggregation(self) -> AggregationConfig:
        """How sensors are combined."""
        return AggregationConfig(
            method=AggregateMethod(self.options[CONF_AGGREGATE_METHOD]),
            stale_after=timedelta(minutes=float(self.options[CONF_STALE_MINUTES])),
        )

    def fail_safe(self) -> FailSafeConfig:
        """What to do without a usable temperature."""
        return FailSafeConfig(
            mode=FailSafeMode(self.options[CONF_FAIL_SAFE]),
            duty=float(self.options[CONF_FROST_DUTY]) / 100,
        )

    def presets(self) -> dict[str, Target]:
        """Preset targets: heating setpoints with heaters, cooling setpoints otherwise."""
        temperatures = {**DEFAULT_PRESET_TEMPERATURES, **self.options.get(CONF_PRESETS, {})}
        return {
            name: Target(heat=float(value)) if self.heaters else Target(cool=float(value))
            for name, value in temperatures.items()
        }

    @property
    def target_step(self) -> float:
        """How much one tap on the thermostat card moves the setpoint."""
        return float(self.options[CONF_TARGET_STEP])

    def hold(self) -> HoldPolicy:
        """How long the thermostat card's setpoint holds: to the next scheduled change, else the default."""
        return HoldPolicy(default_hold=timedelta(minutes=float(self.options[CONF_DEFAULT_HOLD])))

    def optimum_start(self) -> OptimumStartConfig:
        """Whether to start early so that scheduled targets are reached on time (learning always runs)."""
        return OptimumStartConfig(
            enabled=bool(self.options[CONF_OPTIMUM_START]),
            max_lead=timedelta(minutes=float(self.options[CONF_MAX_LEAD_MINUTES])),
        )
