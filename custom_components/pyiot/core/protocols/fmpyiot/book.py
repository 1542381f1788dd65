"""Every device the gateway knows, by base topic and by node id, and how identities settle.

- A new base topic makes a pending device, which is asked for SYSINFO (again after a third of
  `identity_timeout`). SYSINFO gives its node id; after `identity_timeout` without one, a device that
  showed life is known by its base topic, one that only said BYE is forgotten.
- A node id already known at another base means the device moved: the known device takes the new
  base with everything it had (points, parameters, learnt watchdog period).
- SYSINFO with another MAC at a known base means another board took that base: the old device loses
  its base (and is reported lost), a new pending device starts there.
"""

from collections.abc import Callable, Mapping
from functools import partial
import logging
from typing import Any, Final

from ...corrupt_records import SkippedRecord
from .availability import Liveness, LostReason
from .clock import Clock
from .device import STORAGE_VERSION, Device, Identity, device_record, identity_of, read_record
from .problems import DropReason, Problems
from .reporting import Reporter
from .settings import GatewaySettings
from .sysinfo import SysInfo
from .topics import MAX_TOPIC_LENGTH, base_depth, key_topic, normalise_base

MAX_DEVICES: Final = 1000


class DeviceBook:
    """The devices of one gateway."""

    def __init__(
        self,
        *,
        clock: Clock,
        settings: GatewaySettings,
        reporter: Reporter,
        problems: Problems,
        logger: logging.Logger,
        ask_device: Callable[[Device], None],
        refresh_device: Callable[[Device], None],
        ask_sysinfo: Callable[[Device], None],
        state_changed: Callable[[], None],
        identity_timeout: float,
    ) -> None:
        """Keep the devices of one gateway.

        `ask_device` subscribes a new device's topics and asks what is unknown; `refresh_device`
        subscribes a known device's topics and asks for everything.
        """
        self._clock = clock
        self._settings = settings
        self._reporter = reporter
        self._problems = problems
        self._logger = logger
        self._ask_device = ask_device
        self._refresh_device = refresh_device
        self._ask_sysinfo = ask_sysinfo
        self._state_changed = state_changed
        self._identity_timeout = identity_timeout
        self.by_base: dict[str, Device] = {}
        self.by_id: dict[str, Device] = {}

    def devices(self) -> list[Device]:
        """Every device, identified or pending, once."""
        return list(
            {id(device): device for device in (*self.by_id.values(), *self.by_base.values())}.values()
        )

    def new_device(self, base: str | None, *, learned_period: float | None = None) -> Device:
        """A device record whose availability changes are reported."""
        device: Device

        def on_change(lost: LostReason | None) -> None:
            self._reporter.availability_changed(device, lost)

        device = Device(base, Liveness(self._clock, on_change, learned_period=learned_period))
        device.own_system_topics = base is not None and base_depth(base) > self._settings.max_depth
        return device

    def discover(self, base: str, *, start: bool = True) -> Device | None:
        """A pending device for a base topic seen for the first time; None if refused."""
        if len(self.by_base) >= MAX_DEVICES:
            self._problems.report(base, DropReason.TOO_MANY_DEVICES, f"already {MAX_DEVICES} devices")
            return None
        if len(base) > MAX_TOPIC_LENGTH or not base.isprintable():
            self._problems.report(base, DropReason.BAD_BASE_TOPIC, f"base topic {base[:80]!r}")
            return None
        device = self.by_base[base] = self.new_device(base)
        self._logger.debug("FmPyIOT device found at %s", base)
        if start:
            self._ask_device(device)
        self._arm_identity_timer(device, self._identity_timeout / 3)
        return device

    def settle(self, device: Device, info: SysInfo) -> Device:
        """The device a SYSINFO belongs to: identified, moved or replaced as it says."""
        identity = identity_of(info)
        if (
            device.node_id is not None
            and device.identity is not Identity.BASE
            and identity is not None
            and identity[0] != device.node_id
        ):
            device = self._replace(device)
        device.sysinfo = info
        if device.node_id is None:
            node_id, source = identity or (device.base or "", Identity.BASE)
            device = self.identify(device, node_id, source)
        return device

    def identify(self, device: Device, node_id: str, identity: Identity) -> Device:
        """Give a pending device its node id; a node id known at another base means it moved."""
        device.cancel_identity_timer()
        existing = self.by_id.get(node_id)
        if existing is not None and existing is not device:
            return self._move(existing, device)
        device.node_id, device.identity = node_id, identity
        self.by_id[node_id] = device
        device.apply_settings(self._settings.device(node_id))
        self.rebuild_points(device)
        self._state_changed()
        if device.liveness.available:
            self._reporter.announce(device)
        return device

    def rebuild_points(self, device: Device) -> None:
        """Points of every topic and parameter the device has."""
        web = device.settings.web
        self._reporter.add_points(
            device,
            device.all_points(web=web is not None and web.has_credentials and device.web_name is not None),
        )

    def forget(self, device: Device) -> None:
        """Drop a pending device."""
        device.drop_subscriptions()
        device.liveness.stop()
        device.cancel_identity_timer()
        if device.base is not None and self.by_base.get(device.base) is device:
            del self.by_base[device.base]

    def forget_pending(self) -> None:
        """Drop every pending device (the gateway stops)."""
        for device in [device for device in self.by_base.values() if device.node_id is None]:
            self.forget(device)

    def _move(self, existing: Device, arrived: Device) -> Device:
        """`existing` now publishes at the base of the pending `arrived`: one device, new base."""
        base = arrived.base
        if base is None:  # only pending devices at a base are identified
            return existing
        self._logger.info("FmPyIOT device %s moved from %s to %s", existing.label, existing.base, base)
        existing.drop_subscriptions()
        if existing.base is not None and self.by_base.get(existing.base) is existing:
            del self.by_base[existing.base]
        arrived.drop_subscriptions()
        alive = arrived.liveness.available
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
        existing.showed_life = True
        self.by_base[base] = existing
        existing.apply_settings(self._settings.device(existing.node_id))
        self.rebuild_points(existing)
        self._state_changed()
        if alive:
            existing.liveness.message()
        self._reporter.report_info(existing)
        self._reporter.flush(existing)
        self._refresh_device(existing)
        return existing

    def _replace(self, device: Device) -> Device:
        """Another board (another MAC) now uses this device's base: the old device loses it."""
        base = device.base
        if base is None:
            return device
        self._logger.info("FmPyIOT base topic %s now belongs to another device than %s", base, device.label)
        device.drop_subscriptions()
        device.base = None
        was_available = device.liveness.available
        device.liveness.stop()
        if was_available:
            self._reporter.lost(device)
        self._state_changed()
        replacement = self.by_base[base] = self.new_device(base)
        self._refresh_device(replacement)
        return replacement

    # --- identity timer --------------------------------------------------------------------------

    def _arm_identity_timer(self, device: Device, delay: float, waited: float = 0.0) -> None:
        device.cancel_identity_timer()
        expired = partial(self._identity_expired, device, waited + delay)
        device.identity_timer = self._clock.call_later(delay, expired)

    def _identity_expired(self, device: Device, waited: float) -> None:  # `waited` since discovered
        """Ask a silent device for SYSINFO once more; after `identity_timeout`, use its base topic."""
        device.identity_timer = None
        if (
            device.node_id is not None
            or (base := device.base) is None
            or self.by_base.get(base) is not device
        ):
            return
        try:
            if waited < self._identity_timeout:
                self._ask_sysinfo(device)
                self._arm_identity_timer(device, self._identity_timeout - waited, waited)
            elif device.showed_life:
                self.identify(device, base, Identity.BASE)
            else:  # only a BYE was heard: nothing to show
                self.forget(device)
        except Exception:  # a timer: nothing may escape into the event loop
            self._logger.exception("Error while identifying the FmPyIOT device at %s", base)

    # --- storage ---------------------------------------------------------------------------------

    def restore(self, stored: Mapping[str, Any]) -> list[SkippedRecord]:
        """Take back what `export` gave; a malformed record is logged once, skipped and returned."""
        if stored.get("version") != STORAGE_VERSION or not isinstance(records := stored.get("devices"), list):
            self._problems.report("storage", DropReason.BAD_RECORD, "stored devices of an unknown shape")
            return [SkippedRecord(path="document", reason="not a device list of this version", data=stored)]
        skipped: list[SkippedRecord] = []
        for index, data in enumerate(records):
            try:
                record = read_record(data, normalise_base)
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                self._problems.report(
                    "storage", DropReason.BAD_RECORD, f"stored device skipped: {err!r:.120}"
                )
                skipped.append(SkippedRecord(path=f"devices[{index}]", reason=f"{err!r:.120}", data=data))
                continue
            if record.node_id in self.by_id or (record.base is not None and record.base in self.by_base):
                continue
            device = self.new_device(record.base, learned_period=record.watchdog_period)
            device.node_id, device.identity = record.node_id, record.identity
            device.web_name = record.web_name
            for key, (shape, action) in record.topics.items():
                if (entry := device.ensure_entry(key)) is not None:
                    entry.shape, entry.action = shape, action
            device.params = dict(record.params)
            self.by_id[record.node_id] = device
            if record.base is not None:
                self.by_base[record.base] = device
            device.apply_settings(self._settings.device(record.node_id))
            self.rebuild_points(device)
        return skipped

    def export(self) -> dict[str, Any]:
        """Every identified device as plain data."""
        return {
            "version": STORAGE_VERSION,
            "devices": [device_record(device) for device in self.by_id.values()],
        }
