"""Benchmark of reading remote IOTpy servers: the server side, and PyIoT's client against a rest-style anchor.

Run from the repository root:

    .venv/bin/python bench/iotpy_remote.py [--servers 20 --variables 50 --interval 1 --seconds 10]

A separate process (this file, `--serve` role) runs `--servers` simulated upstream servers
(`tools/simulators/iotpy_server.py`, `--variables` variables each, values moving every second) on
127.0.0.1, so their CPU is not counted. This process then polls them every `--interval` seconds for
`--seconds`, twice, and measures its own CPU time (all threads) over each window:

1. PyIoT: one `GET /variables` per server per interval (`IotpyServerClient.fetch` + `ServerView`).
2. Anchor, as Home Assistant core's `rest` sensor integration does it with one sensor per variable:
   one `GET /variables` per variable per interval, each parsed in full to take one value.

The Home Assistant half (the real `rest` integration and PyIoT's coordinator inside HA, HA's CPU
share) is added with the HA wiring. Figures are printed, not asserted.
"""

import argparse
import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
import json
import os
import subprocess
import sys
import time

import aiohttp
from bench_paths import REPO_ROOT  # first: sets sys.path

from custom_components.pyiot.core.protocols.iotpy import IotpyServerClient, ServerAddress, ServerView
from tools.simulators.iotpy_server import IotpyServerSim, bulk_device, example_device

PROCESS_TIMEOUT = 60.0


async def serve(servers: int, variables: int) -> None:
    """The `--serve` role: start the servers, print their ports, run until stdin closes."""
    sims = [
        IotpyServerSim([example_device(), bulk_device(variables - 3, name=f"bulk{index}")], period=1.0)
        for index in range(servers)
    ]
    ports = [await sim.start() for sim in sims]
    print(json.dumps(ports), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for sim in sims:
        await sim.stop()


async def poll_pyiot(
    session: aiohttp.ClientSession, ports: list[int], args: argparse.Namespace
) -> tuple[int, int]:
    clients = [IotpyServerClient(session, ServerAddress.parse(f"http://127.0.0.1:{port}")) for port in ports]
    views = [ServerView() for _ in ports]
    requests = values = 0

    async def one(client: IotpyServerClient, view: ServerView) -> int:
        view.apply(await client.fetch())
        return sum(1 for name in view.names if (state := view.get(name)) is not None and state.available)

    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        start = time.monotonic()
        values += sum(await asyncio.gather(*(one(c, v) for c, v in zip(clients, views, strict=True))))
        requests += len(clients)
        await asyncio.sleep(max(0.0, args.interval - (time.monotonic() - start)))
    return requests, values


async def poll_rest_style(
    session: aiohttp.ClientSession, ports: list[int], args: argparse.Namespace
) -> tuple[int, int]:
    names = [f"v{index:03d}" for index in range(args.variables - 3)] + ["test0", "test1", "alwais_fail"]
    requests = values = 0

    async def one(port: int, name: str) -> int:
        async with session.get(f"http://127.0.0.1:{port}/variables") as response:
            document = json.loads(await response.text())
        value = next((item["value"] for item in document if item["name"] == name), None)
        return int(value is not None)

    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        start = time.monotonic()
        values += sum(await asyncio.gather(*(one(port, name) for port in ports for name in names)))
        requests += len(ports) * len(names)
        await asyncio.sleep(max(0.0, args.interval - (time.monotonic() - start)))
    return requests, values


async def measure(role: str, ports: list[int], args: argparse.Namespace) -> dict[str, float]:
    connector = aiohttp.TCPConnector(limit=100)
    async with aiohttp.ClientSession(connector=connector) as session:
        cpu0, wall0 = time.process_time(), time.monotonic()
        poll = poll_pyiot if role == "pyiot" else poll_rest_style
        requests, values = await poll(session, ports, args)
        wall = time.monotonic() - wall0
        cpu = time.process_time() - cpu0
    return {"requests_per_s": requests / wall, "values_per_s": values / wall, "cpu_share": cpu / wall}


async def measure_both(
    ports: list[int], args: argparse.Namespace
) -> tuple[dict[str, float], dict[str, float]]:
    return await measure("pyiot", ports, args), await measure("rest", ports, args)


@contextmanager
def served(servers: int, variables: int) -> Iterator[list[int]]:
    """The `--serve` role in a child process while the context lasts; yields the servers' ports."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--servers", str(servers), "--variables", str(variables)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        text=True,
    )
    try:
        if child.stdout is None:
            raise SystemExit("no pipe to the servers")
        yield json.loads(child.stdout.readline())
    finally:
        if child.stdin is not None:
            child.stdin.close()
        child.wait(PROCESS_TIMEOUT)


def main(args: argparse.Namespace) -> None:
    with served(args.servers, args.variables) as ports:
        ours, anchor = asyncio.run(measure_both(ports, args))
    print(
        f"Remote IOTpy servers: {args.servers} simulated servers x {args.variables} variables, polled every "
        f"{args.interval:g} s for {args.seconds:g} s (servers in another process)"
    )
    for label, result in (
        ("PyIoT (one GET per server)", ours),
        ("Anchor, rest-style (one GET per variable)", anchor),
    ):
        print(f"{label}:")
        print(f"  {result['requests_per_s']:8.1f} requests/s, {result['values_per_s']:8.1f} values/s read")
        per_value = result["cpu_share"] / result["values_per_s"] * 1e6 if result["values_per_s"] else 0.0
        print(f"  CPU {result['cpu_share'] * 100:6.2f} % of one core, {per_value:.0f} µs per value read")
    wanted = args.servers * args.variables / args.interval
    if anchor["requests_per_s"] < 0.9 * wanted:
        managed = anchor["requests_per_s"]
        print(f"  (the anchor managed {managed:.0f} of the {wanted:.0f} requests/s it should send)")
    ratio = anchor["cpu_share"] / ours["cpu_share"] if ours["cpu_share"] else float("inf")
    per_value_ratio = (anchor["cpu_share"] / anchor["values_per_s"]) / (
        ours["cpu_share"] / ours["values_per_s"]
    )
    print(f"Ratio: CPU of the anchor / PyIoT = {ratio:.1f}x; per value read = {per_value_ratio:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--servers", type=int, default=20)
    parser.add_argument("--variables", type=int, default=50)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    arguments = parser.parse_args()
    if arguments.serve:
        asyncio.run(serve(arguments.servers, arguments.variables))
    else:
        main(arguments)
