"""The one validation error of the thermostat engine, with Home Assistant style translation keys."""

from collections.abc import Mapping

ERROR_MESSAGES_EN: Mapping[str, str] = {
    "invalid_temperature": "Temperature {value} is not a finite number",
    "target_empty": "A target needs a heating setpoint, a cooling setpoint or both",
    "heat_above_cool": "Heating setpoint {heat} °C is above cooling setpoint {cool} °C",
    "target_out_of_range": "Setpoint {value} °C is outside {minimum}..{maximum} °C",
    "invalid_limits": "Temperature limits {minimum}..{maximum} °C are not an increasing finite range",
    "empty_sensors": "A sensor set needs at least one sensor",
    "invalid_weight": "Sensor {sensor} has weight {weight}; weights must be positive finite numbers",
    "invalid_rule_id": "Rule ids must be non-empty text",
    "duplicate_rule_id": "Rule id {rule_id} is used twice",
    "unknown_rule": "There is no rule {rule_id}",
    "unknown_weekday": "Weekday {weekday} is not one of mon, tue, wed, thu, fri, sat, sun",
    "no_weekdays": "A recurring rule needs at least one weekday",
    "empty_block": "A time block cannot end when it starts ({start})",
    "end_before_start": "End {end} is not after start {start}",
    "invalid_duration": "Duration {duration} must be positive",
    "duration_too_long": "Duration {duration} is longer than {maximum}",
    "invalid_cron": "Cron expression {expression} is invalid: {reason}",
    "cron_never_fires": "Cron expression {expression} never fires",
    "invalid_iso": "{text} is not an ISO 8601 date, date-time, duration or interval",
    "naive_datetime": "{value} has no time zone",
    "invalid_time_zone": "{time_zone} is not a known time zone",
    "unknown_preset": "There is no preset {preset}",
    "unknown_algorithm": "There is no decision algorithm {algorithm}",
    "unknown_parameter": "Algorithm {algorithm} has no parameter {parameter}",
    "parameter_out_of_range": "Parameter {parameter} = {value} is outside {minimum}..{maximum}",
    "invalid_guard": "Relay protection settings are invalid: {reason}",
    "invalid_setting": "Setting {setting} = {value} is invalid",
    "invalid_data": "Stored thermostat data is corrupted: {reason}",
    "invalid_edit": "This schedule change is not understood: {reason}",
    "invalid_time": "{text} is not a time of day (HH:MM)",
    "blocks_overlap": "The block {rule_id} on {weekday} would overlap the block {other} on {other_weekday}",
    "not_a_block": "Rule {rule_id} is not a weekday block and cannot be edited as one",
    "unknown_block": "Rule {rule_id} has no block on {weekday}",
    "schedule_changed": "The schedule was changed elsewhere meanwhile: look again and retry",
}
"""English message per translation key; placeholders use `str.format` names, like Home Assistant's."""

ERROR_KEYS: tuple[str, ...] = tuple(ERROR_MESSAGES_EN)
"""Every translation key a `ScheduleError` can carry (for translations/en.json)."""


class ScheduleError(ValueError):
    """Any validation error raised by the thermostat engine.

    `translation_key` is one of `ERROR_KEYS`; `placeholders` fill the message. `str(error)` is the English
    message, so logs read well without translations.
    """

    def __init__(self, translation_key: str, placeholders: Mapping[str, object] | None = None) -> None:
        """Build the error; placeholder values are turned into text."""
        if translation_key not in ERROR_MESSAGES_EN:
            msg = f"unknown translation key {translation_key!r}"
            raise KeyError(msg)
        self.translation_key = translation_key
        self.placeholders: dict[str, str] = {key: str(value) for key, value in (placeholders or {}).items()}
        super().__init__(ERROR_MESSAGES_EN[translation_key].format_map(_Lenient(self.placeholders)))


class _Lenient(dict[str, str]):
    """Leaves a missing placeholder visible instead of failing while reporting another error."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
