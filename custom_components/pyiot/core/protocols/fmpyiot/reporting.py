"""What the listener hears about devices: once identified, in order, and only what changed.

A device is announced (`node_seen`, then its points, then the values kept meanwhile) when it is
identified and available; later points and values go straight through. Until then, the last value of
every point is kept, so nothing seen before identification is lost.
"""

from collections.abc import Iterable
import logging
from typing import Any

from ...nodes.model import NodeListener, PointSpec
from .availability import LostReason
from .device import Device


class Reporter:
    """Reports devices to a `NodeListener`."""

    def __init__(self, listener: NodeListener, logger: logging.Logger) -> None:
        """Report to `listener`."""
        self._listener = listener
        self._logger = logger

    def announce(self, device: Device) -> None:
        """Report the device, the points not reported yet and the values kept meanwhile."""
        if device.node_id is None:
            return
        device.announced = True
        device.reported_info = info = device.node_info()
        self._listener.node_seen(info)
        new = [spec for key, spec in device.points.items() if key not in device.reported]
        if new:
            device.reported.update(spec.key for spec in new)
            self._listener.points_seen(device.node_id, new)
        self.flush(device)

    def flush(self, device: Device) -> None:
        """Report the values kept while the device was not announced."""
        if not device.announced or device.node_id is None:
            return
        pending, device.pending_values = device.pending_values, {}
        for key, value in pending.items():
            if key in device.reported:
                self._listener.value_received(device.node_id, key, value)

    def report_info(self, device: Device) -> None:
        """Report the device's description again if it changed."""
        if not device.announced or device.node_id is None:
            return
        if (info := device.node_info()) != device.reported_info:
            device.reported_info = info
            self._listener.node_seen(info)

    def add_points(self, device: Device, specs: Iterable[PointSpec | None]) -> None:
        """Add points to the device (reported now if it is announced)."""
        new = []
        for spec in specs:
            if spec is None or device.points.get(spec.key) == spec:
                continue
            device.points[spec.key] = spec
            new.append(spec)
        if new and device.announced and device.node_id is not None:
            device.reported.update(spec.key for spec in new)
            self._listener.points_seen(device.node_id, new)

    def value(self, device: Device, key: str, value: Any) -> None:
        """A value of one of the device's points."""
        if device.announced and device.node_id is not None and key in device.reported:
            self._listener.value_received(device.node_id, key, value)
        elif key in device.points:
            device.pending_values[key] = value

    def point_unavailable(self, device: Device, key: str) -> None:
        """One point has no value any more (a parameter the device deleted)."""
        if device.announced and device.node_id is not None and key in device.reported:
            self._listener.point_unavailable(device.node_id, key)

    def availability_changed(self, device: Device, lost: LostReason | None) -> None:
        """The device became available (`lost` None: announced again) or unavailable (`node_lost`)."""
        if device.node_id is None:
            return
        try:
            if lost is None:
                if device.announced:
                    self._logger.info("FmPyIOT device %s is available again", device.label)
                self.announce(device)
                return
            self._logger.info("FmPyIOT device %s is unavailable (%s)", device.label, lost)
            self.lost(device)
        except Exception:  # called from timers too: nothing may escape into the event loop
            self._logger.exception("Error while reporting FmPyIOT device %s", device.label)

    def lost(self, device: Device) -> None:
        """Report the device lost."""
        if device.node_id is not None and device.announced:
            self._listener.node_lost(device.node_id)
