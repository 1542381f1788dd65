"""Simulated RPyMostat sensor hosts, sending as upstream RPyMostat-sensor's daemon does (rpymostat.md §4).

Each host PUTs `{"host_id": ..., "sensors": {...}}` to `http://<engine>:<port>/v1/sensors/update` once
per `--interval` on a new connection, with two 1-Wire (OWFS) temperature sensors whose readings follow a
slow random walk; 201 and 202 are success, anything else is logged and retried at the next interval.

    python -m tools.simulators.rpymostat_host --port 8088 --hosts 2 --interval 15
"""

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
import logging
import random
import signal
from typing import Any

import aiohttp

SENSORS_PER_HOST = 2
SUCCESS = frozenset({201, 202})
RETRY = 3.0

_LOGGER = logging.getLogger("rpymostat_host")


def host_id(index: int) -> str:
    """A host id shaped like rpymostat-common's `SystemID` on a Raspberry Pi."""
    return f"RaspberryPi/Pi 3 Model B Rev 1.2/5d1e{index:04x}"


def readings(host: str, temperatures: list[float]) -> dict[str, dict[str, Any]]:
    """The OWFS readings of one round; ids are 1-Wire addresses (family 10: DS18S20)."""
    return {
        f"10{host[-4:].upper()}F50F0108{number:04X}": {"type": "DS18S20", "value": round(value, 4)}
        for number, value in enumerate(temperatures, start=1)
    }


async def run_host(engine: str, port: int, index: int, interval: float) -> None:
    """One host, until cancelled."""
    host = host_id(index)
    temperatures = [20.0 + random.uniform(-1.5, 1.5) for _ in range(SENSORS_PER_HOST)]
    url = f"http://{engine}:{port}/v1/sensors/update"
    while True:
        temperatures = [min(26.0, max(14.0, value + random.uniform(-0.2, 0.2))) for value in temperatures]
        body = {"host_id": host, "sensors": readings(host, temperatures)}
        try:
            connector = aiohttp.TCPConnector(force_close=True)
            async with (
                aiohttp.ClientSession(connector=connector) as session,
                session.put(url, json=body) as response,
            ):
                text = await response.text()
                if response.status not in SUCCESS:
                    _LOGGER.warning("%s: engine answered %s: %s", host, response.status, text)
        except aiohttp.ClientError as err:
            # Unlike upstream, retry soon: the engine (Home Assistant) usually starts after the hosts.
            _LOGGER.warning("%s: cannot reach the engine at %s: %s", host, url, err)
            await asyncio.sleep(min(interval, RETRY))
            continue
        await asyncio.sleep(interval)


async def _main(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    tasks = [
        asyncio.create_task(run_host(args.engine, args.port, index, args.interval))
        for index in range(1, args.hosts + 1)
    ]
    await stop.wait()
    for task in tasks:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.gather(*tasks)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="127.0.0.1", help="the engine's address (default: %(default)s)")
    parser.add_argument("--port", type=int, required=True, help="the engine's port")
    parser.add_argument("--hosts", type=int, default=2, help="number of hosts (default: %(default)s)")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds between PUTs (upstream: 60)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(_main(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
