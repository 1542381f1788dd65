"""Test doubles for the RPyMostat engine tests: a recording listener and a controllable clock."""

from dataclasses import dataclass
import math
from typing import Any, override

from custom_components.pyiot.core.protocols.rpymostat.api import LAST_UPDATE_KEY
from tests.support.recording_listener import RecordingListener


class Recorder(RecordingListener):
    """Also checks that every temperature is a finite number."""

    @override
    def check_value(self, node_id: str, key: str, value: Any) -> None:
        if key != LAST_UPDATE_KEY:
            self.check(isinstance(value, float) and math.isfinite(value), f"{node_id}/{key}: {value!r}")


@dataclass
class FakeClock:
    """A monotonic clock the test moves."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
