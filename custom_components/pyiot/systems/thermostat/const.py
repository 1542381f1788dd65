"""Constants of the thermostat system: equipment in the entry's data (reconfigure), tuning in options."""

from typing import Final

THERMOSTAT: Final = "thermostat"
"""Entry kind: one zone heated and/or cooled by switches from weighted temperature sensors."""

CONF_HEATERS: Final = "heaters"
CONF_COOLERS: Final = "coolers"
CONF_SENSORS: Final = "sensors"
CONF_WEIGHTS: Final = "weights"
CONF_OUTDOOR_SENSOR: Final = "outdoor_sensor"
CONF_ALGORITHM: Final = "algorithm"
CONF_ALGORITHM_PARAMS: Final = "algorithm_params"
CONF_AGGREGATE_METHOD: Final = "aggregate_method"
CONF_DEFAULT_TEMPERATURE: Final = "default_temperature"
CONF_STALE_MINUTES: Final = "stale_minutes"
CONF_FAIL_SAFE: Final = "fail_safe"
CONF_FROST_DUTY: Final = "frost_duty"
CONF_PROTECTION: Final = "protection"
CONF_MIN_ON_MINUTES: Final = "min_on_minutes"
CONF_MIN_OFF_MINUTES: Final = "min_off_minutes"
CONF_MAX_STARTS_PER_HOUR: Final = "max_starts_per_hour"
CONF_MAX_RUN_MINUTES: Final = "max_run_minutes"
CONF_PRESETS: Final = "presets"
CONF_OPTIMUM_START: Final = "optimum_start"
CONF_MAX_LEAD_MINUTES: Final = "max_lead_minutes"
CONF_TARGET_STEP: Final = "target_temp_step"
CONF_DEFAULT_HOLD: Final = "default_hold_minutes"
PRESET_NAMES: Final = ("away", "eco", "comfort", "sleep", "boost")
PRESET_MANUAL: Final = "manual"
"""The preset mode shown (never offered) while a manual setting holds."""

DEFAULT_PRESET_TEMPERATURES: Final = {
    "away": 16.0,
    "eco": 18.0,
    "comfort": 21.0,
    "sleep": 18.5,
    "boost": 23.0,
}
EVENT_FAIL_SAFE: Final = "pyiot_thermostat_fail_safe"
