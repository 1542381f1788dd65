"""Simulated FmPyIOT devices on a real broker (and their web servers), many per process.

Each device has its own MQTT connection, as a board does: clean session, QoS 0, exact subscriptions,
last will `<base>BYE`, reconnection every `reconnect_delay` seconds (5 s upstream) with its
subscriptions renewed and what it published meanwhile sent after. A sleeping device (`FmPyIotSleep`)
connects, publishes SYSINFO and each auto-sent topic once, then resets (its will says BYE) and sleeps.

    python -m tools.simulators.fmpyiot_node --port 1883 --devices 3 --web-port 8080 --sleeping 1

`DeviceRunner` connects one `SimulatedDevice` (tools/simulators/fmpyiot_device.py); tests drive it
step by step (`publish_value`, `feed`, `die`, `sleep_cycle`, `move_to`) with `periodic=False`, or let
it run its periodic sends (`periodic=True`, `speed` to run faster than real time).
"""

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
import logging
import signal

from .fmpyiot_device import Message, SimulatedDevice, make_device
from .fmpyiot_web import NanowebServer
from .mqtt_device_client import MqttDeviceClient

DEFAULT_PORT = 1883
RECONNECT_DELAY = 5.0

_LOGGER = logging.getLogger("fmpyiot_node")


class DeviceRunner:
    """One device on the broker, and optionally its web server."""

    def __init__(
        self,
        device: SimulatedDevice,
        host: str,
        port: int,
        *,
        periodic: bool = False,
        speed: float = 1.0,
        reconnect_delay: float = RECONNECT_DELAY,
        sleeping: bool = False,
        sleep_period: float = 600.0,
    ) -> None:
        """Prepare; `start` connects."""
        self.device = device
        self.host, self.port = host, port
        self.periodic = periodic
        self.speed = speed
        self.reconnect_delay = reconnect_delay
        self.sleeping = sleeping
        self.sleep_period = sleep_period
        self.web: NanowebServer | None = None
        self.client: MqttDeviceClient | None = None
        self.connected = asyncio.Event()
        self._outbox: list[Message] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._supervisor: asyncio.Task[None] | None = None
        self.connections = 0

    async def start(
        self,
        *,
        web: bool = False,
        web_port: int = 0,
        credentials: tuple[str, str] | None = ("admin", "secret"),
    ) -> None:
        """Connect (and serve the web API); returns once subscribed."""
        if web:
            self.web = NanowebServer(self.device, credentials=credentials, on_reboot=self.reboot)
            await self.web.start(port=web_port)
        self._supervisor = asyncio.create_task(self._supervise(), name=f"fmpyiot {self.device.base}")
        async with asyncio.timeout(15):
            await self.connected.wait()

    async def stop(self) -> None:
        """Disconnect cleanly (no will) and stop the web server."""
        self._stopping = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.client is not None:
            await (self.client.disconnect() if self.client.connected else self.client.die())
        if self.web is not None:
            await self.web.stop()

    # --- driving it -------------------------------------------------------------------------------

    async def publish(self, message: Message | None) -> None:
        """Publish now, or after the next reconnection while offline (as `mqtt_as` does)."""
        if message is None:
            return
        if self.client is None or not self.client.connected:
            self._outbox.append(message)
            return
        try:
            await self.client.publish(message.topic, message.payload)
        except ConnectionError:
            self._outbox.append(message)

    async def publish_value(self, declared: str) -> None:
        """Publish one topic's current value."""
        await self.publish(self.device.value_message(declared))

    async def feed(self) -> None:
        """`FEED` on WATCHDOG."""
        await self.publish(self.device.feed_message())

    async def say_sysinfo(self) -> None:
        """Publish SYSINFO."""
        await self.publish(self.device.sysinfo_message())

    async def ask_time(self) -> None:
        """`_` on `/FmPyIOT/datetime_`."""
        await self.publish(self.device.time_request())

    async def die(self) -> None:
        """Drop the connection as a reset does (the broker publishes BYE) and stay offline."""
        self._stopping = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        if self.client is not None:
            await self.client.die()
        self.connected.clear()

    async def revive(self) -> None:
        """Boot again after `die`."""
        self._stopping = False
        self._supervisor = asyncio.create_task(self._supervise())
        async with asyncio.timeout(15):
            await self.connected.wait()

    async def reboot(self) -> None:
        """`/api/reboot`: reset, then boot again."""
        await self.die()
        self._spawn(self.revive())

    async def move_to(self, base: str) -> None:
        """Reflash with another base topic (same board, same MAC): reconnect under the new base."""
        await self.die()
        self.device.base = base if base.endswith("/") else f"{base}/"
        await self.revive()

    async def sleep_cycle(self) -> None:
        """One `FmPyIotSleep` cycle: connect, SYSINFO and every auto-sent topic once, then reset."""
        if not self.connected.is_set():
            await self.revive()
        await self.say_sysinfo()
        for _, declared in self.device.periodic():
            if declared.startswith("./") and declared not in {"./SYSINFO", "./WATCHDOG"}:
                await self.publish_value(declared)
        await asyncio.sleep(0.05)
        await self.die()

    # --- the connection ---------------------------------------------------------------------------

    async def _supervise(self) -> None:
        """Connect, subscribe, run; reconnect every `reconnect_delay` after a loss."""
        while not self._stopping:
            client = MqttDeviceClient(
                self.host,
                self.port,
                self.device.client_id,
                on_message=self._on_message,
                will=self.device.bye(),
            )
            try:
                await client.connect()
                await client.subscribe(self.device.subscriptions())
            except (OSError, TimeoutError, ConnectionError) as err:
                _LOGGER.debug("%s cannot connect: %s", self.device.base, err)
                await asyncio.sleep(self.reconnect_delay)
                continue
            self.client = client
            self.connections += 1
            outbox, self._outbox = self._outbox, []
            for message in outbox:
                await self.publish(message)
            self.connected.set()
            periodic = asyncio.create_task(self._periodic()) if self.periodic else None
            try:
                await client.lost.wait()
            finally:
                self.connected.clear()
                if periodic is not None:
                    periodic.cancel()
                if client.lost.is_set():
                    await client.die()  # the connection is gone already: release its tasks
            if not self._stopping:
                await asyncio.sleep(self.reconnect_delay)

    def _on_message(self, topic: str, payload: bytes) -> None:
        for message in self.device.handle(topic, payload):
            self._spawn(self.publish(message))

    async def _periodic(self) -> None:
        """Every auto-sent topic after its period (sleeping first, as upstream)."""

        async def every(declared: str) -> None:
            while True:
                period = {name: value for value, name in self.device.periodic()}.get(declared, 60.0)
                await asyncio.sleep(max(period, 0.01) / self.speed)
                if declared == "./WATCHDOG":
                    await self.feed()
                elif declared == "/FmPyIOT/datetime_":
                    await self.ask_time()
                else:
                    await self.publish_value(declared)

        await asyncio.gather(*(every(declared) for _, declared in self.device.periodic()))

    def _spawn(self, coroutine: asyncio.Future[None] | asyncio.Task[None] | object) -> None:
        task = asyncio.ensure_future(coroutine)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def run_devices(
    host: str,
    port: int,
    devices: Sequence[SimulatedDevice],
    *,
    stop: asyncio.Event,
    ready: asyncio.Event | None = None,
    web_port: int | None = None,
    sleeping: int = 0,
    speed: float = 1.0,
) -> list[DeviceRunner]:
    """Run `devices` until `stop` is set; the last `sleeping` of them as battery devices."""
    runners = [DeviceRunner(device, host, port, periodic=True, speed=speed) for device in devices]
    for index, runner in enumerate(runners):
        runner.sleeping = index >= len(runners) - sleeping
        await runner.start(web=web_port is not None, web_port=(web_port or 0) + index if web_port else 0)
    if ready is not None:
        ready.set()
    sleepers = [asyncio.create_task(_sleep_loop(runner)) for runner in runners if runner.sleeping]
    await stop.wait()
    for task in sleepers:
        task.cancel()
    for runner in runners:
        await runner.stop()
    return runners


