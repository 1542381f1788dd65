"""Which device files a folder has, and which changed: upstream's `<dir>/[!_]*.py`, polled by stat and hash.

Runs in an executor thread. A file whose stat (mtime, size, inode) is what the caller already knows is
not read again; any other is read whole (at most `max_bytes`) and hashed, so a file that was only
touched is recognised as unchanged by the caller.
"""

from collections.abc import Mapping
from dataclasses import dataclass
import glob
import hashlib
from pathlib import Path

from .loader import SourceFile
from .problems import Problem, ProblemKey

PATTERN = "[!_]*.py"


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What `stat` says about a file; a change means the file may have changed."""

    mtime_ns: int
    size: int
    inode: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ScannedFile:
    """One device file: unchanged (`source` and `problem` None), read anew, or unreadable."""

    name: str
    stamp: FileStamp
    source: SourceFile | None = None
    problem: Problem | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ScanResult:
    """The folder's device files by name; `missing` when the folder itself cannot be listed."""

    files: dict[str, ScannedFile]
    missing: str | None = None
    skipped: int = 0
    """Device files beyond `max_files` (ignored)."""


def scan_folder(
    folder: Path, known: Mapping[str, FileStamp], *, max_bytes: int, max_files: int
) -> ScanResult:
    """The folder's device files, in name order; those whose stamp is not in `known` are read."""
    if not folder.is_dir():
        return ScanResult(files={}, missing=f"{folder} is not a folder")
    # Upstream's glob (names starting with a dot are not matched), relative to the folder.
    paths = sorted(folder / name for name in glob.glob(PATTERN, root_dir=folder))  # noqa: PTH207
    files: dict[str, ScannedFile] = {}
    skipped = 0
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            continue  # removed since it was listed
        if not path.is_file():
            continue
        if len(files) >= max_files:
            skipped += 1
            continue
        stamp = FileStamp(mtime_ns=info.st_mtime_ns, size=info.st_size, inode=info.st_ino)
        files[path.name] = _read(path, stamp, known.get(path.name), max_bytes)
    return ScanResult(files=files, skipped=skipped)


def _read(path: Path, stamp: FileStamp, known: FileStamp | None, max_bytes: int) -> ScannedFile:
    if stamp == known:
        return ScannedFile(name=path.name, stamp=stamp)
    if stamp.size > max_bytes:
        problem = Problem(
            key=ProblemKey.FILE_TOO_LARGE,
            file=path.name,
            message=f"{stamp.size} bytes, more than the {max_bytes} allowed",
        )
        return ScannedFile(name=path.name, stamp=stamp, problem=problem)
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as err:
        problem = Problem(
            key=ProblemKey.FILE_UNREADABLE, file=path.name, exception=type(err).__name__, message=str(err)
        )
        return ScannedFile(name=path.name, stamp=stamp, problem=problem)
    if len(data) > max_bytes:  # grew between stat and read
        problem = Problem(
            key=ProblemKey.FILE_TOO_LARGE, file=path.name, message=f"more than the {max_bytes} bytes allowed"
        )
        return ScannedFile(name=path.name, stamp=stamp, problem=problem)
    digest = hashlib.sha256(data).hexdigest()
    source = SourceFile(name=path.name, path=path, data=data, digest=digest)
    return ScannedFile(name=path.name, stamp=stamp, source=source)
