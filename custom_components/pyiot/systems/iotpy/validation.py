"""Checking a folder of device files for the config flow, off the event loop."""

from dataclasses import dataclass
from pathlib import Path

from ...core.iotpy.imports import DeviceRegistry
from ...core.iotpy.loader import LoadedFile, load_device_file
from ...core.iotpy.problems import Problem
from ...core.iotpy.scan import scan_folder

MAX_BYTES = 1024 * 1024
MAX_FILES = 200


@dataclass(frozen=True, kw_only=True, slots=True)
class FolderCheck:
    """What the flow shows: an error key and its placeholders, or the number of devices found."""

    error: str | None = None
    placeholders: dict[str, str] | None = None
    devices: int = 0


def check_folder_in(config_dir: Path, folder: str) -> tuple[str, FolderCheck]:
    """`folder` relative to the config directory and what `check_folder` says of it (blocking)."""
    root = config_dir.resolve()
    path = (root / folder.strip()).resolve()
    if not path.is_relative_to(root):
        return folder, FolderCheck(error="outside_config")
    return str(path.relative_to(root)), check_folder(path)


def check_folder(path: Path) -> FolderCheck:
    """Import every device file of `path` once (blocking: run it in an executor).

    The devices are never started; the first file that cannot load is the error.
    """
    if not path.exists():
        return FolderCheck(error="folder_not_found")
    if not path.is_dir():
        return FolderCheck(error="not_a_folder")
    scan = scan_folder(path, {}, max_bytes=MAX_BYTES, max_files=MAX_FILES)
    devices = 0
    for scanned in scan.files.values():
        if scanned.problem is not None:
            return _failed(scanned.problem)
        if scanned.source is None:  # pragma: no cover - nothing is known, so every file is read
            continue
        outcome = load_device_file(scanned.source, DeviceRegistry(), lambda _file, _device: None)
        if not isinstance(outcome, LoadedFile):
            return _failed(outcome)
        devices += len(outcome.devices)
    if devices == 0:
        return FolderCheck(error="no_devices")
    return FolderCheck(devices=devices)


def _failed(problem: Problem) -> FolderCheck:
    placeholders = problem.placeholders()
    return FolderCheck(
        error="file_failed",
        placeholders={
            "file": placeholders["file"],
            "line": placeholders["line"],
            "error": problem.describe(),
        },
    )
