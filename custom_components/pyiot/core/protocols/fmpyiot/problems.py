"""Bad input: counted for the diagnostics, logged once per source (device) and problem."""

from collections import Counter
from enum import StrEnum
import logging
from typing import Final

from ...nodes.bad_input import OncePerSourceLogger

MAX_SOURCE_LENGTH: Final = 256


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
    SUBSCRIBE_FAILED = "subscribe_failed"


class Problems:
    """Counts problems by reason and logs each (source, reason) pair once at warning level."""

    def __init__(self, logger: logging.Logger) -> None:
        """Log through `logger` (a child of the integration's logger)."""
        self._log = OncePerSourceLogger(logger)
        self._counts: Counter[str] = Counter()

    def report(self, source: str, reason: str, detail: str) -> None:
        """One occurrence of `reason` from `source`."""
        self._counts[reason] += 1
        label = source[:MAX_SOURCE_LENGTH]
        self._log.warn(label if label.isprintable() else repr(label), reason, detail)

    def count(self, reason: str) -> None:
        """One occurrence of `reason`, logged elsewhere."""
        self._counts[reason] += 1

    def as_dict(self) -> dict[str, int]:
        """Reason → occurrences."""
        return dict(sorted(self._counts.items()))