async def _sleep_loop(runner: DeviceRunner) -> None:
    runner.periodic = False
    while True:
        await runner.sleep_cycle()
        await asyncio.sleep(runner.sleep_period / runner.speed)


def main(argv: Sequence[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--devices", type=int, default=3)
    parser.add_argument("--web-port", type=int, default=None, help="web server of device i on this port + i")
    parser.add_argument("--sleeping", type=int, default=0, help="the last N devices are battery devices")
    parser.add_argument("--old-sysinfo", type=int, default=0, help="the first N devices send 2023 SYSINFO")
    parser.add_argument("--prefix", default="T-HOME/SIM", help="base topic prefix (device i: <prefix><i>/)")
    parser.add_argument("--speed", type=float, default=1.0, help="run periodic sends this much faster")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    devices = [
        make_device(
            index,
            prefix=args.prefix,
            sysinfo_shape="2023" if index < args.old_sysinfo else "2024",
            seed=args.seed,
            watchdog=None if index >= args.devices - args.sleeping else 100,
        )
        for index in range(args.devices)
    ]

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        ready = asyncio.Event()
        task = asyncio.create_task(
            run_devices(
                args.host,
                args.port,
                devices,
                stop=stop,
                ready=ready,
                web_port=args.web_port,
                sleeping=args.sleeping,
                speed=args.speed,
            )
        )
        await ready.wait()
        _LOGGER.info("%d FmPyIOT devices on %s:%d", len(devices), args.host, args.port)
        await task

    asyncio.run(run())


if __name__ == "__main__":
    main()
