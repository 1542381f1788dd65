"""A real mosquitto broker on a free loopback port, for the test session."""

from dataclasses import dataclass
from pathlib import Path
import shutil
import socket
import subprocess
import time

MOSQUITTO_PATHS = ("mosquitto", "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")


def find_mosquitto() -> str | None:
    """Path of the mosquitto binary, or None."""
    for candidate in MOSQUITTO_PATHS:
        if path := shutil.which(candidate):
            return path
    return None


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mosquitto:
    """A running broker."""

    host: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """Kill the broker at once (SIGKILL), as a power cut or a crash would."""
        self.process.kill()
        self.process.wait(timeout=5)

    def stop(self) -> None:
        """Terminate the broker."""
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_mosquitto(workdir: Path, port: int | None = None) -> Mosquitto:
    """Start mosquitto listening on 127.0.0.1 only (on `port`, default a free one); wait until it accepts.

    A given `port` lets a test or benchmark restart a killed broker where its clients reconnect.
    """
    binary = find_mosquitto()
    if binary is None:
        msg = "mosquitto is not installed: run scripts/setup"
        raise RuntimeError(msg)
    port = port or free_port()
    config = workdir / "mosquitto.conf"
    log = workdir / "mosquitto.log"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "log_dest stderr\nlog_type error\nlog_type warning\nmax_queued_messages 1000000\n",
        encoding="utf-8",
    )
    with log.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603
            [binary, "-c", str(config)], stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file
        )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"mosquitto exited with {process.returncode}: {log.read_text(encoding='utf-8')}"
            raise RuntimeError(msg)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return Mosquitto("127.0.0.1", port, process, log)
        except OSError:
            time.sleep(0.05)
    process.kill()
    msg = "mosquitto did not start within 10 s"
    raise RuntimeError(msg)
